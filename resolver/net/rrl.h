/*
 * Response rate limiting for UDP, in the spirit of DNS RRL (Knot's rrl.c, BIND's
 * rate-limit): every source network (a /24 for IPv4, a /56 for IPv6 by default) has a budget of
 * answers a second, kept as a token bucket in a fixed table of buckets. Past the budget, every
 * Nth answer "slips" (goes out as a small answer that sends a real client to TCP, where a
 * spoofed source cannot follow) and the others are dropped, so the node cannot be used to flood
 * a victim whose address is forged.
 *
 * One table per worker, allocated once: no malloc, no lock, no shared write on the hot path.
 * SO_REUSEPORT spreads datagrams over workers by a hash of source address and port, so one
 * source port lands on one worker; a source spraying ports gets at most a budget per worker.
 * Two candidate buckets per network (keyed hash, seeded at start so collisions cannot be
 * chosen from outside); a network evicts the staler of the two.
 */
#ifndef NODE_RRL_H
#define NODE_RRL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "conf/conf.h"

enum rrl_verdict {
    RRL_PASS = 0, /* answer as usual */
    RRL_SLIP,     /* over budget: send the short "retry over TCP" answer */
    RRL_DROP,     /* over budget: send nothing */
};

struct rrl_settings {
    uint32_t per_second; /* answers a second per network; 0 turns limiting off */
    uint32_t slip;       /* every slip-th limited answer slips; 0 = none, 1 = all */
    uint8_t ipv4_prefix; /* 8-32 */
    uint8_t ipv6_prefix; /* 16-128 */
    uint32_t buckets;    /* rounded up to a power of two */
    const struct conf_net *exempt;
    int exempt_count;
};

struct rrl_table;

/* The settings of a configuration. */
void rrl_settings_of(const struct conf *c, struct rrl_settings *out);

/* NULL when memory is short. seed keys the bucket hash. */
struct rrl_table *rrl_new(const struct rrl_settings *s, uint64_t seed);
void rrl_free(struct rrl_table *t);

/* Decides the fate of one answer to the source sa at now_ms (a monotonic clock in
 * milliseconds), spending one token when it passes. A NULL table or an address of another
 * family passes. */
enum rrl_verdict rrl_check(struct rrl_table *t, const struct sockaddr *sa, uint64_t now_ms);

/* Whether sa lies in net. */
bool rrl_net_contains(const struct conf_net *net, const struct sockaddr *sa);

#endif
