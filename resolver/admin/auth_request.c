/* One authenticated exchange, from request to answer (auth_request.h). Over 600 lines because
 * its steps (the challenge, the client's answer to it, a session's set-up, the operation, a
 * single or a streamed reply) all work on struct exchange and its reply helpers, which no other
 * file needs to see. */
#include "resolver/admin/auth_request.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crypto/digest.h"
#include "crypto/sign.h"
#include "proto/hdl_admin_ops.h"
#include "proto/hdl_challenge.h"
#include "proto/hdl_const.h"
#include "proto/hdl_error.h"
#include "proto/hdl_error_body.h"
#include "proto/hdl_message.h"
#include "proto/hdl_resolution.h"
#include "proto/hdl_session.h"
#include "registry/reg_record.h"
#include "resolver/admin/auth.h"
#include "resolver/admin/auth_state.h"
#include "resolver/admin/auth_throttle.h"
#include "resolver/admin/ops.h"
#include "resolver/admin/session.h"
#include "resolver/admin/site_values.h"
#include "resolver/query/query.h"
#include "resolver/query/query_part.h"

/* LIST_HANDLES fills each message of its stream to about this many bytes. */
#define LIST_CHUNK_BYTES 60000

/* One request being answered: the message whose operation runs, and whom the answer goes to. */
struct exchange {
    struct node *node;
    enum node_transport transport;
    const char *source; /* the client's address, for the failure throttle; NULL unknown */
    const struct auth_request_sink *sink;
    uint8_t *out;                 /* QUERY_OUT_MAX */
    const struct hdl_message *op; /* the operation (the original request after a challenge) */
    struct hdl_envelope reply;    /* requestId and sessionId the answer carries */
    uint32_t session_id;          /* the session the request came in, 0 for none */
    struct identity who;
    bool stopped;  /* the sink refused more */
    bool mac_ok;   /* a routed operation: certified answers in a session carry HS_MAC */
};

/* Operations routed to another room (auth_request_route). */
#define ROUTES_MAX 4
static struct route {
    uint32_t first, last;
    bool needs_identity;
    auth_stream_fn fn;
} routes[ROUTES_MAX];
static int route_count;

void auth_request_route(uint32_t first, uint32_t last, bool needs_identity, auth_stream_fn fn)
{
    for (int i = 0; i < route_count; i++)
        if (routes[i].first == first && routes[i].last == last)
            return;
    if (route_count < ROUTES_MAX)
        routes[route_count++] = (struct route){first, last, needs_identity, fn};
}

static const struct route *route_of(uint32_t opcode)
{
    for (int i = 0; i < route_count; i++)
        if (opcode >= routes[i].first && opcode <= routes[i].last)
            return &routes[i];
    return NULL;
}

struct auth_stream {
    struct exchange *x;
};

struct reply {
    struct hdl_writer w;
    size_t body;
    int err; /* a failure the writer does not latch (the request digest): nothing is sent */
};

static void begin(struct exchange *x, struct reply *r, uint32_t rc, uint32_t extra_flags)
{
    struct hdl_envelope env = x->reply;
    hdl_envelope_reply_version(&x->op->env, &env.major, &env.minor);
    env.flags = 0;
    env.sugg_major = HDL_MAJOR_VERSION;
    env.sugg_minor = HDL_MINOR_VERSION;
    env.message_id = 0;
    struct hdl_header hdr = {
        .opcode = x->op->hdr.opcode,
        .response_code = rc,
        .op_flags = (x->op->hdr.op_flags & ~(HDL_FLAG_CN | HDL_FLAG_AT)) |
                    (node_is_primary(x->node) ? HDL_FLAG_AT : 0) | extra_flags,
        .site_serial = x->node->site_serial,
        .expiration = (uint32_t)time(NULL) + 43200,
    };
    hdl_writer_init(&r->w, x->out, QUERY_OUT_MAX);
    r->body = hdl_message_begin(&r->w, &env, &hdr);
    r->err = HDL_OK;
    if (hdr.op_flags & HDL_FLAG_RD) {
        uint8_t alg = hdl_digest_alg_for_version(x->op->env.major, x->op->env.minor);
        r->err = cry_digest_put(&r->w, alg, x->op->signed_part.ptr, x->op->signed_part.len);
    }
}

