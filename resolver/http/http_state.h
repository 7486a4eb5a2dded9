/*
 * What a worker's HTTP front end keeps (worker->http): its listeners and heartbeat, set up by
 * http_server.c, and its connection table and waiting requests, kept by http_conn.c. Its figures
 * are read from any thread through the two functions below.
 */
#ifndef NODE_HTTP_STATE_H
#define NODE_HTTP_STATE_H

#include <event2/bufferevent.h>
#include <event2/http.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <openssl/ssl.h>

#include "common/ptr_map.h"
#include "conf/conf.h"

struct worker;
struct http_deferred;
struct http_body_cache;
struct http_guard;
struct http_lean;

enum { FRONT_HTTP = 0, FRONT_HTTPS = 1, FRONTS };

/* evhttp's callbacks of a connection, put aside while another part reads it (http_lean.h,
 * http2.h). */
struct http_evhttp_cbs {
    bufferevent_data_cb rd, wr;
    bufferevent_event_cb ev;
    void *evcon;
};

struct http_front {
    struct http_server *server;
    struct evhttp *http;
    bool tls;
    struct evhttp_bound_socket *bound[CONF_MAX_LISTEN];
    int bound_count;
};

struct http_server {
    struct worker *w;
    struct http_front front[FRONTS];
    struct event *beat;
    _Atomic int64_t heartbeat;
    atomic_uint conns;
    struct ptr_map seen;            /* connections whose close evhttp tells us of */
    struct http_deferred *deferred; /* requests waiting for admin jobs */
    struct http_guard *guard;       /* per-source cap and request deadline */
    struct http_body_cache *bodies; /* answers to plain resolutions (http_body_cache.h) */
    struct http_lean *lean;         /* plain HTTP's keep-alive GETs (http_lean.h) */
    /* Every connection's close callback (arg: this server): calls http_conn_closed. */
    void (*closecb)(struct evhttp_connection *evcon, void *arg);
    /* An HTTPS connection whose handshake chose HTTP/1.1, without a client certificate
     * (http2.c tells): the lean front end takes it; false when evhttp keeps it. */
    bool (*tls_http1)(struct http_server *h, struct bufferevent *bev);
};

/* The worker's last heartbeat (CLOCK_MONOTONIC seconds; 0 before the first), and its open
 * HTTP connections; safe to read from any thread. */
int64_t http_server_heartbeat(const struct worker *w);
unsigned http_server_connections(const struct worker *w);

#endif
