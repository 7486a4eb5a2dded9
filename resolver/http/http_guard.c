#include "resolver/http/http_guard.h"

#include <event2/event.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/socket.h>

#include "common/ptr_map.h"
#include "resolver/net/source_limit.h"
#include "resolver/net/worker.h"

/* How often deadlines are checked and ended connections let go. */
#define SWEEP_MS 250

struct guard_conn {
    struct bufferevent *bev; /* referenced until admitted; then evhttp's until it closes */
    struct guard_conn *prev, *next;
    bool admitted;
    bool has_slot;
    bool shut;     /* shut down by us: evhttp will free it */
    bool busy;     /* a request is being answered */
    bool plain;    /* plain HTTP, not HTTPS */
    uint32_t slot; /* in node->http_sources */
    uint64_t deadline_ms;
    uint64_t timeout_ms; /* http.request_timeout */
};

struct http_guard {
    struct worker *w;
    struct guard_conn *all;
    struct event *sweep;
    struct event *admit; /* activated when connections wait to be admitted */
    struct ptr_map map;  /* bufferevent -> guard_conn */
    void (*closecb)(struct evhttp_connection *, void *); /* the server's, which calls
                                                              http_guard_closed */
    void (*admitcb)(struct bufferevent *, bool, void *); /* the server's: lean or HTTP/2 */
    void *closecb_arg;
};

static uint64_t now_ms(void)
{
    return node_now_ns() / 1000000u;
}

static void forget(struct http_guard *g, struct guard_conn *c)
{
    if (c->has_slot)
        source_limit_release(g->w->node->http_sources, c->slot);
    if (c->prev)
        c->prev->next = c->next;
    else
        g->all = c->next;
    if (c->next)
        c->next->prev = c->prev;
    ptr_map_del(&g->map, c->bev);
    if (!c->admitted)
        bufferevent_decref(c->bev);
    free(c);
}

static void shut(struct guard_conn *c)
{
    evutil_socket_t fd = bufferevent_getfd(c->bev);
    if (fd >= 0)
        shutdown(fd, SHUT_RDWR);
    c->shut = true;
}

/*
 * On the loop's turn after the connection was made, evhttp has set its socket and its
 * callbacks, whose argument is the evhttp_connection (libevent 2.1's evhttp_get_request): the
 * close callback goes on it, so the guard hears of the end of every connection, and the
 * reference taken in http_guard_watch is no longer needed. Holding one longer would keep a
 * freed bufferevent's events registered on a socket number the next connection may reuse.
 */
static void admit_one(struct http_guard *g, struct guard_conn *c)
{
    bufferevent_data_cb rd = NULL;
    void *evcon = NULL;
    bufferevent_getcb(c->bev, &rd, NULL, NULL, &evcon);
    if (!rd || !evcon) {
        forget(g, c); /* evhttp gave it up already */
        return;
    }
    evhttp_connection_set_closecb(evcon, g->closecb, g->closecb_arg);
    c->admitted = true;
    bufferevent_decref(c->bev);

    struct source_limit *limit = g->w->node->http_sources;
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    evutil_socket_t fd = bufferevent_getfd(c->bev);
    if (limit && fd >= 0 && getpeername(fd, (struct sockaddr *)&ss, &len) == 0) {
        if (!source_limit_take(limit, (struct sockaddr *)&ss, &c->slot)) {
            node_count(&g->w->stats.http_refused_source, 1);
            shut(c); /* evhttp sees the end of the stream and frees the connection */
            return;
        }
        c->has_slot = true;
    }
    if (g->admitcb)
        g->admitcb(c->bev, c->plain, g->closecb_arg);
}

static void on_admit(evutil_socket_t fd, short what, void *arg)
{
    struct http_guard *g = arg;
    (void)fd;
    (void)what;
    for (struct guard_conn *c = g->all, *next; c; c = next) {
        next = c->next;
        if (!c->admitted)
            admit_one(g, c);
    }
}

