/* pazhou-bench's arithmetic: histogram buckets and quantiles, key patterns, answer parsing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "bench/bench_histogram.h"
#include "bench/bench_keys.h"
#include "bench/bench_load.h"
#include "bench/bench_replay.h"
#include "bench/bench_stalls.h"

static void histogram_buckets_are_contiguous_and_tight(void **state)
{
    (void)state;
    for (unsigned i = 0; i + 1 < BENCH_HIST_BUCKETS; i++) {
        assert_int_equal(bench_hist_bucket_high(i) + 1, bench_hist_bucket_low(i + 1));
        uint64_t lo = bench_hist_bucket_low(i), hi = bench_hist_bucket_high(i);
        assert_int_equal(bench_hist_index(lo), i);
        assert_int_equal(bench_hist_index(hi), i);
        /* A bucket is at most 1/64 of its lower bound wide: quantiles within 1.6%. */
        if (lo >= 128)
            assert_true((hi - lo + 1) * 64 <= lo);
    }
    for (uint64_t v = 0; v < 128; v++)
        assert_int_equal(bench_hist_index(v), v);
    assert_true(bench_hist_index(3600ull * 1000000000ull) < BENCH_HIST_BUCKETS);
}

static void histogram_quantiles_of_a_known_distribution(void **state)
{
    (void)state;
    static struct bench_histogram h;
    bench_hist_init(&h);
    assert_int_equal(bench_hist_quantile(&h, 0.5), 0);
    /* 1..100000 ns, one each: the q-quantile is q * 100000 within the bucket width. */
    for (uint64_t v = 1; v <= 100000; v++)
        bench_hist_record(&h, v);
    assert_int_equal(h.count, 100000);
    assert_int_equal(h.min, 1);
    assert_int_equal(h.max, 100000);
    double qs[] = {0.5, 0.9, 0.99, 0.999};
    for (size_t i = 0; i < sizeof qs / sizeof qs[0]; i++) {
        double want = qs[i] * 100000;
        double got = (double)bench_hist_quantile(&h, qs[i]);
        assert_true(got >= want && got <= want * 1.016 + 1);
    }
    assert_int_equal(bench_hist_quantile(&h, 1.0), 100000);
    assert_int_equal(bench_hist_quantile(&h, 0.0), 1);
    assert_true(bench_hist_mean(&h) > 50000.4 && bench_hist_mean(&h) < 50000.6);
}

/* Gaps under 0.1 ms are the loop's pace; longer ones count in every class they reach. */
static void stalls_are_counted_by_length(void **state)
{
    (void)state;
    struct bench_stalls s = {0};
    bench_stalls_add(&s, 40);
    bench_stalls_add(&s, 99999);
    bench_stalls_add(&s, 100000);
    bench_stalls_add(&s, 1500000);
    bench_stalls_add(&s, 3000000);
    bench_stalls_add(&s, 7000000);
    const uint64_t want[BENCH_STALL_CLASSES] = {4, 3, 3, 2, 2, 1};
    for (int i = 0; i < BENCH_STALL_CLASSES; i++)
        assert_int_equal(s.over[i], want[i]);
    assert_int_equal(s.stalled_ns, 100000 + 1500000 + 3000000 + 7000000);
    assert_int_equal(s.max_ns, 7000000);
    /* A short measurement runs at least as long as asked (longer if the machine stalls it at
     * the end), and its gaps lie within it. */
    bench_stalls_measure(&s, 0.05);
    assert_true(s.elapsed_ns >= 50000000);
    assert_true(s.stalled_ns <= s.elapsed_ns);
}

static void histogram_merge_adds_counts(void **state)
{
    (void)state;
    static struct bench_histogram a, b;
    bench_hist_init(&a);
    bench_hist_init(&b);
    for (int i = 0; i < 1000; i++)
        bench_hist_record(&a, 1000);
    for (int i = 0; i < 1000; i++)
        bench_hist_record(&b, 5000000);
    bench_hist_merge(&a, &b);
    assert_int_equal(a.count, 2000);
    assert_int_equal(a.min, 1000);
    assert_int_equal(a.max, 5000000);
    assert_true(bench_hist_quantile(&a, 0.5) >= 1000 && bench_hist_quantile(&a, 0.5) < 1016);
    assert_int_equal(bench_hist_quantile(&a, 0.99), 5000000);
}

static void keys_from_a_pattern_with_misses(void **state)
{
    (void)state;
    struct bench_keys k;
    memset(&k, 0, sizeof k);
    assert_int_equal(bench_keys_pattern(&k, "88.100.1/DEMO-%06lu", 3), 0);
    struct bench_rng r = {12345};
    char out[64];
    int seen[4] = {0};
    for (int i = 0; i < 300; i++) {
        size_t n = bench_keys_pick(&k, &r, out, sizeof out);
        assert_int_equal(n, strlen("88.100.1/DEMO-000001"));
        assert_memory_equal(out, "88.100.1/DEMO-00000", 19);
        seen[out[19] - '0']++;
    }
    assert_true(seen[1] > 50 && seen[2] > 50 && seen[3] > 50);
    k.miss_ratio = 1.0;
    bench_keys_pick(&k, &r, out, sizeof out);
    assert_non_null(strstr(out, "-MISS"));
    assert_int_equal(bench_keys_pattern(&k, "no-conversion", 3), -1);
    assert_int_equal(bench_keys_pattern(&k, "%s", 3), -1);
    assert_int_equal(bench_keys_pattern(&k, "%lu-%lu", 3), -1);
    bench_keys_free(&k);
}

/* The key choice repeats for the same seed and stream and differs otherwise, so runs with
 * fresh seeds do not replay each other's keys into warm caches. */
