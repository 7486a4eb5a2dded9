#include "resolver/query/query.h"

#include <string.h>
#include <time.h>

#include "crypto/digest.h"
#include "proto/hdl_body.h"
#include "proto/hdl_const.h"
#include "proto/hdl_error.h"
#include "proto/hdl_error_body.h"
#include "proto/hdl_message.h"
#include "proto/hdl_resolution.h"
#include "registry/reg_record.h"
#include "resolver/query/query_lookup.h"
#include "resolver/query/query_part.h"
#include "resolver/query/query_referral.h"
#include "resolver/upstream/recursor.h"

/* Responses expire twelve hours after they are made, as the reference server's do. */
#define RESPONSE_LIFETIME_S 43200

struct reply {
    struct hdl_writer w;
    size_t body_offset;
    uint32_t response_code;
    int err; /* a failure the writer does not latch (the request digest): the reply is dropped */
};

static void reply_begin(struct reply *r, uint8_t *out, const struct query_ctx *q,
                        const struct hdl_envelope *req_env, const struct hdl_header *req_hdr,
                        uint32_t response_code)
{
    struct hdl_envelope env = *req_env;
    hdl_envelope_reply_version(req_env, &env.major, &env.minor);
    env.flags = 0;
    env.sugg_major = HDL_MAJOR_VERSION;
    env.sugg_minor = HDL_MINOR_VERSION;
    env.session_id = 0;
    env.message_id = 0;

    struct hdl_header hdr = {
        .opcode = req_hdr->opcode,
        .response_code = response_code,
        /* A primary's answers are authoritative, a mirror's are not (the reference's mirrors
         * answer without AT). The continuous bit belongs to a stream of responses, never to a
         * single answer. */
        .op_flags = (req_hdr->op_flags & ~(HDL_FLAG_CN | HDL_FLAG_AT)) |
                    (node_is_primary(q->node) ? HDL_FLAG_AT : 0),
        .site_serial = q->node->site_serial,
        .expiration = (uint32_t)time(NULL) + RESPONSE_LIFETIME_S,
    };
    hdl_writer_init(&r->w, out, QUERY_OUT_MAX);
    r->body_offset = hdl_message_begin(&r->w, &env, &hdr);
    r->response_code = response_code;
    r->err = HDL_OK;
}

/* The request digest a response carries first when the request set RD (docs/protocol.md §10). */
static void reply_digest(struct reply *r, const struct hdl_message *req)
{
    if (!(req->hdr.op_flags & HDL_FLAG_RD))
        return;
    uint8_t alg = hdl_digest_alg_for_version(req->env.major, req->env.minor);
    r->err = cry_digest_put(&r->w, alg, req->signed_part.ptr, req->signed_part.len);
}

static enum query_result reply_finish(struct reply *r, const struct query_ctx *q, size_t *out_len)
{
    if (r->err != HDL_OK || hdl_message_finish_unsigned(&r->w, r->body_offset) != HDL_OK) {
        node_count(&q->stats->dropped, 1);
        return QUERY_DROP;
    }
    node_count(&q->stats->responses[node_rc_bucket_of(r->response_code)], 1);
    *out_len = r->w.len;
    return QUERY_REPLY;
}

static enum query_result reply_error(const struct query_ctx *q, const struct hdl_message *req,
                                     uint32_t rc, const char *message, uint8_t *out,
                                     size_t *out_len)
{
    struct reply r;
    reply_begin(&r, out, q, &req->env, &req->hdr, rc);
    reply_digest(&r, req);
    hdl_error_body_encode(&r.w, message);
    return reply_finish(&r, q, out_len);
}

/* A resolution of a handle that is not here (why: NOT_HOMED or NOT_FOUND): a prefix referral
 * when this node knows where it lives (query_referral.h), else 301 or 100. */
