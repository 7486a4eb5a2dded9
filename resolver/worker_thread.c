#include "resolver/worker_thread.h"

#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/secret.h"
#include "resolver/http/http_server.h"
#include "resolver/log.h"
#include "resolver/net/rrl.h"
#include "resolver/net/tcp_handler.h"
#include "resolver/net/udp_handler.h"
#include "resolver/query/answer_cache.h"
#include "resolver/upstream/recursor.h"

/* How long in-flight TCP answers may take to drain at shutdown. */
#define SHUTDOWN_GRACE_MS 3000
#define DRAIN_POLL_MS 20

static void on_drain_tick(evutil_socket_t fd, short what, void *arg)
{
    struct worker *w = arg;
    static const struct timeval tick = {0, DRAIN_POLL_MS * 1000};
    (void)fd;
    (void)what;
    if (w->conn_count == 0) {
        event_base_loopbreak(w->base);
        return;
    }
    event_add(w->drain_ev, &tick);
}

static void on_quiesce(evutil_socket_t fd, short what, void *arg)
{
    struct worker *w = arg;
    (void)fd;
    (void)what;
    uint64_t e = atomic_load_explicit(&w->node->quiesce_epoch, memory_order_acquire);
    atomic_store_explicit(&w->quiesce->acked, e, memory_order_release);
}

static void on_stop(evutil_socket_t fd, short what, void *arg)
{
    struct worker *w = arg;
    (void)fd;
    (void)what;
    if (w->stopping)
        return;
    w->stopping = true;
    for (int i = 0; i < w->udp_count; i++) {
        udp_handler_free(w->udp[i]);
        w->udp[i] = NULL;
    }
    w->udp_count = 0;
    for (int i = 0; i < w->tcp_count; i++) {
        tcp_listener_free(w->tcp[i]);
        w->tcp[i] = NULL;
    }
    w->tcp_count = 0;
    http_server_stop(w);
    tcp_conns_shutdown(w);

    static const struct timeval grace = {SHUTDOWN_GRACE_MS / 1000,
                                         (SHUTDOWN_GRACE_MS % 1000) * 1000};
    event_base_loopexit(w->base, &grace);
    on_drain_tick(-1, 0, w);
}

int worker_init(struct worker *w, struct node *node, int id, char *err, size_t errlen)
{
    memset(w, 0, sizeof *w);
    w->id = id;
    w->node = node;
    w->query.node = node;
    w->query.stats = &w->stats;
    w->query.cache = answer_cache_new((size_t)node->conf->answer_cache_mb << 20);
    w->out = malloc(QUERY_OUT_MAX);
    w->base = event_base_new();
    struct rrl_settings rs;
    rrl_settings_of(node->conf, &rs);
    uint64_t seed = 0;
    if (rs.per_second &&
        (cry_random((uint8_t *)&seed, sizeof seed) != 0 || !(w->rrl = rrl_new(&rs, seed)))) {
        snprintf(err, errlen, "cannot set up UDP rate limiting: out of memory");
        return -1;
    }
    if (!w->out || !w->base) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    if (node->conf->recursion && !(w->query.rec = recursor_new(w->base, node, &w->stats))) {
        snprintf(err, errlen, "cannot set up recursion: out of memory or c-ares failed to start");
        return -1;
    }
    w->stop_ev = event_new(w->base, -1, 0, on_stop, w);
    w->drain_ev = evtimer_new(w->base, on_drain_tick, w);
    w->quiesce = &node->quiesce[id];
    w->quiesce->ev = event_new(w->base, -1, 0, on_quiesce, w);
    if (!w->stop_ev || !w->drain_ev || !w->quiesce->ev) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    const struct conf *c = node->conf;
    for (int i = 0; i < c->listen_count; i++) {
        if (c->udp) {
            w->udp[w->udp_count] = udp_handler_new(w, &c->listen[i], err, errlen);
            if (!w->udp[w->udp_count])
                return -1;
            w->udp_count++;
        }
        if (c->tcp) {
            w->tcp[w->tcp_count] = tcp_listener_new(w, &c->listen[i], err, errlen);
            if (!w->tcp[w->tcp_count])
                return -1;
            w->tcp_count++;
        }
    }
    return http_server_init(w, err, errlen);
}

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    event_base_dispatch(w->base);
    atomic_store_explicit(&w->quiesce->acked, UINT64_MAX, memory_order_release);
    return NULL;
}

int worker_start(struct worker *w)
{
    if (pthread_create(&w->thread, NULL, worker_main, w) != 0)
        return -1;
    w->started = true;
    return 0;
}

void worker_stop(struct worker *w)
{
    if (w->stop_ev)
        event_active(w->stop_ev, 0, 0);
}

void worker_join(struct worker *w)
{
    if (w->started)
        pthread_join(w->thread, NULL);
    w->started = false;
}

void worker_free(struct worker *w)
{
    for (int i = 0; i < w->udp_count; i++)
        udp_handler_free(w->udp[i]);
    for (int i = 0; i < w->tcp_count; i++)
        tcp_listener_free(w->tcp[i]);
    tcp_conns_close_all(w);
    http_server_free(w);
    /* After the front ends: they let go of their recursive requests first. */
    recursor_free(w->query.rec);
    if (w->stop_ev)
        event_free(w->stop_ev);
    if (w->drain_ev)
        event_free(w->drain_ev);
    if (w->quiesce && w->quiesce->ev) {
        event_free(w->quiesce->ev);
        w->quiesce->ev = NULL;
    }
    if (w->base)
        event_base_free(w->base);
    free(w->out);
    rrl_free(w->rrl);
    answer_cache_free(w->query.cache);
    memset(w, 0, sizeof *w);
}
