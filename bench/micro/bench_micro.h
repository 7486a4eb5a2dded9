/* The in-process micro-benchmark of the resolution hot path (no sockets). */
#ifndef BENCH_MICRO_H
#define BENCH_MICRO_H

#include <stddef.h>
#include <stdint.h>

struct bench_micro_opts {
    size_t records;
    uint64_t iterations;
    double miss_ratio;
    unsigned cache_mb;        /* RocksDB block cache */
    unsigned answer_cache_mb; /* the worker's answer cache; 0 = off */
    unsigned resident_mb;     /* the resident registry, loaded before the run; 0 = off */
    int resident_expanded;    /* ... holding records expanded */
    double zipf;              /* 0 = uniform keys */
    size_t ring;    /* prepared requests cycled (rounded down to a power of two); 0 = 2M */
    unsigned batch; /* requests prefetched together, as the UDP handler does (query_prefetch.h);
                       0 or 1 = one at a time, at most BENCH_MICRO_BATCH_MAX */
};

#define BENCH_MICRO_BATCH_MAX 64

/* Builds a temporary registry, runs the loop, prints the figures; returns an exit status. */
int bench_micro_run(const struct bench_micro_opts *o);

#endif
