#include "resolver/http/http_lean.h"

#include <errno.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "common/http_date.h"
#include "proto/hdl_const.h"
#include "resolver/http/http2.h"
#include "resolver/http/http_api.h"
#include "resolver/http/http_body_cache.h"
#include "resolver/http/http_call.h"
#include "resolver/http/http_conn.h"
#include "resolver/http/http_guard.h"
#include "resolver/http/http_lean_parse.h"
#include "resolver/http/http_proxy_plain.h"
#include "resolver/http/http_send.h"
#include "resolver/http/http_state.h"
#include "resolver/net/worker.h"

#define JSON_TYPE "application/json;charset=UTF-8"
#define HTML_TYPE "text/html; charset=utf-8"
/* One read of a connection's socket. */
#define LEAN_IN_BYTES (64u << 10)
/* Answers gathered for one write; more is written as it fills. */
#define LEAN_OUT_BYTES (64u << 10)
/* Answers waiting for the client to read past which no more requests are read until they
 * drain, as evhttp reads none while it has an answer unwritten. */
#define LEAN_PENDING_MAX (1u << 20)

struct http_lean {
    char in[LEAN_IN_BYTES];
    char out[LEAN_OUT_BYTES];
    struct timeval timeout; /* http.timeout: a connection silent for it is closed */
    size_t out_len;
    time_t date_at;
    char date[40]; /* "Date: Sun, 06 Dec 2026 13:47:46 GMT\r\n" as of date_at */
    size_t date_len;
};

/* A connection while its requests are the lean front end's: evhttp's callbacks wait here, to
 * be put back when a request is not. */
struct lean_conn {
    struct http_server *h;
    struct bufferevent *bev;
    struct http_evhttp_cbs evhttp;
    struct event *rev; /* reading the socket, with http.timeout; NULL over TLS */
    bool tls;          /* HTTPS: read and written through the bufferevent, which holds the TLS */
    bool tracked;      /* counted as a connection that sent a request */
    bool blocked;      /* reading waits for the client to read what was answered */
    bool writing;      /* answers wait in the output: no request deadline runs until written */
};

struct http_lean *http_lean_new(void)
{
    return calloc(1, sizeof(struct http_lean));
}

void http_lean_free(struct http_lean *l)
{
    free(l);
}

/* "Date: ...\r\n" as evhttp writes it, formatted once a second. */
static void refresh_date(struct http_lean *l)
{
    time_t now = time(NULL);
    if (now == l->date_at && l->date_len)
        return;
    char date[HTTP_DATE_MAX];
    size_t n = http_date_format(now, date);
    l->date_len = n ? (size_t)snprintf(l->date, sizeof l->date, "Date: %s\r\n", date) : 0;
    l->date_at = now;
}

/* Writes what the worker gathered for c: straight to the socket when nothing of c's waits before
 * it, the rest after what waits (written by the bufferevent). False when the client is not
 * reading (LEAN_PENDING_MAX waiting). */
static bool flush_out(struct lean_conn *c, struct http_lean *l)
{
    const char *p = l->out;
    size_t n = l->out_len;
    l->out_len = 0;
    struct evbuffer *pending = bufferevent_get_output(c->bev);
    evutil_socket_t fd = bufferevent_getfd(c->bev);
    if (n && evbuffer_get_length(pending) == 0 && !c->tls) {
        while (n && fd >= 0) {
            ssize_t k = send(fd, p, n, MSG_NOSIGNAL);
            if (k > 0) {
                p += k;
                n -= (size_t)k;
            } else if (k < 0 && errno == EINTR) {
                continue;
            } else if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
                break;
            } else {
                /* The client has gone: reading sees the end of the stream, and evhttp frees the
                 * connection. */
                shutdown(fd, SHUT_RDWR);
                return true;
            }
        }
    }
    if (n) {
        if (evbuffer_add(pending, p, n) != 0) {
            /* Answers lost for want of memory: the connection ends rather than wait for them. */
            if (fd >= 0)
                shutdown(fd, SHUT_RDWR);
            return true;
        }
        bufferevent_enable(c->bev, EV_WRITE);
    }
    return evbuffer_get_length(pending) <= LEAN_PENDING_MAX;
}

