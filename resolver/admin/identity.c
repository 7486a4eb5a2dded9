#include "resolver/admin/identity.h"

#include <string.h>

static unsigned char fold(unsigned char c)
{
    return (c >= 'a' && c <= 'z') ? (unsigned char)(c - 32) : c;
}

bool identity_set(struct identity *id, const uint8_t *handle, size_t len, uint32_t index)
{
    if (len == 0 || len > sizeof id->handle)
        return false;
    memcpy(id->handle, handle, len);
    id->handle_len = (uint32_t)len;
    id->index = index;
    id->authenticated = true;
    return true;
}

bool identity_is(const struct identity *id, const uint8_t *handle, size_t len, uint32_t index)
{
    if (!id->authenticated || len != id->handle_len)
        return false;
    if (index != 0 && index != id->index)
        return false;
    for (size_t i = 0; i < len; i++)
        if (fold(handle[i]) != fold(id->handle[i]))
            return false;
    return true;
}

bool identity_parse(const char *s, size_t len, uint32_t *index, const char **handle,
                    size_t *handle_len)
{
    const char *colon = memchr(s, ':', len);
    size_t digits = colon ? (size_t)(colon - s) : 0;
    bool numeric = colon && digits > 0 && digits <= 10;
    uint64_t n = 0;
    for (size_t i = 0; numeric && i < digits; i++) {
        numeric = s[i] >= '0' && s[i] <= '9';
        n = n * 10 + (uint64_t)(s[i] - '0');
    }
    if (numeric && n > UINT32_MAX)
        numeric = false;
    const char *h = numeric ? colon + 1 : s;
    size_t hlen = len - (size_t)(h - s);
    if (hlen == 0 || memchr(h, '\0', hlen))
        return false;
    *index = numeric ? (uint32_t)n : 0;
    *handle = h;
    *handle_len = hlen;
    return true;
}
