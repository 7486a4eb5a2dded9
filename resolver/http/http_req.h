/*
 * Requests of front ends other than evhttp's own connections (HTTP/2's streams, http2_stream.h):
 * an evhttp_request made by http_req_new, which no evhttp_connection holds, carries the front
 * end's way to answer it and to name the connection it came by. The routes ask the functions
 * below instead of evhttp's, and so answer every request the same way whatever brought it.
 * This module includes nothing of the room: every other module may use it.
 */
#ifndef NODE_HTTP_REQ_H
#define NODE_HTTP_REQ_H

#include <event2/buffer.h>
#include <event2/http.h>
#include <stdbool.h>

/* How a front end answers the requests it makes. */
struct http_req_owner {
    /* Sends status, req's output headers and body (moved out; NULL for none). */
    void (*reply)(struct evhttp_request *req, int status, struct evbuffer *body);
    /* The evhttp_connection under req (its peer, its TLS). */
    struct evhttp_connection *(*connection)(const struct evhttp_request *req);
};

/* A request answered through owner, whose context ctx (for http_req_context) begins with a
 * pointer to owner; NULL without memory. Its method, target and input the front end fills in;
 * it is freed by evhttp_request_free. */
struct evhttp_request *http_req_new(const struct http_req_owner *const *ctx);
/* The ctx a request of http_req_new was made with; NULL for evhttp's own. */
void *http_req_context(const struct evhttp_request *req);

/* The connection req came on (its peer, its TLS); NULL once evhttp has let it go. */
struct evhttp_connection *http_req_connection(struct evhttp_request *req);
/* Answers req with status (reason: HTTP/1.1's text for it), its output headers and body. */
void http_req_send(struct evhttp_request *req, int status, const char *reason,
                   struct evbuffer *body);
/* For a request whose wait was cancelled because its connection closed: frees it when evhttp let
 * it go; one evhttp still holds goes with its connection, one of http_req_new with its front
 * end. */
void http_req_release(struct evhttp_request *req);

#endif
