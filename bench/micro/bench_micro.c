/*
 * The resolution hot path without sockets: decode a request, look the handle up, encode the
 * answer (resolver/query.c), over a registry of generated records. Reports nanoseconds per
 * resolution; under `valgrind --tool=callgrind --toggle-collect=bench_micro_loop` the instruction
 * count of exactly the loop, which is repeatable on a busy machine.
 */
#include <ftw.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench/bench_keys.h"
#include "bench/micro/bench_micro.h"
#include "common/handle_name.h"
#include "proto/hdl_admin.h"
#include "proto/hdl_const.h"
#include "proto/hdl_message.h"
#include "registry/reg_prefix.h"
#include "registry/reg_record.h"
#include "resolver/query/answer_cache.h"
#include "resolver/query/query.h"
#include "resolver/query/query_prefetch.h"
#include "resolver/query/resident.h"
#include "resolver/query/resident_load.h"

/* Prepared requests, cycled (a power of two): by default far more than any answer cache holds,
 * so a uniform key choice stays uniform instead of replaying a few thousand keys. */
#define RING_DEFAULT (1u << 21)

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

/* The demo identifiers' shape: URL, EMAIL, HS_ADMIN; about 200 bytes a record. */
static int load(struct reg_db *db, size_t n)
{
    struct reg_batch *b = reg_batch_new(db);
    uint8_t admin[64], record[1024];
    struct hdl_writer aw;
    hdl_writer_init(&aw, admin, sizeof admin);
    struct hdl_admin adm = {.perms = HDL_ADM_ALL,
                            .handle = {(const uint8_t *)HNAME_NA_PREFIX "88.100.1", 13},
                            .index = 300};
    hdl_admin_encode(&aw, &adm);
    for (size_t i = 1; i <= n; i++) {
        char handle[64], url[64], email[64];
        int hl = snprintf(handle, sizeof handle, "88.100.1/DEMO-%06zu", i);
        int ul = snprintf(url, sizeof url, "https://example.com/product/%06zu", i);
        int el = snprintf(email, sizeof email, "product-%06zu@example.com", i);
        struct hdl_value v[3] = {
            {.index = 1,
             .timestamp = 1795600000,
             .ttl = 86400,
             .perms = HDL_PERM_DEFAULT,
             .type = {(const uint8_t *)"URL", 3},
             .data = {(const uint8_t *)url, (uint32_t)ul}},
            {.index = 2,
             .timestamp = 1795600000,
             .ttl = 86400,
             .perms = HDL_PERM_DEFAULT,
             .type = {(const uint8_t *)"EMAIL", 5},
             .data = {(const uint8_t *)email, (uint32_t)el}},
            {.index = 100,
             .timestamp = 1795600000,
             .ttl = 86400,
             .perms = HDL_PERM_DEFAULT,
             .type = {(const uint8_t *)"HS_ADMIN", 8},
             .data = {admin, (uint32_t)aw.len}},
        };
        struct hdl_writer rw;
        hdl_writer_init(&rw, record, sizeof record);
        if (reg_record_build(&rw, v, 3) != HDL_OK ||
            reg_batch_put(b, (const uint8_t *)handle, (size_t)hl, record, rw.len) != REG_OK)
            return -1;
        if (reg_batch_count(b) == 10000 && reg_batch_commit(b) != REG_OK)
            return -1;
    }
    int rc = reg_batch_commit(b);
    reg_batch_free(b);
    return rc == REG_OK ? 0 : -1;
}

static size_t build_request(const char *handle, uint8_t *buf, size_t cap, uint32_t id)
{
    struct hdl_envelope env = {
        .major = 2, .minor = 10, .sugg_major = 2, .sugg_minor = 10, .request_id = id};
    struct hdl_header hdr = {.opcode = HDL_OC_RESOLUTION,
                             .op_flags = HDL_FLAG_REC | HDL_FLAG_CA | HDL_FLAG_PO,
                             .site_serial = 1,
                             .expiration = 1795700000};
    struct hdl_writer w;
    hdl_writer_init(&w, buf, cap);
    size_t body = hdl_message_begin(&w, &env, &hdr);
    hdl_put_cstr(&w, handle);
    hdl_put_u32(&w, 0);
    hdl_put_u32(&w, 0);
    return hdl_message_finish_unsigned(&w, body) == HDL_OK ? w.len : 0;
}

