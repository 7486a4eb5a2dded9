#include "bench/bench_histogram.h"

#include <string.h>

void bench_hist_init(struct bench_histogram *h)
{
    memset(h, 0, sizeof *h);
    h->min = UINT64_MAX;
}

unsigned bench_hist_index(uint64_t v)
{
    if (v < 2 * BENCH_HIST_SUB)
        return (unsigned)v;
    unsigned msb = 63u - (unsigned)__builtin_clzll(v);
    unsigned shift = msb - 6u; /* keeps the top 7 bits: 64..127 */
    uint64_t top = v >> shift;
    return 2 * BENCH_HIST_SUB + (shift - 1) * BENCH_HIST_SUB + (unsigned)(top - BENCH_HIST_SUB);
}

uint64_t bench_hist_bucket_low(unsigned i)
{
    if (i < 2 * BENCH_HIST_SUB)
        return i;
    unsigned shift = (i - 2 * BENCH_HIST_SUB) / BENCH_HIST_SUB + 1;
    uint64_t top = (i - 2 * BENCH_HIST_SUB) % BENCH_HIST_SUB + BENCH_HIST_SUB;
    return top << shift;
}

uint64_t bench_hist_bucket_high(unsigned i)
{
    if (i < 2 * BENCH_HIST_SUB)
        return i;
    unsigned shift = (i - 2 * BENCH_HIST_SUB) / BENCH_HIST_SUB + 1;
    return bench_hist_bucket_low(i) + (1ull << shift) - 1;
}

void bench_hist_record(struct bench_histogram *h, uint64_t v)
{
    unsigned i = bench_hist_index(v);
    if (i >= BENCH_HIST_BUCKETS)
        i = BENCH_HIST_BUCKETS - 1;
    h->buckets[i]++;
    h->count++;
    h->sum += v;
    if (v < h->min)
        h->min = v;
    if (v > h->max)
        h->max = v;
}

void bench_hist_merge(struct bench_histogram *dst, const struct bench_histogram *src)
{
    for (unsigned i = 0; i < BENCH_HIST_BUCKETS; i++)
        dst->buckets[i] += src->buckets[i];
    dst->count += src->count;
    dst->sum += src->sum;
    if (src->min < dst->min)
        dst->min = src->min;
    if (src->max > dst->max)
        dst->max = src->max;
}

uint64_t bench_hist_quantile(const struct bench_histogram *h, double q)
{
    if (h->count == 0)
        return 0;
    if (q <= 0)
        return h->min;
    uint64_t rank = (uint64_t)(q * (double)h->count + 0.5);
    if (rank < 1)
        rank = 1;
    if (rank > h->count)
        rank = h->count;
    uint64_t seen = 0;
    for (unsigned i = 0; i < BENCH_HIST_BUCKETS; i++) {
        seen += h->buckets[i];
        if (seen >= rank) {
            uint64_t high = bench_hist_bucket_high(i);
            return high > h->max ? h->max : (high < h->min ? h->min : high);
        }
    }
    return h->max;
}

double bench_hist_mean(const struct bench_histogram *h)
{
    return h->count ? (double)(h->sum / h->count) : 0.0;
}
