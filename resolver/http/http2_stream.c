#include "resolver/http/http2_stream.h"

#include <sys/queue.h>

#include <ctype.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/http_struct.h> /* a request no connection parsed needs its method and target set */
#include <event2/keyvalq_struct.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/ssl.h>

#include "common/http_date.h"
#include "proto/hdl_const.h"
#include "resolver/http/http2_plain.h"
#include "resolver/http/http_call.h"
#include "resolver/http/http_conn.h"
#include "resolver/http/http_guard.h"
#include "resolver/http/http_req.h"
#include "resolver/http/http_router.h"
#include "resolver/http/http_send.h"
#include "resolver/http/http_state.h"
#include "resolver/net/worker.h"

#define JSON_TYPE "application/json;charset=UTF-8"
/* Headers of one answer, past which the rest are left out (none of the routes comes near). */
#define H2_MAX_ANSWER_HEADERS 32

struct h2_stream {
    const struct http_req_owner *owner; /* first: the request's context (http_req.h) */
    struct h2_conn *conn;
    int32_t id;
    struct evhttp_request *req;
    struct evbuffer *out; /* the answer's body, as it is sent */
    char *authority;
    size_t header_bytes, body_bytes;
    int refuse;             /* the status of an answer the routes do not give; 0: none */
    const char *refuse_why; /* its message */
    bool host;              /* a Host header came */
    bool routed;            /* given to the route table */
    bool answered;
    bool closed; /* the session has closed it */
    struct h2_stream *prev, *next;
};

/* The evhttp_connection under a stream's HTTP/2 connection (its peer, its TLS). */
static struct evhttp_connection *stream_connection(const struct evhttp_request *req)
{
    const struct h2_stream *s = http_req_context(req);
    return s->conn->evhttp.evcon;
}

static void stream_reply(struct evhttp_request *req, int status, struct evbuffer *body);

static const struct http_req_owner h2_owner = {stream_reply, stream_connection};

static void stream_free(struct h2_stream *s)
{
    struct h2_conn *conn = s->conn;
    conn->body_bytes -= s->body_bytes;
    if (s->prev)
        s->prev->next = s->next;
    else
        conn->streams = s->next;
    if (s->next)
        s->next->prev = s->prev;
    if (s->req)
        evhttp_request_free(s->req);
    if (s->out)
        evbuffer_free(s->out);
    free(s->authority);
    free(s);
}

void http2_streams_free(struct h2_conn *conn)
{
    while (conn->streams)
        stream_free(conn->streams);
}

static size_t max_body(const struct h2_conn *conn)
{
    const struct conf *cf = conn->h->w->node->conf;
    uint32_t n = cf->http_max_body_bytes;
    /* As evhttp is set up (http_server.c): over HTTPS a batch may be larger. */
    if (conn->tls && cf->http_batch_max_body_bytes > n)
        n = cf->http_batch_max_body_bytes;
    return n;
}

static ssize_t read_body(nghttp2_session *session, int32_t id, uint8_t *buf, size_t length,
                         uint32_t *flags, nghttp2_data_source *source, void *user)
{
    (void)session;
    (void)id;
    (void)user;
    struct h2_stream *s = source->ptr;
    int n = evbuffer_remove(s->out, buf, length);
    if (n < 0)
        return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
    if (evbuffer_get_length(s->out) == 0)
        *flags |= NGHTTP2_DATA_FLAG_EOF;
    return n;
}

/* Headers that name the HTTP/1.1 connection mean nothing here and are an error in HTTP/2 (RFC
 * 9113 8.2.2); the length is the answer's own. */
static bool left_out(const char *name)
{
    static const char *const names[] = {"connection",        "keep-alive", "proxy-connection",
                                        "transfer-encoding", "upgrade",    "content-length"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcasecmp(name, names[i]) == 0)
            return true;
    return false;
}

#define NV(n, v, vl)                                                                               \
    ((nghttp2_nv){(uint8_t *)(n), (uint8_t *)(v), strlen(n), (vl), NGHTTP2_NV_FLAG_NONE})

/* The Date header's value, formatted once a second per worker thread. */
static const char *date_now(size_t *len)
{
    static __thread time_t at;
    static __thread char text[HTTP_DATE_MAX];
    static __thread size_t text_len;
    time_t now = time(NULL);
    if (now != at || !text_len) {
        text_len = http_date_format(now, text);
        at = now;
    }
    *len = text_len;
    return text;
}

/* Submits the answer of s: status, its headers (nva, n of them, after room for :status; names in
 * lower case, as HTTP/2 has them), Date, Content-Length, and the body of s->out unless the request
 * is a HEAD or the status has none. nva has room for two more entries after the n. */
