#include "proto/hdl_buf.h"

#include <string.h>

int hdl_get_raw(struct hdl_reader *r, size_t n, struct hdl_slice *out)
{
    if (hdl_reader_left(r) < n || n > UINT32_MAX)
        return HDL_ERR_TRUNCATED;
    out->ptr = r->buf + r->pos;
    out->len = (uint32_t)n;
    r->pos += n;
    return HDL_OK;
}

int hdl_skip(struct hdl_reader *r, size_t n)
{
    if (hdl_reader_left(r) < n)
        return HDL_ERR_TRUNCATED;
    r->pos += n;
    return HDL_OK;
}

int hdl_get_bytes(struct hdl_reader *r, uint32_t max, struct hdl_slice *out)
{
    size_t start = r->pos;
    uint32_t n;
    int err = hdl_get_u32(r, &n);
    if (err)
        return err;
    if (n > max) {
        r->pos = start;
        return HDL_ERR_LIMIT;
    }
    err = hdl_get_raw(r, n, out);
    if (err)
        r->pos = start;
    return err;
}

int hdl_get_int4_list(struct hdl_reader *r, uint32_t max_count, uint32_t *count,
                      struct hdl_slice *items)
{
    size_t start = r->pos;
    uint32_t n;
    int err = hdl_get_u32(r, &n);
    if (err)
        return err;
    if (n > max_count) {
        r->pos = start;
        return HDL_ERR_LIMIT;
    }
    err = hdl_get_raw(r, (size_t)n * 4, items);
    if (err) {
        r->pos = start;
        return err;
    }
    *count = n;
    return HDL_OK;
}

int hdl_get_string_list(struct hdl_reader *r, uint32_t max_count, uint32_t max_len, uint32_t *count,
                        struct hdl_slice *items)
{
    size_t start = r->pos;
    uint32_t n;
    int err = hdl_get_u32(r, &n);
    if (err)
        return err;
    if (n > max_count) {
        r->pos = start;
        return HDL_ERR_LIMIT;
    }
    size_t first = r->pos;
    for (uint32_t i = 0; i < n; i++) {
        struct hdl_slice s;
        err = hdl_get_bytes(r, max_len, &s);
        if (err) {
            r->pos = start;
            return err;
        }
    }
    items->ptr = r->buf + first;
    items->len = (uint32_t)(r->pos - first);
    *count = n;
    return HDL_OK;
}

void hdl_put_cstr(struct hdl_writer *w, const char *s)
{
    hdl_put_bytes(w, s, strlen(s));
}

size_t hdl_reserve_u32(struct hdl_writer *w)
{
    size_t at = w->len;
    hdl_put_u32(w, 0);
    return at;
}

void hdl_patch_u32(struct hdl_writer *w, size_t offset, uint32_t v)
{
    if (!w->overflow && offset + 4 <= w->len)
        hdl_store_u32(w->buf + offset, v);
}