/* Replication answers in a session carry the session's HS_MAC, as the reference's do. The
 * counters the node puts on its MACs only need to be unique and rising within a session: one
 * count for the whole node gives that. */
static bool mac_in_session(struct exchange *x, struct reply *r)
{
    static atomic_uint counter;
    struct auth_session s;
    if (!x->mac_ok || !x->reply.session_id ||
        !auth_session_get(x->node->auth, x->reply.session_id, &s))
        return false;
    uint32_t n = atomic_fetch_add_explicit(&counter, 1, memory_order_relaxed) + 1;
    return mac_message(s.key, s.key_len, n, &r->w, 0) == HDL_OK;
}

static void finish(struct exchange *x, struct reply *r)
{
    if (x->stopped)
        return;
    if (r->err != HDL_OK || hdl_message_finish_unsigned(&r->w, r->body) != HDL_OK) {
        /* Only a listing can outgrow a message, and it is cut into parts before that. */
        return;
    }
    if ((x->op->hdr.op_flags & HDL_FLAG_CT) && mac_in_session(x, r)) {
        /* MAC'd with the session key */
    } else if ((x->op->hdr.op_flags & HDL_FLAG_CT) && x->node->server_key &&
               sign_message(x->node->server_key, &r->w, 0) != HDL_OK) {
        return;
    }
    if (x->sink->emit(x->sink->ctx, r->w.buf, r->w.len) != 0)
        x->stopped = true;
}

static void reply_error(struct exchange *x, uint32_t rc, const char *message)
{
    struct reply r;
    begin(x, &r, rc, 0);
    hdl_error_body_encode(&r.w, message);
    finish(x, &r);
}

static void reply_ops(struct exchange *x, const struct ops_result *res)
{
    if (res->rc != HDL_RC_SUCCESS) {
        reply_error(x, res->rc, res->message);
        return;
    }
    struct reply r;
    begin(x, &r, HDL_RC_SUCCESS, 0);
    if (x->op->hdr.opcode == HDL_OC_CREATE_HANDLE)
        hdl_put_bytes(&r.w, res->handle, res->handle_len);
    finish(x, &r);
}

/* Sends the 402 challenge for the operation and remembers it. */
static void challenge(struct exchange *x, const uint8_t *req, size_t len)
{
    struct auth_challenge c;
    uint8_t alg = hdl_digest_alg_for_version(x->op->env.major, x->op->env.minor);
    if (auth_challenge_issue(x->node->auth, req, len, x->op->signed_part.ptr,
                             x->op->signed_part.len, alg, x->session_id, &c) != 0) {
        reply_error(x, HDL_RC_SERVER_TOO_BUSY, "Too many pending authentications");
        return;
    }
    struct reply r;
    x->reply.session_id = c.id;
    /* The challenge body is the digest and the nonce, so it is built here, not by begin. */
    uint32_t saved = x->op->hdr.op_flags;
    struct hdl_envelope env = x->reply;
    hdl_envelope_reply_version(&x->op->env, &env.major, &env.minor);
    env.flags = 0;
    env.sugg_major = HDL_MAJOR_VERSION;
    env.sugg_minor = HDL_MINOR_VERSION;
    struct hdl_header hdr = {
        .opcode = x->op->hdr.opcode,
        .response_code = HDL_RC_AUTHENTICATION_NEEDED,
        .op_flags = ((saved | HDL_FLAG_AT | HDL_FLAG_RD) & ~HDL_FLAG_CN),
        .site_serial = x->node->site_serial,
        .expiration = (uint32_t)time(NULL) + 43200,
    };
    hdl_writer_init(&r.w, x->out, QUERY_OUT_MAX);
    r.body = hdl_message_begin(&r.w, &env, &hdr);
    r.err = HDL_OK; /* the challenge's digest was computed when it was made */
    hdl_put_raw(&r.w, c.digest, c.digest_len);
    hdl_put_bytes(&r.w, c.nonce, sizeof c.nonce);
    finish(x, &r);
}

