/*
 * The mirror's blocking connection to a primary (mirror_conn.h): TCP with timeouts, the request
 * and its challenge-response, and the stream's TLS client.
 */
#include "resolver/replication/mirror_conn.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/x509.h>

#include "client/request.h"
#include "common/errcode.h"
#include "proto/hdl_challenge.h"
#include "proto/hdl_const.h"
#include "proto/hdl_error_body.h"
#include "proto/hdl_message.h"

/* Largest answer message read before a stream (a 402 or an error: small). */
#define ANSWER_MAX 65536
#define REQUEST_MAX 8192

void repl_conn_init(struct repl_conn *c, int timeout_ms)
{
    memset(c, 0, sizeof *c);
    c->fd = -1;
    c->timeout_ms = timeout_ms > 0 ? timeout_ms : 30000;
}

void repl_conn_close(struct repl_conn *c)
{
    if (c->ssl) {
        /* The primary has closed or is about to: no close_notify is owed either way. */
        SSL_set_quiet_shutdown(c->ssl, 1);
        SSL_free(c->ssl);
        c->ssl = NULL;
    }
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
    free(c->buf);
    c->buf = NULL;
    c->cap = c->pos = c->len = 0;
    c->eof = false;
}

static int fail(struct repl_conn *c, int code, const char *what)
{
    snprintf(c->err, sizeof c->err, "%s", what);
    return code;
}

static int conn_open(struct repl_conn *c, const struct client_opts *server)
{
    repl_conn_close(c);
    c->fd = socket(server->addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (c->fd < 0)
        return fail(c, CLI_ERR_NETWORK, strerror(errno));
    int rc = connect(c->fd, (const struct sockaddr *)&server->addr, server->addr_len);
    if (rc != 0 && errno == EINPROGRESS) {
        struct pollfd p = {.fd = c->fd, .events = POLLOUT};
        int soerr = 0;
        socklen_t sl = sizeof soerr;
        rc = poll(&p, 1, c->timeout_ms);
        if (rc == 1 && getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) == 0 && soerr == 0)
            rc = 0;
        else
            errno = rc == 0 ? ETIMEDOUT : (soerr ? soerr : errno);
        if (rc != 0)
            rc = -1;
    }
    if (rc != 0) {
        char why[160];
        snprintf(why, sizeof why, "cannot connect: %s", strerror(errno));
        repl_conn_close(c);
        return fail(c, CLI_ERR_NETWORK, why);
    }
    /* Blocking from here, each call bounded by the socket timeouts. */
    fcntl(c->fd, F_SETFL, fcntl(c->fd, F_GETFL) & ~O_NONBLOCK);
    struct timeval tv = {.tv_sec = c->timeout_ms / 1000, .tv_usec = (c->timeout_ms % 1000) * 1000};
    setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    return 0;
}

static int send_all(struct repl_conn *c, const uint8_t *p, size_t n)
{
    while (n > 0) {
        ssize_t k = send(c->fd, p, n, MSG_NOSIGNAL);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return fail(c, CLI_ERR_NETWORK, "cannot send the request");
        p += k;
        n -= (size_t)k;
    }
    return 0;
}

int repl_conn_read_exact(struct repl_conn *c, uint8_t *p, size_t n)
{
    size_t got = 0;
    while (got < n) {
        ssize_t k = recv(c->fd, p + got, n - got, 0);
        if (k < 0 && errno == EINTR)
            continue;
        if (k == 0)
            return fail(c, CLI_ERR_CLOSED, "the primary closed the connection");
        if (k < 0)
            return fail(
                c, errno == EAGAIN || errno == EWOULDBLOCK ? CLI_ERR_TIMEOUT : CLI_ERR_NETWORK,
                errno == EAGAIN || errno == EWOULDBLOCK ? "no answer in time" : "receive failed");
        got += (size_t)k;
    }
    return 0;
}

/* Reads one whole message into buf (cap bytes) and splits it. */
static int read_message(struct repl_conn *c, uint8_t *buf, size_t cap, struct hdl_message *m)
{
    int rc = repl_conn_read_exact(c, buf, HDL_ENVELOPE_LEN);
    if (rc != 0)
        return rc;
    struct hdl_reader r;
    struct hdl_envelope env;
    hdl_reader_init(&r, buf, HDL_ENVELOPE_LEN);
    rc = hdl_envelope_decode(&r, &env);
    if (rc == HDL_OK && HDL_ENVELOPE_LEN + (size_t)env.message_length > cap)
        rc = CLI_ERR_TOO_LARGE;
    if (rc != HDL_OK)
        return fail(c, rc, "malformed or oversized answer envelope");
    rc = repl_conn_read_exact(c, buf + HDL_ENVELOPE_LEN, env.message_length);
    if (rc != 0)
        return rc;
    rc = hdl_message_split(buf, HDL_ENVELOPE_LEN + env.message_length, m);
    return rc == HDL_OK ? 0 : fail(c, rc, "malformed answer");
}

