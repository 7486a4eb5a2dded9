/* Resolution requests and answers for callers that ask another site (client/resolve_msg.h). */
#include "client/resolve_msg.h"

#include <string.h>
#include <time.h>

#include "proto/hdl_admin_ops.h"
#include "proto/hdl_const.h"
#include "proto/hdl_message.h"
#include "proto/hdl_resolution.h"
#include "proto/hdl_value.h"

#define SLICE(s)                                                                                   \
    {                                                                                              \
        (const uint8_t *)(s), sizeof(s) - 1                                                        \
    }

static const struct hdl_slice SITE_NAMES[] = {SLICE(RMSG_TYPE_SITE), SLICE(RMSG_TYPE_SITE_6)};
static const struct hdl_slice PREFIX_SITE_NAMES[] = {SLICE(RMSG_TYPE_SITE_PREFIX),
                                                     SLICE(RMSG_TYPE_SITE_PREFIX_LEGACY)};
static const struct hdl_slice SERV_NAMES[] = {SLICE(RMSG_TYPE_SERV)};
static const struct hdl_slice PREFIX_SERV_NAMES[] = {SLICE(RMSG_TYPE_SERV_PREFIX)};

const struct rmsg_types rmsg_site_types = {SITE_NAMES, 2};
const struct rmsg_types rmsg_prefix_site_types = {PREFIX_SITE_NAMES, 2};
const struct rmsg_types rmsg_serv_types = {SERV_NAMES, 1};
const struct rmsg_types rmsg_prefix_serv_types = {PREFIX_SERV_NAMES, 1};

/* What a 303 may point at: the reference's derived-prefix sites, and the plain sites of a prefix
 * delegated to another node (docs/hierarchy.md). */
static const struct hdl_slice REFERRAL_SITE_NAMES[] = {
    SLICE(RMSG_TYPE_SITE_PREFIX), SLICE(RMSG_TYPE_SITE_PREFIX_LEGACY), SLICE(RMSG_TYPE_SITE),
    SLICE(RMSG_TYPE_SITE_6)};
static const struct hdl_slice REFERRAL_SERV_NAMES[] = {SLICE(RMSG_TYPE_SERV_PREFIX),
                                                       SLICE(RMSG_TYPE_SERV)};
const struct rmsg_types rmsg_referral_site_types = {REFERRAL_SITE_NAMES, 4};
const struct rmsg_types rmsg_referral_serv_types = {REFERRAL_SERV_NAMES, 2};

/* Twelve hours, as the reference client's requests. */
#define EXPIRATION_SECONDS 43200

size_t rmsg_build_resolution(const struct rmsg_query *q, uint8_t *out, size_t cap)
{
    if (q->handle == NULL || q->handle_len == 0 || q->handle_len > HDL_MAX_HANDLE_LEN)
        return 0;
    if ((q->type_count && q->types == NULL) || (q->index_count && q->indexes == NULL))
        return 0;
    struct hdl_envelope env = {
        .major = HDL_MAJOR_VERSION,
        .minor = HDL_MINOR_VERSION,
        .sugg_major = HDL_MAJOR_VERSION,
        .sugg_minor = HDL_MINOR_VERSION,
        .request_id = q->request_id,
    };
    struct hdl_header hdr = {
        .opcode = HDL_OC_RESOLUTION,
        .op_flags = q->op_flags,
        .site_serial = q->site_serial,
        .recursion_count = q->recursion_count,
        .expiration = q->expiration ? q->expiration : (uint32_t)time(NULL) + EXPIRATION_SECONDS,
    };
    struct hdl_writer w;
    hdl_writer_init(&w, out, cap);
    size_t body = hdl_message_begin(&w, &env, &hdr);
    hdl_put_bytes(&w, q->handle, q->handle_len);
    hdl_put_u32(&w, q->index_count);
    for (uint32_t i = 0; i < q->index_count; i++)
        hdl_put_u32(&w, q->indexes[i]);
    hdl_put_u32(&w, q->type_count);
    for (uint32_t i = 0; i < q->type_count; i++)
        hdl_put_bytes(&w, q->types[i].ptr, q->types[i].len);
    if (hdl_message_finish_unsigned(&w, body) != HDL_OK)
        return 0;
    return w.len;
}