static void key_seeds_repeat_exactly_and_differ_between_runs(void **state)
{
    (void)state;
    struct bench_rng a, b, c, d;
    bench_rng_init(&a, 42, 0);
    bench_rng_init(&b, 42, 0);
    bench_rng_init(&c, 43, 0);
    bench_rng_init(&d, 42, 1);
    int same_c = 0, same_d = 0;
    for (int i = 0; i < 1000; i++) {
        uint64_t x = bench_rng_next(&a);
        assert_true(x == bench_rng_next(&b));
        same_c += x % 1000000 == bench_rng_next(&c) % 1000000;
        same_d += x % 1000000 == bench_rng_next(&d) % 1000000;
    }
    assert_true(same_c < 3 && same_d < 3);
    bench_rng_init(&a, 0, 0);
    assert_true(a.s != 0);
}

static void zipf_prefers_the_first_ranks(void **state)
{
    (void)state;
    struct bench_keys k;
    memset(&k, 0, sizeof k);
    assert_int_equal(bench_keys_pattern(&k, "K%lu", 1000), 0);
    assert_int_equal(bench_keys_zipf(&k, 1.2), 0);
    struct bench_rng r = {99};
    char out[32], top[32];
    bench_keys_pick(&k, &r, top, sizeof top);
    /* The hottest rank maps to one key; it should take far more than 1/1000 of picks. */
    snprintf(top, sizeof top, "K%lu", 1ul);
    int hits = 0;
    for (int i = 0; i < 10000; i++) {
        bench_keys_pick(&k, &r, out, sizeof out);
        hits += strcmp(out, top) == 0;
    }
    assert_true(hits > 1000);
    bench_keys_free(&k);
}

static void answers_are_parsed_from_envelope_and_header(void **state)
{
    (void)state;
    /* The captured HANDLE_NOT_FOUND answer (docs/protocol.md §16.3). */
    static const uint8_t nf[] = {
        0x02, 0x0a, 0x02, 0x0a, 0, 0, 0, 0, 0x36, 0x5f, 0x09, 0x4c, 0, 0, 0, 0, 0, 0,
        0,    0x20, 0,    0,    0, 1, 0, 0, 0,    0x64, 0x99, 0,    0, 0, 0, 1, 0, 0,
        0x6b, 0x08, 0x45, 0x39, 0, 0, 0, 4, 0,    0,    0,    0,    0, 0, 0, 0};
    uint32_t id, rc, mid, frags;
    assert_int_equal(bench_parse_answer(nf, sizeof nf, &id, &rc, &mid, &frags), 0);
    assert_int_equal(id, 0x365f094c);
    assert_int_equal(rc, 100);
    assert_int_equal(mid, 0);
    assert_int_equal(frags, 1);
    /* A later fragment of a 1,033-byte answer: counted towards its 3 datagrams. */
    uint8_t frag[20] = {0x02, 0x0a, 0x02, 0x0a, 0, 0, 0, 0, 0x0c, 0x9a,
                        0x80, 0xdc, 0,    0,    0, 2, 0, 0, 0x04, 0x09};
    assert_int_equal(bench_parse_answer(frag, sizeof frag, &id, &rc, &mid, &frags), 0);
    assert_int_equal(mid, 2);
    assert_int_equal(frags, 3);
    assert_int_equal(bench_parse_answer(nf, 19, &id, &rc, &mid, &frags), -1);
    assert_int_equal(bench_parse_answer(nf, 30, &id, &rc, &mid, &frags), -1);
}

static void replay_files_are_read_record_by_record(void **state)
{
    (void)state;
    char path[] = "/tmp/test_bench_replay_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    /* Two records: 3 bytes and 1 byte. */
    static const uint8_t good[] = {0, 3, 0xaa, 0xbb, 0xcc, 0, 1, 0xdd};
    assert_int_equal(write(fd, good, sizeof good), (ssize_t)sizeof good);
    struct bench_replay_file f;
    assert_int_equal(bench_replay_load(path, &f), 0);
    assert_int_equal(f.count, 2);
    assert_int_equal(f.lens[0], 3);
    assert_int_equal(f.lens[1], 1);
    assert_int_equal(f.data[f.offsets[0]], 0xaa);
    assert_int_equal(f.data[f.offsets[1]], 0xdd);
    bench_replay_free(&f);
    /* A record running past the end, and a zero length, are refused. */
    static const uint8_t cut[] = {0, 9, 1, 2};
    assert_int_equal(ftruncate(fd, 0), 0);
    assert_int_equal(pwrite(fd, cut, sizeof cut, 0), (ssize_t)sizeof cut);
    assert_int_equal(bench_replay_load(path, &f), -1);
    bench_replay_free(&f);
    static const uint8_t zero[] = {0, 0};
    assert_int_equal(ftruncate(fd, 0), 0);
    assert_int_equal(pwrite(fd, zero, sizeof zero, 0), (ssize_t)sizeof zero);
    assert_int_equal(bench_replay_load(path, &f), -1);
    bench_replay_free(&f);
    close(fd);
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(histogram_buckets_are_contiguous_and_tight),
        cmocka_unit_test(histogram_quantiles_of_a_known_distribution),
        cmocka_unit_test(histogram_merge_adds_counts),
        cmocka_unit_test(stalls_are_counted_by_length),
        cmocka_unit_test(keys_from_a_pattern_with_misses),
        cmocka_unit_test(key_seeds_repeat_exactly_and_differ_between_runs),
        cmocka_unit_test(zipf_prefers_the_first_ranks),
        cmocka_unit_test(answers_are_parsed_from_envelope_and_header),
        cmocka_unit_test(replay_files_are_read_record_by_record),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
