/*
 * Host names to addresses with c-ares on a worker's libevent loop (its sockets are events on
 * that loop; nothing blocks). A and AAAA, kept for their records' TTL; an expired name is looked
 * up again while callers go on getting the old addresses until the new ones arrive. Numeric
 * hosts answer at once without DNS. One per worker.
 */
#ifndef UPSTREAM_DNS_H
#define UPSTREAM_DNS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "conf/conf.h"

struct event_base;
struct updns;
struct updns_wait;

#define UPDNS_MAX_ADDRS 8

struct updns_answer {
    int err; /* 0, or PZ_ERR_DNS_NOTFOUND (no such name or no address), PZ_ERR_DNS_FAILED
                (servers failed or did not answer), PZ_ERR_NOMEM */
    int count;
    struct sockaddr_storage addrs[UPDNS_MAX_ADDRS]; /* port set; IPv6 first when both */
    socklen_t lens[UPDNS_MAX_ADDRS];
};

/* servers: "ADDR:PORT" endpoints (count 0: /etc/resolv.conf); timeout_ms: the first wait for one
 * answer (c-ares retries). NULL when c-ares cannot start. */
struct updns *updns_new(struct event_base *base, const struct conf_endpoint *servers, int count,
                        uint32_t timeout_ms);
/* Cancels every wait (their callbacks are not called) and frees. */
void updns_free(struct updns *d);

typedef void (*updns_fn)(void *ctx, const struct updns_answer *a);

/* The addresses of host (a DNS name or numeric address) with port. When they are known (numeric,
 * or cached and fresh or refreshing) fills *now and returns 0 without calling fn; otherwise
 * starts or joins a lookup and returns 1 with *wait set: fn is called once from the loop,
 * unless updns_cancel(*wait) comes first. Returns PZ_ERR_NOMEM or PZ_ERR_DNS_BADNAME on
 * failure. */
int updns_lookup(struct updns *d, const char *host, uint16_t port, struct updns_answer *now,
                 updns_fn fn, void *ctx, struct updns_wait **wait);
void updns_cancel(struct updns_wait *wait);

/* Lookups made, answers from the cache, failures: for /metrics. */
struct updns_stats {
    uint64_t queries, cache_hits, failures;
};
void updns_get_stats(const struct updns *d, struct updns_stats *s);

#endif
