#include "client/admin_ops.h"

#include <stdio.h>
#include <string.h>

#include "proto/hdl_admin_ops.h"

int admin_op_values(struct admin_client *c, uint32_t opcode, uint32_t flags, const char *handle,
                    const struct hdl_value *values, size_t n, struct admin_result *res,
                    char *created, size_t cap)
{
    struct hdl_writer *w = admin_client_begin(c, opcode, ADMIN_FLAGS | flags);
    hdl_put_cstr(w, handle);
    hdl_put_u32(w, (uint32_t)n);
    for (size_t i = 0; i < n; i++)
        hdl_value_encode(w, &values[i]);
    int rc = admin_client_call(c, NULL, NULL, res);
    if (rc != 0 || !created)
        return rc;
    struct hdl_handle_body b;
    if (res->rc == HDL_RC_SUCCESS && opcode == HDL_OC_CREATE_HANDLE &&
        hdl_handle_body_decode(res->body, res->body_len, &b) == HDL_OK)
        snprintf(created, cap, "%.*s", (int)b.handle.len, (const char *)b.handle.ptr);
    else
        snprintf(created, cap, "%s", handle);
    return 0;
}

int admin_op_remove(struct admin_client *c, const char *handle, const uint32_t *indexes, size_t n,
                    struct admin_result *res)
{
    struct hdl_writer *w = admin_client_begin(c, HDL_OC_REMOVE_VALUE, ADMIN_FLAGS);
    hdl_put_cstr(w, handle);
    hdl_put_u32(w, (uint32_t)n);
    for (size_t i = 0; i < n; i++)
        hdl_put_u32(w, indexes[i]);
    return admin_client_call(c, NULL, NULL, res);
}

int admin_op_handle(struct admin_client *c, uint32_t opcode, const char *handle,
                    struct admin_result *res)
{
    struct hdl_writer *w = admin_client_begin(c, opcode, ADMIN_FLAGS);
    hdl_put_cstr(w, handle);
    return admin_client_call(c, NULL, NULL, res);
}

struct list_ctx {
    int (*fn)(void *ctx, const uint8_t *handle, size_t len);
    void *ctx;
};

static int list_part(void *p, const struct hdl_message *m, const uint8_t *body, size_t len)
{
    struct list_ctx *lc = p;
    struct hdl_handle_list hl;
    int rc = hdl_handle_list_decode(body, len, &hl);
    if (rc != HDL_OK)
        return rc;
    uint32_t pos = 0;
    struct hdl_slice h;
    while (hdl_handle_list_next(&hl, &pos, &h) == HDL_OK)
        if (lc->fn(lc->ctx, h.ptr, h.len) != 0)
            return CLI_ERR_REJECTED;
    return 0;
}

int admin_op_list(struct admin_client *c, const char *prefix,
                  int (*fn)(void *ctx, const uint8_t *handle, size_t len), void *ctx,
                  struct admin_result *res)
{
    struct list_ctx lc = {fn, ctx};
    struct hdl_writer *w = admin_client_begin(c, HDL_OC_LIST_HANDLES, ADMIN_FLAGS);
    hdl_put_cstr(w, prefix);
    return admin_client_call(c, list_part, &lc, res);
}
