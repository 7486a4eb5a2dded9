/*
 * libFuzzer target for the streams of an HTTP/2 connection (resolver/http/http2_stream.h): the
 * input is what a client sends after the connection preface, fed to a server session with the
 * node's stream callbacks in pieces whose sizes the input's first byte picks. The route table is
 * replaced by a stand-in that answers at once, or later for a path holding "later" (after the
 * next piece, or at the end, when the client may have reset the stream meanwhile), so that
 * streams are freed in every order; the hot GETs' answers (http2_plain.h) by one that answers a
 * GET whose target holds "plain" with a redirect's header lines; what the session sends is made
 * and dropped. ASan checks
 * the lifetimes. Built by -DPAZHOU_FUZZ=ON (docs/fuzzing.md).
 */
#include <event2/buffer.h>
#include <event2/http.h>
#include <nghttp2/nghttp2.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "conf/conf.h"
#include "resolver/http/http2_plain.h"
#include "resolver/http/http2_stream.h"
#include "resolver/http/http_req.h"
#include "resolver/http/http_state.h"
#include "resolver/net/worker.h"
#include "resolver/node.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_LATER 256
static struct evhttp_request *later[MAX_LATER];
static size_t later_count;

/* The route table's stand-in: an answer now, or one kept for later. */
void http_router_serve(struct worker *w, struct evhttp_request *req, bool tls);
void http_router_serve(struct worker *w, struct evhttp_request *req, bool tls)
{
    (void)w;
    (void)tls;
    const char *uri = evhttp_request_get_uri(req);
    if (uri && strstr(uri, "later") && later_count < MAX_LATER) {
        later[later_count++] = req;
        return;
    }
    struct evbuffer *body = evbuffer_new();
    evbuffer_add(body, uri ? uri : "", uri ? strlen(uri) : 0);
    evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type", "text/plain");
    evhttp_add_header(evhttp_request_get_output_headers(req), "Connection", "keep-alive");
    http_req_send(req, uri && strstr(uri, "404") ? 404 : 200, "", body);
    evbuffer_free(body);
}

bool http2_plain_get(struct worker *w, struct evhttp_request *req, time_t now,
                     struct http2_plain *out)
{
    (void)w;
    (void)now;
    const char *uri = evhttp_request_get_uri(req);
    if (!uri || !strstr(uri, "plain"))
        return false;
    static const char head[] = "Location: https://example.com/x\r\nCache-Control: max-age=60\r\n";
    *out = (struct http2_plain){.status = 302,
                                .type = "text/html; charset=utf-8",
                                .head = head,
                                .head_len = strstr(uri, "cut") ? 20 : sizeof head - 1,
                                .body = uri,
                                .len = strlen(uri)};
    return true;
}

/* What http2.c and the guard do around the streams, without a socket. */
void http_conn_track_evcon(struct http_server *h, struct evhttp_connection *evcon);
void http_conn_track_evcon(struct http_server *h, struct evhttp_connection *evcon)
{
    (void)h;
    (void)evcon;
}

void http_guard_hold(struct http_guard *g, struct bufferevent *bev, bool busy);
void http_guard_hold(struct http_guard *g, struct bufferevent *bev, bool busy)
{
    (void)g;
    (void)bev;
    (void)busy;
}

static bool drop_frames(struct h2_conn *conn)
{
    if (conn->receiving)
        return true;
    const uint8_t *out;
    while (nghttp2_session_mem_send(conn->session, &out) > 0)
        ;
    return true;
}

static void answer_later(size_t keep)
{
    while (later_count > keep) {
        struct evhttp_request *req = later[--later_count];
        struct evbuffer *body = evbuffer_new();
        evbuffer_add(body, "later", 5);
        http_req_send(req, 200, "OK", body);
        evbuffer_free(body);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct conf cf;
    static struct node node;
    static struct worker *w;
    if (!w) {
        conf_defaults(&cf);
        cf.http_max_body_bytes = 4096;
        cf.http_max_header_bytes = 2048;
        node.conf = &cf;
        w = calloc(1, sizeof *w);
        if (!w)
            return 0;
        w->node = &node;
    }
    struct http_server h = {.w = w};
    struct h2_conn conn = {.h = &h, .tls = size && (data[0] & 0x80), .flush = drop_frames};
    nghttp2_session_callbacks *cbs;
    if (nghttp2_session_callbacks_new(&cbs) != 0)
        return 0;
    http2_stream_callbacks(cbs);
    int rc = nghttp2_session_server_new(&conn.session, cbs, &conn);
    nghttp2_session_callbacks_del(cbs);
    if (rc != 0)
        return 0;
    static const char preface[] =
        "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\x00\x00\x00\x04\x00\x00\x00\x00\x00";
    conn.receiving++;
    nghttp2_session_mem_recv(conn.session, (const uint8_t *)preface, sizeof preface - 1);
    conn.receiving--;
    size_t piece = size ? (size_t)(data[0] & 0x7f) + 1 : 1;
    size_t at = size ? 1 : 0;
    while (at < size) {
        size_t n = size - at < piece ? size - at : piece;
        /* Copied to exactly n bytes: a read past them is caught. */
        uint8_t *buf = malloc(n);
        if (!buf)
            break;
        memcpy(buf, data + at, n);
        conn.receiving++;
        ssize_t used = nghttp2_session_mem_recv(conn.session, buf, n);
        conn.receiving--;
        free(buf);
        drop_frames(&conn);
        if (used < 0)
            break;
        at += n;
        answer_later(later_count / 2); /* half of what waits is answered between pieces */
    }
    answer_later(0);
    drop_frames(&conn);
    nghttp2_session_del(conn.session);
    http2_streams_free(&conn);
    return 0;
}
