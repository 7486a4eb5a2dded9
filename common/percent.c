#include "common/percent.h"

#include <stdbool.h>
#include <string.h>

static bool kept(uint8_t c, const char *keep)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           (c && strchr(keep, c));
}

size_t pct_encoded_len(const uint8_t *s, size_t n, const char *keep)
{
    size_t len = 0;
    for (size_t i = 0; i < n; i++)
        len += kept(s[i], keep) ? 1 : 3;
    return len;
}

size_t pct_encode(char *out, const uint8_t *s, size_t n, const char *keep)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t at = 0;
    for (size_t i = 0; i < n; i++) {
        if (kept(s[i], keep)) {
            out[at++] = (char)s[i];
        } else {
            out[at++] = '%';
            out[at++] = hex[s[i] >> 4];
            out[at++] = hex[s[i] & 15];
        }
    }
    return at;
}
