#include "resolver/worker_thread.h"

#include <event2/buffer.h>
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

/* The RRL settings node->live holds now; the exempt networks are node->conf's (a restart). */
static void rrl_settings_live(const struct node *node, struct rrl_settings *rs)
{
    rrl_settings_of(node->conf, rs);
    rs->per_second = NODE_LIVE(node, rrl_per_second);
    rs->slip = NODE_LIVE(node, rrl_slip);
    rs->ipv4_prefix = (uint8_t)NODE_LIVE(node, rrl_ipv4_prefix);
    rs->ipv6_prefix = (uint8_t)NODE_LIVE(node, rrl_ipv6_prefix);
    rs->buckets = NODE_LIVE(node, rrl_table_size);
}

static bool rrl_same(const struct rrl_settings *a, const struct rrl_settings *b)
{
    return a->per_second == b->per_second && a->slip == b->slip &&
           a->ipv4_prefix == b->ipv4_prefix && a->ipv6_prefix == b->ipv6_prefix &&
           a->buckets == b->buckets;
}

/* A new RRL table for rs (NULL when limiting is off); -1 when memory is short. */
static int rrl_build(const struct rrl_settings *rs, struct rrl_table **out)
{
    uint64_t seed = 0;
    *out = NULL;
    if (!rs->per_second)
        return 0;
    if (cry_random((uint8_t *)&seed, sizeof seed) != 0 || !(*out = rrl_new(rs, seed)))
        return -1;
    return 0;
}

/* Rebuilds, on the worker's own loop, what it made from values a reload changed (node.h,
 * struct node_live): the RRL table (the buckets start empty) and the answer cache (it starts
 * cold; its counts carry on). On a shortage of memory the old one stays. */
static void apply_live(struct worker *w)
{
    struct rrl_settings rs;
    rrl_settings_live(w->node, &rs);
    if (!rrl_same(&rs, &w->rrl_built)) {
        struct rrl_table *t;
        if (rrl_build(&rs, &t) != 0) {
            log_warn("worker %d: out of memory for the new UDP rate limits; keeping the old",
                     w->id);
        } else {
            rrl_free(w->rrl);
            w->rrl = t;
            w->rrl_built = rs;
        }
    }
    uint32_t mb = NODE_LIVE(w->node, answer_cache_mb);
    if (mb != w->answer_cache_mb && !w->cache_retired) {
        struct answer_cache *c = mb ? answer_cache_new((size_t)mb << 20) : NULL;
        if (mb && !c) {
            log_warn("worker %d: out of memory for a %u MiB answer cache; keeping the old", w->id,
                     mb);
        } else {
            struct answer_cache *old = atomic_load_explicit(&w->query.cache, memory_order_relaxed);
            answer_cache_carry_counts(c, old);
            atomic_store_explicit(&w->query.cache, c, memory_order_release);
            w->cache_retired = old;
            w->answer_cache_mb = mb;
        }
    }
}

static void on_quiesce(evutil_socket_t fd, short what, void *arg)
{
    struct worker *w = arg;
    (void)fd;
    (void)what;
    apply_live(w);
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
    w->answer_cache_mb = NODE_LIVE(node, answer_cache_mb);
    w->query.cache = answer_cache_new((size_t)w->answer_cache_mb << 20);
    w->out = malloc(QUERY_OUT_MAX);
    w->tcp_out = evbuffer_new();
    w->base = event_base_new();
    rrl_settings_live(node, &w->rrl_built);
    if (rrl_build(&w->rrl_built, &w->rrl) != 0) {
        snprintf(err, errlen, "cannot set up UDP rate limiting: out of memory");
        return -1;
    }
    if (!w->out || !w->tcp_out || !w->base) {
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
    if (w->tcp_out)
        evbuffer_free(w->tcp_out);
    rrl_free(w->rrl);
    answer_cache_free(w->query.cache);
    answer_cache_free(w->cache_retired);
    memset(w, 0, sizeof *w);
}
