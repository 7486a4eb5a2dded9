/* Handling secret bytes: random ones, wiping them, comparing them in constant time. */
#ifndef CRYPTO_SECRET_H
#define CRYPTO_SECRET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Fills buf with len bytes from the CSPRNG. Returns 0, or -1 when it has none to give. */
int cry_random(void *buf, size_t len);

/* Overwrites len bytes at p with zeros in a way the compiler cannot drop. */
void cry_cleanse(void *p, size_t len);

/* Whether a and b hold the same len bytes, in time that does not depend on where they differ. */
bool cry_memeq(const void *a, const void *b, size_t len);

#endif
