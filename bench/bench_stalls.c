#include "bench/bench_stalls.h"

#include <string.h>
#include <time.h>

const uint64_t bench_stall_class_ns[BENCH_STALL_CLASSES] = {100000,  500000,  1000000,
                                                            2000000, 3000000, 5000000};

void bench_stalls_add(struct bench_stalls *s, uint64_t gap_ns)
{
    if (gap_ns > s->max_ns)
        s->max_ns = gap_ns;
    if (gap_ns < BENCH_STALL_MIN_NS)
        return;
    s->stalled_ns += gap_ns;
    for (int i = 0; i < BENCH_STALL_CLASSES && gap_ns >= bench_stall_class_ns[i]; i++)
        s->over[i]++;
}

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void bench_stalls_measure(struct bench_stalls *s, double seconds)
{
    memset(s, 0, sizeof *s);
    uint64_t start = now_ns(), prev = start;
    uint64_t end = start + (uint64_t)(seconds * 1e9);
    uint64_t t;
    do {
        t = now_ns();
        bench_stalls_add(s, t - prev);
        prev = t;
    } while (t < end);
    s->elapsed_ns = t - start;
}
