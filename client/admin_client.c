#include "client/admin_client.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "client/request.h"
#include "crypto/dh_session.h"
#include "crypto/key.h"
#include "crypto/secret.h"
#include "crypto/sign.h"
#include "proto/hdl_admin_ops.h"
#include "proto/hdl_challenge.h"
#include "proto/hdl_envelope.h"
#include "proto/hdl_error_body.h"
#include "proto/hdl_session.h"

#define DEFAULT_TIMEOUT_MS 30000
/* A request, and room for the MAC credential a session adds. */
#define REQ_CAP (HDL_ENVELOPE_LEN + HDL_MAX_MESSAGE_LEN + 1024)
#define IN_CAP (HDL_ENVELOPE_LEN + HDL_MAX_MESSAGE_LEN)
#define ANSWER_CAP (HDL_ENVELOPE_LEN + HDL_HEADER_LEN + HDL_MAX_HANDLE_LEN + 2048)

struct admin_client {
    struct client_opts server;
    int timeout_ms;
    int fd;
    const struct admin_auth *auth;
    FILE *trace;
    uint32_t session_id;
    uint8_t session_key[32];
    size_t session_key_len;
    uint32_t counter;
    uint8_t *req; /* the request being sent */
    struct hdl_writer w;
    size_t body_at;
    uint8_t *in;     /* the response being read */
    uint8_t *answer; /* a challenge answer */
    struct admin_client_stats stats;
    char err[256];
};

/* Keeps the message for admin_client_error and returns code. */
static int fail(struct admin_client *c, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(struct admin_client *c, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->err, sizeof c->err, fmt, ap);
    va_end(ap);
    return code;
}

