/*
 * A log-bucketed latency histogram in the manner of HdrHistogram: values (nanoseconds) fall into
 * buckets 1/64 of a power of two wide, so percentiles are exact to within 1.6% with a fixed 18 KiB
 * of counters, no sorting and no allocation per sample. Values 0..127 are counted exactly.
 */
#ifndef BENCH_HISTOGRAM_H
#define BENCH_HISTOGRAM_H

#include <stdint.h>

#define BENCH_HIST_SUB 64
#define BENCH_HIST_BUCKETS (2 * BENCH_HIST_SUB + 57 * BENCH_HIST_SUB)

struct bench_histogram {
    uint64_t count;
    uint64_t min;
    uint64_t max;
    long double sum;
    uint64_t buckets[BENCH_HIST_BUCKETS];
};

void bench_hist_init(struct bench_histogram *h);
void bench_hist_record(struct bench_histogram *h, uint64_t value);
/* Adds every sample of src into dst (per-thread histograms merged at the end). */
void bench_hist_merge(struct bench_histogram *dst, const struct bench_histogram *src);
/* The value at or below which the fraction q (0..1) of samples lie: the upper bound of the
 * bucket that holds it, capped at the largest sample. 0 for an empty histogram. */
uint64_t bench_hist_quantile(const struct bench_histogram *h, double q);
double bench_hist_mean(const struct bench_histogram *h);

/* Bucket arithmetic, exposed for tests. */
unsigned bench_hist_index(uint64_t value);
uint64_t bench_hist_bucket_low(unsigned index);
uint64_t bench_hist_bucket_high(unsigned index);

#endif
