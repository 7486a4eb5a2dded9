/*
 * Which handle each request asks for: from a key file (one handle per line) or generated from a
 * printf pattern over 1..N, chosen uniformly or by a Zipf law, with a share of keys made to miss.
 */
#ifndef BENCH_KEYS_H
#define BENCH_KEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct bench_gen;

struct bench_keys {
    char **list;  /* from a key file, or NULL */
    size_t count; /* keys to choose from */
    /* A pattern such as "88.100.1/DEMO-%06lu", kept as the text around one number. */
    char head[256];
    char tail[64];
    int width;                   /* minimum digits, zero-padded */
    double zipf_s;               /* 0 = uniform */
    double *zipf_cdf;            /* count entries when zipf_s > 0 */
    double miss_ratio;           /* 0..1: share of requests for handles that do not exist */
    const struct bench_gen *gen; /* keys of a generated data set (bench_gen.h), or NULL */
};

/* Loads keys from path; returns 0, or -1 with a message on stderr. */
int bench_keys_load(struct bench_keys *k, const char *path);
/* Uses pattern over 1..count. */
int bench_keys_pattern(struct bench_keys *k, const char *pattern, size_t count);
/* Uses the first count identifiers of a generated data set (gen must outlive k). */
int bench_keys_generated(struct bench_keys *k, const struct bench_gen *gen, size_t count);
/* Prepares Zipf sampling with exponent s (> 0). */
int bench_keys_zipf(struct bench_keys *k, double s);
void bench_keys_free(struct bench_keys *k);

/* A per-thread xorshift generator state; never 0. */
struct bench_rng {
    uint64_t s;
};
/* Seeds stream number `stream` of a run seeded with seed: streams of one seed differ, and the
 * same seed gives the same streams again. */
void bench_rng_init(struct bench_rng *r, uint64_t seed, unsigned stream);
uint64_t bench_rng_next(struct bench_rng *r);
double bench_rng_unit(struct bench_rng *r); /* [0, 1) */

/* Writes the next handle into out (cap bytes); returns its length. */
size_t bench_keys_pick(const struct bench_keys *k, struct bench_rng *r, char *out, size_t cap);

#endif
