#include "resolver/http/http2.h"

#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <nghttp2/nghttp2.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/ssl.h>

#include "resolver/http/http2_stream.h"
#include "resolver/http/http_guard.h"
#include "resolver/http/http_state.h"
#include "resolver/net/worker.h"

/* Streams one connection may have open at once (SETTINGS_MAX_CONCURRENT_STREAMS). */
#define H2_MAX_STREAMS 100
/* Frames waiting in the bufferevent past which the session makes no more until they drain. */
#define H2_OUT_HIGH (256u << 10)

static const char preface[] = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

enum http2_preface http2_preface(const char *data, size_t len)
{
    size_t n = sizeof preface - 1;
    if (len >= n)
        return memcmp(data, preface, n) == 0 ? HTTP2_PREFACE_YES : HTTP2_PREFACE_NO;
    return memcmp(data, preface, len) == 0 ? HTTP2_PREFACE_PARTIAL : HTTP2_PREFACE_NO;
}

static void h2_read(struct bufferevent *bev, void *arg);
static void h2_write(struct bufferevent *bev, void *arg);
static void h2_event(struct bufferevent *bev, short what, void *arg);

/* evhttp's event callback, as the bufferevent would have called it: evhttp frees the connection,
 * and http2_closed the session. */
static void tell_evhttp(struct h2_conn *conn, short what)
{
    conn->evhttp.ev(conn->bev, what, conn->evhttp.evcon);
}

/* Writes what the socket takes of frames to the socket, the rest into the bufferevent's output
 * (which writes it when it can). False when the connection is gone. */
static bool write_direct(struct h2_conn *conn, struct evbuffer *frames)
{
    evutil_socket_t fd = bufferevent_getfd(conn->bev);
    while (evbuffer_get_length(frames)) {
        int n = evbuffer_write(frames, fd);
        if (n > 0 || (n < 0 && errno == EINTR))
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            break;
        tell_evhttp(conn, BEV_EVENT_WRITING | BEV_EVENT_ERROR);
        return false;
    }
    if (evbuffer_get_length(frames) &&
        evbuffer_add_buffer(bufferevent_get_output(conn->bev), frames) != 0) {
        tell_evhttp(conn, BEV_EVENT_WRITING | BEV_EVENT_ERROR);
        return false;
    }
    return true;
}

static bool flush(struct h2_conn *conn)
{
    if (conn->receiving)
        return true;
    struct evbuffer *out = bufferevent_get_output(conn->bev);
    bool more = true;
    while (more) {
        /* Over plain TCP, frames made while none wait are written at once: through the
         * bufferevent every answer would arm and disarm a write event, two system calls. */
        struct evbuffer *to = conn->direct && evbuffer_get_length(out) == 0 ? conn->direct : out;
        more = false;
        while (!more) {
            const uint8_t *data = NULL;
            ssize_t n = nghttp2_session_mem_send(conn->session, &data);
            if (n < 0 || (n > 0 && evbuffer_add(to, data, (size_t)n) != 0)) {
                tell_evhttp(conn, BEV_EVENT_WRITING | BEV_EVENT_ERROR);
                return false;
            }
            if (n == 0)
                break;
            more = evbuffer_get_length(to) >= H2_OUT_HIGH;
        }
        if (to == out)
            break;
        if (!write_direct(conn, to))
            return false;
    }
    /* While frames wait for a client slow to read them, no request deadline runs (as evhttp runs
     * none while an answer is written): the bufferevent's write timeout, http.timeout, holds. */
    bool writing = evbuffer_get_length(out) > 0;
    if (writing != conn->writing) {
        conn->writing = writing;
        if (writing || !conn->waiting)
            http_guard_hold(conn->h->guard, conn->bev, writing);
    }
    /* After a GOAWAY both ways (or a fatal error) the session is done once its frames are out. */
    if (!nghttp2_session_want_read(conn->session) && !nghttp2_session_want_write(conn->session) &&
        evbuffer_get_length(out) == 0) {
        tell_evhttp(conn, BEV_EVENT_EOF);
        return false;
    }
    return true;
}

