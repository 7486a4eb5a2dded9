/*
 * pazhou-bench-lookups (also run as `pazhou-bench lookups`): the registry's miss path alone.
 * Opens an existing registry read-only (one a node or `pazhou import` wrote from `pazhou-bench
 * gen` data) and looks up random identifiers of the generated set, one at a time as a worker
 * does, or in batches with RocksDB's batched MultiGet as a worker could for a whole recvmmsg
 * batch; with table files read through the page cache or with O_DIRECT. Run under a memory
 * limit (a cgroup) it measures a registry larger than the memory it is given (bench/lookups.sh,
 * docs/scale.md).
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench/bench_gen.h"
#include "registry/reg_db.h"

struct opts {
    const char *registry;
    const char *prefixes;
    unsigned long long count, seed;
    unsigned cache_mb, batch;
    double duration, warmup, miss;
    bool direct, lru;
};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t next(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

struct tally {
    unsigned long long asked, found;
};

/* Lookups of random identifiers for secs seconds, o->batch at a time. */
static void run(struct reg_db *db, const struct opts *o, const struct bench_gen *gen, uint64_t *rng,
                double secs, struct tally *t)
{
    static uint8_t keys[REG_GET_MANY_MAX][REG_MAX_KEY];
    static struct reg_pin pins[REG_GET_MANY_MAX];
    const uint8_t *kp[REG_GET_MANY_MAX];
    size_t lens[REG_GET_MANY_MAX];
    int rcs[REG_GET_MANY_MAX];
    double end = now_s() + secs;
    unsigned miss_per_mille = (unsigned)(o->miss * 10.0);
    for (unsigned long long round = 0;; round++) {
        if ((round & 63) == 0 && now_s() >= end)
            break;
        for (unsigned i = 0; i < o->batch; i++) {
            char handle[160];
            uint64_t r = next(rng);
            size_t n = bench_gen_key(gen, r % o->count, handle, sizeof handle - 2);
            if ((r >> 40) % 1000 < miss_per_mille)
                handle[n++] = 'Z'; /* a name the set does not hold */
            lens[i] = reg_canonical_key(db, (const uint8_t *)handle, n, keys[i]);
            kp[i] = keys[i];
        }
        if (o->batch == 1) {
            rcs[0] = reg_get_record_key(db, keys[0], lens[0], &pins[0]);
        } else {
            reg_get_records_keys(db, o->batch, kp, lens, pins, rcs);
        }
        for (unsigned i = 0; i < o->batch; i++) {
            t->found += rcs[i] == REG_OK;
            reg_pin_release(&pins[i]);
        }
        t->asked += o->batch;
    }
}

static int usage(void)
{
    fprintf(stderr,
            "Usage: pazhou-bench lookups --registry DIR --count N [--seed S] [--prefixes P]\n"
            "       [--cache-mb MB] [--cache-type clock|lru] [--direct-reads 0|1] [--batch B]\n"
            "       [--miss PCT] [--warmup SECONDS] [--duration SECONDS]\n"
            "  The registry holds `pazhou-bench gen --count N --seed S --prefixes P`; B (1-%d)\n"
            "  lookups at a time, B > 1 with RocksDB's batched MultiGet.\n",
            REG_GET_MANY_MAX);
    return 2;
}

int main(int argc, char **argv)
{
    struct opts o = {.prefixes = BENCH_GEN_DEFAULT_PREFIXES,
                     .seed = 7,
                     .cache_mb = 256,
                     .batch = 1,
                     .duration = 10,
                     .warmup = 5,
                     .miss = 5};
    for (int i = 1; i < argc; i += 2) {
        const char *k = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v)
            return usage();
        if (strcmp(k, "--registry") == 0)
            o.registry = v;
        else if (strcmp(k, "--count") == 0)
            o.count = strtoull(v, NULL, 10);
        else if (strcmp(k, "--seed") == 0)
            o.seed = strtoull(v, NULL, 10);
        else if (strcmp(k, "--prefixes") == 0)
            o.prefixes = v;
        else if (strcmp(k, "--cache-mb") == 0)
            o.cache_mb = (unsigned)strtoul(v, NULL, 10);
        else if (strcmp(k, "--cache-type") == 0 && (!strcmp(v, "lru") || !strcmp(v, "clock")))
            o.lru = strcmp(v, "lru") == 0;
        else if (strcmp(k, "--direct-reads") == 0)
            o.direct = atoi(v) != 0;
        else if (strcmp(k, "--batch") == 0)
            o.batch = (unsigned)strtoul(v, NULL, 10);
        else if (strcmp(k, "--miss") == 0)
            o.miss = atof(v);
        else if (strcmp(k, "--warmup") == 0)
            o.warmup = atof(v);
        else if (strcmp(k, "--duration") == 0)
            o.duration = atof(v);
        else
            return usage();
    }
    if (!o.registry || !o.count || o.batch < 1 || o.batch > REG_GET_MANY_MAX || o.duration <= 0 ||
        o.warmup < 0 || o.miss < 0 || o.miss > 100)
        return usage();
    struct bench_gen gen;
    if (bench_gen_init(&gen, o.seed, o.prefixes) != 0)
        return 2;
    struct reg_options ro = {.path = o.registry,
                             .block_cache_bytes = (size_t)o.cache_mb << 20,
                             .bloom_bits_per_key = 10,
                             .read_only = true,
                             .cache_type = o.lru ? REG_CACHE_LRU : REG_CACHE_CLOCK,
                             .direct_reads = o.direct};
    struct reg_db *db = NULL;
    char err[512];
    if (reg_open(&ro, &db, err, sizeof err) != REG_OK) {
        fprintf(stderr, "pazhou-bench: %s\n", err);
        return 1;
    }
    uint64_t rng = 0x9E3779B97F4A7C15ull ^ (uint64_t)time(NULL);
    struct tally warm = {0}, t = {0};
    run(db, &o, &gen, &rng, o.warmup, &warm);
    double t0 = now_s();
    run(db, &o, &gen, &rng, o.duration, &t);
    double secs = now_s() - t0;
    printf("lookups_per_s=%.0f us_per_lookup=%.2f found_pct=%.1f batch=%u direct_reads=%d "
           "cache_mb=%u lookups=%llu seconds=%.1f\n",
           (double)t.asked / secs, secs * 1e6 / (double)(t.asked ? t.asked : 1),
           100.0 * (double)t.found / (double)(t.asked ? t.asked : 1), o.batch, o.direct, o.cache_mb,
           t.asked, secs);
    reg_close(db);
    return 0;
}