static enum query_result answer_missing(struct query_ctx *q, const struct hdl_message *req,
                                        struct hdl_slice handle, enum query_lookup why,
                                        uint8_t *out, size_t *out_len)
{
    struct reply r;
    reply_begin(&r, out, q, &req->env, &req->hdr, HDL_RC_PREFIX_REFERRAL);
    reply_digest(&r, req);
    if (query_referral_put(q->node, req->hdr.op_flags, handle, why, &r.w) > 0)
        return reply_finish(&r, q, out_len);
    if (why == QUERY_LOOKUP_NOT_FOUND)
        return reply_error(q, req, HDL_RC_HANDLE_NOT_FOUND, "", out, out_len);
    return reply_error(q, req, HDL_RC_SERVER_NOT_RESP, "That prefix doesn't live here", out,
                       out_len);
}

/* A recursive resolution of a handle that lives elsewhere, with recursion on: the client asks
 * the node to resolve it there (docs/hierarchy.md). */
static enum query_result answer_elsewhere(struct query_ctx *q, const struct hdl_message *req,
                                          const struct hdl_resolution_request *rr, uint8_t *out,
                                          size_t *out_len)
{
    if (req->hdr.recursion_count >= NODE_LIVE(q->node, max_recursion))
        return reply_error(q, req, HDL_RC_RECURSION_COUNT_TOO_HIGH, "Recursion limit exceeded", out,
                           out_len);
    if (recursor_answer_cached(q->rec, req, rr, out, QUERY_OUT_MAX, out_len)) {
        node_count(&q->stats->responses[node_rc_bucket_of(hdl_load_u32(out + 24))], 1);
        return QUERY_REPLY;
    }
    return QUERY_RECURSE;
}

static enum query_result answer_resolution(struct query_ctx *q, const struct hdl_message *req,
                                           uint8_t *out, size_t *out_len)
{
    struct hdl_resolution_request rr;
    int derr = hdl_resolution_request_decode(req->body.ptr, req->body.len, &rr);
    if (derr != HDL_OK) {
        node_count(&q->stats->malformed, 1);
        return reply_error(q, req, hdl_rc_of_error(derr), "Malformed resolution request", out,
                           out_len);
    }
    if (rr.handle.len == 0 || rr.handle.len > HDL_MAX_HANDLE_LEN)
        return reply_error(q, req, HDL_RC_INVALID_HANDLE, "Invalid handle", out, out_len);

    /* The bare handle "0" is the heartbeat of pooled client connections: answer at once. */
    if (rr.handle.len == 1 && rr.handle.ptr[0] == '0') {
        node_count(&q->stats->heartbeats, 1);
        return reply_error(q, req, HDL_RC_HANDLE_NOT_FOUND, "", out, out_len);
    }

    /* Another server's part of the site: as the reference answers (query_part.h). */
    if (query_part_elsewhere(q->node, rr.handle.ptr, rr.handle.len)) {
        if ((req->hdr.op_flags & HDL_FLAG_REC) && q->rec)
            return answer_elsewhere(q, req, &rr, out, out_len);
        return reply_error(q, req, HDL_RC_SERVER_NOT_RESP, QUERY_PART_WRONG_SERVER, out, out_len);
    }

    struct reg_pin pin;
    int err = REG_OK;
    switch (query_lookup(q, rr.handle.ptr, rr.handle.len, &pin, &err)) {
    case QUERY_LOOKUP_FOUND:
        break;
    case QUERY_LOOKUP_INVALID:
        return reply_error(q, req, HDL_RC_INVALID_HANDLE, "Invalid handle", out, out_len);
    case QUERY_LOOKUP_NOT_HOMED:
        if ((req->hdr.op_flags & HDL_FLAG_REC) && q->rec)
            return answer_elsewhere(q, req, &rr, out, out_len);
        return answer_missing(q, req, rr.handle, QUERY_LOOKUP_NOT_HOMED, out, out_len);
    case QUERY_LOOKUP_NOT_FOUND:
        return answer_missing(q, req, rr.handle, QUERY_LOOKUP_NOT_FOUND, out, out_len);
    default:
        return reply_error(q, req, hdl_rc_of_error(err), "Registry read failed", out, out_len);
    }

    struct reg_record_view rec;
    if (reg_record_parse(pin.data, pin.len, 0, &rec) != HDL_OK) {
        reg_pin_release(&pin);
        return reply_error(q, req, HDL_RC_ERROR, "Stored record is damaged", out, out_len);
    }

    if (!(req->hdr.op_flags & HDL_FLAG_PO) && !(rec.flags & REG_RECORD_ALL_PUBLIC)) {
        /* Values without public read, and a client that wants them: that takes
         * authentication, which the admin path does. */
        reg_pin_release(&pin);
        return QUERY_DEFER;
    }
    struct reply r;
    reply_begin(&r, out, q, &req->env, &req->hdr, HDL_RC_SUCCESS);
    reply_digest(&r, req);
    hdl_put_bytes(&r.w, rr.handle.ptr, rr.handle.len); /* echoed as the client spelled it */
    size_t count_at = hdl_reserve_u32(&r.w);
    /* Only public values get here: other readers went to the admin path above. */
    uint32_t n = reg_record_put_selected(&r.w, &rec, &rr, true);
    reg_pin_release(&pin);

    if (n == 0 && rec.value_count > 0)
        return reply_error(q, req, HDL_RC_VALUES_NOT_FOUND, "", out, out_len);
    if (r.w.overflow)
        return reply_error(q, req, HDL_RC_ERROR, "Response too large", out, out_len);
    hdl_patch_u32(&r.w, count_at, n);
    return reply_finish(&r, q, out_len);
}