/* Collects the values of a create, add or modify body; NULL with an error sent on failure. */
static struct hdl_value *body_values(struct exchange *x, struct hdl_handle_values *hv, size_t *n)
{
    int derr = hdl_handle_values_decode(x->op->body.ptr, x->op->body.len, hv);
    if (derr != HDL_OK) {
        reply_error(x, hdl_rc_of_error(derr), "Malformed request body");
        return NULL;
    }
    struct hdl_value *values = calloc(hv->value_count ? hv->value_count : 1, sizeof *values);
    if (!values) {
        reply_error(x, HDL_RC_SERVER_TOO_BUSY, "Out of memory");
        return NULL;
    }
    uint32_t pos = 0;
    *n = 0;
    while (*n < hv->value_count && hdl_handle_values_next(hv, &pos, &values[*n]) == HDL_OK)
        (*n)++;
    return values;
}

struct list_stream {
    struct exchange *x;
    struct reply r;
    size_t count_at;
    uint32_t count;
};

static void list_open(struct list_stream *ls)
{
    begin(ls->x, &ls->r, HDL_RC_SUCCESS, HDL_FLAG_CN);
    ls->count_at = hdl_reserve_u32(&ls->r.w);
    ls->count = 0;
}

static void list_close(struct list_stream *ls, bool last)
{
    hdl_patch_u32(&ls->r.w, ls->count_at, ls->count);
    if (last) {
        /* The last message of the stream clears the continuous flag. */
        uint32_t flags = hdl_load_u32(ls->r.w.buf + HDL_ENVELOPE_LEN + 8) & ~HDL_FLAG_CN;
        hdl_patch_u32(&ls->r.w, HDL_ENVELOPE_LEN + 8, flags);
    }
    finish(ls->x, &ls->r);
}

static int list_item(void *ctx, const uint8_t *h, size_t len)
{
    struct list_stream *ls = ctx;
    if (ls->r.w.len - ls->r.body + len + 4 > LIST_CHUNK_BYTES) {
        list_close(ls, false);
        list_open(ls);
    }
    hdl_put_bytes(&ls->r.w, h, len);
    ls->count++;
    return ls->x->stopped ? 1 : 0;
}

static void stream_list(struct exchange *x, bool homed, const struct hdl_handle_body *b)
{
    struct list_stream ls = {.x = x};
    struct ops_result res;
    list_open(&ls);
    uint32_t rc = homed ? ops_list_homed(x->node, &x->who, list_item, &ls, &res)
                        : ops_list_handles(x->node, &x->who, b->handle.ptr, b->handle.len,
                                           list_item, &ls, &res);
    if (rc != HDL_RC_SUCCESS && ls.count == 0) {
        reply_error(x, rc, res.message);
        return;
    }
    list_close(&ls, true);
}

