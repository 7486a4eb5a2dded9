/*
 * What an HTTP or HTTPS client may hold, per worker: connections from one source address
 * (http.max_connections_per_source, node-wide through node->http_sources) and time to send a
 * request (http.request_timeout: the headers and body of a request must arrive whole within it
 * of the connection, or of the previous answer). evhttp's own timeout is an inactivity timer
 * that a client trickling a byte at a time resets forever; this is a deadline.
 *
 * libevent 2.1 tells a server of neither a new connection's address nor, before its first
 * request, its end: the guard sees each connection's bufferevent made (evhttp_set_bevcb), and on
 * the next turn of the loop learns its address and puts the server's close callback on it. A
 * refused or late connection is shut down at the socket; evhttp then sees the end of the stream
 * and frees it as usual, telling the close callback.
 */
#ifndef NODE_HTTP_GUARD_H
#define NODE_HTTP_GUARD_H

#include <event2/bufferevent.h>
#include <event2/http.h>
#include <stdbool.h>

struct worker;
struct http_guard;

/* NULL when memory is short. closecb (with arg) is what every connection gets as its close
 * callback; it must call http_guard_closed. admitcb (with arg), when not NULL, is told of each
 * connection admitted, its socket and evhttp's callbacks set, and whether it is plain HTTP. */
struct http_guard *http_guard_new(struct worker *w,
                                  void (*closecb)(struct evhttp_connection *, void *),
                                  void (*admitcb)(struct bufferevent *, bool, void *), void *arg);
/* After evhttp has freed its connections. */
void http_guard_free(struct http_guard *g);

/* A connection's bufferevent, just made for evhttp: admitted or refused on the next turn of the
 * loop, and held to the request deadline; plain for plain HTTP (not HTTPS). */
void http_guard_watch(struct http_guard *g, struct bufferevent *bev, bool plain);
/* A whole request has arrived on its connection: no deadline until it is answered. */
void http_guard_request(struct http_guard *g, struct evhttp_request *req);
/* Requests on bev were answered without evhttp seeing them (http_lean.h): the deadline for the
 * next runs from now. */
void http_guard_answered(struct http_guard *g, struct bufferevent *bev);

/* Requests on bev are being answered, or their answers written, without evhttp seeing them
 * (http2.h, http_lean.h): while busy no deadline runs; once not, the next request's runs from
 * now. */
void http_guard_hold(struct http_guard *g, struct bufferevent *bev, bool busy);

/* evhttp is closing evcon: its source's slot is given back and the guard forgets it. */
void http_guard_closed(struct http_guard *g, struct evhttp_connection *evcon);

/* Open connections it tracks (for tests and metrics). */
unsigned http_guard_count(const struct http_guard *g);

#endif