static void trace(struct admin_client *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void trace(struct admin_client *c, const char *fmt, ...)
{
    if (!c->trace)
        return;
    va_list ap;
    va_start(ap, fmt);
    fprintf(c->trace, "pazhou: ");
    vfprintf(c->trace, fmt, ap);
    fprintf(c->trace, "\n");
    va_end(ap);
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct admin_client *admin_client_new(const struct client_opts *server, int timeout_ms)
{
    struct admin_client *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->server = *server;
    c->timeout_ms = timeout_ms > 0 ? timeout_ms : DEFAULT_TIMEOUT_MS;
    c->fd = -1;
    c->req = malloc(REQ_CAP);
    c->in = malloc(IN_CAP);
    c->answer = malloc(ANSWER_CAP);
    if (!c->req || !c->in || !c->answer) {
        admin_client_free(c);
        return NULL;
    }
    return c;
}

static void disconnect(struct admin_client *c)
{
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
}

void admin_client_free(struct admin_client *c)
{
    if (!c)
        return;
    if (c->session_id) {
        struct admin_result res;
        admin_client_session_end(c, &res);
    }
    disconnect(c);
    cry_cleanse(c->session_key, sizeof c->session_key);
    free(c->req);
    free(c->in);
    free(c->answer);
    free(c);
}

void admin_client_set_auth(struct admin_client *c, const struct admin_auth *auth)
{
    if (c->session_id) {
        struct admin_result res;
        admin_client_session_end(c, &res);
    }
    c->auth = auth;
}

void admin_client_set_trace(struct admin_client *c, FILE *f)
{
    c->trace = f;
}

uint32_t admin_client_session_id(const struct admin_client *c)
{
    return c->session_id;
}

const char *admin_client_error(const struct admin_client *c)
{
    return c->err;
}

void admin_client_stats(const struct admin_client *c, struct admin_client_stats *out)
{
    *out = c->stats;
}

/* A kept connection the node has closed (idle timeout, restart) reads as EOF: open a new one. */
static bool connection_usable(struct admin_client *c)
{
    if (c->fd < 0)
        return false;
    struct pollfd p = {.fd = c->fd, .events = POLLIN};
    if (poll(&p, 1, 0) == 0)
        return true;
    uint8_t b;
    return recv(c->fd, &b, 1, MSG_PEEK | MSG_DONTWAIT) > 0;
}

static int ensure_connected(struct admin_client *c)
{
    if (connection_usable(c))
        return 0;
    disconnect(c);
    c->fd = socket(c->server.addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (c->fd < 0 ||
        connect(c->fd, (const struct sockaddr *)&c->server.addr, c->server.addr_len) != 0) {
        int e = errno;
        disconnect(c);
        return fail(c, CLI_ERR_NETWORK, "cannot connect over TCP: %s", strerror(e));
    }
    c->stats.connects++;
    return 0;
}

static int send_all(struct admin_client *c, const uint8_t *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = send(c->fd, buf, len, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            int e = errno;
            disconnect(c);
            return fail(c, CLI_ERR_NETWORK, "cannot send over TCP: %s", strerror(e));
        }
        buf += n;
        len -= (size_t)n;
    }
    return 0;
}

static int read_full(struct admin_client *c, uint8_t *buf, size_t n, int64_t deadline)
{
    size_t got = 0;
    while (got < n) {
        int64_t left = deadline - now_ms();
        struct pollfd p = {.fd = c->fd, .events = POLLIN};
        int rc = left > 0 ? poll(&p, 1, (int)left) : 0;
        if (rc < 0 && errno == EINTR)
            continue;
        if (rc <= 0)
            return fail(c, rc == 0 ? CLI_ERR_TIMEOUT : CLI_ERR_NETWORK,
                        "no answer from the node within %d ms", c->timeout_ms);
        ssize_t r = recv(c->fd, buf + got, n - got, 0);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return fail(c, r == 0 ? CLI_ERR_CLOSED : CLI_ERR_NETWORK,
                        "the node closed the connection");
        got += (size_t)r;
    }
    return 0;
}

/* Reads one whole message into c->in and splits it: 0, read_full's codes, CLI_ERR_TOO_LARGE,
 * or the decoder's. */
static int read_message(struct admin_client *c, int64_t deadline, struct hdl_message *m)
{
    struct hdl_reader r;
    struct hdl_envelope env;
    int rc = read_full(c, c->in, HDL_ENVELOPE_LEN, deadline);
    if (rc != 0)
        goto broken;
    hdl_reader_init(&r, c->in, HDL_ENVELOPE_LEN);
    rc = hdl_envelope_decode(&r, &env);
    if (rc == HDL_OK && HDL_ENVELOPE_LEN + (size_t)env.message_length > IN_CAP)
        rc = CLI_ERR_TOO_LARGE;
    if (rc != HDL_OK) {
        fail(c, rc, "malformed or oversized response envelope");
        goto broken;
    }
    rc = read_full(c, c->in + HDL_ENVELOPE_LEN, env.message_length, deadline);
    if (rc != 0)
        goto broken;
    rc = hdl_message_split(c->in, HDL_ENVELOPE_LEN + env.message_length, m);
    if (rc != HDL_OK) {
        fail(c, rc, "malformed response from the node");
        goto broken;
    }
    return 0;
broken:
    disconnect(c);
    return rc;
}

struct hdl_writer *admin_client_begin(struct admin_client *c, uint32_t opcode, uint32_t op_flags)
{
    hdl_writer_init(&c->w, c->req, REQ_CAP);
    c->body_at = request_begin(&c->w, opcode, op_flags, 0);
    return &c->w;
}

/* Finishes the request begun last: ids, lengths and, in a session, the MAC. */
static int seal_request(struct admin_client *c, uint32_t request_id)
{
    int rc = hdl_message_finish(&c->w, c->body_at, NULL, 0);
    if (rc != HDL_OK)
        return fail(c, rc, "request too large: %s", pz_strerror(rc));
    hdl_store_u32(c->req + 4, c->session_id);
    hdl_store_u32(c->req + 8, request_id);
    if (c->session_id) {
        c->counter++;
        rc = mac_message(c->session_key, c->session_key_len, c->counter, &c->w, 0);
        if (rc != HDL_OK)
            return fail(c, rc, "cannot MAC the request: %s", pz_strerror(rc));
    }
    return 0;
}

/* Builds and sends the opCode-200 answer, as c->auth (which is someone), to the challenge in m
 * for the request in c->req; returns 0 with its requestId in *answer_id, or a code. */
static int answer_challenge(struct admin_client *c, const struct hdl_message *m,
                            uint32_t *answer_id)
{
    uint8_t signed_response[1200];
    struct hdl_challenge_answer a;
    uint32_t req_flags;
    const char *why;
    int rc = admin_auth_answer_challenge(c->auth, m->body.ptr, m->body.len, c->req, c->w.len,
                                         signed_response, sizeof signed_response, &a, &req_flags,
                                         &why);
    if (rc != HDL_OK)
        return fail(c, rc, "the node's challenge: %s", why);
    const char *type = admin_auth_type(c->auth);
    *answer_id = request_new_id();
    struct hdl_writer aw;
    hdl_writer_init(&aw, c->answer, ANSWER_CAP);
    size_t body = request_begin(&aw, HDL_OC_CHALLENGE_RESPONSE, req_flags, *answer_id);
    hdl_challenge_answer_encode(&aw, &a);
    rc = hdl_message_finish(&aw, body, NULL, 0);
    if (rc != HDL_OK)
        return fail(c, rc, "challenge answer too large");
    /* The answer names the challenge by its id; in a session that is the session's id, and the
     * answer itself carries no MAC. */
    hdl_store_u32(c->answer + 4, m->env.session_id);
    c->stats.challenges++;
    trace(c, "challenge %u answered as %u:%s (%s)", m->env.session_id, c->auth->index,
          c->auth->handle, type);
    return send_all(c, c->answer, aw.len);
}

static void take_result(const struct hdl_message *m, const uint8_t *body, size_t len,
                        struct admin_result *res)
{
    res->rc = m->hdr.response_code;
    res->body = body;
    res->body_len = len;
    res->message[0] = '\0';
    if (res->rc == HDL_RC_SUCCESS)
        return;
    struct hdl_reader r;
    struct hdl_error_body e = {{NULL, 0}};
    hdl_reader_init(&r, body, len);
    if (hdl_error_body_decode(&r, &e) == HDL_OK)
        snprintf(res->message, sizeof res->message, "%.*s", (int)e.message.len,
                 (const char *)e.message.ptr);
}

int admin_client_call(struct admin_client *c, admin_stream_fn fn, void *ctx,
                      struct admin_result *res)
{
    memset(res, 0, sizeof *res);
    uint32_t expect = request_new_id();
    int rc = seal_request(c, expect);
    if (rc == 0)
        rc = ensure_connected(c);
    if (rc == 0)
        rc = send_all(c, c->req, c->w.len);
    if (rc != 0)
        return rc;
    c->stats.requests++;
    int64_t deadline = now_ms() + c->timeout_ms;
    bool answered = false;
    for (;;) {
        struct hdl_message m;
        rc = read_message(c, deadline, &m);
        if (rc != 0)
            return rc;
        if (m.env.request_id != expect)
            continue; /* a late answer to something we gave up on */
        /* With nobody to answer as, the 402 is the result. */
        if (m.hdr.response_code == HDL_RC_AUTHENTICATION_NEEDED && !answered && c->auth &&
            c->auth->kind != ADMIN_AUTH_NONE) {
            rc = answer_challenge(c, &m, &expect);
            if (rc != 0)
                return rc;
            answered = true;
            deadline = now_ms() + c->timeout_ms;
            continue;
        }
        const uint8_t *body = m.body.ptr;
        size_t len = m.body.len;
        if ((m.hdr.op_flags & HDL_FLAG_RD) || m.hdr.response_code == HDL_RC_AUTHENTICATION_NEEDED) {
            struct hdl_reader r;
            struct hdl_digest d;
            hdl_reader_init(&r, body, len);
            if (hdl_digest_decode(&r, &d) == HDL_OK) {
                body += r.pos;
                len -= r.pos;
            }
        }
        take_result(&m, body, len, res);
        if (res->rc == HDL_RC_AUTHENTICATION_NEEDED)
            snprintf(res->message, sizeof res->message, "%s",
                     answered ? "the node challenged the answer again"
                              : "the node asks for authentication, and no identity was given");
        if (res->rc == HDL_RC_SUCCESS && fn && (rc = fn(ctx, &m, body, len)) != 0) {
            disconnect(c); /* the rest of the stream is not wanted */
            return fail(c, rc > 0 ? rc : CLI_ERR_REJECTED, "response rejected");
        }
        if (res->rc != HDL_RC_SUCCESS || !(m.hdr.op_flags & HDL_FLAG_CN))
            return 0;
    }
}

int admin_client_session_start(struct admin_client *c, uint32_t timeout_s, struct admin_result *res)
{
    if (c->session_id)
        admin_client_session_end(c, res);
    uint8_t keybuf[1024];
    struct hdl_writer kw;
    hdl_writer_init(&kw, keybuf, sizeof keybuf);
    EVP_PKEY *ours = NULL;
    int rc = cry_dh_begin(&ours, &kw);
    if (rc != HDL_OK)
        return fail(c, rc, "cannot generate a Diffie-Hellman key");
    const char *handle = c->auth ? c->auth->handle : "";
    struct hdl_session_request sr = {
        .mode = HDL_KEYX_DH,
        .timeout = timeout_s,
        .identity_handle = {(const uint8_t *)handle, (uint32_t)strlen(handle)},
        .identity_index = c->auth ? c->auth->index : 0,
        .public_key = {keybuf, (uint32_t)kw.len},
        .pad = HDL_SESSION_PAD,
    };
    struct hdl_writer *w = admin_client_begin(c, HDL_OC_SESSION_SETUP, ADMIN_FLAGS | HDL_FLAG_RD);
    hdl_session_request_encode(w, &sr);
    rc = admin_client_call(c, NULL, NULL, res);
    if (rc != 0) {
        cry_key_free(ours);
        return rc;
    }
    if (res->rc != HDL_RC_SUCCESS) {
        cry_key_free(ours);
        return 0;
    }
    struct hdl_session_response resp;
    uint32_t cipher = 0;
    struct hdl_slice server_key;
    uint32_t sid = hdl_load_u32(c->in + 4);
    rc = hdl_session_response_decode(res->body, res->body_len, &resp);
    if (rc == HDL_OK)
        rc = hdl_session_dh_data_decode(resp.data.ptr, resp.data.len, &cipher, &server_key);
    if (rc == HDL_OK)
        rc = cry_dh_finish(ours, server_key.ptr, server_key.len, c->session_key,
                           &c->session_key_len);
    cry_key_free(ours);
    if (rc != HDL_OK || sid == 0)
        return fail(c, sid ? rc : CLI_ERR_MALFORMED, "unusable session set-up response: %s",
                    sid ? pz_strerror(rc) : "no session id");
    c->session_id = sid;
    c->counter = 0;
    trace(c, "session %u set up", sid);
    return 0;
}

int admin_client_session_end(struct admin_client *c, struct admin_result *res)
{
    memset(res, 0, sizeof *res);
    if (!c->session_id)
        return 0;
    struct hdl_writer *w = admin_client_begin(c, HDL_OC_SESSION_TERMINATE, ADMIN_FLAGS);
    hdl_put_cstr(w, "/");
    int rc = admin_client_call(c, NULL, NULL, res);
    trace(c, "session %u ended", c->session_id);
    c->session_id = 0;
    c->counter = 0;
    cry_cleanse(c->session_key, sizeof c->session_key);
    return rc;
}