/* A resolution from an authenticated reader, or one asking for values without public read. */
static void resolve_private(struct exchange *x, const uint8_t *req, size_t len)
{
    struct hdl_resolution_request rr;
    int derr = hdl_resolution_request_decode(x->op->body.ptr, x->op->body.len, &rr);
    if (derr != HDL_OK) {
        reply_error(x, hdl_rc_of_error(derr), "Malformed resolution request");
        return;
    }
    bool public_only = (x->op->hdr.op_flags & HDL_FLAG_PO) != 0;
    if (!public_only && !x->who.authenticated) {
        challenge(x, req, len);
        return;
    }
    bool private_ok =
        !public_only && ops_may_read_private(x->node, &x->who, rr.handle.ptr, rr.handle.len);
    struct reg_pin pin;
    int err = reg_get_record(x->node->db, rr.handle.ptr, rr.handle.len, &pin);
    if (err != REG_OK) {
        reply_error(x, hdl_rc_of_error(err), err == REG_NOT_FOUND ? "" : "Registry read failed");
        return;
    }
    struct reg_record_view rec;
    if (reg_record_parse(pin.data, pin.len, 0, &rec) != HDL_OK) {
        reg_pin_release(&pin);
        reply_error(x, HDL_RC_ERROR, "Registry read failed");
        return;
    }
    struct reply r;
    begin(x, &r, HDL_RC_SUCCESS, 0);
    hdl_put_bytes(&r.w, rr.handle.ptr, rr.handle.len);
    size_t count_at = hdl_reserve_u32(&r.w);
    uint32_t n = 0;
    struct hdl_reader rd;
    hdl_reader_init(&rd, rec.values.ptr, rec.values.len);
    bool unfiltered = rr.index_count == 0 && rr.type_count == 0;
    for (uint32_t i = 0; i < rec.value_count; i++) {
        size_t start = rd.pos;
        struct hdl_value v;
        if (hdl_value_decode(&rd, &v) != HDL_OK)
            break;
        if (!(v.perms & HDL_PERM_PUBLIC_READ) && !private_ok)
            continue;
        if (!unfiltered && !hdl_resolution_selects(&rr, v.index, v.type))
            continue;
        hdl_put_raw(&r.w, rd.buf + start, rd.pos - start);
        n++;
    }
    reg_pin_release(&pin);
    if (n == 0 && rec.value_count > 0) {
        reply_error(x, HDL_RC_VALUES_NOT_FOUND, "");
        return;
    }
    hdl_patch_u32(&r.w, count_at, n);
    finish(x, &r);
}

/*
 * OC 201 VERIFY_CHALLENGE from another server (of this site, or any other as the reference
 * allows): is this HS_SECKEY answer right for an identity held here? The asking server throttles
 * its own clients and delays their failures; here the failure counts against the identity only
 * (a server's address stands for all its clients) and is answered at once, so the asking server's
 * deadline is not spent waiting.
 */
static void verify_for_peer(struct exchange *x)
{
    struct hdl_verify_request vr;
    if (hdl_verify_request_decode(x->op->body.ptr, x->op->body.len, &vr) != HDL_OK ||
        (size_t)vr.nonce.len + vr.digest.len > 512) {
        reply_error(x, HDL_RC_PROTOCOL_ERROR, "Malformed request body");
        return;
    }
    if (site_values_elsewhere(x->node, vr.handle.ptr, vr.handle.len, NULL) ||
        !node_serves(x->node, vr.handle.ptr, vr.handle.len)) {
        reply_error(x, HDL_RC_SERVER_NOT_RESP, "That identity doesn't live here");
        return;
    }
    uint8_t data[512];
    memcpy(data, vr.nonce.ptr, vr.nonce.len);
    memcpy(data + vr.nonce.len, vr.digest.ptr, vr.digest.len);
    struct hdl_challenge_answer a = {.auth_type = {(const uint8_t *)"HS_SECKEY", 9},
                                     .identity_handle = vr.handle,
                                     .identity_index = vr.index,
                                     .signed_response = vr.signed_response};
    time_t now = time(NULL);
    uint32_t retry = 0;
    char msg[256] = "";
    uint32_t rc = HDL_RC_AUTHENTICATION_FAILED;
    struct auth_throttle *t = x->node->auth_throttle;
    if (!t || !auth_throttle_locked(t, vr.index, vr.handle.ptr, vr.handle.len, NULL, now, &retry))
        rc = auth_verify_answer(x->node, &a, data, vr.nonce.len + vr.digest.len, msg, sizeof msg);
    if (rc == HDL_RC_INVALID_ADMIN || rc == HDL_RC_AUTHEN_ERROR) {
        reply_error(x, rc, msg);
        return;
    }
    if (t && (rc == HDL_RC_SUCCESS || retry == 0))
        auth_throttle_note(t, vr.index, vr.handle.ptr, vr.handle.len, NULL, rc != HDL_RC_SUCCESS,
                           now);
    struct reply r;
    begin(x, &r, HDL_RC_SUCCESS, 0);
    hdl_verify_response_encode(&r.w, rc == HDL_RC_SUCCESS ? 1 : 0);
    finish(x, &r);
}

