#include "identity.h"

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
