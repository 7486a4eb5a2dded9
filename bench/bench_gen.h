/*
 * A deterministic data set for scale measurements: identifier i (0 <= i < N) under one of
 * several prefixes, shaped like real product codes, each with a URL, a small JSON metadata
 * value (type META) and an HS_ADMIN naming 300:0.NA/PREFIX. Everything follows from (seed, i),
 * so pazhou-bench can pick existing keys without a key list. Records are about 220 bytes.
 *
 * Suffix shapes, by the prefix's position in the list: LOT-YYYY-NNNNNNNNN (serial i),
 * SN + 13 base-32 characters (a bijection of i), MDLnnn-NNNNNNNNNN (serial i). Keys come out in
 * no particular order, as a real feed would.
 */
#ifndef BENCH_GEN_H
#define BENCH_GEN_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define BENCH_GEN_MAX_PREFIXES 16
#define BENCH_GEN_DEFAULT_PREFIXES "88.100.1,88.118.8,88.166.2"

struct bench_gen {
    uint64_t seed;
    int nprefixes;
    char prefixes[BENCH_GEN_MAX_PREFIXES][64];
};

/* prefixes: comma-separated ("88.100.1,88.118.8"); 0, or -1 with a message on stderr. */
int bench_gen_init(struct bench_gen *g, uint64_t seed, const char *prefixes);
/* The handle of identifier i into out (cap bytes, 128 is enough); returns its length. */
size_t bench_gen_key(const struct bench_gen *g, uint64_t i, char *out, size_t cap);
/* Writes identifier i as one JSON line, or as its CSV rows. */
void bench_gen_jsonl(const struct bench_gen *g, uint64_t i, FILE *out);
void bench_gen_csv(const struct bench_gen *g, uint64_t i, FILE *out);

#endif
