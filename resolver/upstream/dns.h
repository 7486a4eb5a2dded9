/*
 * Host names to addresses with c-ares on a worker's libevent loop (its sockets are events on
 * that loop, its retransmissions a timer; nothing blocks). A and AAAA, kept for their records'
 * least TTL (clamped to 1 s .. 1 day); "no such name" or "no address" is kept 5 s. An expired
 * name is looked up again while callers go on getting the old addresses until the new ones
 * arrive; if the servers do not answer, the old addresses are served up to 5 minutes past
 * their TTL. Names are complete (no search domains); /etc/hosts is read before DNS. Numeric
 * hosts answer at once without DNS. One per worker, used only from its loop's thread.
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

/* servers: numeric "ADDR:PORT" endpoints, tried in order (count 0: those of /etc/resolv.conf);
 * timeout_ms (0: 1000): the first wait for one answer; c-ares tries each server twice, doubling
 * the wait on the second round, so a name whose servers are all silent fails after about
 * 3 x timeout_ms (one server). NULL when c-ares cannot start or a server is not numeric. */
struct updns *updns_new(struct event_base *base, const struct conf_endpoint *servers, int count,
                        uint32_t timeout_ms);
/* Cancels every wait (their callbacks are not called) and frees. Not from within an updns_fn. */
void updns_free(struct updns *d);

typedef void (*updns_fn)(void *ctx, const struct updns_answer *a);

/* The addresses of host (a DNS name, or a numeric address: 192.0.2.1, 2001:db8::1,
 * [2001:db8::1]) with port. When the answer is known (numeric; cached and fresh, or expired and
 * being refreshed; a cached negative answer, now->err PZ_ERR_DNS_NOTFOUND) fills *now and
 * returns 0 without calling fn. Otherwise starts a lookup, or joins the one under way for the
 * same name (case-insensitive), and returns 1 with *wait set: fn is called once, later, from
 * the loop (never from within updns_lookup), with the answer (err 0 with count >= 1, or an
 * error); a is valid during the call only. *wait is the caller's until fn is called or
 * updns_cancel(*wait). Returns PZ_ERR_DNS_BADNAME when host is neither numeric nor a host name
 * (labels of 1..63 letters, digits, '-', '_'; at most 253 bytes), PZ_ERR_NOMEM when out of
 * memory or room (1024 names, all being looked up). */
int updns_lookup(struct updns *d, const char *host, uint16_t port, struct updns_answer *now,
                 updns_fn fn, void *ctx, struct updns_wait **wait);
/* Forgets a wait before its fn is called: fn will not be called. NULL does nothing. */
void updns_cancel(struct updns_wait *wait);

/* For /metrics. queries: lookups sent to DNS (waiters that join one in flight do not count);
 * cache_hits: names answered from the cache (fresh, refreshing, or negative); failures: lookups
 * that ended without addresses (not found, or the servers failed). */
struct updns_stats {
    uint64_t queries, cache_hits, failures;
};
void updns_get_stats(const struct updns *d, struct updns_stats *s);

#endif