static void submit_with(struct h2_stream *s, int status, nghttp2_nv *nva, size_t n)
{
    struct h2_conn *conn = s->conn;
    char code[8], length[24];
    snprintf(code, sizeof code, "%d", status);
    nva[0] = NV(":status", code, strlen(code));
    size_t dl;
    const char *date = date_now(&dl);
    nva[n++] = NV("date", date, dl);
    size_t blen = evbuffer_get_length(s->out);
    bool no_body = status == 204 || status == 304;
    if (!no_body) {
        snprintf(length, sizeof length, "%zu", blen);
        nva[n++] = NV("content-length", length, strlen(length));
    }
    bool data = blen && !no_body && evhttp_request_get_command(s->req) != EVHTTP_REQ_HEAD;
    nghttp2_data_provider prd = {.source.ptr = s, .read_callback = read_body};
    if (nghttp2_submit_response(conn->session, s->id, nva, n, data ? &prd : NULL) != 0)
        nghttp2_submit_rst_stream(conn->session, NGHTTP2_FLAG_NONE, s->id, NGHTTP2_INTERNAL_ERROR);
}

/* name's first len bytes in lower case into out (HTTP/2 header names are lower case), ended;
 * returns out. */
static const char *lower_name(char *out, const char *name, size_t len)
{
    for (size_t i = 0; i < len; i++)
        out[i] = (char)tolower((unsigned char)name[i]);
    out[len] = '\0';
    return out;
}

/* Submits the answer of s with the request's output headers. */
static void submit(struct h2_stream *s, int status)
{
    /* :status, the output headers, then Date and Content-Length (submit_with). */
    nghttp2_nv nva[H2_MAX_ANSWER_HEADERS + 3];
    size_t n = 1;
    char names[H2_MAX_ANSWER_HEADERS][64];
    size_t kept = 0;
    struct evkeyval *kv;
    TAILQ_FOREACH(kv, evhttp_request_get_output_headers(s->req), next)
    {
        size_t len = strlen(kv->key);
        if (kept == H2_MAX_ANSWER_HEADERS || len >= sizeof names[0] || left_out(kv->key))
            continue;
        nva[n++] = NV(lower_name(names[kept], kv->key, len), kv->value, strlen(kv->value));
        kept++;
    }
    submit_with(s, status, nva, n);
}

/* After an answer: once no request of conn waits any more and no frames wait to be written,
 * the guard's deadline for the next runs from now; and the answer goes out unless the session
 * is still reading. */
static void answered(struct h2_conn *conn)
{
    if (!conn->waiting && !conn->writing)
        http_guard_hold(conn->h->guard, conn->bev, false);
    conn->flush(conn);
}

/* A route's answer to a stream's request: status, its output headers and body (moved out). */
static void stream_reply(struct evhttp_request *req, int status, struct evbuffer *body)
{
    struct h2_stream *s = http_req_context(req);
    struct h2_conn *conn = s->conn;
    if (s->answered)
        return;
    s->answered = true;
    if (s->routed)
        conn->waiting--;
    if (s->closed) {
        stream_free(s); /* the client reset it while the answer was made */
        return;
    }
    if (body)
        evbuffer_add_buffer(s->out, body);
    submit(s, status);
    answered(conn);
}

/* An answer the route table never sees: a request HTTP/2 itself refuses. */
static void refuse(struct h2_stream *s)
{
    struct h2_conn *conn = s->conn;
    char body[160];
    int n = snprintf(body, sizeof body, "{\"responseCode\":%d,\"message\":\"%s\"}", HDL_RC_ERROR,
                     s->refuse_why);
    evhttp_add_header(evhttp_request_get_output_headers(s->req), "Content-Type", JSON_TYPE);
    evbuffer_add(s->out, body, (size_t)n);
    s->answered = true;
    http_count_response(conn->h->w, HTTP_ROUTE_OTHER, s->refuse, -1, 0, node_now_ns());
    submit(s, s->refuse);
    answered(conn);
}

static void set_refusal(struct h2_stream *s, int status, const char *why)
{
    if (!s->refuse) {
        s->refuse = status;
        s->refuse_why = why;
    }
}

/* Whether the request of s carries credentials the routes would take (HTTPS only): then it is
 * not one of the hot GETs. */
static bool has_credentials(const struct h2_stream *s)
{
    if (!s->conn->tls)
        return false;
    if (evhttp_find_header(evhttp_request_get_input_headers(s->req), "Authorization"))
        return true;
    SSL *ssl = s->conn->bev ? bufferevent_openssl_get_ssl(s->conn->bev) : NULL;
    return ssl && SSL_get0_peer_certificate(ssl);
}

