#include "proto/hdl_resolution.h"

#include "proto/hdl_admin_ops.h"
#include "proto/hdl_const.h"

int hdl_resolution_request_decode(const uint8_t *body, size_t len,
                                  struct hdl_resolution_request *req)
{
    struct hdl_reader r;
    hdl_reader_init(&r, body, len);
    int err;
    req->has_auth_bytes = false;
    req->auth_bytes.ptr = NULL;
    req->auth_bytes.len = 0;
    if ((err = hdl_get_bytes(&r, HDL_MAX_HANDLE_LEN, &req->handle)) ||
        (err = hdl_get_int4_list(&r, HDL_MAX_ARRAY, &req->index_count, &req->indexes)) ||
        (err = hdl_get_string_list(&r, HDL_MAX_ARRAY, HDL_MAX_MESSAGE_LEN, &req->type_count,
                                   &req->types)))
        return err;
    if (hdl_reader_left(&r)) {
        /* 2.11 clients append authBytes (docs/protocol.md §19.2); anything else is garbage. */
        if ((err = hdl_get_bytes(&r, HDL_MAX_MESSAGE_LEN, &req->auth_bytes)))
            return err == HDL_ERR_TRUNCATED ? HDL_ERR_TRAILING : err;
        req->has_auth_bytes = true;
    }
    return hdl_reader_left(&r) ? HDL_ERR_TRAILING : HDL_OK;
}

void hdl_resolution_request_encode(struct hdl_writer *w, const struct hdl_resolution_request *req)
{
    hdl_put_bytes(w, req->handle.ptr, req->handle.len);
    hdl_put_u32(w, req->index_count);
    hdl_put_raw(w, req->indexes.ptr, req->indexes.len);
    hdl_put_u32(w, req->type_count);
    hdl_put_raw(w, req->types.ptr, req->types.len);
    if (req->has_auth_bytes)
        hdl_put_bytes(w, req->auth_bytes.ptr, req->auth_bytes.len);
}

uint32_t hdl_resolution_index_at(const struct hdl_resolution_request *req, uint32_t i)
{
    return i < req->index_count ? hdl_load_u32(req->indexes.ptr + (size_t)i * 4) : 0;
}

int hdl_resolution_next_type(const struct hdl_resolution_request *req, uint32_t *pos,
                             struct hdl_slice *type)
{
    if (*pos >= req->types.len)
        return HDL_ERR_TRUNCATED;
    struct hdl_reader r;
    hdl_reader_init(&r, req->types.ptr, req->types.len);
    r.pos = *pos;
    if (hdl_get_bytes(&r, HDL_MAX_MESSAGE_LEN, type))
        return HDL_ERR_TRUNCATED;
    *pos = (uint32_t)r.pos;
    return HDL_OK;
}

bool hdl_resolution_selects(const struct hdl_resolution_request *req, uint32_t index,
                            struct hdl_slice type)
{
    if (req->index_count == 0 && req->type_count == 0)
        return true;
    for (uint32_t i = 0; i < req->index_count; i++)
        if (hdl_resolution_index_at(req, i) == index)
            return true;
    uint32_t pos = 0;
    struct hdl_slice q;
    while (hdl_resolution_next_type(req, &pos, &q) == HDL_OK)
        if (hdl_type_matches(q, type))
            return true;
    return false;
}

int hdl_resolution_response_decode(const uint8_t *body, size_t len,
                                   struct hdl_resolution_response *resp)
{
    struct hdl_handle_values hv;
    int err = hdl_handle_values_decode(body, len, &hv);
    if (err)
        return err;
    resp->handle = hv.handle;
    resp->value_count = hv.value_count;
    resp->values = hv.values;
    return HDL_OK;
}

void hdl_resolution_response_encode(struct hdl_writer *w,
                                    const struct hdl_resolution_response *resp)
{
    hdl_put_bytes(w, resp->handle.ptr, resp->handle.len);
    hdl_put_u32(w, resp->value_count);
    hdl_put_raw(w, resp->values.ptr, resp->values.len);
}

int hdl_resolution_response_next(const struct hdl_resolution_response *resp, uint32_t *pos,
                                 struct hdl_value *v)
{
    struct hdl_handle_values hv = {resp->handle, resp->value_count, resp->values};
    return hdl_handle_values_next(&hv, pos, v);
}
