/*
 * The node: what every worker shares, read-only after start-up except where noted. The registry
 * is the only shared thing touched per request; everything else a request needs is built once.
 */
#ifndef NODE_H
#define NODE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conf/conf.h"
#include "registry/reg_db.h"
#include "registry/reg_prefix.h"

/* How often a limit against abuse acted, node-wide (the per-worker ones are in node_stats). */
struct node_limit_counts {
    atomic_ulong jobs_refused;  /* limits.max_admin_jobs reached */
    atomic_ulong auth_failures; /* authentications that failed */
    atomic_ulong auth_refused;  /* refused unchecked: identity or source locked out */
};

/* Binary-protocol administrative requests, run in groups that share a WAL sync (job_pool.c). */
struct node_admin_counts {
    atomic_ulong groups;   /* groups run */
    atomic_ulong requests; /* requests run in them */
};

/* A worker's acknowledgement of prefix-set swaps (node_reload_prefixes): a reload activates ev,
 * whose callback runs between two requests on the worker's loop and stores the node's
 * quiesce_epoch in acked; UINT64_MAX once the loop has returned. Nothing is written per
 * request. */
struct node_quiesce {
    struct event *ev; /* NULL until the worker's base exists */
    _Atomic uint64_t acked;
};

/*
 * What a reload (SIGHUP, node_reload.h) changes in place. node->conf stays the configuration
 * the node started with and is never written again, so any thread reads it without care; the
 * values a reload may change are read from here instead, never from node->conf. Numbers are
 * relaxed atomics written only by the reload (main thread) and read with relaxed loads (plain
 * moves, no locked instruction: nothing on the hot path changes), so a reader sees each value
 * old or new, never torn; two values may briefly come from different reloads, which none of
 * them minds. The administrator list is an array only admin threads read: it is copied under
 * admins_mu. Objects built from these values (a worker's RRL table and answer cache) are
 * rebuilt by each worker on its own loop (worker_thread.c, from its quiescent callback).
 */
struct node_live {
    _Atomic uint32_t udp_max_amplification;
    _Atomic uint32_t max_admin_jobs;
    _Atomic uint32_t auth_failure_delay_ms;
    _Atomic uint32_t rrl_per_second, rrl_slip, rrl_ipv4_prefix, rrl_ipv6_prefix, rrl_table_size;
    _Atomic uint32_t answer_cache_mb;
    _Atomic uint32_t max_recursion, recursion_timeout_ms, upstream_timeout_ms, max_upstream;
    _Atomic uint32_t negative_ttl_s, max_ttl_s;
    pthread_mutex_t admins_mu; /* held while admins is read or written */
    struct conf_identity admins[CONF_MAX_ADMINS];
    int admin_count;
};

/* A reloadable value of node_live, as one relaxed load. */
#define NODE_LIVE(node, field) atomic_load_explicit(&(node)->live.field, memory_order_relaxed)

struct node {
    const struct conf *conf; /* as started: what takes a restart (see struct node_live) */
    struct node_live live;
    struct reg_db *db;
    /* Swapped whole when prefixes are homed or unhomed. Workers load it once per request, in
     * the callback that uses it; any other thread asks node_serves. */
    _Atomic(struct reg_prefix_set *) prefixes;
    /* Both initialised before any thread starts. */
    pthread_mutex_t prefixes_mu;    /* held by node_serves */
    pthread_mutex_t swap_mu;        /* held by node_reload_prefixes */
    _Atomic uint64_t quiesce_epoch; /* raised by each reload (node.c) */
    uint8_t *site;                  /* encoded HS_SITE: the GET_SITE_INFO body */
    size_t site_len;
    uint16_t site_serial;
    atomic_uint tcp_connections; /* whole node, for the connection cap (checked at accept) */
    /* SSL_CTX of the HTTPS listeners; NULL without HTTPS. A reload swaps it; the accept path
     * loads it once per connection (SSL_new takes its own reference) and the old context is
     * freed after every worker has passed a quiescent point (node_quiesce). */
    _Atomic(struct ssl_ctx_st *) tls_ctx;
    struct worker *workers; /* every worker, for /metrics and /healthz */
    int worker_count;
    struct node_quiesce *quiesce; /* worker_count entries, one per worker */
    int64_t started;                /* CLOCK_MONOTONIC seconds at start-up */
    struct evp_pkey_st *server_key; /* signs certified responses; its public half is in HS_SITE */
    struct auth_state *auth;        /* challenges and sessions */
    struct job_pool *jobs;        /* threads for blocking work: writes, signatures, PBKDF2 */
    struct http_sessions *http_sessions; /* REST API sessions (http_session.h) */
    struct node_imports *imports;        /* imports the node runs itself (node_import.h) */
    struct source_limit *tcp_sources;    /* TCP connections per source address */
    struct source_limit *http_sources;   /* HTTP and HTTPS connections per source address */
    struct auth_throttle *auth_throttle; /* failed authentications (auth_throttle.h) */
    struct site_cache *site_cache;       /* fetched from the site's other servers (site_values.h) */
    struct node_limit_counts limit_counts;
    struct node_admin_counts admin_counts;
    struct mirror *mirror; /* replication/mirror.h: set on a mirror, NULL on a primary */
    struct resident *resident; /* query/resident.h: the registry in memory, or NULL */
};

/* Whether the node answers as a primary: not a mirror (replication configured) and not a site
 * configured as a mirror site (site.primary = false). Its answers carry the AT flag only then,
 * as the reference's do. */
static inline bool node_is_primary(const struct node *node)
{
    return node->conf->site_primary && !node->conf->replication.enabled;
}

/* Whether a handle's prefix is homed here, for threads other than the workers (admin threads,
 * HTTP authentication): it reads the set under prefixes_mu, which node_reload_prefixes waits
 * for. */
bool node_serves(struct node *node, const uint8_t *h, size_t len);

/* Re-reads the homed prefixes from the registry, publishes them with *count set to their
 * number, and frees the old set once nothing can still be reading it (every node_serves that
 * may hold it has returned, every worker has run a callback since the swap: worker.h,
 * quiesced), which usually takes well under a millisecond. Reloads are serialised, so a set read
 * earlier never replaces one read later. Returns 0, or -1 when reading failed (the old set
 * stays). Called from the admin threads and the main thread, never from a worker. */
int node_reload_prefixes(struct node *node, size_t *count);

/* Initialises live (and its mutex) from c; before any thread starts. */
void node_live_init(struct node *node, const struct conf *c);

/* Stores c's reloadable values into live (the numbers, the administrator list). */
void node_live_set(struct node *node, const struct conf *c);

/* Waits until every worker has run its quiescent callback once after this call (or has left
 * its loop): whatever a worker read from the node before the call is no longer in use, and
 * each worker has applied node_live to its own objects. Returns true, or false after 10 s
 * when a worker's loop is stuck (the caller then keeps what it meant to free). Not on a
 * worker; callers hold swap_mu. */
bool node_quiesce(struct node *node);

#endif
