#include "resolver/node.h"

#include <event2/event.h>
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

/* Frees a set swapped out of node->prefixes once nothing can still be reading it: every
 * node_serves that may hold it has returned and every worker has run a callback since the swap
 * (node.h, struct node_quiesce). Usually well under a millisecond. */
static void retire(struct node *node, struct reg_prefix_set *old)
{
    /* Readers off the workers load the set under the mutex: once this has held it, none holds
     * the old set and every later one loads the new. */
    pthread_mutex_lock(&node->prefixes_mu);
    pthread_mutex_unlock(&node->prefixes_mu);

    /* A worker drops the pointer at the end of the callback that loaded it. Each runs a
     * callback that acknowledges the new epoch: what it read before is done, and what it reads
     * after sees the new set (the epoch was raised after the swap). */
    uint64_t e = atomic_fetch_add(&node->quiesce_epoch, 1) + 1;
    for (int i = 0; i < node->worker_count; i++)
        if (node->quiesce[i].ev)
            event_active(node->quiesce[i].ev, 0, 0);
    for (int n = 0; !workers_passed(node, e); n++) {
        if (n == QUIESCE_MAX_POLLS) {
            log_warn("a worker has not run its loop for 10 s; the old prefix set is kept");
            return;
        }
        struct timespec ts = {0, QUIESCE_POLL_US * 1000};
        nanosleep(&ts, NULL);
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
