#include "crypto/secret.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>

int cry_random(void *buf, size_t len)
{
    return RAND_bytes(buf, (int)len) == 1 ? 0 : -1;
}

void cry_cleanse(void *p, size_t len)
{
    OPENSSL_cleanse(p, len);
}

bool cry_memeq(const void *a, const void *b, size_t len)
{
    return CRYPTO_memcmp(a, b, len) == 0;
}
