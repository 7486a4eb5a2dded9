/*
 * The node: what every worker shares, read-only after start-up except where noted. The registry
 * is the only shared thing touched per request; everything else a request needs is built once.
 */
#ifndef NODE_H
#define NODE_H

#include <stdatomic.h>
#include <stdint.h>

#include "conf.h"
#include "reg_db.h"
#include "reg_prefix.h"

/* How often a limit against abuse acted, node-wide (the per-worker ones are in node_stats). */
struct node_limit_counts {
    atomic_ulong jobs_refused;  /* limits.max_admin_jobs reached */
    atomic_ulong auth_failures; /* authentications that failed */
    atomic_ulong auth_refused;  /* refused unchecked: identity or source locked out */
};

struct node {
    const struct conf *conf;
    struct reg_db *db;
    /* Swapped whole when prefixes are homed or unhomed; workers load it per request. */
    _Atomic(struct reg_prefix_set *) prefixes;
    uint8_t *site; /* encoded HS_SITE: the GET_SITE_INFO body */
    size_t site_len;
    uint16_t site_serial;
    atomic_uint tcp_connections; /* whole node, for the connection cap (checked at accept) */
    struct ssl_ctx_st *tls_ctx;  /* SSL_CTX of the HTTPS listeners; NULL without HTTPS */
    struct worker *workers;      /* every worker, for /metrics and /healthz */
    int worker_count;
    int64_t started;                /* CLOCK_MONOTONIC seconds at start-up */
    struct evp_pkey_st *server_key; /* signs certified responses; its public half is in HS_SITE */
    struct auth_state *auth;        /* challenges and sessions */
    struct admin_pool *admin;       /* threads for blocking work: writes, signatures, PBKDF2 */
    struct http_sessions *http_sessions; /* REST API sessions (http_session.h) */
    struct node_imports *imports;        /* imports the node runs itself (node_import.h) */
    struct source_limit *tcp_sources;    /* TCP connections per source address */
    struct source_limit *http_sources;   /* HTTP and HTTPS connections per source address */
    struct auth_throttle *auth_throttle; /* failed authentications (auth_throttle.h) */
    struct node_limit_counts limit_counts;
};

/* Retires a prefix set swapped out of node->prefixes: freed once no worker can still be reading
 * it (a request holds the pointer for microseconds). Blocks for that grace period. */
void node_retire_prefixes(struct node *node, struct reg_prefix_set *old);

#endif