static bool needs_identity(uint32_t opcode)
{
    switch (opcode) {
    case HDL_OC_CREATE_HANDLE:
    case HDL_OC_DELETE_HANDLE:
    case HDL_OC_ADD_VALUE:
    case HDL_OC_REMOVE_VALUE:
    case HDL_OC_MODIFY_VALUE:
    case HDL_OC_LIST_HANDLES:
    case HDL_OC_HOME_NA:
    case HDL_OC_UNHOME_NA:
    case HDL_OC_LIST_HOMED_NAS:
    case HDL_OC_LOGIN_ID_SYSTEM:
        return true;
    default:
        return false;
    }
}

/* Whether x->op names a handle of another server's part of the site, which the reference
 * answers before asking who the requester is (query_part.h); if so, answers it. */
static bool wrong_server(struct exchange *x)
{
    switch (x->op->hdr.opcode) {
    case HDL_OC_RESOLUTION:
    case HDL_OC_CREATE_HANDLE:
    case HDL_OC_DELETE_HANDLE:
    case HDL_OC_ADD_VALUE:
    case HDL_OC_REMOVE_VALUE:
    case HDL_OC_MODIFY_VALUE:
        break;
    default:
        return false;
    }
    /* Every one of these bodies starts with the handle. */
    struct hdl_reader rd;
    struct hdl_slice h;
    hdl_reader_init(&rd, x->op->body.ptr, x->op->body.len);
    if ((x->op->hdr.op_flags & HDL_FLAG_MINT) ||
        hdl_get_bytes(&rd, HDL_MAX_HANDLE_LEN, &h) != HDL_OK ||
        !query_part_elsewhere(x->node, h.ptr, h.len))
        return false;
    reply_error(x, HDL_RC_SERVER_NOT_RESP, QUERY_PART_WRONG_SERVER);
    return true;
}

