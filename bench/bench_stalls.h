/*
 * Stalls of the machine itself: a thread that does nothing but read the clock sees a gap each
 * time it was not running, whether the guest's scheduler ran something else (which perf sched
 * shows) or the host took the virtual CPU away (which nothing inside the guest shows). An
 * open-loop latency's tail cannot be shorter than what such gaps cover: at 50,000 requests a
 * second, two 3 ms gaps a second delay 300 requests, 0.6% of them.
 */
#ifndef BENCH_STALLS_H
#define BENCH_STALLS_H

#include <stdint.h>

/* Gaps at least this long (ns) are counted; shorter ones are the loop's own pace. */
#define BENCH_STALL_MIN_NS 100000ull

/* Gap counts by length (at least 0.1, 0.5, 1, 2, 3 and 5 ms), the time they covered and the
 * longest. */
enum { BENCH_STALL_CLASSES = 6 };
struct bench_stalls {
    uint64_t over[BENCH_STALL_CLASSES];
    uint64_t stalled_ns; /* the sum of the counted gaps */
    uint64_t max_ns;
    uint64_t elapsed_ns;
};

/* The lower bound of each class, in ns. */
extern const uint64_t bench_stall_class_ns[BENCH_STALL_CLASSES];

/* Adds one gap of gap_ns between two readings of the clock. */
void bench_stalls_add(struct bench_stalls *s, uint64_t gap_ns);
/* Spins on CLOCK_MONOTONIC for seconds on the calling thread's CPU, adding every gap to s
 * (zeroed first). */
void bench_stalls_measure(struct bench_stalls *s, double seconds);

#endif