/* Feeds what has arrived to the session; the requests it completes go to the routes (whose
 * answers are submitted meanwhile and sent after). */
static void h2_read(struct bufferevent *bev, void *arg)
{
    struct h2_conn *conn = arg;
    struct evbuffer *in = bufferevent_get_input(bev);
    conn->receiving++;
    bool failed = false;
    while (!failed && evbuffer_get_length(in)) {
        struct evbuffer_iovec v;
        if (evbuffer_peek(in, -1, NULL, &v, 1) < 1)
            break;
        ssize_t n = nghttp2_session_mem_recv(conn->session, v.iov_base, v.iov_len);
        if (n < 0)
            failed = true;
        else
            evbuffer_drain(in, (size_t)n);
    }
    conn->receiving--;
    if (failed) {
        /* The session has queued its GOAWAY where it could: send it, then close. */
        evbuffer_drain(in, evbuffer_get_length(in));
        nghttp2_session_terminate_session(conn->session, NGHTTP2_PROTOCOL_ERROR);
    }
    /* The guard's deadline moves only with whole requests and their answers (http2_stream.c):
     * frames that trickle in, PINGs included, do not keep a connection open. */
    flush(conn);
}

/* The frames handed over have been written: make more, or close when the session is done. */
static void h2_write(struct bufferevent *bev, void *arg)
{
    (void)bev;
    flush(arg);
}

static void h2_event(struct bufferevent *bev, short what, void *arg)
{
    struct h2_conn *conn = arg;
    /* A client silent for http.timeout while its requests are being worked on is waiting, not
     * idle: reading goes on. */
    if ((what & BEV_EVENT_TIMEOUT) && (what & BEV_EVENT_READING) && conn->waiting) {
        bufferevent_enable(bev, EV_READ);
        return;
    }
    tell_evhttp(conn, what);
}

static void conn_free(struct h2_conn *conn)
{
    if (conn->session)
        nghttp2_session_del(conn->session);
    http2_streams_free(conn);
    if (conn->direct)
        evbuffer_free(conn->direct);
    free(conn);
}

static nghttp2_session *session_new(struct h2_conn *conn)
{
    nghttp2_session_callbacks *cbs = NULL;
    nghttp2_session *s = NULL;
    if (nghttp2_session_callbacks_new(&cbs) != 0)
        return NULL;
    http2_stream_callbacks(cbs);
    int rc = nghttp2_session_server_new(&s, cbs, conn);
    nghttp2_session_callbacks_del(cbs);
    if (rc != 0)
        return NULL;
    const struct conf *cf = conn->h->w->node->conf;
    nghttp2_settings_entry iv[] = {
        {NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, H2_MAX_STREAMS},
        {NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE, cf->http_max_header_bytes},
    };
    if (nghttp2_submit_settings(s, NGHTTP2_FLAG_NONE, iv, sizeof iv / sizeof iv[0]) != 0) {
        nghttp2_session_del(s);
        return NULL;
    }
    return s;
}

void http2_adopt(struct http_server *h, struct bufferevent *bev,
                 const struct http_evhttp_cbs *saved, bool tls)
{
    struct h2_conn *conn = calloc(1, sizeof *conn);
    if (conn) {
        conn->h = h;
        conn->bev = bev;
        conn->evhttp = *saved;
        conn->tls = tls;
        conn->flush = flush;
    }
    if (!conn || !(conn->session = session_new(conn)) ||
        (!tls && !(conn->direct = evbuffer_new()))) {
        if (conn && conn->session)
            nghttp2_session_del(conn->session);
        free(conn);
        saved->ev(bev, BEV_EVENT_ERROR, saved->evcon);
        return;
    }
    node_count(&h->w->stats.http2_conns, 1);
    bufferevent_setcb(bev, h2_read, h2_write, h2_event, conn);
    bufferevent_enable(bev, EV_READ | EV_WRITE);
    if (evbuffer_get_length(bufferevent_get_input(bev)))
        h2_read(bev, conn);
    else
        flush(conn); /* the server's SETTINGS go first */
}