/* A hot GET answered as the lean front end answers it (http2_plain.h), its header lines as
 * HTTP/2 fields. False when the routes must answer. */
static bool answer_plain(struct h2_stream *s)
{
    struct h2_conn *conn = s->conn;
    struct worker *w = conn->h->w;
    uint64_t started = node_now_ns();
    struct http2_plain a;
    if (evhttp_request_get_command(s->req) != EVHTTP_REQ_GET || has_credentials(s) ||
        !http2_plain_get(w, s->req, time(NULL), &a))
        return false;
    /* :status, the header lines, Content-Type, then Date and Content-Length (submit_with). */
    nghttp2_nv nva[H2_MAX_ANSWER_HEADERS + 4];
    size_t n = 1;
    char names[H2_MAX_ANSWER_HEADERS][64];
    size_t kept = 0;
    /* "Name: value\r\n" lines, as the lean front end writes them before Content-Type. */
    for (const char *p = a.head, *end = a.head + a.head_len;
         p < end && kept < H2_MAX_ANSWER_HEADERS;) {
        const char *eol = memchr(p, '\r', (size_t)(end - p));
        const char *colon = eol ? memchr(p, ':', (size_t)(eol - p)) : NULL;
        if (!eol || !colon || (size_t)(colon - p) >= sizeof names[0] || colon + 2 > eol)
            break;
        nva[n++] = NV(lower_name(names[kept], p, (size_t)(colon - p)), colon + 2,
                      (size_t)(eol - colon - 2));
        kept++;
        p = eol + 2;
    }
    nva[n++] = NV("content-type", a.type, strlen(a.type));
    evbuffer_add(s->out, a.body, a.len);
    free(a.owned);
    s->answered = true;
    node_count(&w->stats.http2_streams, 1);
    http_count_response(w, HTTP_ROUTE_HANDLE, a.status, HDL_OC_RESOLUTION, a.rc, started);
    submit_with(s, a.status, nva, n);
    answered(conn);
    return true;
}

/* The request of s has arrived whole: to the route table, which answers now or later. */
static void route(struct h2_stream *s)
{
    struct h2_conn *conn = s->conn;
    struct http_server *h = conn->h;
    if (!s->refuse && !s->req->uri)
        set_refusal(s, 400, "Bad request");
    if (s->refuse) {
        refuse(s);
        return;
    }
    struct evkeyvalq *in = evhttp_request_get_input_headers(s->req);
    if (!s->host && s->authority)
        evhttp_add_header(in, "Host", s->authority);
    if (answer_plain(s))
        return;
    s->routed = true;
    conn->waiting++;
    if (!conn->tracked) {
        http_conn_track_evcon(h, conn->evhttp.evcon);
        conn->tracked = true;
    }
    http_guard_hold(h->guard, conn->bev, true);
    node_count(&h->w->stats.http2_streams, 1);
    http_router_serve(h->w, s->req, conn->tls);
}

static int on_begin_headers(nghttp2_session *session, const nghttp2_frame *frame, void *user)
{
    struct h2_conn *conn = user;
    if (frame->hd.type != NGHTTP2_HEADERS || frame->headers.cat != NGHTTP2_HCAT_REQUEST)
        return 0;
    struct h2_stream *s = calloc(1, sizeof *s);
    if (!s)
        return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE; /* the stream is reset */
    s->conn = conn;
    s->id = frame->hd.stream_id;
    s->owner = &h2_owner;
    s->req = http_req_new(&s->owner);
    s->out = evbuffer_new();
    s->next = conn->streams;
    if (conn->streams)
        conn->streams->prev = s;
    conn->streams = s;
    if (!s->req || !s->out) {
        stream_free(s);
        return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
    }
    s->req->kind = EVHTTP_REQUEST;
    s->req->major = 2;
    s->req->minor = 0;
    nghttp2_session_set_stream_user_data(session, s->id, s);
    return 0;
}

static bool named(const uint8_t *name, size_t len, const char *what)
{
    return len == strlen(what) && memcmp(name, what, len) == 0;
}

/* The methods the routes know; anything else is refused as evhttp refuses it (501). */
static enum evhttp_cmd_type method_of(const uint8_t *v, size_t len)
{
    static const struct {
        const char *name;
        enum evhttp_cmd_type type;
    } methods[] = {{"GET", EVHTTP_REQ_GET},
                   {"HEAD", EVHTTP_REQ_HEAD},
                   {"POST", EVHTTP_REQ_POST},
                   {"PUT", EVHTTP_REQ_PUT},
                   {"DELETE", EVHTTP_REQ_DELETE}};
    for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++)
        if (named(v, len, methods[i].name))
            return methods[i].type;
    return 0;
}