/* Runs the operation x->op (whose message bytes are req) as x->who. */
static void execute(struct exchange *x, const uint8_t *req, size_t len)
{
    uint32_t op = x->op->hdr.opcode;
    const struct route *rt = route_of(op);
    if (rt) {
        if (rt->needs_identity && x->transport == NODE_UDP) {
            reply_error(x, HDL_RC_OPERATION_NOT_SUPPORTED, "Replication needs TCP");
            return;
        }
        x->mac_ok = true;
        if (rt->needs_identity && !x->who.authenticated) {
            challenge(x, req, len);
            return;
        }
        struct auth_stream st = {x};
        rt->fn(&st, x->node, x->op, &x->who);
        return;
    }
    if (wrong_server(x))
        return;
    if (needs_identity(op) && x->transport == NODE_UDP) {
        reply_error(x, HDL_RC_OPERATION_NOT_SUPPORTED,
                    "Administration needs TCP or HTTP; UDP answers queries only");
        return;
    }
    if (needs_identity(op) && !x->who.authenticated) {
        challenge(x, req, len);
        return;
    }
    unsigned flags = ((x->op->hdr.op_flags & HDL_FLAG_OVRW) ? OPS_OVERWRITE : 0) |
                     ((x->op->hdr.op_flags & HDL_FLAG_MINT) ? OPS_MINT : 0);
    struct ops_result res;
    int derr;
    struct hdl_handle_values hv;
    struct hdl_handle_body hb;
    struct hdl_remove_values rv;
    struct hdl_value *values;
    size_t n = 0;
    switch (op) {
    case HDL_OC_RESOLUTION:
        resolve_private(x, req, len);
        return;
    case HDL_OC_GET_SITE_INFO: {
        struct reply r;
        begin(x, &r, HDL_RC_SUCCESS, 0);
        hdl_put_raw(&r.w, x->node->site, x->node->site_len);
        finish(x, &r);
        return;
    }
    case HDL_OC_VERIFY_RESPONSE:
        verify_for_peer(x);
        return;
    case HDL_OC_LOGIN_ID_SYSTEM: {
        /* The connection's identity is established by the challenge just answered. */
        struct reply r;
        begin(x, &r, HDL_RC_SUCCESS, 0);
        finish(x, &r);
        return;
    }
    case HDL_OC_CREATE_HANDLE:
    case HDL_OC_ADD_VALUE:
    case HDL_OC_MODIFY_VALUE:
        if (!(values = body_values(x, &hv, &n)))
            return;
        if (op == HDL_OC_CREATE_HANDLE)
            ops_create(x->node, &x->who, hv.handle.ptr, hv.handle.len, values, n, flags, &res);
        else if (op == HDL_OC_ADD_VALUE)
            ops_add_values(x->node, &x->who, hv.handle.ptr, hv.handle.len, values, n, flags, &res);
        else
            ops_modify_values(x->node, &x->who, hv.handle.ptr, hv.handle.len, values, n, &res);
        free(values);
        reply_ops(x, &res);
        return;
    case HDL_OC_REMOVE_VALUE: {
        if (hdl_remove_values_decode(x->op->body.ptr, x->op->body.len, &rv) != HDL_OK ||
            rv.index_count > HDL_MAX_VALUES) {
            reply_error(x, HDL_RC_PROTOCOL_ERROR, "Malformed request body");
            return;
        }
        uint32_t idx[HDL_MAX_VALUES];
        for (uint32_t i = 0; i < rv.index_count; i++)
            idx[i] = hdl_remove_values_index_at(&rv, i);
        ops_remove_values(x->node, &x->who, rv.handle.ptr, rv.handle.len, idx, rv.index_count,
                          &res);
        reply_ops(x, &res);
        return;
    }
    case HDL_OC_DELETE_HANDLE:
    case HDL_OC_HOME_NA:
    case HDL_OC_UNHOME_NA:
    case HDL_OC_LIST_HANDLES:
    case HDL_OC_LIST_HOMED_NAS:
        derr = hdl_handle_body_decode(x->op->body.ptr, x->op->body.len, &hb);
        if (derr != HDL_OK) {
            reply_error(x, hdl_rc_of_error(derr), "Malformed request body");
            return;
        }
        if (op == HDL_OC_LIST_HANDLES || op == HDL_OC_LIST_HOMED_NAS) {
            stream_list(x, op == HDL_OC_LIST_HOMED_NAS, &hb);
            return;
        }
        if (op == HDL_OC_DELETE_HANDLE)
            ops_delete(x->node, &x->who, hb.handle.ptr, hb.handle.len, &res);
        else if (op == HDL_OC_HOME_NA)
            ops_home(x->node, &x->who, hb.handle.ptr, hb.handle.len, &res);
        else
            ops_unhome(x->node, &x->who, hb.handle.ptr, hb.handle.len, &res);
        reply_ops(x, &res);
        return;
    default:
        reply_error(x, HDL_RC_OPERATION_NOT_SUPPORTED, "Operation not supported");
        return;
    }
}

