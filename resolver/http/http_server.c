#include "resolver/http/http_server.h"

#include <errno.h>

#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "common/ptr_map.h"
#include "resolver/http/http2.h"
#include "resolver/http/http_body_cache.h"
#include "resolver/http/http_conn.h"
#include "resolver/http/http_guard.h"
#include "resolver/http/http_lean.h"
#include "resolver/http/http_router.h"
#include "resolver/http/http_state.h"
#include "resolver/net/net_addr.h"
#include "resolver/net/worker.h"

#define HEARTBEAT_INTERVAL_S 1

static void on_request(struct evhttp_request *req, void *arg)
{
    struct http_front *f = arg;
    struct http_server *h = f->server;
    http_conn_track(h, req);
    http_guard_request(h->guard, req);
    http_router_serve(h->w, req, f->tls);
}

/* Every HTTPS connection gets its own SSL over the node's context as it is now (a reload swaps
 * it: node.h); SSL_new takes a reference, so a handshake in flight keeps the context it began
 * with. The fd is set by evhttp. */
static struct bufferevent *tls_bevcb(struct event_base *base, void *arg)
{
    struct http_server *h = arg;
    node_count(&h->w->stats.http_accepted, 1);
    SSL *ssl = SSL_new(atomic_load_explicit(&h->w->node->tls_ctx, memory_order_acquire));
    if (!ssl)
        return NULL;
    /* On failure libevent frees ssl itself (it owns it with BEV_OPT_CLOSE_ON_FREE). */
    struct bufferevent *bev = bufferevent_openssl_socket_new(
        base, -1, ssl, BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE);
    if (bev)
        http_guard_watch(h->guard, bev, false);
    return bev;
}

static struct bufferevent *plain_bevcb(struct event_base *base, void *arg)
{
    struct http_server *h = arg;
    node_count(&h->w->stats.http_accepted, 1);
    /* As evhttp makes its own: evhttp shuts the socket down and closes it itself, in that
     * order, which it cannot do for a bufferevent that closes on free. */
    struct bufferevent *bev = bufferevent_socket_new(base, -1, 0);
    /* Once admitted, the lean front end answers its hot GETs (http_lean.h). */
    if (bev)
        http_guard_watch(h->guard, bev, true);
    return bev;
}

/* Every connection's close callback (http_guard.h): the lean front end and HTTP/2 forget it
 * too, after the requests waiting on it are cancelled. */
static void on_conn_closed(struct evhttp_connection *evcon, void *arg)
{
    http_conn_closed(evcon, arg);
    struct bufferevent *bev = evhttp_connection_get_bufferevent(evcon);
    if (bev) {
        http_lean_closed(bev);
        http2_closed(bev);
    }
}

/* The guard's word that a connection is admitted: the lean front end takes a plain one's
 * requests (and hands it to HTTP/2 if it starts with the preface); an HTTPS one waits to learn
 * what ALPN chose. */
static void on_conn_admitted(struct bufferevent *bev, bool plain, void *arg)
{
    if (plain)
        http_lean_adopt(arg, bev);
    else
        http2_watch_tls(arg, bev);
}

/* An HTTPS connection that chose HTTP/1.1 and shows no client certificate (http2.c): the lean
 * front end takes its requests. */
static bool on_tls_http1(struct http_server *h, struct bufferevent *bev)
{
    return http_lean_adopt_tls(h, bev);
}

static void on_heartbeat(evutil_socket_t fd, short what, void *arg)
{
    struct http_server *h = arg;
    (void)fd;
    (void)what;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    atomic_store_explicit(&h->heartbeat, (int64_t)ts.tv_sec, memory_order_relaxed);
}

