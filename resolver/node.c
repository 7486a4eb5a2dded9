#include "resolver/node.h"

#include <event2/event.h>
#include <string.h>
#include <time.h>

#include "resolver/log.h"

/* How long a retirer waits for the workers to pass a quiescent point: a worker runs the
 * request at most a callback away; a loop stuck this long leaks the old set rather than free it
 * under a reader. */
#define QUIESCE_POLL_US 200
#define QUIESCE_MAX_POLLS 50000 /* 10 s */

bool node_serves(struct node *node, const uint8_t *h, size_t len)
{
    pthread_mutex_lock(&node->prefixes_mu);
    bool serves =
        reg_prefix_set_serves(atomic_load_explicit(&node->prefixes, memory_order_acquire), h, len);
    pthread_mutex_unlock(&node->prefixes_mu);
    return serves;
}

/* Whether every worker has run its quiescent callback for epoch e, or left its loop. */
static bool workers_passed(struct node *node, uint64_t e)
{
    for (int i = 0; i < node->worker_count; i++) {
        struct node_quiesce *q = &node->quiesce[i];
        if (q->ev && atomic_load_explicit(&q->acked, memory_order_acquire) < e)
            return false;
    }
    return true;
}

bool node_quiesce(struct node *node)
{
    /* A worker drops what it loaded at the end of the callback that loaded it. Each runs a
     * callback that acknowledges the new epoch: what it read before is done, and what it reads
     * after sees what was published before the epoch was raised. */
    uint64_t e = atomic_fetch_add(&node->quiesce_epoch, 1) + 1;
    for (int i = 0; i < node->worker_count; i++)
        if (node->quiesce[i].ev)
            event_active(node->quiesce[i].ev, 0, 0);
    for (int n = 0; !workers_passed(node, e); n++) {
        if (n == QUIESCE_MAX_POLLS)
            return false;
        struct timespec ts = {0, QUIESCE_POLL_US * 1000};
        nanosleep(&ts, NULL);
    }
    return true;
}

/* Frees a set swapped out of node->prefixes once nothing can still be reading it: every
 * node_serves that may hold it has returned and every worker has run a callback since the swap
 * (node.h, struct node_quiesce). Usually well under a millisecond. */
static void retire(struct node *node, struct reg_prefix_set *old)
{
    /* Readers off the workers load the set under the mutex: once this has held it, none holds
     * the old set and every later one loads the new. */
    pthread_mutex_lock(&node->prefixes_mu);
    pthread_mutex_unlock(&node->prefixes_mu);
    if (!node_quiesce(node)) {
        log_warn("a worker has not run its loop for 10 s; the old prefix set is kept");
        return;
    }
    reg_prefix_set_free(old);
}

int node_reload_prefixes(struct node *node, size_t *count)
{
    pthread_mutex_lock(&node->swap_mu);
    struct reg_prefix_set *fresh = reg_prefix_set_load(node->db);
    if (fresh) {
        *count = reg_prefix_set_count(fresh); /* before it is published and may be retired */
        retire(node, atomic_exchange(&node->prefixes, fresh));
    }
    pthread_mutex_unlock(&node->swap_mu);
    return fresh ? 0 : -1;
}

void node_live_set(struct node *node, const struct conf *c)
{
    struct node_live *l = &node->live;
#define SET(field, value) atomic_store_explicit(&l->field, (value), memory_order_relaxed)
    SET(udp_max_amplification, c->udp_max_amplification);
    SET(max_admin_jobs, c->max_admin_jobs);
    SET(auth_failure_delay_ms, c->auth_failure_delay_ms);
    SET(rrl_per_second, c->rrl_per_second);
    SET(rrl_slip, c->rrl_slip);
    SET(rrl_ipv4_prefix, c->rrl_ipv4_prefix);
    SET(rrl_ipv6_prefix, c->rrl_ipv6_prefix);
    SET(rrl_table_size, c->rrl_table_size);
    SET(answer_cache_mb, c->answer_cache_mb);
    SET(max_recursion, c->max_recursion);
    SET(recursion_timeout_ms, c->recursion_timeout_ms);
    SET(upstream_timeout_ms, c->upstream_timeout_ms);
    SET(max_upstream, c->max_upstream);
    SET(negative_ttl_s, c->negative_ttl_s);
    SET(max_ttl_s, c->max_ttl_s);
#undef SET
    pthread_mutex_lock(&l->admins_mu);
    memcpy(l->admins, c->admins, sizeof l->admins);
    l->admin_count = c->admin_count;
    pthread_mutex_unlock(&l->admins_mu);
}

void node_live_init(struct node *node, const struct conf *c)
{
    pthread_mutex_init(&node->live.admins_mu, NULL);
    node_live_set(node, c);
}
