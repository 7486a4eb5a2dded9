/*
 * Counters that one thread writes and any thread may read (a worker's figures, summed by /metrics
 * or the periodic log line). The owner adds with a relaxed load and a relaxed store, which are
 * plain moves on x86 and ARM: no locked instruction and no read-modify-write on the hot path, and
 * no increment is lost because nobody else writes. Readers load relaxed and accept a total a few
 * requests stale. The counter stays a plain uint64_t so a zeroed struct is a zeroed set of
 * counters; every access to one goes through these two functions.
 */
#ifndef NODE_COUNTER_H
#define NODE_COUNTER_H

#include <stdint.h>

/* Adds n to a counter only the calling thread writes. */
static inline void node_count(uint64_t *c, uint64_t n)
{
    __atomic_store_n(c, __atomic_load_n(c, __ATOMIC_RELAXED) + n, __ATOMIC_RELAXED);
}

/* Reads a counter another thread may be writing. */
static inline uint64_t node_counter_read(const uint64_t *c)
{
    return __atomic_load_n(c, __ATOMIC_RELAXED);
}

#endif