/* nghttp2 has checked the fields (RFC 9113 8.2 and 8.3) and ends both name and value with a
 * NUL. */
static int on_header(nghttp2_session *session, const nghttp2_frame *frame, const uint8_t *name,
                     size_t namelen, const uint8_t *value, size_t valuelen, uint8_t flags,
                     void *user)
{
    (void)flags;
    struct h2_conn *conn = user;
    if (frame->hd.type != NGHTTP2_HEADERS || frame->headers.cat != NGHTTP2_HCAT_REQUEST)
        return 0; /* trailers are not read */
    struct h2_stream *s = nghttp2_session_get_stream_user_data(session, frame->hd.stream_id);
    if (!s)
        return 0;
    s->header_bytes += namelen + valuelen + 32; /* as SETTINGS_MAX_HEADER_LIST_SIZE counts */
    if (s->header_bytes > conn->h->w->node->conf->http_max_header_bytes)
        set_refusal(s, 431, "Request headers too large (http.max_header_bytes)");
    if (s->refuse)
        return 0;
    struct evhttp_request *req = s->req;
    if (named(name, namelen, ":method")) {
        req->type = method_of(value, valuelen);
        if (!req->type)
            set_refusal(s, 501, "Method not implemented");
    } else if (named(name, namelen, ":path")) {
        if (req->uri || !(req->uri = strdup((const char *)value)) ||
            !(req->uri_elems = evhttp_uri_parse_with_flags(req->uri, EVHTTP_URI_NONCONFORMANT)))
            set_refusal(s, 400, "Bad request target");
    } else if (named(name, namelen, ":authority")) {
        free(s->authority);
        s->authority = strdup((const char *)value);
    } else if (namelen && name[0] != ':') {
        if (named(name, namelen, "host"))
            s->host = true;
        if (evhttp_add_header(evhttp_request_get_input_headers(req), (const char *)name,
                              (const char *)value) != 0)
            set_refusal(s, 400, "Bad request header");
    }
    return 0;
}

static int on_data_chunk(nghttp2_session *session, uint8_t flags, int32_t id, const uint8_t *data,
                         size_t len, void *user)
{
    (void)flags;
    struct h2_conn *conn = user;
    struct h2_stream *s = nghttp2_session_get_stream_user_data(session, id);
    if (!s || s->answered || s->routed)
        return 0;
    size_t most = max_body(conn);
    if (s->body_bytes + len > most) {
        /* Refused at once: the client need not send the rest (nghttp2 resets the stream once the
         * answer is out). */
        set_refusal(s, 413, "Request body too large (http.max_body_bytes)");
        refuse(s);
        return 0;
    }
    /* Streams that each stay within the limit may not together hold more than two requests'
     * worth: HTTP/1.1 holds one. */
    if (conn->body_bytes + len > 2 * most) {
        set_refusal(s, 503, "Too many request bodies at once on this connection");
        refuse(s);
        return 0;
    }
    s->body_bytes += len;
    conn->body_bytes += len;
    if (!s->refuse && evbuffer_add(evhttp_request_get_input_buffer(s->req), data, len) != 0)
        set_refusal(s, 503, "Out of memory");
    return 0;
}

static int on_frame_recv(nghttp2_session *session, const nghttp2_frame *frame, void *user)
{
    (void)user;
    if ((frame->hd.type != NGHTTP2_HEADERS && frame->hd.type != NGHTTP2_DATA) ||
        !(frame->hd.flags & NGHTTP2_FLAG_END_STREAM))
        return 0;
    struct h2_stream *s = nghttp2_session_get_stream_user_data(session, frame->hd.stream_id);
    if (s && !s->answered && !s->routed)
        route(s);
    return 0;
}

static int on_stream_close(nghttp2_session *session, int32_t id, uint32_t error, void *user)
{
    (void)error;
    (void)user;
    struct h2_stream *s = nghttp2_session_get_stream_user_data(session, id);
    if (!s)
        return 0;
    s->closed = true;
    /* A request the routes are still working on keeps its stream until its answer comes. */
    if (!(s->routed && !s->answered))
        stream_free(s);
    return 0;
}

void http2_stream_callbacks(nghttp2_session_callbacks *cbs)
{
    nghttp2_session_callbacks_set_on_begin_headers_callback(cbs, on_begin_headers);
    nghttp2_session_callbacks_set_on_header_callback(cbs, on_header);
    nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cbs, on_data_chunk);
    nghttp2_session_callbacks_set_on_frame_recv_callback(cbs, on_frame_recv);
    nghttp2_session_callbacks_set_on_stream_close_callback(cbs, on_stream_close);
}