static enum query_result answer_site_info(struct query_ctx *q, const struct hdl_message *req,
                                          uint8_t *out, size_t *out_len)
{
    struct reply r;
    reply_begin(&r, out, q, &req->env, &req->hdr, HDL_RC_SUCCESS);
    reply_digest(&r, req);
    hdl_put_raw(&r.w, q->node->site, q->node->site_len);
    return reply_finish(&r, q, out_len);
}

/* The operations the reference counts as administration, which its mirrors refuse. */
static bool query_is_admin_op(uint32_t opcode)
{
    switch (opcode) {
    case HDL_OC_CREATE_HANDLE:
    case HDL_OC_DELETE_HANDLE:
    case HDL_OC_ADD_VALUE:
    case HDL_OC_REMOVE_VALUE:
    case HDL_OC_MODIFY_VALUE:
    case HDL_OC_HOME_NA:
    case HDL_OC_UNHOME_NA:
    case HDL_OC_GET_NEXT_TXN_ID:
    case HDL_OC_RETRIEVE_TXN_LOG:
    case HDL_OC_DUMP_HANDLES:
        return true;
    default:
        return false;
    }
}

enum query_result query_answer(struct query_ctx *q, enum node_transport transport,
                               const uint8_t *req, size_t len, uint8_t *out, size_t *out_len)
{
    node_count(&q->stats->requests[transport], 1);

    struct hdl_message msg;
    memset(&msg, 0, sizeof msg);
    int err = hdl_message_split(req, len, &msg);
    if (err == HDL_ERR_TRUNCATED && len < HDL_ENVELOPE_LEN) {
        /* Without a whole envelope there is no request id to answer to. */
        node_count(&q->stats->malformed, 1);
        node_count(&q->stats->dropped, 1);
        return QUERY_DROP;
    }
    if (msg.hdr.response_code != 0 && err == HDL_OK) {
        /* A response sent to a server is dropped, so two nodes can never bounce errors. */
        node_count(&q->stats->dropped, 1);
        return QUERY_DROP;
    }
    if (err != HDL_OK) {
        node_count(&q->stats->malformed, 1);
        const char *why = err == HDL_ERR_VERSION       ? "Unsupported protocol version"
                          : err == HDL_ERR_UNSUPPORTED ? "Compressed or encrypted messages are "
                                                         "not supported"
                                                       : "Malformed message";
        msg.hdr.op_flags &= ~HDL_FLAG_RD; /* a digest of a broken message means nothing */
        return reply_error(q, &msg, hdl_rc_of_error(err), why, out, out_len);
    }
    /* A mirror takes no changes: what the reference's mirrors answer (HandleServer). */
    if (q->node->conf->replication.enabled && query_is_admin_op(msg.hdr.opcode))
        return reply_error(q, &msg, HDL_RC_SERVER_NOT_RESP, "Not a primary server", out,
                           out_len);
    /* Sessions, signed answers and administration leave the event loop. */
    bool deferred = msg.env.session_id != 0 || (msg.hdr.op_flags & HDL_FLAG_CT);
    switch (msg.hdr.opcode) {
    case HDL_OC_RESERVED:
        node_count(&q->stats->malformed, 1);
        return reply_error(q, &msg, HDL_RC_PROTOCOL_ERROR, "Unknown opCode in message: 0", out,
                           out_len);
    case HDL_OC_RESOLUTION:
        if (!deferred)
            return answer_resolution(q, &msg, out, out_len); /* decodes the body itself */
        break;
    case HDL_OC_GET_SITE_INFO:
    case HDL_OC_CREATE_HANDLE:
    case HDL_OC_DELETE_HANDLE:
    case HDL_OC_ADD_VALUE:
    case HDL_OC_REMOVE_VALUE:
    case HDL_OC_MODIFY_VALUE:
    case HDL_OC_LIST_HANDLES:
    case HDL_OC_CHALLENGE_RESPONSE:
    case HDL_OC_HOME_NA:
    case HDL_OC_UNHOME_NA:
    case HDL_OC_LIST_HOMED_NAS:
    case HDL_OC_SESSION_SETUP:
    case HDL_OC_SESSION_TERMINATE:
    case HDL_OC_LOGIN_ID_SYSTEM:
    case HDL_OC_GET_NEXT_TXN_ID: /* replication: the admin path routes these */
    case HDL_OC_RETRIEVE_TXN_LOG:
    case HDL_OC_DUMP_HANDLES:
    case HDL_OC_VERIFY_RESPONSE: /* a server of this site checking an HS_SECKEY answer */
        break;
    default:
        return reply_error(q, &msg, HDL_RC_OPERATION_NOT_SUPPORTED, "Operation not supported", out,
                           out_len);
    }
    /* Every body is decoded in full before it is answered or handed on: one whose lengths or
     * counts disagree with its bytes goes no further. A well-formed body the decoder does not
     * know (a session mode) is the admin path's to refuse. */
    struct hdl_body body;
    err = hdl_body_decode(&msg, &body);
    if (err != HDL_OK && err != HDL_ERR_UNSUPPORTED) {
        node_count(&q->stats->malformed, 1);
        msg.hdr.op_flags &= ~HDL_FLAG_RD;
        return reply_error(q, &msg, hdl_rc_of_error(err), "Malformed request body", out, out_len);
    }
    if (deferred)
        return QUERY_DEFER;
    if (msg.hdr.opcode == HDL_OC_GET_SITE_INFO)
        return answer_site_info(q, &msg, out, out_len);
    return QUERY_DEFER;
}

enum query_result query_error(struct query_ctx *q, const uint8_t *req, size_t len, uint32_t rc,
                              const char *message, uint8_t *out, size_t *out_len)
{
    struct hdl_message msg;
    memset(&msg, 0, sizeof msg);
    if (len < HDL_ENVELOPE_LEN)
        return QUERY_DROP;
    if (hdl_message_split(req, len, &msg) != HDL_OK)
        msg.hdr.op_flags &= ~HDL_FLAG_RD;
    return reply_error(q, &msg, rc, message, out, out_len);
}