static int bind_front(struct http_server *h, int which, const struct conf_endpoint *eps, int n,
                      char *err, size_t errlen)
{
    struct worker *w = h->w;
    const struct conf *cf = w->node->conf;
    struct http_front *f = &h->front[which];
    f->server = h;
    f->tls = which == FRONT_HTTPS;
    if (n == 0)
        return 0;
    f->http = evhttp_new(w->base);
    if (!f->http) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    evhttp_set_gencb(f->http, on_request, f);
    evhttp_set_bevcb(f->http, f->tls ? tls_bevcb : plain_bevcb, h);
    evhttp_set_max_headers_size(f->http, (ev_ssize_t)cf->http_max_header_bytes);
    /* Over HTTPS a batch may be larger; the router holds the other routes to max_body_bytes. */
    uint32_t max_body = cf->http_max_body_bytes;
    if (f->tls && cf->http_batch_max_body_bytes > max_body)
        max_body = cf->http_batch_max_body_bytes;
    evhttp_set_max_body_size(f->http, (ev_ssize_t)max_body);
    evhttp_set_timeout(f->http, (int)cf->http_timeout_s);
    evhttp_set_allowed_methods(f->http, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD | EVHTTP_REQ_POST |
                                            EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE);
    for (int i = 0; i < n; i++) {
        struct sockaddr_storage ss;
        socklen_t sslen = net_addr_from_endpoint(&eps[i], &ss);
        if (!sslen) {
            snprintf(err, errlen, "bad HTTP listen address %s", eps[i].host);
            return -1;
        }
        unsigned flags = LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC | LEV_OPT_REUSEABLE |
                         LEV_OPT_REUSEABLE_PORT;
        if (ss.ss_family == AF_INET6)
            flags |= LEV_OPT_BIND_IPV6ONLY;
        /* Without a callback yet: evhttp_bind_listener gives it evhttp's and enables it. */
        struct evconnlistener *lev = evconnlistener_new_bind(w->base, NULL, NULL, flags, 1024,
                                                             (struct sockaddr *)&ss, (int)sslen);
        /* Answers go out as soon as they are written: without TCP_NODELAY a response written in
         * pieces (TLS records, headers then body) waits on Nagle for the client's delayed ACK,
         * some 40 ms per request. Accepted sockets inherit it from the listener. */
        if (lev) {
            int one = 1;
            (void)setsockopt(evconnlistener_get_fd(lev), IPPROTO_TCP, TCP_NODELAY, &one,
                             sizeof one);
        }
        struct evhttp_bound_socket *b = lev ? evhttp_bind_listener(f->http, lev) : NULL;
        if (!b) {
            snprintf(err, errlen, "cannot listen on %s %s port %u: %s", f->tls ? "HTTPS" : "HTTP",
                     eps[i].host, eps[i].port, strerror(errno));
            if (lev)
                evconnlistener_free(lev);
            return -1;
        }
        f->bound[f->bound_count++] = b;
    }
    return 0;
}

int http_server_init(struct worker *w, char *err, size_t errlen)
{
    const struct conf *cf = w->node->conf;
    if (cf->http_listen_count == 0 && cf->https_listen_count == 0)
        return 0;
    struct http_server *h = calloc(1, sizeof *h);
    if (!h) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    h->w = w;
    h->closecb = on_conn_closed;
    h->tls_http1 = on_tls_http1;
    w->http = h;
    if (cf->https_listen_count && !atomic_load(&w->node->tls_ctx)) {
        snprintf(err, errlen, "HTTPS needs a TLS certificate and key");
        return -1;
    }
    if (!(h->guard = http_guard_new(w, h->closecb, on_conn_admitted, h)) ||
        !(h->bodies = http_body_cache_new(HTTP_BODY_CACHE_SLOTS)) || !(h->lean = http_lean_new())) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    if (bind_front(h, FRONT_HTTP, cf->http_listen, cf->http_listen_count, err, errlen) != 0 ||
        bind_front(h, FRONT_HTTPS, cf->https_listen, cf->https_listen_count, err, errlen) != 0)
        return -1;
    static const struct timeval every = {HEARTBEAT_INTERVAL_S, 0};
    h->beat = event_new(w->base, -1, EV_PERSIST, on_heartbeat, h);
    if (!h->beat || event_add(h->beat, &every) != 0) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    on_heartbeat(-1, 0, h);
    return 0;
}

void http_server_stop(struct worker *w)
{
    struct http_server *h = w->http;
    if (!h)
        return;
    for (int i = 0; i < FRONTS; i++) {
        struct http_front *f = &h->front[i];
        for (int j = 0; j < f->bound_count; j++)
            evhttp_del_accept_socket(f->http, f->bound[j]);
        f->bound_count = 0;
    }
}

void http_server_free(struct worker *w)
{
    struct http_server *h = w->http;
    if (!h)
        return;
    /* The admin pool has gone (and freed its jobs) before the workers: drop what still waits. */
    while (h->deferred) {
        struct http_deferred *d = h->deferred;
        http_defer_unwatch(w, d);
        d->cancel(d, false);
    }
    for (int i = 0; i < FRONTS; i++)
        if (h->front[i].http)
            evhttp_free(h->front[i].http);
    http_guard_free(h->guard);
    http_body_cache_free(h->bodies);
    http_lean_free(h->lean);
    if (h->beat)
        event_free(h->beat);
    ptr_map_clear(&h->seen);
    free(h);
    w->http = NULL;
}