/* An HTTPS connection until its first bytes tell which protocol ALPN chose. */
struct sniff {
    struct http_server *h;
    struct http_evhttp_cbs saved;
};

static void sniff_read(struct bufferevent *bev, void *arg);

/* evhttp's callbacks go back on bev; sn is freed. */
static struct http_evhttp_cbs unsniff(struct bufferevent *bev, struct sniff *sn)
{
    struct http_evhttp_cbs saved = sn->saved;
    bufferevent_setcb(bev, saved.rd, saved.wr, saved.ev, saved.evcon);
    free(sn);
    return saved;
}

/* The handshake is done: HTTP/2 takes the connection if ALPN chose it. True if it did. */
static bool sniffed(struct bufferevent *bev, struct sniff *sn)
{
    struct http_server *h = sn->h;
    SSL *ssl = bufferevent_openssl_get_ssl(bev);
    const unsigned char *proto = NULL;
    unsigned len = 0;
    if (ssl)
        SSL_get0_alpn_selected(ssl, &proto, &len);
    if (len != 2 || memcmp(proto, "h2", 2) != 0 || !h->w->node->conf->http2)
        return false;
    struct http_evhttp_cbs saved = unsniff(bev, sn);
    http2_adopt(h, bev, &saved, true);
    return true;
}

/* HTTP/1.1 after the handshake: the lean front end takes the connection unless it showed a
 * client certificate (the routes authenticate with it). True if it took it (and read what was
 * there). */
static bool to_lean(struct http_server *h, struct bufferevent *bev)
{
    SSL *ssl = bufferevent_openssl_get_ssl(bev);
    return ssl && !SSL_get0_peer_certificate(ssl) && h->tls_http1 && h->tls_http1(h, bev);
}

static void sniff_read(struct bufferevent *bev, void *arg)
{
    struct sniff *sn = arg;
    struct http_server *h = sn->h;
    if (!sniffed(bev, sn)) {
        struct http_evhttp_cbs saved = unsniff(bev, sn);
        if (!to_lean(h, bev))
            saved.rd(bev, saved.evcon); /* evhttp's: it reads what came */
    }
}

static void sniff_write(struct bufferevent *bev, void *arg)
{
    struct sniff *sn = arg;
    sn->saved.wr(bev, sn->saved.evcon);
}

/* The end of the handshake comes as BEV_EVENT_CONNECTED, before any data. */
static void sniff_event(struct bufferevent *bev, short what, void *arg)
{
    struct sniff *sn = arg;
    struct http_server *h = sn->h;
    if ((what & BEV_EVENT_CONNECTED) && sniffed(bev, sn))
        return;
    struct http_evhttp_cbs saved = unsniff(bev, sn);
    if (what == BEV_EVENT_CONNECTED) {
        (void)to_lean(h, bev); /* evhttp does nothing with the handshake's end */
        return;
    }
    saved.ev(bev, what, saved.evcon);
}

void http2_watch_tls(struct http_server *h, struct bufferevent *bev)
{
    struct sniff *sn = calloc(1, sizeof *sn);
    if (!sn)
        return; /* evhttp's, as HTTP/1.1 */
    sn->h = h;
    struct http_evhttp_cbs *s = &sn->saved;
    bufferevent_getcb(bev, &s->rd, &s->wr, &s->ev, &s->evcon);
    /* Admission comes before the handshake ends; should evhttp have read already, what it has
     * begun is its own. */
    if (!s->rd || !s->wr || !s->ev || !s->evcon ||
        evbuffer_get_length(bufferevent_get_input(bev))) {
        free(sn);
        return;
    }
    bufferevent_setcb(bev, sniff_read, sniff_write, sniff_event, sn);
}

void http2_closed(struct bufferevent *bev)
{
    bufferevent_data_cb rd = NULL;
    void *arg = NULL;
    bufferevent_getcb(bev, &rd, NULL, NULL, &arg);
    if (rd == h2_read) {
        bufferevent_setcb(bev, NULL, NULL, NULL, NULL);
        conn_free(arg);
    } else if (rd == sniff_read) {
        bufferevent_setcb(bev, NULL, NULL, NULL, NULL);
        free(arg);
    }
}
