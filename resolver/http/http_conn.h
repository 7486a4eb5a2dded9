/*
 * A worker's HTTP connection bookkeeping: the connections that have sent a request (counted for
 * /metrics) and the requests on them that wait for an admin job, which are cancelled when their
 * connection closes first.
 */
#ifndef NODE_HTTP_CONN_H
#define NODE_HTTP_CONN_H

#include <event2/http.h>
#include <stdbool.h>

#include "resolver/http/http_call.h"
#include "resolver/http/http_state.h"

/* A request answered later, from an admin job. libevent frees a request whose connection goes
 * away, so the owner registers it here and is told through cancel (with pool_alive false at
 * shutdown, when the admin jobs are already gone); it must then drop the request and its job. */
struct http_deferred {
    struct http_deferred *prev, *next;
    struct evhttp_connection *evcon;
    void (*cancel)(struct http_deferred *d, bool pool_alive);
};

/* Watches the connection of c for d (d->cancel set by the caller). */
void http_defer_watch(struct http_call *c, struct http_deferred *d);
/* Stops watching: the answer went out. */
void http_defer_unwatch(struct worker *w, struct http_deferred *d);

/* Counts the connection of req the first time it carries a request and gives it the server's
 * close callback (h->closecb, which calls http_conn_closed). */
void http_conn_track(struct http_server *h, struct evhttp_request *req);
/* The same for a connection whose request evhttp did not see (http_lean.h); NULL is ignored. */
void http_conn_track_evcon(struct http_server *h, struct evhttp_connection *evcon);
/* The close callback of every connection (arg: the worker's http_server): cancels the requests
 * waiting on evcon, uncounts it and tells the guard. */
void http_conn_closed(struct evhttp_connection *evcon, void *arg);

#endif