/* One answer: a status, the headers before Content-Type (extra), the type and the body. */
struct lean_answer {
    int status;
    const char *extra;
    size_t extra_len;
    const char *type;
    const void *body;
    size_t len;
};

/* Copies n bytes of s to o; returns the end. */
static char *put(char *o, const void *s, size_t n)
{
    memcpy(o, s, n);
    return o + n;
}

/* The head of an answer as evhttp writes it, before the body: status line, the answer's own
 * headers, Content-Type, Date, Content-Length. Returns its length (0: more than cap). */
static size_t answer_head(const struct http_lean *l, const struct lean_answer *a, char *buf,
                          size_t cap)
{
    static const char type[] = "Content-Type: ";
    static const char length[] = "Content-Length: ";
    const char *reason = http_reason(a->status);
    size_t reason_len = strlen(reason), type_len = strlen(a->type);
    char digits[24];
    size_t nd = 0;
    size_t v = a->len;
    do {
        digits[sizeof digits - 1 - nd++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    size_t need = 13 + reason_len + 2 + a->extra_len + sizeof type - 1 + type_len + 2 +
                  l->date_len + sizeof length - 1 + nd + 4;
    if (need > cap || a->status < 100 || a->status > 999)
        return 0;
    char *o = put(buf, "HTTP/1.1 ", 9);
    o[0] = (char)('0' + a->status / 100);
    o[1] = (char)('0' + a->status / 10 % 10);
    o[2] = (char)('0' + a->status % 10);
    o[3] = ' ';
    o = put(o + 4, reason, reason_len);
    o = put(o, "\r\n", 2);
    o = put(o, a->extra, a->extra_len);
    o = put(o, type, sizeof type - 1);
    o = put(o, a->type, type_len);
    o = put(o, "\r\n", 2);
    o = put(o, l->date, l->date_len);
    o = put(o, length, sizeof length - 1);
    o = put(o, digits + sizeof digits - nd, nd);
    put(o, "\r\n\r\n", 4);
    return need;
}

enum added { ADDED, ADDED_BLOCKED, ADD_FAILED };

/* Appends one answer's bytes for c, writing what was gathered first when they do not fit.
 * ADDED_BLOCKED: added, but the client is not reading what was written (LEAN_PENDING_MAX). */
static enum added add_answer(struct lean_conn *c, struct http_lean *l, const struct lean_answer *a)
{
    char head[HTTP_BODY_CACHE_SLOT + 512];
    size_t hn = answer_head(l, a, head, sizeof head);
    if (!hn)
        return ADD_FAILED;
    bool reading = true;
    if (l->out_len + hn + a->len > sizeof l->out && l->out_len)
        reading = flush_out(c, l);
    if (hn + a->len > sizeof l->out) {
        /* Larger than the buffer: after what is gathered, through the bufferevent. */
        struct evbuffer *pending = bufferevent_get_output(c->bev);
        if (evbuffer_add(pending, head, hn) != 0 || evbuffer_add(pending, a->body, a->len) != 0) {
            /* Part of an answer may have gone in: the connection ends, without memory. */
            evutil_socket_t fd = bufferevent_getfd(c->bev);
            if (fd >= 0)
                shutdown(fd, SHUT_RDWR);
            return ADDED;
        }
        bufferevent_enable(c->bev, EV_WRITE);
        return evbuffer_get_length(pending) <= LEAN_PENDING_MAX ? ADDED : ADDED_BLOCKED;
    }
    memcpy(l->out + l->out_len, head, hn);
    memcpy(l->out + l->out_len + hn, a->body, a->len);
    l->out_len += hn + a->len;
    return reading ? ADDED : ADDED_BLOCKED;
}

enum served { SERVED_WAIT, SERVED_BLOCKED, SERVED_EVHTTP, SERVED_HTTP2 };

/* Answers the complete requests at the head of data (avail bytes) that the lean front end
 * answers, setting *used to the bytes they took. Returns SERVED_WAIT when the rest (if any) is a
 * request still arriving, SERVED_BLOCKED when the client must read before more is answered,
 * SERVED_EVHTTP when the request at the head of the rest is evhttp's, SERVED_HTTP2 when the
 * connection began with HTTP/2's preface. */
static enum served serve(struct lean_conn *c, const char *data, size_t avail, size_t *used)
{
    struct http_server *h = c->h;
    struct worker *w = h->w;
    struct http_lean *l = h->lean;
    uint64_t started = node_now_ns();
    unsigned answered = 0;
    enum served result = SERVED_WAIT;
    *used = 0;
    /* Nothing answered yet: data is the start of the connection. Over TLS, HTTP/2 is chosen by
     * ALPN (http2.c) or not at all. */
    if (!c->tracked && !c->tls && w->node->conf->http2) {
        enum http2_preface p = http2_preface(data, avail);
        if (p != HTTP2_PREFACE_NO)
            return p == HTTP2_PREFACE_YES ? SERVED_HTTP2 : SERVED_WAIT;
    }
    refresh_date(l);
    l->out_len = 0;
    char handle[HDL_MAX_HANDLE_LEN + 1];
    char language[256];
    struct http_proxy_plain proxy; /* a redirect's Location, Expires, Cache-Control */
    while (*used < avail) {
        size_t n = 0;
        struct http_lean_request req;
        enum http_lean_parsed k = http_lean_parse(data + *used, avail - *used, &n, &req);
        if (k == HTTP_LEAN_PARTIAL) {
            /* A request larger than evhttp takes is evhttp's to refuse. */
            if (avail - *used > w->node->conf->http_max_header_bytes)
                result = SERVED_EVHTTP;
            break;
        }
        /* Over HTTPS a request with credentials may be shown more: evhttp's routes answer it. */
        if (k == HTTP_LEAN_OTHER || (c->tls && req.authorization)) {
            result = SERVED_EVHTTP;
            break;
        }
        memcpy(handle, req.handle, req.handle_len);
        handle[req.handle_len] = '\0';
        struct http_plain plain = {0};
        struct lean_answer a;
        uint32_t rc;
        char *owned;
        if (req.route == HTTP_LEAN_REST) {
            if (http_api_get_plain(w, handle, req.handle_len, &plain) != HTTP_PLAIN_ANSWERED) {
                result = SERVED_EVHTTP;
                break;
            }
            a = (struct lean_answer){plain.status, "", 0, JSON_TYPE, plain.body, plain.len};
            rc = plain.rc;
            owned = plain.owned;
        } else {
            /* A language the pages cannot name is the default's; too long a header is evhttp's. */
            if (req.language && req.language_len >= sizeof language) {
                result = SERVED_EVHTTP;
                break;
            }
            if (req.language) {
                memcpy(language, req.language, req.language_len);
                language[req.language_len] = '\0';
            }
            if (http_proxy_get_plain(w, handle, req.handle_len, req.language ? language : NULL,
                                     l->date_at, &proxy) != HTTP_PLAIN_ANSWERED) {
                result = SERVED_EVHTTP;
                break;
            }
            a = (struct lean_answer){proxy.status, proxy.head, proxy.head_len,
                                     HTML_TYPE,    proxy.body, proxy.len};
            rc = proxy.rc;
            owned = proxy.owned;
        }
        enum added added = add_answer(c, l, &a);
        free(owned);
        if (added == ADD_FAILED) {
            result = SERVED_EVHTTP;
            break;
        }
        http_count_response(w, HTTP_ROUTE_HANDLE, a.status, HDL_OC_RESOLUTION, rc, started);
        *used += n;
        answered++;
        if (added == ADDED_BLOCKED) {
            result = SERVED_BLOCKED;
            break;
        }
    }
    if (!answered)
        return result;
    node_count(&w->stats.http_lean, answered);
    if (!flush_out(c, l) && result == SERVED_WAIT)
        result = SERVED_BLOCKED;
    /* As with evhttp, the deadline for the next request runs from when the answers are written:
     * a client slow to read them is held to http.timeout, which writing resets, not cut. */
    if (evbuffer_get_length(bufferevent_get_output(c->bev))) {
        c->writing = true;
        http_guard_hold(h->guard, c->bev, true);
    } else {
        http_guard_answered(h->guard, c->bev);
    }
    if (!c->tracked) {
        http_conn_track_evcon(h, c->evhttp.evcon);
        c->tracked = true;
    }
    return result;
}

static void lean_read(struct bufferevent *bev, void *arg);
static void lean_write(struct bufferevent *bev, void *arg);
static void lean_event(struct bufferevent *bev, short what, void *arg);

/* The connection leaves the lean front end: the guard's deadline, if held while answers were
 * written, runs again from now. */
static void let_go(struct lean_conn *c)
{
    if (c->writing)
        http_guard_hold(c->h->guard, c->bev, false);
    if (c->rev)
        event_free(c->rev);
}

/* The request at the head is evhttp's: its callbacks and its reading go back on the connection,
 * for good, and it reads what is there. */
static void hand_back(struct lean_conn *c)
{
    struct bufferevent *bev = c->bev;
    struct http_evhttp_cbs cbs = c->evhttp;
    let_go(c);
    bufferevent_setcb(bev, cbs.rd, cbs.wr, cbs.ev, cbs.evcon);
    free(c);
    bufferevent_enable(bev, EV_READ);
    if (evbuffer_get_length(bufferevent_get_input(bev)))
        cbs.rd(bev, cbs.evcon);
}

/* The connection speaks HTTP/2: its session reads what waits in the bufferevent's input. */
static void to_http2(struct lean_conn *c)
{
    struct http_evhttp_cbs saved = c->evhttp;
    struct http_server *h = c->h;
    struct bufferevent *bev = c->bev;
    let_go(c);
    free(c);
    http2_adopt(h, bev, &saved, false);
}

/* What a serve came to: reading stops while the client does not read, or evhttp or HTTP/2 takes
 * over. */
static void after_serve(struct lean_conn *c, enum served result)
{
    switch (result) {
    case SERVED_WAIT:
        break;
    case SERVED_BLOCKED:
        c->blocked = true;
        if (c->rev)
            event_del(c->rev);
        else
            bufferevent_disable(c->bev, EV_READ);
        break;
    case SERVED_EVHTTP:
        hand_back(c);
        break;
    case SERVED_HTTP2:
        to_http2(c);
        break;
    }
}

/* Serves what waits in the bufferevent's input (a request that arrived in parts). */
static void serve_input(struct lean_conn *c)
{
    struct evbuffer *in = bufferevent_get_input(c->bev);
    size_t avail = evbuffer_get_length(in);
    if (avail == 0)
        return;
    const char *data = (const char *)evbuffer_pullup(in, -1);
    size_t used = 0;
    enum served result = data ? serve(c, data, avail, &used) : SERVED_EVHTTP;
    evbuffer_drain(in, used);
    after_serve(c, result);
}

/* evhttp's event callback, as the bufferevent would have called it. */
static void tell_evhttp(struct lean_conn *c, short what)
{
    c->evhttp.ev(c->bev, what, c->evhttp.evcon);
}

/*
 * The socket is readable (or silent for http.timeout). The lean front end reads it itself rather
 * than through the bufferevent, which asks the kernel how much is there (FIONREAD) before every
 * read: one system call of three per request at one request a time. What arrives whole is
 * answered from the worker's buffer; a remainder waits in the bufferevent's input, where evhttp
 * finds it if it takes over.
 */
static void lean_recv(evutil_socket_t fd, short what, void *arg)
{
    struct lean_conn *c = arg;
    if (what & EV_TIMEOUT) {
        tell_evhttp(c, BEV_EVENT_READING | BEV_EVENT_TIMEOUT); /* evhttp frees it */
        return;
    }
    struct http_lean *l = c->h->lean;
    ssize_t n = recv(fd, l->in, sizeof l->in, 0);
    if (n == 0) {
        tell_evhttp(c, BEV_EVENT_READING | BEV_EVENT_EOF);
        return;
    }
    if (n < 0) {
        if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
            tell_evhttp(c, BEV_EVENT_READING | BEV_EVENT_ERROR);
        return;
    }
    struct evbuffer *in = bufferevent_get_input(c->bev);
    if (evbuffer_get_length(in)) {
        if (evbuffer_add(in, l->in, (size_t)n) != 0) {
            tell_evhttp(c, BEV_EVENT_READING | BEV_EVENT_ERROR);
            return;
        }
        serve_input(c);
        return;
    }
    size_t used = 0;
    enum served result = serve(c, l->in, (size_t)n, &used);
    if (used < (size_t)n && evbuffer_add(in, l->in + used, (size_t)n - used) != 0) {
        tell_evhttp(c, BEV_EVENT_READING | BEV_EVENT_ERROR);
        return;
    }
    after_serve(c, result);
}

/* Over TLS, what the bufferevent decrypted; over plain HTTP not called while the lean front end
 * reads the socket itself, and it marks the connection as the lean front end's. */
static void lean_read(struct bufferevent *bev, void *arg)
{
    (void)bev;
    serve_input(arg);
}

/* What was answered has been written (the output is empty): evhttp's state, writing off, comes
 * back, and so does reading if it waited. */
static void lean_write(struct bufferevent *bev, void *arg)
{
    struct lean_conn *c = arg;
    /* Over TLS writing stays on: OpenSSL may need to write to go on reading (a session ticket
     * to a client that does not read yet), and the bufferevent only writes what waits. */
    if (!c->tls)
        bufferevent_disable(bev, EV_WRITE);
    if (c->writing) {
        c->writing = false;
        http_guard_hold(c->h->guard, bev, false);
    }
    if (c->blocked) {
        c->blocked = false;
        if (c->rev)
            event_add(c->rev, &c->h->lean->timeout);
        else
            bufferevent_enable(bev, EV_READ);
        serve_input(c);
    }
}

/* A write failed or timed out: evhttp's to deal with (it frees the connection, and
 * http_lean_closed c). */
static void lean_event(struct bufferevent *bev, short what, void *arg)
{
    (void)bev;
    tell_evhttp(arg, what);
}

/* The lean front end's state for bev, evhttp's callbacks put aside; NULL (evhttp keeps the
 * connection) without memory or when evhttp has not set its callbacks. */
static struct lean_conn *conn_new(struct http_server *h, struct bufferevent *bev, bool tls)
{
    struct lean_conn *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->h = h;
    c->bev = bev;
    c->tls = tls;
    struct http_evhttp_cbs *e = &c->evhttp;
    bufferevent_getcb(bev, &e->rd, &e->wr, &e->ev, &e->evcon);
    if (!e->rd || !e->wr || !e->ev || !e->evcon) {
        free(c);
        return NULL;
    }
    return c;
}

void http_lean_adopt(struct http_server *h, struct bufferevent *bev)
{
    evutil_socket_t fd = bufferevent_getfd(bev);
    /* Admission comes before the socket is first read; should evhttp have read already, what it
     * has begun is its own. */
    if (fd < 0 || evbuffer_get_length(bufferevent_get_input(bev)))
        return;
    struct lean_conn *c = conn_new(h, bev, false);
    if (!c)
        return;
    h->lean->timeout.tv_sec = h->w->node->conf->http_timeout_s;
    c->rev = event_new(bufferevent_get_base(bev), fd, EV_READ | EV_PERSIST, lean_recv, c);
    if (!c->rev || event_add(c->rev, &h->lean->timeout) != 0) {
        if (c->rev)
            event_free(c->rev);
        free(c);
        return;
    }
    bufferevent_disable(bev, EV_READ);
    bufferevent_setcb(bev, lean_read, lean_write, lean_event, c);
}

bool http_lean_adopt_tls(struct http_server *h, struct bufferevent *bev)
{
    struct lean_conn *c = conn_new(h, bev, true);
    if (!c)
        return false;
    bufferevent_setcb(bev, lean_read, lean_write, lean_event, c);
    if (evbuffer_get_length(bufferevent_get_input(bev)))
        serve_input(c);
    return true;
}

void http_lean_closed(struct bufferevent *bev)
{
    bufferevent_data_cb rd = NULL;
    void *arg = NULL;
    bufferevent_getcb(bev, &rd, NULL, NULL, &arg);
    if (rd == lean_read) {
        struct lean_conn *c = arg;
        bufferevent_setcb(bev, NULL, NULL, NULL, NULL);
        if (c->rev)
            event_free(c->rev);
        free(c);
    }
}