/* The resident registry, loaded whole before the run as a node loads it at start. */
static int load_resident(struct node *node, unsigned mb, bool expanded)
{
    struct resident *r = resident_new((size_t)mb << 20, reg_estimate_handles(node->db), expanded);
    struct resident_loader *l = r ? resident_load_start(r, node->db) : NULL;
    if (!l) {
        fprintf(stderr, "pazhou-bench: cannot make a %u MiB resident registry\n", mb);
        resident_free(r);
        return -1;
    }
    struct resident_figures f;
    do {
        usleep(10000);
        resident_figures(r, &f);
    } while (!f.load_done);
    resident_load_stop(l);
    fprintf(stderr, "resident registry: %llu records, %llu MiB, %s, loaded in %.2f s\n",
            (unsigned long long)f.loaded, (unsigned long long)(f.bytes >> 20),
            f.complete ? "whole" : "in part", (double)f.load_ms / 1000.0);
    node->resident = r;
    return 0;
}

/* Kept out of line and named, so callgrind can count exactly this loop. With batch > 1 it asks
 * for each batch's memory first, as the UDP handler does with a recvmmsg's datagrams. */
__attribute__((noinline)) uint64_t bench_micro_loop(struct query_ctx *q, uint8_t (*reqs)[128],
                                                    const size_t *lens, size_t ring,
                                                    uint64_t iterations, unsigned batch,
                                                    uint8_t *out)
{
    uint64_t answered = 0;
    struct query_key *keys = calloc(BENCH_MICRO_BATCH_MAX, sizeof *keys);
    bool keyed[BENCH_MICRO_BATCH_MAX] = {0};
    if (!keys)
        return 0;
    if (batch < 1)
        batch = 1;
    for (uint64_t i = 0; i < iterations; i += batch) {
        unsigned n = iterations - i < batch ? (unsigned)(iterations - i) : batch;
        if (n > 1) {
            for (unsigned j = 0; j < n; j++) {
                size_t k = (i + j) & (ring - 1);
                keyed[j] = query_prefetch_key(q, reqs[k], lens[k], &keys[j]);
            }
            for (unsigned j = 0; j < n; j++)
                if (keyed[j])
                    query_prefetch_entry(q, keys[j].hash);
        }
        for (unsigned j = 0; j < n; j++) {
            size_t out_len = 0;
            size_t k = (i + j) & (ring - 1);
            q->key_hint = n > 1 && keyed[j] ? &keys[j] : NULL;
            if (query_answer(q, NODE_UDP, reqs[k], lens[k], out, &out_len) == QUERY_REPLY)
                answered += out_len > 0;
        }
    }
    q->key_hint = NULL;
    free(keys);
    return answered;
}