/* The body after the digest, read as the response code says. */
static int parse_body(struct hdl_slice rest, struct rmsg_answer *a)
{
    uint32_t rc = a->response_code;
    bool pre_2_5 = a->major == 2 && a->minor < 5;
    if (rc == HDL_RC_SUCCESS) {
        if (a->opcode != HDL_OC_RESOLUTION) {
            a->kind = RMSG_OTHER;
            return HDL_OK;
        }
        struct hdl_resolution_response resp;
        int err = hdl_resolution_response_decode(rest.ptr, rest.len, &resp);
        if (err)
            return err;
        a->kind = RMSG_SUCCESS;
        a->handle = resp.handle;
        a->value_count = resp.value_count;
        a->values = resp.values;
        return HDL_OK;
    }
    if (rc == HDL_RC_SERVICE_REFERRAL || (rc == HDL_RC_PREFIX_REFERRAL && !pre_2_5)) {
        struct hdl_referral ref;
        int err = hdl_referral_decode(rest.ptr, rest.len, &ref);
        if (err)
            return err;
        a->kind = RMSG_REFERRAL;
        a->handle = ref.handle;
        a->value_count = ref.value_count;
        a->values = ref.values;
        return HDL_OK;
    }
    if (rc == HDL_RC_AUTHENTICATION_NEEDED) {
        a->kind = RMSG_OTHER;
        return HDL_OK;
    }
    struct hdl_reader r;
    struct hdl_error_body e;
    hdl_reader_init(&r, rest.ptr, rest.len);
    int err = hdl_error_body_decode(&r, &e);
    if (err)
        return err;
    if (hdl_reader_left(&r))
        return HDL_ERR_TRAILING;
    a->kind = RMSG_ERROR;
    a->message = e.message;
    return HDL_OK;
}

int rmsg_parse_answer(const uint8_t *msg, size_t len, struct rmsg_answer *a)
{
    memset(a, 0, sizeof *a);
    struct hdl_message m;
    int err = hdl_message_split(msg, len, &m);
    if (err)
        return err;
    a->major = m.env.major;
    a->minor = m.env.minor;
    a->request_id = m.env.request_id;
    a->opcode = m.hdr.opcode;
    a->response_code = m.hdr.response_code;
    a->op_flags = m.hdr.op_flags;
    a->site_serial = m.hdr.site_serial;
    a->recursion_count = m.hdr.recursion_count;
    a->expiration = m.hdr.expiration;
    if (a->response_code == HDL_RC_RESERVED)
        return HDL_ERR_MALFORMED;

    /* A 402 challenge always starts with the digest; other answers when RD is set. */
    struct hdl_reader r;
    hdl_reader_init(&r, m.body.ptr, m.body.len);
    if ((a->op_flags & HDL_FLAG_RD) || a->response_code == HDL_RC_AUTHENTICATION_NEEDED) {
        err = hdl_digest_decode(&r, &a->digest);
        if (err)
            return err;
        a->has_digest = true;
    }
    err = hdl_get_raw(&r, hdl_reader_left(&r), &a->body);
    if (err)
        return err;
    return parse_body(a->body, a);
}

static bool type_in(const struct rmsg_types *set, struct hdl_slice type)
{
    if (set == NULL)
        return false;
    for (uint32_t i = 0; i < set->count; i++)
        if (hdl_slice_eq(set->names[i], type))
            return true;
    return false;
}

int rmsg_sites_of(const uint8_t *run, size_t run_len, uint32_t value_count,
                  const struct rmsg_types *site_types, const struct rmsg_types *serv_types,
                  struct rmsg_sites *out)
{
    out->site_count = 0;
    out->sites_skipped = 0;
    out->serv_count = 0;
    out->servs_skipped = 0;
    struct hdl_reader r;
    hdl_reader_init(&r, run, run_len);
    for (uint32_t i = 0; i < value_count; i++) {
        struct hdl_value v;
        int err = hdl_value_decode(&r, &v);
        if (err)
            return err;
        if (type_in(site_types, v.type)) {
            if (out->site_count < out->max_sites &&
                hdl_site_decode(v.data.ptr, v.data.len, &out->sites[out->site_count]) == HDL_OK)
                out->site_count++;
            else
                out->sites_skipped++;
        } else if (type_in(serv_types, v.type)) {
            if (out->serv_count < out->max_servs)
                out->servs[out->serv_count++] = v.data;
            else
                out->servs_skipped++;
        }
    }
    return hdl_reader_left(&r) ? HDL_ERR_TRAILING : HDL_OK;
}
