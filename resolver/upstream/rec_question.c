#include "resolver/upstream/rec_question.h"

#include <string.h>

#include "common/handle_name.h"
#include "proto/hdl_const.h"

size_t rec_question_key(const struct hdl_resolution_request *rr, uint32_t flags, uint8_t *key,
                        size_t cap)
{
    size_t need = 4 + rr->handle.len + 4 + 4 + rr->indexes.len + 4 + rr->types.len;
    if (need > cap)
        return 0;
    uint8_t *p = key;
    hdl_store_u32(p, (uint32_t)rr->handle.len);
    p += 4;
    const uint8_t *slash = memchr(rr->handle.ptr, '/', rr->handle.len);
    size_t prefix_len = slash ? (size_t)(slash - rr->handle.ptr) : rr->handle.len;
    for (size_t i = 0; i < rr->handle.len; i++) {
        uint8_t ch = rr->handle.ptr[i];
        *p++ = (i < prefix_len && ch >= 'a' && ch <= 'z') ? (uint8_t)(ch - 32) : ch;
    }
    hdl_store_u32(p, flags & REC_FLAGS_KEPT);
    p += 4;
    hdl_store_u32(p, rr->index_count);
    p += 4;
    if (rr->indexes.len)
        memcpy(p, rr->indexes.ptr, rr->indexes.len);
    p += rr->indexes.len;
    hdl_store_u32(p, rr->type_count);
    p += 4;
    if (rr->types.len)
        memcpy(p, rr->types.ptr, rr->types.len);
    p += rr->types.len;
    return (size_t)(p - key);
}

size_t rec_question_prefix_handle(const uint8_t *handle, size_t len, uint8_t *buf, size_t cap)
{
    const uint8_t *slash = memchr(handle, '/', len);
    if (!slash || hname_has_na_prefix(handle, len))
        return 0;
    size_t plen = (size_t)(slash - handle);
    if (plen == 0 || HNAME_NA_PREFIX_LEN + plen > cap)
        return 0;
    memcpy(buf, HNAME_NA_PREFIX, HNAME_NA_PREFIX_LEN);
    memcpy(buf + HNAME_NA_PREFIX_LEN, handle, plen);
    return HNAME_NA_PREFIX_LEN + plen;
}
