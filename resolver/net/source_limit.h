/*
 * Open connections per source address, node-wide: a fixed array of atomic counters indexed by a
 * keyed hash of the address (IPv4, or IPv6 whole). Accepting and closing touch one counter,
 * with no lock and no allocation. Two addresses that share a counter share its cap; with 65,536
 * counters and a seed chosen at start-up that is rare, and it can only refuse early, never admit
 * more than the cap from one address.
 */
#ifndef NODE_SOURCE_LIMIT_H
#define NODE_SOURCE_LIMIT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

struct source_limit;

/* NULL when memory is short. cap: open connections allowed per address. */
struct source_limit *source_limit_new(uint32_t cap, uint64_t seed);
void source_limit_free(struct source_limit *l);

/* Takes a slot for sa: true and *slot set when under the cap (give the slot back with
 * source_limit_release), false when the address has cap connections open already. */
bool source_limit_take(struct source_limit *l, const struct sockaddr *sa, uint32_t *slot);
void source_limit_release(struct source_limit *l, uint32_t slot);

#endif
