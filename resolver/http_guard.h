/*
 * What an HTTP or HTTPS client may hold, per worker: connections from one source address
 * (http.max_connections_per_source, node-wide through node->http_sources) and time to send a
 * request (http.request_timeout: the headers and body of a request must arrive whole within it
 * of the connection, or of the previous answer). evhttp's own timeout is an inactivity timer
 * that a client trickling a byte at a time resets forever; this is a deadline.
 *
 * libevent 2.1 tells of neither a new connection's address nor its end, so the guard holds a
 * reference on each connection's bufferevent from its creation (evhttp_set_bevcb), learns the
 * address once evhttp has set the socket, and sees the end when evhttp has let the bufferevent
 * go (its callbacks cleared). A refused or late connection is shut down at the socket; evhttp
 * then sees the end of the stream and frees it as usual.
 */
#ifndef NODE_HTTP_GUARD_H
#define NODE_HTTP_GUARD_H

#include <event2/bufferevent.h>
#include <event2/http.h>

struct worker;
struct http_guard;

/* NULL when memory is short. */
struct http_guard *http_guard_new(struct worker *w);
/* Drops every reference; after evhttp has freed its connections. */
void http_guard_free(struct http_guard *g);

/* A connection's bufferevent, just made for evhttp: admitted or refused on the next turn of the
 * loop, and held to the request deadline. */
void http_guard_watch(struct http_guard *g, struct bufferevent *bev);
/* A whole request has arrived on its connection: no deadline until it is answered. */
void http_guard_request(struct http_guard *g, struct evhttp_request *req);

/* Open connections it tracks (for tests and metrics). */
unsigned http_guard_count(const struct http_guard *g);

#endif
