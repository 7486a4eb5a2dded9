/*
 * The bounds-checked reader and the capacity-checked writer every codec function goes through.
 * A reader is a cursor over (buf, len) that never reads past len: each getter fails with
 * HDL_ERR_TRUNCATED when fewer bytes remain. A writer appends big-endian fields into a
 * caller-owned buffer and latches an overflow flag instead of writing past its capacity.
 */
#ifndef HDL_BUF_H
#define HDL_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "proto/hdl_error.h"

/* A borrowed run of bytes inside some buffer: never owns memory. */
struct hdl_slice {
    const uint8_t *ptr;
    uint32_t len;
};

struct hdl_reader {
    const uint8_t *buf;
    size_t len;
    size_t pos;
};

static inline void hdl_reader_init(struct hdl_reader *r, const uint8_t *buf, size_t len)
{
    r->buf = buf;
    r->len = len;
    r->pos = 0;
}

static inline size_t hdl_reader_left(const struct hdl_reader *r)
{
    return r->len - r->pos;
}

/* n raw bytes, returned as a slice into the reader's buffer. */
int hdl_get_raw(struct hdl_reader *r, size_t n, struct hdl_slice *out);
int hdl_skip(struct hdl_reader *r, size_t n);
/* An int4-length-prefixed byte string; fails with HDL_ERR_LIMIT when the length exceeds max. */
int hdl_get_bytes(struct hdl_reader *r, uint32_t max, struct hdl_slice *out);
/* An int4 count followed by count int4 values: returns the count and a slice over the values. */
int hdl_get_int4_list(struct hdl_reader *r, uint32_t max_count, uint32_t *count,
                      struct hdl_slice *items);
/* An int4 count followed by count byte strings: validated, returned as count + the raw run. */
int hdl_get_string_list(struct hdl_reader *r, uint32_t max_count, uint32_t max_len, uint32_t *count,
                        struct hdl_slice *items);

/* Reads a big-endian int4 at p without bounds checks: only for slices already validated. */
static inline uint32_t hdl_load_u32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static inline void hdl_store_u32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* The fixed-size getters and putters are inline: every field of every message goes through
 * them, and as calls they took a quarter of a resident hit's instructions. */
static inline int hdl_get_u8(struct hdl_reader *r, uint8_t *out)
{
    if (hdl_reader_left(r) < 1)
        return HDL_ERR_TRUNCATED;
    *out = r->buf[r->pos++];
    return HDL_OK;
}

static inline int hdl_get_u16(struct hdl_reader *r, uint16_t *out)
{
    if (hdl_reader_left(r) < 2)
        return HDL_ERR_TRUNCATED;
    const uint8_t *p = r->buf + r->pos;
    *out = (uint16_t)((p[0] << 8) | p[1]);
    r->pos += 2;
    return HDL_OK;
}

static inline int hdl_get_u32(struct hdl_reader *r, uint32_t *out)
{
    if (hdl_reader_left(r) < 4)
        return HDL_ERR_TRUNCATED;
    *out = hdl_load_u32(r->buf + r->pos);
    r->pos += 4;
    return HDL_OK;
}

static inline int hdl_get_u64(struct hdl_reader *r, uint64_t *out)
{
    if (hdl_reader_left(r) < 8)
        return HDL_ERR_TRUNCATED;
    const uint8_t *p = r->buf + r->pos;
    *out = ((uint64_t)hdl_load_u32(p) << 32) | hdl_load_u32(p + 4);
    r->pos += 8;
    return HDL_OK;
}

struct hdl_writer {
    uint8_t *buf;
    size_t cap;
    size_t len;
    bool overflow;
};

static inline void hdl_writer_init(struct hdl_writer *w, uint8_t *buf, size_t cap)
{
    w->buf = buf;
    w->cap = cap;
    w->len = 0;
    w->overflow = false;
}

/* HDL_OK, or HDL_ERR_NOSPACE if any put since init did not fit. */
static inline int hdl_writer_status(const struct hdl_writer *w)
{
    return w->overflow ? HDL_ERR_NOSPACE : HDL_OK;
}

/* n bytes at the writer's end, or NULL (and the overflow latched) when they do not fit. */
static inline uint8_t *hdl_writer_take(struct hdl_writer *w, size_t n)
{
    if (w->overflow || w->cap - w->len < n) {
        w->overflow = true;
        return NULL;
    }
    uint8_t *p = w->buf + w->len;
    w->len += n;
    return p;
}

static inline void hdl_put_u8(struct hdl_writer *w, uint8_t v)
{
    uint8_t *p = hdl_writer_take(w, 1);
    if (p)
        p[0] = v;
}

static inline void hdl_put_u16(struct hdl_writer *w, uint16_t v)
{
    uint8_t *p = hdl_writer_take(w, 2);
    if (p) {
        p[0] = (uint8_t)(v >> 8);
        p[1] = (uint8_t)v;
    }
}

static inline void hdl_put_u32(struct hdl_writer *w, uint32_t v)
{
    uint8_t *p = hdl_writer_take(w, 4);
    if (p)
        hdl_store_u32(p, v);
}

static inline void hdl_put_u64(struct hdl_writer *w, uint64_t v)
{
    hdl_put_u32(w, (uint32_t)(v >> 32));
    hdl_put_u32(w, (uint32_t)v);
}

static inline void hdl_put_raw(struct hdl_writer *w, const void *src, size_t n)
{
    uint8_t *p = hdl_writer_take(w, n);
    if (p && n)
        memcpy(p, src, n);
}

/* int4 length + bytes. */
static inline void hdl_put_bytes(struct hdl_writer *w, const void *src, size_t n)
{
    if (n > UINT32_MAX) {
        w->overflow = true;
        return;
    }
    hdl_put_u32(w, (uint32_t)n);
    hdl_put_raw(w, src, n);
}
void hdl_put_cstr(struct hdl_writer *w, const char *s);
/* Reserves an int4 to be filled later with hdl_patch_u32; returns its offset. */
size_t hdl_reserve_u32(struct hdl_writer *w);
void hdl_patch_u32(struct hdl_writer *w, size_t offset, uint32_t v);

#endif