static void on_sweep(evutil_socket_t fd, short what, void *arg)
{
    struct http_guard *g = arg;
    (void)fd;
    (void)what;
    uint64_t now = now_ms();
    for (struct guard_conn *c = g->all, *next; c; c = next) {
        next = c->next;
        if (!c->admitted) {
            admit_one(g, c);
        } else if (!c->shut && !c->busy && now >= c->deadline_ms) {
            node_count(&g->w->stats.http_timeouts, 1);
            shut(c);
        }
    }
}

struct http_guard *http_guard_new(struct worker *w,
                                  void (*closecb)(struct evhttp_connection *, void *),
                                  void (*admitcb)(struct bufferevent *, bool, void *), void *arg)
{
    struct http_guard *g = calloc(1, sizeof *g);
    if (!g)
        return NULL;
    g->w = w;
    g->closecb = closecb;
    g->admitcb = admitcb;
    g->closecb_arg = arg;
    static const struct timeval every = {0, SWEEP_MS * 1000};
    g->sweep = event_new(w->base, -1, EV_PERSIST, on_sweep, g);
    g->admit = event_new(w->base, -1, 0, on_admit, g);
    if (!g->sweep || !g->admit || event_add(g->sweep, &every) != 0) {
        http_guard_free(g);
        return NULL;
    }
    return g;
}

void http_guard_free(struct http_guard *g)
{
    if (!g)
        return;
    while (g->all)
        forget(g, g->all);
    if (g->sweep)
        event_free(g->sweep);
    if (g->admit)
        event_free(g->admit);
    ptr_map_clear(&g->map);
    free(g);
}

void http_guard_watch(struct http_guard *g, struct bufferevent *bev, bool plain)
{
    struct guard_conn *c = calloc(1, sizeof *c);
    if (!c)
        return;
    c->bev = bev;
    c->plain = plain;
    c->timeout_ms = (uint64_t)g->w->node->conf->http_request_timeout_s * 1000u;
    c->deadline_ms = now_ms() + c->timeout_ms;
    if (!ptr_map_put(&g->map, c->bev, c)) {
        free(c);
        return;
    }
    bufferevent_incref(bev);
    c->next = g->all;
    if (g->all)
        g->all->prev = c;
    g->all = c;
    /* evhttp sets the socket after this returns: admission waits for the next turn. */
    event_active(g->admit, EV_TIMEOUT, 0);
}

static void on_answered(struct evhttp_request *req, void *arg)
{
    struct guard_conn *c = arg;
    (void)req;
    c->busy = false;
    c->deadline_ms = now_ms() + c->timeout_ms;
}

void http_guard_closed(struct http_guard *g, struct evhttp_connection *evcon)
{
    struct bufferevent *bev = evhttp_connection_get_bufferevent(evcon);
    struct guard_conn *c = bev ? ptr_map_get(&g->map, bev) : NULL;
    if (c)
        forget(g, c);
}

void http_guard_request(struct http_guard *g, struct evhttp_request *req)
{
    struct evhttp_connection *evcon = evhttp_request_get_connection(req);
    struct bufferevent *bev = evcon ? evhttp_connection_get_bufferevent(evcon) : NULL;
    struct guard_conn *c = bev ? ptr_map_get(&g->map, bev) : NULL;
    if (!c)
        return;
    c->busy = true;
    evhttp_request_set_on_complete_cb(req, on_answered, c);
}

void http_guard_answered(struct http_guard *g, struct bufferevent *bev)
{
    struct guard_conn *c = ptr_map_get(&g->map, bev);
    if (c)
        c->deadline_ms = now_ms() + c->timeout_ms;
}

void http_guard_hold(struct http_guard *g, struct bufferevent *bev, bool busy)
{
    struct guard_conn *c = ptr_map_get(&g->map, bev);
    if (!c)
        return;
    c->busy = busy;
    if (!busy)
        c->deadline_ms = now_ms() + c->timeout_ms;
}

unsigned http_guard_count(const struct http_guard *g)
{
    return g ? (unsigned)g->map.count : 0;
}