static size_t begin(struct hdl_writer *w, uint32_t opcode, uint8_t minor, uint16_t serial,
                    uint32_t request_id, uint32_t session_id)
{
    struct hdl_envelope env = {.major = HDL_MAJOR_VERSION,
                               .minor = minor,
                               .sugg_major = HDL_MAJOR_VERSION,
                               .sugg_minor = minor,
                               .session_id = session_id,
                               .request_id = request_id};
    /* As HANDLE.NET mirrors send them: CT | REC | CA | PO. */
    struct hdl_header hdr = {.opcode = opcode,
                             .op_flags = HDL_FLAG_CT | HDL_FLAG_REC | HDL_FLAG_CA | HDL_FLAG_PO,
                             .site_serial = serial,
                             .expiration = (uint32_t)time(NULL) + 43200};
    return hdl_message_begin(w, &env, &hdr);
}

/* The 200 answer to challenge m of our request req (req_len bytes) into out. */
static int build_answer(struct repl_conn *c, const struct admin_auth *auth,
                        const struct hdl_message *m, const uint8_t *req, size_t req_len,
                        uint8_t minor, uint8_t *out, size_t cap, size_t *out_len)
{
    uint8_t signed_response[1200];
    struct hdl_challenge_answer a;
    uint32_t req_flags;
    const char *why;
    int rc = admin_auth_answer_challenge(auth, m->body.ptr, m->body.len, req, req_len,
                                         signed_response, sizeof signed_response, &a, &req_flags,
                                         &why);
    if (rc != HDL_OK)
        return fail(c, rc, why);
    struct hdl_writer aw;
    hdl_writer_init(&aw, out, cap);
    /* The answer names the challenge by its id in the envelope's session field. */
    size_t body =
        begin(&aw, HDL_OC_CHALLENGE_RESPONSE, minor, 0xffff, request_new_id(), m->env.session_id);
    hdl_challenge_answer_encode(&aw, &a);
    if (hdl_message_finish(&aw, body, NULL, 0) != HDL_OK)
        return fail(c, HDL_ERR_NOSPACE, "challenge answer too large");
    *out_len = aw.len;
    return 0;
}

/* The answer's code and, for an error, its message (after any digest). */
static void take_result(const struct hdl_message *m, uint32_t *rc, char *msg, size_t msglen)
{
    *rc = m->hdr.response_code;
    if (msglen)
        msg[0] = '\0';
    if (*rc == HDL_RC_SUCCESS || !msglen)
        return;
    struct hdl_reader r;
    hdl_reader_init(&r, m->body.ptr, m->body.len);
    if (m->hdr.op_flags & HDL_FLAG_RD) {
        struct hdl_digest d;
        if (hdl_digest_decode(&r, &d) != HDL_OK)
            hdl_reader_init(&r, m->body.ptr, m->body.len);
    }
    struct hdl_error_body e = {{NULL, 0}};
    if (hdl_error_body_decode(&r, &e) == HDL_OK)
        snprintf(msg, msglen, "%.*s", (int)e.message.len, (const char *)e.message.ptr);
}

int repl_call(struct repl_conn *c, const struct client_opts *server, const struct admin_auth *auth,
              const struct repl_request *rq, uint32_t *rc, char *msg, size_t msglen)
{
    uint8_t req[REQUEST_MAX];
    uint8_t *in = malloc(ANSWER_MAX);
    if (!in)
        return fail(c, PZ_ERR_NOMEM, "out of memory");
    struct hdl_writer w;
    hdl_writer_init(&w, req, sizeof req);
    uint32_t id = request_new_id();
    size_t body = begin(&w, rq->opcode, rq->minor, rq->site_serial, id, 0);
    hdl_put_raw(&w, rq->body, rq->body_len);
    int err = hdl_message_finish(&w, body, NULL, 0);
    if (err != HDL_OK) {
        free(in);
        return fail(c, err, "request too large");
    }
    struct hdl_message m;
    err = conn_open(c, server);
    if (err == 0)
        err = send_all(c, req, w.len);
    if (err == 0)
        err = read_message(c, in, ANSWER_MAX, &m);
    if (err == 0 && m.hdr.response_code == HDL_RC_AUTHENTICATION_NEEDED) {
        /* Answer on a new connection: the primary answers the original request there, and
         * the stream follows on it. */
        uint8_t answer[4096];
        size_t answer_len = 0;
        err = build_answer(c, auth, &m, req, w.len, rq->minor, answer, sizeof answer, &answer_len);
        if (err == 0)
            err = conn_open(c, server);
        if (err == 0)
            err = send_all(c, answer, answer_len);
        if (err == 0)
            err = read_message(c, in, ANSWER_MAX, &m);
    }
    if (err == 0)
        take_result(&m, rc, msg, msglen);
    if (err == 0 && *rc == HDL_RC_SUCCESS && m.hdr.opcode != rq->opcode)
        err = fail(c, CLI_ERR_MALFORMED, "the primary answered another operation");
    free(in);
    if (err != 0 || *rc != HDL_RC_SUCCESS)
        repl_conn_close(c);
    return err;
}