static void answer_challenge(struct exchange *x, const struct hdl_message *answer)
{
    struct hdl_challenge_answer a;
    int derr = hdl_challenge_answer_decode(answer->body.ptr, answer->body.len, &a);
    if (derr != HDL_OK) {
        reply_error(x, hdl_rc_of_error(derr), "Malformed challenge answer");
        return;
    }
    struct auth_challenge *c = auth_challenge_take(x->node->auth, answer->env.session_id);
    if (!c) {
        reply_error(x, HDL_RC_AUTHEN_TIMEOUT, "No such challenge, or it expired");
        return;
    }
    /* The answer signs nonce || digest, the digest without its algorithm byte. */
    uint8_t data[AUTH_NONCE_LEN + 64];
    size_t dlen = 0;
    memcpy(data, c->nonce, AUTH_NONCE_LEN);
    dlen = AUTH_NONCE_LEN;
    memcpy(data + dlen, c->digest + 1, c->digest_len - 1);
    dlen += c->digest_len - 1;

    struct hdl_message original;
    if (hdl_message_split(c->request, c->request_len, &original) != HDL_OK) {
        auth_challenge_free(c);
        reply_error(x, HDL_RC_ERROR, "Challenged request lost");
        return;
    }
    /* From here the answer speaks for the original operation. */
    x->op = &original;
    x->reply.session_id = x->session_id;
    char msg[256] = "";
    uint32_t rc = auth_throttle_verify(x->node, &a, x->source, data, dlen, msg, sizeof msg);
    if (rc != HDL_RC_SUCCESS) {
        reply_error(x, rc, msg);
        auth_challenge_free(c);
        return;
    }
    identity_set(&x->who, a.identity_handle.ptr, a.identity_handle.len, a.identity_index);
    if (x->session_id)
        auth_session_authenticate(x->node->auth, x->session_id, &x->who);
    execute(x, c->request, c->request_len);
    auth_challenge_free(c);
}

static void setup_session(struct exchange *x)
{
    struct hdl_session_request sr;
    if (hdl_session_request_decode(x->op->body.ptr, x->op->body.len, &sr) != HDL_OK) {
        reply_error(x, HDL_RC_INVALID_SESSIONSETUP_REQUEST, "Malformed session set-up");
        return;
    }
    uint8_t data[2048];
    struct hdl_writer dw;
    hdl_writer_init(&dw, data, sizeof data);
    uint32_t sid = 0;
    char msg[200] = "";
    uint32_t rc = session_setup_dh(x->node, &sr, &dw, &sid, msg, sizeof msg);
    if (rc != HDL_RC_SUCCESS) {
        reply_error(x, rc, msg);
        return;
    }
    x->reply.session_id = sid;
    struct reply r;
    begin(x, &r, HDL_RC_SUCCESS, 0);
    struct hdl_session_response resp = {
        .mode = sr.mode, .data = {data, (uint32_t)dw.len}, .pad = HDL_SESSION_PAD};
    hdl_session_response_encode(&r.w, &resp);
    finish(x, &r);
}

int auth_stream_reply(struct auth_stream *s, uint32_t rc, const uint8_t *body, size_t len)
{
    struct exchange *x = s->x;
    struct reply r;
    begin(x, &r, rc, 0);
    if (len)
        hdl_put_raw(&r.w, body, len);
    finish(x, &r);
    return x->stopped ? -1 : 0;
}

int auth_stream_error(struct auth_stream *s, uint32_t rc, const char *message)
{
    reply_error(s->x, rc, message);
    return s->x->stopped ? -1 : 0;
}

int auth_stream_begin_raw(struct auth_stream *s)
{
    /* An empty chunk: the front end's marker for "raw bytes follow, then close". */
    if (s->x->stopped || s->x->sink->emit(s->x->sink->ctx, (const uint8_t *)"", 0) != 0)
        s->x->stopped = true;
    return s->x->stopped ? -1 : 0;
}

int auth_stream_write(struct auth_stream *s, const uint8_t *p, size_t len)
{
    if (len && !s->x->stopped && s->x->sink->emit(s->x->sink->ctx, p, len) != 0)
        s->x->stopped = true;
    return s->x->stopped ? -1 : 0;
}

