#include "resolver/http/http_conn.h"

#include "common/ptr_map.h"
#include "resolver/http/http_guard.h"
#include "resolver/http/http_req.h"
#include "resolver/net/worker.h"

void http_defer_watch(struct http_call *c, struct http_deferred *d)
{
    struct http_server *h = c->w->http;
    d->evcon = http_req_connection(c->req);
    d->prev = NULL;
    d->next = h->deferred;
    if (h->deferred)
        h->deferred->prev = d;
    h->deferred = d;
}

void http_defer_unwatch(struct worker *w, struct http_deferred *d)
{
    struct http_server *h = w->http;
    if (d->prev)
        d->prev->next = d->next;
    else if (h->deferred == d)
        h->deferred = d->next;
    if (d->next)
        d->next->prev = d->prev;
    d->prev = d->next = NULL;
}

void http_conn_closed(struct evhttp_connection *evcon, void *arg)
{
    struct http_server *h = arg;
    for (struct http_deferred *d = h->deferred, *next; d; d = next) {
        next = d->next;
        if (d->evcon == evcon) {
            http_defer_unwatch(h->w, d);
            d->cancel(d, true);
        }
    }
    /* Every connection has this callback (http_guard.h); the count is of those that sent a
     * request. */
    if (ptr_map_get(&h->seen, evcon)) {
        ptr_map_del(&h->seen, evcon);
        atomic_fetch_sub_explicit(&h->conns, 1, memory_order_relaxed);
    }
    http_guard_closed(h->guard, evcon);
}

void http_conn_track(struct http_server *h, struct evhttp_request *req)
{
    http_conn_track_evcon(h, evhttp_request_get_connection(req));
}

void http_conn_track_evcon(struct http_server *h, struct evhttp_connection *evcon)
{
    if (!evcon || ptr_map_get(&h->seen, evcon) || !ptr_map_put(&h->seen, evcon, evcon))
        return;
    atomic_fetch_add_explicit(&h->conns, 1, memory_order_relaxed);
    evhttp_connection_set_closecb(evcon, h->closecb, h);
}
