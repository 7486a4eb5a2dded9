#include "http_guard.h"

#include <event2/event.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/socket.h>

#include "source_limit.h"
#include "worker.h"

/* How often deadlines are checked and ended connections let go. */
#define SWEEP_MS 250

struct guard_conn {
    struct bufferevent *bev; /* referenced: valid until we let go */
    struct guard_conn *prev, *next;
    bool admitted;
    bool has_slot;
    bool shut;     /* shut down by us: evhttp will free it */
    bool busy;     /* a request is being answered */
    uint32_t slot; /* in node->http_sources */
    uint64_t deadline_ms;
    uint64_t timeout_ms; /* http.request_timeout */
};

/* Connections by bufferevent (open addressing, linear probing, backward-shift deletion). */
struct conn_map {
    struct guard_conn **slots;
    size_t cap, count;
};

struct http_guard {
    struct worker *w;
    struct guard_conn *all;
    struct event *sweep;
    struct event *admit; /* activated when connections wait to be admitted */
    struct conn_map map;
};

static uint64_t now_ms(void)
{
    return node_now_ns() / 1000000u;
}

static size_t slot_of(const struct conn_map *m, const void *p)
{
    uintptr_t h = (uintptr_t)p;
    h ^= h >> 17;
    h *= 0x9e3779b97f4a7c15u;
    return (size_t)(h >> 7) & (m->cap - 1);
}

static struct guard_conn *map_get(const struct conn_map *m, const void *bev)
{
    if (!m->cap)
        return NULL;
    for (size_t i = slot_of(m, bev); m->slots[i]; i = (i + 1) & (m->cap - 1))
        if (m->slots[i]->bev == bev)
            return m->slots[i];
    return NULL;
}

static bool map_put(struct conn_map *m, struct guard_conn *c)
{
    if ((m->count + 1) * 2 > m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 64;
        struct guard_conn **slots = calloc(cap, sizeof *slots);
        if (!slots)
            return false;
        struct conn_map bigger = {slots, cap, 0};
        for (size_t i = 0; i < m->cap; i++)
            if (m->slots[i])
                map_put(&bigger, m->slots[i]);
        free(m->slots);
        *m = bigger;
    }
    size_t i = slot_of(m, c->bev);
    while (m->slots[i])
        i = (i + 1) & (m->cap - 1);
    m->slots[i] = c;
    m->count++;
    return true;
}

static void map_del(struct conn_map *m, const struct guard_conn *c)
{
    size_t i = slot_of(m, c->bev);
    while (m->slots[i] && m->slots[i] != c)
        i = (i + 1) & (m->cap - 1);
    if (!m->slots[i])
        return;
    m->slots[i] = NULL;
    m->count--;
    for (size_t j = (i + 1) & (m->cap - 1); m->slots[j]; j = (j + 1) & (m->cap - 1)) {
        struct guard_conn *q = m->slots[j];
        m->slots[j] = NULL;
        size_t k = slot_of(m, q->bev);
        while (m->slots[k])
            k = (k + 1) & (m->cap - 1);
        m->slots[k] = q;
    }
}

/* evhttp clears a bufferevent's callbacks when it frees it; our reference keeps it readable. */
static bool released_by_evhttp(struct bufferevent *bev)
{
    bufferevent_data_cb rd = NULL;
    bufferevent_getcb(bev, &rd, NULL, NULL, NULL);
    return rd == NULL;
}

static void shut(struct http_guard *g, struct guard_conn *c)
{
    (void)g;
    evutil_socket_t fd = bufferevent_getfd(c->bev);
    if (fd >= 0)
        shutdown(fd, SHUT_RDWR);
    c->shut = true;
}

static void let_go(struct http_guard *g, struct guard_conn *c)
{
    if (c->has_slot)
        source_limit_release(g->w->node->http_sources, c->slot);
    if (c->prev)
        c->prev->next = c->next;
    else
        g->all = c->next;
    if (c->next)
        c->next->prev = c->prev;
    map_del(&g->map, c);
    bufferevent_decref(c->bev);
    free(c);
}

static void admit_one(struct http_guard *g, struct guard_conn *c)
{
    c->admitted = true;
    struct source_limit *limit = g->w->node->http_sources;
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    evutil_socket_t fd = bufferevent_getfd(c->bev);
    if (!limit || fd < 0 || getpeername(fd, (struct sockaddr *)&ss, &len) != 0)
        return;
    if (source_limit_take(limit, (struct sockaddr *)&ss, &c->slot)) {
        c->has_slot = true;
        return;
    }
    g->w->stats.http_refused_source++;
    shut(g, c);
}

static void on_admit(evutil_socket_t fd, short what, void *arg)
{
    struct http_guard *g = arg;
    (void)fd;
    (void)what;
    for (struct guard_conn *c = g->all, *next; c; c = next) {
        next = c->next;
        if (c->admitted)
            continue;
        if (released_by_evhttp(c->bev))
            let_go(g, c);
        else
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
        if (released_by_evhttp(c->bev)) {
            let_go(g, c);
        } else if (!c->admitted) {
            admit_one(g, c);
        } else if (!c->shut && !c->busy && now >= c->deadline_ms) {
            g->w->stats.http_timeouts++;
            shut(g, c);
        }
    }
}

struct http_guard *http_guard_new(struct worker *w)
{
    struct http_guard *g = calloc(1, sizeof *g);
    if (!g)
        return NULL;
    g->w = w;
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
        let_go(g, g->all);
    if (g->sweep)
        event_free(g->sweep);
    if (g->admit)
        event_free(g->admit);
    free(g->map.slots);
    free(g);
}

void http_guard_watch(struct http_guard *g, struct bufferevent *bev)
{
    struct guard_conn *c = calloc(1, sizeof *c);
    if (!c)
        return;
    c->bev = bev;
    c->timeout_ms = (uint64_t)g->w->node->conf->http_request_timeout_s * 1000u;
    c->deadline_ms = now_ms() + c->timeout_ms;
    if (!map_put(&g->map, c)) {
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

void http_guard_request(struct http_guard *g, struct evhttp_request *req)
{
    struct evhttp_connection *evcon = evhttp_request_get_connection(req);
    struct bufferevent *bev = evcon ? evhttp_connection_get_bufferevent(evcon) : NULL;
    struct guard_conn *c = bev ? map_get(&g->map, bev) : NULL;
    if (!c)
        return;
    c->busy = true;
    evhttp_request_set_on_complete_cb(req, on_answered, c);
}

unsigned http_guard_count(const struct http_guard *g)
{
    return g ? (unsigned)g->map.count : 0;
}
