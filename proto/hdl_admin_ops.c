#include "proto/hdl_admin_ops.h"

#include "proto/hdl_const.h"

static int finish(const struct hdl_reader *r, int err)
{
    if (err)
        return err;
    return hdl_reader_left(r) ? HDL_ERR_TRAILING : HDL_OK;
}

int hdl_values_run_decode(struct hdl_reader *r, uint32_t *count, struct hdl_slice *run)
{
    size_t start = r->pos;
    uint32_t n;
    int err = hdl_get_u32(r, &n);
    if (err)
        return err;
    if (n > HDL_MAX_VALUES) {
        r->pos = start;
        return HDL_ERR_LIMIT;
    }
    size_t first = r->pos;
    for (uint32_t i = 0; i < n; i++) {
        if ((err = hdl_value_skip(r))) {
            r->pos = start;
            return err;
        }
    }
    *count = n;
    run->ptr = r->buf + first;
    run->len = (uint32_t)(r->pos - first);
    return HDL_OK;
}

int hdl_handle_body_decode(const uint8_t *body, size_t len, struct hdl_handle_body *b)
{
    struct hdl_reader r;
    hdl_reader_init(&r, body, len);
    return finish(&r, hdl_get_bytes(&r, HDL_MAX_HANDLE_LEN, &b->handle));
}

void hdl_handle_body_encode(struct hdl_writer *w, const struct hdl_handle_body *b)
{
    hdl_put_bytes(w, b->handle.ptr, b->handle.len);
}

int hdl_handle_values_decode(const uint8_t *body, size_t len, struct hdl_handle_values *b)
{
    struct hdl_reader r;
    hdl_reader_init(&r, body, len);
    int err = hdl_get_bytes(&r, HDL_MAX_HANDLE_LEN, &b->handle);
    if (!err)
        err = hdl_values_run_decode(&r, &b->value_count, &b->values);
    return finish(&r, err);
}

void hdl_handle_values_encode(struct hdl_writer *w, const struct hdl_handle_values *b)
{
    hdl_put_bytes(w, b->handle.ptr, b->handle.len);
    hdl_put_u32(w, b->value_count);
    hdl_put_raw(w, b->values.ptr, b->values.len);
}

int hdl_handle_values_next(const struct hdl_handle_values *b, uint32_t *pos, struct hdl_value *v)
{
    struct hdl_reader r;
    hdl_reader_init(&r, b->values.ptr, b->values.len);
    if (*pos >= b->values.len)
        return HDL_ERR_TRUNCATED;
    r.pos = *pos;
    if (hdl_value_decode(&r, v))
        return HDL_ERR_TRUNCATED;
    *pos = (uint32_t)r.pos;
    return HDL_OK;
}

int hdl_remove_values_decode(const uint8_t *body, size_t len, struct hdl_remove_values *b)
{
    struct hdl_reader r;
    hdl_reader_init(&r, body, len);
    int err = hdl_get_bytes(&r, HDL_MAX_HANDLE_LEN, &b->handle);
    if (!err)
        err = hdl_get_int4_list(&r, HDL_MAX_VALUES, &b->index_count, &b->indexes);
    return finish(&r, err);
}

void hdl_remove_values_encode(struct hdl_writer *w, const struct hdl_remove_values *b)
{
    hdl_put_bytes(w, b->handle.ptr, b->handle.len);
    hdl_put_u32(w, b->index_count);
    hdl_put_raw(w, b->indexes.ptr, b->indexes.len);
}

uint32_t hdl_remove_values_index_at(const struct hdl_remove_values *b, uint32_t i)
{
    return i < b->index_count ? hdl_load_u32(b->indexes.ptr + (size_t)i * 4) : 0;
}

int hdl_handle_list_decode(const uint8_t *body, size_t len, struct hdl_handle_list *b)
{
    struct hdl_reader r;
    hdl_reader_init(&r, body, len);
    return finish(
        &r, hdl_get_string_list(&r, HDL_MAX_ARRAY, HDL_MAX_HANDLE_LEN, &b->count, &b->handles));
}

void hdl_handle_list_encode(struct hdl_writer *w, const struct hdl_handle_list *b)
{
    hdl_put_u32(w, b->count);
    hdl_put_raw(w, b->handles.ptr, b->handles.len);
}

int hdl_handle_list_next(const struct hdl_handle_list *b, uint32_t *pos, struct hdl_slice *handle)
{
    struct hdl_reader r;
    hdl_reader_init(&r, b->handles.ptr, b->handles.len);
    if (*pos >= b->handles.len)
        return HDL_ERR_TRUNCATED;
    r.pos = *pos;
    if (hdl_get_bytes(&r, HDL_MAX_HANDLE_LEN, handle))
        return HDL_ERR_TRUNCATED;
    *pos = (uint32_t)r.pos;
    return HDL_OK;
}

int hdl_referral_decode(const uint8_t *body, size_t len, struct hdl_referral *b)
{
    struct hdl_reader r;
    hdl_reader_init(&r, body, len);
    b->has_values = 0;
    b->value_count = 0;
    b->values.ptr = NULL;
    b->values.len = 0;
    int err = hdl_get_bytes(&r, HDL_MAX_HANDLE_LEN, &b->handle);
    if (!err && hdl_reader_left(&r)) {
        b->has_values = 1;
        err = hdl_values_run_decode(&r, &b->value_count, &b->values);
    }
    return finish(&r, err);
}

void hdl_referral_encode(struct hdl_writer *w, const struct hdl_referral *b)
{
    hdl_put_bytes(w, b->handle.ptr, b->handle.len);
    if (b->has_values) {
        hdl_put_u32(w, b->value_count);
        hdl_put_raw(w, b->values.ptr, b->values.len);
    }
}

int hdl_identity_body_decode(const uint8_t *body, size_t len, struct hdl_identity_body *b)
{
    struct hdl_reader r;
    hdl_reader_init(&r, body, len);
    int err = hdl_get_bytes(&r, HDL_MAX_HANDLE_LEN, &b->handle);
    if (!err)
        err = hdl_get_u32(&r, &b->index);
    return finish(&r, err);
}

void hdl_identity_body_encode(struct hdl_writer *w, const struct hdl_identity_body *b)
{
    hdl_put_bytes(w, b->handle.ptr, b->handle.len);
    hdl_put_u32(w, b->index);
}

int hdl_empty_body_decode(const uint8_t *body, size_t len)
{
    (void)body;
    return len ? HDL_ERR_TRAILING : HDL_OK;
}
