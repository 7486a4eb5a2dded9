/*
 * The streams of an HTTP/2 connection (http2.h) as the route table sees them: each request is an
 * evhttp_request made by http_req_new (http_req.h), with its method, target, headers and body
 * filled in, that no evhttp_connection holds; its answer comes back through http_req_send.
 *
 * A stream is freed once it is closed and its request answered: a request whose stream the
 * client reset while a job worked on it waits for the answer, which is dropped; a connection
 * that closes frees all of its streams (after http_conn.h has cancelled the jobs of its
 * requests).
 */
#ifndef NODE_HTTP2_STREAM_H
#define NODE_HTTP2_STREAM_H

#include <event2/buffer.h>
#include <event2/http.h>
#include <nghttp2/nghttp2.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "resolver/http/http_state.h"

struct http_server;

struct h2_stream;

/* One HTTP/2 connection. */
struct h2_conn {
    struct http_server *h;
    struct bufferevent *bev;
    struct http_evhttp_cbs evhttp;
    nghttp2_session *session;
    /* Hands what the session has to send to the bufferevent (http2.c); when nothing is left to
     * read or write, or on error, has evhttp close the connection, which frees conn: false
     * then. Inside the session's reading it waits for the reading to end. */
    bool (*flush)(struct h2_conn *conn);
    struct evbuffer *direct; /* plain TCP: frames on their way straight to the socket */
    bool tls;
    bool tracked;      /* counted as a connection that sent a request */
    int receiving;     /* inside nghttp2_session_mem_recv: what is submitted is sent after it */
    unsigned waiting;  /* requests handed to the routes and not yet answered */
    bool writing;      /* frames wait in the bufferevent's output for the socket */
    size_t body_bytes; /* request bodies its streams hold */
    struct h2_stream *streams;
};

/* The nghttp2 callbacks of a server session whose user data is a struct h2_conn. */
void http2_stream_callbacks(nghttp2_session_callbacks *cbs);

/* Frees every stream of conn and its request. */
void http2_streams_free(struct h2_conn *conn);

#endif
