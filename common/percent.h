/* Percent-encoding (RFC 3986 §2.1) with the set of bytes kept as they are chosen by the caller:
 * the QR codes' proxy URLs, the pages' links and the proxy's Location headers use one encoder. */
#ifndef COMMON_PERCENT_H
#define COMMON_PERCENT_H

#include <stddef.h>
#include <stdint.h>

/* RFC 3986's unreserved characters besides letters and digits. */
#define PCT_UNRESERVED "-._~"

/* The length of s[0..n) encoded: letters, digits and the bytes in keep stay, every other byte
 * takes three ("%XX"). At most 3 * n. */
size_t pct_encoded_len(const uint8_t *s, size_t n, const char *keep);

/* Writes s[0..n) encoded (upper-case hex) into out, which has room for pct_encoded_len bytes;
 * no NUL is written. Returns the length written. */
size_t pct_encode(char *out, const uint8_t *s, size_t n, const char *keep);

#endif