int auth_stream_fd(const struct auth_stream *s)
{
    if (s->x->sink->flush)
        s->x->sink->flush(s->x->sink->ctx); /* what the client waits for goes out first */
    return s->x->sink->fd;
}

uint32_t auth_stream_session(const struct auth_stream *s)
{
    return s->x->session_id;
}

void auth_request_answer(struct node *node, enum node_transport transport, const char *source,
                  const uint8_t *req, size_t len, const struct auth_request_sink *sink)
{
    struct hdl_message msg;
    memset(&msg, 0, sizeof msg);
    struct exchange x = {
        .node = node, .transport = transport, .source = source, .sink = sink, .op = &msg};
    x.out = malloc(QUERY_OUT_MAX);
    if (!x.out)
        return;
    int err = hdl_message_split(req, len, &msg);
    x.reply = msg.env;
    x.reply.session_id = 0;
    if (err != HDL_OK) {
        msg.hdr.op_flags &= ~(HDL_FLAG_RD | HDL_FLAG_CT);
        reply_error(&x, hdl_rc_of_error(err), "Malformed message");
        free(x.out);
        return;
    }
    uint32_t op = msg.hdr.opcode;
    if (msg.env.session_id && op != HDL_OC_CHALLENGE_RESPONSE && op != HDL_OC_SESSION_SETUP) {
        /* A request in a session proves itself with the session's MAC and a fresh counter. */
        struct auth_session s;
        uint32_t counter = 0;
        if (!auth_session_get(node->auth, msg.env.session_id, &s)) {
            reply_error(&x, HDL_RC_SESSION_TIMEOUT, "Unknown or expired session");
        } else if (mac_verify(s.key, s.key_len, &msg, &counter) != HDL_OK) {
            reply_error(&x, HDL_RC_SESSION_MESSAGE_REJECTED, "Session MAC missing or wrong");
        } else if (!auth_session_accept_counter(node->auth, s.id, counter)) {
            reply_error(&x, HDL_RC_SESSION_MESSAGE_REJECTED, "Session counter replayed");
        } else {
            x.session_id = s.id;
            x.reply.session_id = s.id;
            x.who = s.who;
            if (op == HDL_OC_SESSION_TERMINATE) {
                auth_session_close(node->auth, s.id);
                x.reply.session_id = 0;
                struct reply r;
                begin(&x, &r, HDL_RC_SUCCESS, 0);
                finish(&x, &r);
            } else {
                execute(&x, req, len);
            }
        }
        free(x.out);
        return;
    }
    if (op == HDL_OC_CHALLENGE_RESPONSE) {
        struct auth_session s;
        if (msg.env.session_id && auth_session_get(node->auth, msg.env.session_id, &s)) {
            x.session_id = s.id;
            x.who = s.who;
        }
        answer_challenge(&x, &msg);
    } else if (op == HDL_OC_SESSION_SETUP) {
        setup_session(&x);
    } else {
        execute(&x, req, len);
    }
    free(x.out);
}

void auth_request_refuse(struct node *node, enum node_transport transport, const uint8_t *req,
                         size_t len, uint32_t rc, const char *message,
                         const struct auth_request_sink *sink)
{
    struct hdl_message msg;
    memset(&msg, 0, sizeof msg);
    struct exchange x = {.node = node, .transport = transport, .sink = sink, .op = &msg};
    if (!(x.out = malloc(QUERY_OUT_MAX)))
        return;
    if (hdl_message_split(req, len, &msg) == HDL_OK) {
        x.reply = msg.env;
        struct auth_session s;
        if (!msg.env.session_id || !auth_session_get(node->auth, msg.env.session_id, &s))
            x.reply.session_id = 0;
        reply_error(&x, rc, message);
    }
    free(x.out);
}
