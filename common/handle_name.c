#include "common/handle_name.h"

#include <string.h>

bool hname_has_na_prefix(const void *h, size_t n)
{
    const uint8_t *p = h;
    if (n < HNAME_NA_PREFIX_LEN)
        return false;
    /* ASCII folding by hand: strncasecmp would follow the locale. */
    for (size_t i = 0; i < HNAME_NA_PREFIX_LEN; i++) {
        uint8_t c = (p[i] >= 'a' && p[i] <= 'z') ? (uint8_t)(p[i] - 32) : p[i];
        if (c != (uint8_t)HNAME_NA_PREFIX[i])
            return false;
    }
    return true;
}

bool hname_is_prefix_handle(const void *h, size_t n)
{
    return n > HNAME_NA_PREFIX_LEN && hname_has_na_prefix(h, n);
}

size_t hname_lookup(const void *h, size_t n, uint8_t *buf, size_t cap)
{
    size_t pre = memchr(h, '/', n) ? 0 : HNAME_NA_PREFIX_LEN;
    if (n + pre > cap)
        return 0;
    memcpy(buf, HNAME_NA_PREFIX, pre);
    memcpy(buf + pre, h, n);
    return n + pre;
}

size_t hname_prefix_handle(const char *prefix, size_t n, char *buf, size_t cap)
{
    size_t pre = hname_is_prefix_handle(prefix, n) ? 0 : HNAME_NA_PREFIX_LEN;
    if (n + pre >= cap) {
        if (cap)
            buf[0] = '\0';
        return 0;
    }
    memcpy(buf, HNAME_NA_PREFIX, pre);
    memcpy(buf + pre, prefix, n);
    buf[pre + n] = '\0';
    return pre + n;
}

const char *hname_strip_na(const char *h, size_t *n)
{
    if (!hname_is_prefix_handle(h, *n))
        return h;
    *n -= HNAME_NA_PREFIX_LEN;
    return h + HNAME_NA_PREFIX_LEN;
}