int bench_micro_run(const struct bench_micro_opts *o)
{
    char dir[] = "/tmp/pazhou-micro-XXXXXX";
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 2;
    }
    char err[512];
    struct reg_db *db = NULL;
    struct reg_options ro = {.path = dir,
                             .block_cache_bytes = (size_t)o->cache_mb << 20,
                             .bloom_bits_per_key = 10,
                             .create_if_missing = true};
    int status = 2;
    static struct conf conf;
    static struct node node;
    static struct node_stats stats;
    size_t ring = RING_DEFAULT;
    while (o->ring && ring > 1 && ring / 2 >= o->ring)
        ring /= 2;
    uint8_t(*reqs)[128] = calloc(ring, 128);
    size_t *lens = calloc(ring, sizeof *lens);
    uint8_t *out = malloc(QUERY_OUT_MAX);
    if (!reqs || !lens || !out || reg_open(&ro, &db, err, sizeof err) != REG_OK) {
        fprintf(stderr, "pazhou-bench: %s\n", err);
        goto done;
    }
    uint64_t t0 = now_ns();
    if (reg_home_prefix(db, HNAME_NA_PREFIX "88.100.1") != REG_OK || load(db, o->records) != 0) {
        fprintf(stderr, "pazhou-bench: loading the registry failed\n");
        goto done;
    }
    fprintf(stderr, "loaded %zu records in %.1f s\n", o->records, (double)(now_ns() - t0) / 1e9);
    /* Reopened, as a node finds its registry: records in table files, the memtable empty. */
    reg_close(db);
    ro.create_if_missing = false;
    db = NULL;
    if (reg_open(&ro, &db, err, sizeof err) != REG_OK) {
        fprintf(stderr, "pazhou-bench: %s\n", err);
        goto done;
    }

    conf_defaults(&conf);
    node.conf = &conf;
    node_live_init(&node, &conf);
    node.db = db;
    node.site_serial = 1;
    atomic_store(&node.prefixes, reg_prefix_set_load(db));
    struct query_ctx q = {.node = &node,
                          .stats = &stats,
                          .cache = answer_cache_new((size_t)o->answer_cache_mb << 20)};
    if (o->resident_mb && load_resident(&node, o->resident_mb, o->resident_expanded != 0) != 0)
        goto done;

    struct bench_keys keys;
    memset(&keys, 0, sizeof keys);
    bench_keys_pattern(&keys, "88.100.1/DEMO-%06lu", o->records);
    keys.miss_ratio = o->miss_ratio;
    if (o->zipf > 0)
        bench_keys_zipf(&keys, o->zipf);
    struct bench_rng rng = {0x2545F4914F6CDD1Dull};
    for (size_t i = 0; i < ring; i++) {
        char handle[128];
        bench_keys_pick(&keys, &rng, handle, sizeof handle);
        lens[i] = build_request(handle, reqs[i], 128, (uint32_t)i + 1);
    }
    /* Warm the cache the way a running node is warm, then measure. */
    uint64_t warm = o->iterations / 10 + 1;
    if (warm < 2 * (uint64_t)o->records)
        warm = 2 * (uint64_t)o->records;
    bench_micro_loop(&q, reqs, lens, ring, warm, o->batch, out);
    t0 = now_ns();
    uint64_t answered = bench_micro_loop(&q, reqs, lens, ring, o->iterations, o->batch, out);
    double ns = (double)(now_ns() - t0) / (double)o->iterations;
    printf("micro: %zu records, %llu resolutions (%s, %.0f%% misses, answer cache %u MB, "
           "resident %u MB, batches of %u): %.0f ns per resolution, %.0f resolutions/s on one "
           "core\n",
           o->records, (unsigned long long)answered, o->zipf > 0 ? "zipf" : "uniform",
           o->miss_ratio * 100, o->answer_cache_mb, o->resident_mb, o->batch > 1 ? o->batch : 1, ns,
           1e9 / ns);
    struct answer_cache_counts cc;
    answer_cache_counts(q.cache, &cc);
    if (q.cache)
        printf("answer cache: %llu hits, %llu misses, %llu admitted (warm-up included)\n",
               (unsigned long long)cc.hits, (unsigned long long)cc.misses,
               (unsigned long long)cc.admitted);
    if (node.resident)
        printf("resident registry: %llu hits, %llu known missing (warm-up included)\n",
               (unsigned long long)stats.resident_hits, (unsigned long long)stats.resident_absent);
    answer_cache_free(q.cache);
    resident_free(node.resident);
    node.resident = NULL;
    reg_prefix_set_free(atomic_load(&node.prefixes));
    bench_keys_free(&keys);
    status = 0;
done:
    reg_close(db);
    nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    free(reqs);
    free(lens);
    free(out);
    return status;
}