SSL_CTX *repl_tls_ctx_new(void)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    if (!ctx)
        return NULL;
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    SSL_CTX_set_max_proto_version(ctx, TLS1_2_VERSION);
    /* HANDLE.NET primaries with DSA keys offer only DHE-DSS; their 1024-bit keys need level 0. */
    if (SSL_CTX_set_cipher_list(ctx,
                                "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
                                "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
                                "DHE-RSA-AES256-GCM-SHA384:DHE-DSS-AES256-GCM-SHA384:"
                                "DHE-RSA-AES128-GCM-SHA256:DHE-DSS-AES128-GCM-SHA256:"
                                "DHE-DSS-AES256-SHA256:DHE-DSS-AES128-SHA256:"
                                "DHE-RSA-AES256-SHA256:DHE-RSA-AES128-SHA256:@SECLEVEL=0") != 1 ||
        SSL_CTX_set1_sigalgs_list(ctx, "ECDSA+SHA256:ECDSA+SHA384:RSA+SHA256:RSA+SHA384:"
                                       "RSA+SHA512:DSA+SHA256:DSA+SHA1:RSA+SHA1:ECDSA+SHA1") != 1) {
        SSL_CTX_free(ctx);
        return NULL;
    }
    SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
#ifdef SSL_OP_IGNORE_UNEXPECTED_EOF
    SSL_CTX_set_options(ctx, SSL_OP_IGNORE_UNEXPECTED_EOF);
#endif
    return ctx;
}

int repl_conn_start_tls(struct repl_conn *c, SSL_CTX *ctx, EVP_PKEY *pinned)
{
    c->ssl = SSL_new(ctx);
    if (!c->ssl || SSL_set_fd(c->ssl, c->fd) != 1)
        return fail(c, CLI_ERR_TLS, "cannot start TLS");
    if (SSL_connect(c->ssl) != 1) {
        char why[200];
        unsigned long e = ERR_get_error();
        snprintf(why, sizeof why, "TLS handshake with the primary failed: %s",
                 e ? ERR_reason_error_string(e) : "connection closed");
        ERR_clear_error();
        return fail(c, CLI_ERR_TLS, why);
    }
    /* The only check HANDLE.NET makes, and the one that matters: the key is the site's. */
    X509 *cert = SSL_get1_peer_certificate(c->ssl);
    EVP_PKEY *peer = cert ? X509_get0_pubkey(cert) : NULL;
    int same = peer && pinned ? EVP_PKEY_eq(peer, pinned) : 0;
    X509_free(cert);
    if (same != 1)
        return fail(c, CLI_ERR_TLS, "the primary's TLS certificate does not carry its HS_SITE key");
    return 0;
}

int repl_conn_more(struct repl_conn *c, size_t max_buffered)
{
    if (c->eof)
        return fail(c, CLI_ERR_CLOSED, "the stream ended early");
    if (c->pos > 0) {
        memmove(c->buf, c->buf + c->pos, c->len - c->pos);
        c->len -= c->pos;
        c->pos = 0;
    }
    if (c->len == c->cap) {
        if (c->cap >= max_buffered)
            return fail(c, CLI_ERR_TOO_LARGE, "a stream record is larger than allowed");
        size_t cap = c->cap ? c->cap * 2 : 65536;
        if (cap > max_buffered)
            cap = max_buffered;
        uint8_t *p = realloc(c->buf, cap);
        if (!p)
            return fail(c, PZ_ERR_NOMEM, "out of memory");
        c->buf = p;
        c->cap = cap;
    }
    for (;;) {
        if (c->ssl) {
            int k = SSL_read(c->ssl, c->buf + c->len, (int)(c->cap - c->len));
            if (k > 0) {
                c->len += (size_t)k;
                return 0;
            }
            int e = SSL_get_error(c->ssl, k);
            int saved = errno;
            ERR_clear_error();
            /* A ragged EOF (no close_notify) is how HANDLE.NET primaries end a stream; whether
             * the stream was complete is for its records to say. */
            if (e == SSL_ERROR_ZERO_RETURN || (e == SSL_ERROR_SYSCALL && saved == 0)) {
                c->eof = true;
                return fail(c, CLI_ERR_CLOSED, "the stream ended early");
            }
            if (e == SSL_ERROR_WANT_READ || saved == EAGAIN || saved == EWOULDBLOCK)
                return fail(c, CLI_ERR_TIMEOUT, "the stream stalled");
            if (e == SSL_ERROR_SSL)
                return fail(c, CLI_ERR_TLS, "TLS read failed");
            return fail(c, CLI_ERR_NETWORK, "TLS read failed");
        }
        ssize_t k = recv(c->fd, c->buf + c->len, c->cap - c->len, 0);
        if (k < 0 && errno == EINTR)
            continue;
        if (k > 0) {
            c->len += (size_t)k;
            return 0;
        }
        if (k == 0) {
            c->eof = true;
            return fail(c, CLI_ERR_CLOSED, "the stream ended early");
        }
        return fail(c, errno == EAGAIN || errno == EWOULDBLOCK ? CLI_ERR_TIMEOUT : CLI_ERR_NETWORK,
                    errno == EAGAIN || errno == EWOULDBLOCK ? "the stream stalled"
                                                            : "receive failed");
    }
}
