#include "proto/hdl_value.h"

#include <string.h>

#include "proto/hdl_const.h"

/* References: handle strings are bounded like handles; the count like any array. */
static int refs_decode(struct hdl_reader *r, uint32_t *count, struct hdl_slice *run)
{
    size_t start = r->pos;
    uint32_t n;
    int err = hdl_get_u32(r, &n);
    if (err)
        return err;
    if (n > HDL_MAX_ARRAY)
        return HDL_ERR_LIMIT;
    size_t first = r->pos;
    for (uint32_t i = 0; i < n; i++) {
        struct hdl_slice h;
        uint32_t idx;
        if ((err = hdl_get_bytes(r, HDL_MAX_HANDLE_LEN, &h)) || (err = hdl_get_u32(r, &idx))) {
            r->pos = start;
            return err;
        }
    }
    *count = n;
    run->ptr = r->buf + first;
    run->len = (uint32_t)(r->pos - first);
    return HDL_OK;
}

int hdl_value_decode(struct hdl_reader *r, struct hdl_value *v)
{
    size_t start = r->pos;
    int err;
    if ((err = hdl_get_u32(r, &v->index)) || (err = hdl_get_u32(r, &v->timestamp)) ||
        (err = hdl_get_u8(r, &v->ttl_type)) || (err = hdl_get_u32(r, &v->ttl)) ||
        (err = hdl_get_u8(r, &v->perms)) ||
        (err = hdl_get_bytes(r, HDL_MAX_MESSAGE_LEN, &v->type)) ||
        (err = hdl_get_bytes(r, HDL_MAX_MESSAGE_LEN, &v->data)) ||
        (err = refs_decode(r, &v->ref_count, &v->refs))) {
        r->pos = start;
        return err;
    }
    return HDL_OK;
}

int hdl_value_skip(struct hdl_reader *r)
{
    struct hdl_value v;
    return hdl_value_decode(r, &v);
}

void hdl_value_encode(struct hdl_writer *w, const struct hdl_value *v)
{
    hdl_put_u32(w, v->index);
    hdl_put_u32(w, v->timestamp);
    hdl_put_u8(w, v->ttl_type);
    hdl_put_u32(w, v->ttl);
    hdl_put_u8(w, v->perms);
    hdl_put_bytes(w, v->type.ptr, v->type.len);
    hdl_put_bytes(w, v->data.ptr, v->data.len);
    hdl_put_u32(w, v->ref_count);
    hdl_put_raw(w, v->refs.ptr, v->refs.len);
}

size_t hdl_value_encoded_len(const struct hdl_value *v)
{
    return 4 + 4 + 1 + 4 + 1 + 4 + (size_t)v->type.len + 4 + v->data.len + 4 + v->refs.len;
}

int hdl_value_next_ref(const struct hdl_value *v, uint32_t *pos, struct hdl_slice *handle,
                       uint32_t *index)
{
    struct hdl_reader r;
    hdl_reader_init(&r, v->refs.ptr, v->refs.len);
    r.pos = *pos;
    int err;
    if ((err = hdl_get_bytes(&r, HDL_MAX_HANDLE_LEN, handle)) || (err = hdl_get_u32(&r, index)))
        return HDL_ERR_TRUNCATED;
    *pos = (uint32_t)r.pos;
    return HDL_OK;
}

static inline uint8_t ascii_upper(uint8_t c)
{
    return (c >= 'a' && c <= 'z') ? (uint8_t)(c - 32) : c;
}

static bool eq_ci(const uint8_t *a, const uint8_t *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (ascii_upper(a[i]) != ascii_upper(b[i]))
            return false;
    return true;
}

bool hdl_type_matches(struct hdl_slice q, struct hdl_slice t)
{
    if (q.len == t.len && eq_ci(q.ptr, t.ptr, q.len))
        return true;
    if (q.len == 0 || q.ptr[q.len - 1] != '.')
        return false;
    /* "URL." matches "URL.x..." (any type it prefixes) and the bare "URL". */
    if (t.len >= q.len && eq_ci(q.ptr, t.ptr, q.len))
        return true;
    return t.len == q.len - 1 && eq_ci(q.ptr, t.ptr, t.len);
}

bool hdl_slice_eq_ci(struct hdl_slice s, const char *cstr)
{
    size_t n = 0;
    while (cstr[n])
        n++;
    return s.len == n && eq_ci(s.ptr, (const uint8_t *)cstr, n);
}

bool hdl_slice_eq(struct hdl_slice a, struct hdl_slice b)
{
    return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}

bool hdl_value_same(const struct hdl_value *a, const struct hdl_value *b)
{
    return a->index == b->index && a->ttl_type == b->ttl_type && a->ttl == b->ttl &&
           a->perms == b->perms && a->ref_count == b->ref_count && hdl_slice_eq(a->type, b->type) &&
           hdl_slice_eq(a->data, b->data) && hdl_slice_eq(a->refs, b->refs);
}
