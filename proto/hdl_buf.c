#include "proto/hdl_buf.h"

#include <string.h>

int hdl_get_u8(struct hdl_reader *r, uint8_t *out)
{
    if (hdl_reader_left(r) < 1)
        return HDL_ERR_TRUNCATED;
    *out = r->buf[r->pos++];
    return HDL_OK;
}

int hdl_get_u16(struct hdl_reader *r, uint16_t *out)
{
    if (hdl_reader_left(r) < 2)
        return HDL_ERR_TRUNCATED;
    const uint8_t *p = r->buf + r->pos;
    *out = (uint16_t)((p[0] << 8) | p[1]);
    r->pos += 2;
    return HDL_OK;
}

int hdl_get_u32(struct hdl_reader *r, uint32_t *out)
{
    if (hdl_reader_left(r) < 4)
        return HDL_ERR_TRUNCATED;
    *out = hdl_load_u32(r->buf + r->pos);
    r->pos += 4;
    return HDL_OK;
}

int hdl_get_u64(struct hdl_reader *r, uint64_t *out)
{
    if (hdl_reader_left(r) < 8)
        return HDL_ERR_TRUNCATED;
    const uint8_t *p = r->buf + r->pos;
    *out = ((uint64_t)hdl_load_u32(p) << 32) | hdl_load_u32(p + 4);
    r->pos += 8;
    return HDL_OK;
}

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

static inline uint8_t *writer_take(struct hdl_writer *w, size_t n)
{
    if (w->overflow || w->cap - w->len < n) {
        w->overflow = true;
        return NULL;
    }
    uint8_t *p = w->buf + w->len;
    w->len += n;
    return p;
}

void hdl_put_u8(struct hdl_writer *w, uint8_t v)
{
    uint8_t *p = writer_take(w, 1);
    if (p)
        p[0] = v;
}

void hdl_put_u16(struct hdl_writer *w, uint16_t v)
{
    uint8_t *p = writer_take(w, 2);
    if (p) {
        p[0] = (uint8_t)(v >> 8);
        p[1] = (uint8_t)v;
    }
}

void hdl_put_u32(struct hdl_writer *w, uint32_t v)
{
    uint8_t *p = writer_take(w, 4);
    if (p)
        hdl_store_u32(p, v);
}

void hdl_put_u64(struct hdl_writer *w, uint64_t v)
{
    hdl_put_u32(w, (uint32_t)(v >> 32));
    hdl_put_u32(w, (uint32_t)v);
}

void hdl_put_raw(struct hdl_writer *w, const void *src, size_t n)
{
    uint8_t *p = writer_take(w, n);
    if (p && n)
        memcpy(p, src, n);
}

void hdl_put_bytes(struct hdl_writer *w, const void *src, size_t n)
{
    if (n > UINT32_MAX) {
        w->overflow = true;
        return;
    }
    hdl_put_u32(w, (uint32_t)n);
    hdl_put_raw(w, src, n);
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
