/* The recursion cache (expiry, replacement, the size bound by least recent use), the keys of
 * questions (the prefix folded, the suffix kept, the lists and kept flags in the key), and the
 * TTL of an answer from its values (relative and absolute). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "proto/hdl_buf.h"
#include "proto/hdl_const.h"
#include "proto/hdl_resolution.h"
#include "proto/hdl_value.h"
#include "resolver/upstream/rec_cache.h"
#include "resolver/upstream/rec_question.h"
#include "resolver/upstream/upstream_ttl.h"

#define S 1000000000ull

static void keeps_until_expiry(void **state)
{
    (void)state;
    struct rec_cache *c = rec_cache_new(1 << 20);
    assert_non_null(c);
    struct rec_cached a = {HDL_RC_SUCCESS, HDL_FLAG_AT, 7, (const uint8_t *)"body", 4}, got;
    assert_int_equal(rec_cache_put(c, (const uint8_t *)"k1", 2, 10 * S, &a), 0);
    assert_true(rec_cache_get(c, (const uint8_t *)"k1", 2, 9 * S, &got));
    assert_int_equal(got.response_code, HDL_RC_SUCCESS);
    assert_int_equal(got.op_flags, HDL_FLAG_AT);
    assert_int_equal(got.site_serial, 7);
    assert_int_equal(got.body_len, 4);
    assert_memory_equal(got.body, "body", 4);
    assert_false(rec_cache_get(c, (const uint8_t *)"k2", 2, 9 * S, &got));
    assert_false(rec_cache_get(c, (const uint8_t *)"k", 1, 9 * S, &got));
    /* Expired: gone, and removed. */
    assert_false(rec_cache_get(c, (const uint8_t *)"k1", 2, 10 * S, &got));
    assert_int_equal(rec_cache_count(c), 0);
    assert_int_equal(rec_cache_bytes(c), 0);
    rec_cache_free(c);
    /* Off: no cache, nothing kept, nothing found. */
    assert_null(rec_cache_new(0));
    assert_int_equal(rec_cache_put(NULL, (const uint8_t *)"k", 1, S, &a), 0);
    assert_false(rec_cache_get(NULL, (const uint8_t *)"k", 1, 0, &got));
}

static void replaces_and_evicts_least_recent(void **state)
{
    (void)state;
    struct rec_cache *c = rec_cache_new(16384);
    uint8_t body[600];
    memset(body, 'x', sizeof body);
    struct rec_cached a = {HDL_RC_SUCCESS, 0, 1, body, sizeof body}, got;
    char key[16];
    for (int i = 0; i < 40; i++) {
        int n = snprintf(key, sizeof key, "key%d", i);
        assert_int_equal(rec_cache_put(c, (const uint8_t *)key, (size_t)n, 100 * S, &a), 0);
        /* key0 stays in use: it is never the least recent. */
        assert_true(rec_cache_get(c, (const uint8_t *)"key0", 4, 1, &got));
    }
    assert_true(rec_cache_bytes(c) <= 16384);
    assert_true(rec_cache_count(c) < 40);
    assert_true(rec_cache_get(c, (const uint8_t *)"key39", 5, 1, &got));
    assert_false(rec_cache_get(c, (const uint8_t *)"key1", 4, 1, &got));
    /* A newer answer replaces the older. */
    struct rec_cached b = {HDL_RC_HANDLE_NOT_FOUND, 0, 1, NULL, 0};
    size_t count = rec_cache_count(c);
    assert_int_equal(rec_cache_put(c, (const uint8_t *)"key0", 4, 100 * S, &b), 0);
    assert_true(rec_cache_get(c, (const uint8_t *)"key0", 4, 1, &got));
    assert_int_equal(got.response_code, HDL_RC_HANDLE_NOT_FOUND);
    assert_int_equal(got.body_len, 0);
    assert_int_equal(rec_cache_count(c), count);
    /* An answer larger than an eighth of the cache is not kept. */
    uint8_t big[4096] = {0};
    struct rec_cached d = {HDL_RC_SUCCESS, 0, 1, big, sizeof big};
    assert_int_equal(rec_cache_put(c, (const uint8_t *)"big", 3, 100 * S, &d), 0);
    assert_false(rec_cache_get(c, (const uint8_t *)"big", 3, 1, &got));
    rec_cache_free(c);
}

static size_t key_of(const char *handle, uint32_t flags, const char *type, uint8_t *key)
{
    uint8_t types[64];
    struct hdl_writer w;
    hdl_writer_init(&w, types, sizeof types);
    if (type)
        hdl_put_cstr(&w, type);
    struct hdl_resolution_request rr = {
        .handle = {(const uint8_t *)handle, strlen(handle)},
        .type_count = type ? 1 : 0,
        .types = {types, w.len},
    };
    return rec_question_key(&rr, flags, key, REC_KEY_MAX);
}

static void keys_fold_the_prefix_only(void **state)
{
    (void)state;
    static uint8_t a[REC_KEY_MAX], b[REC_KEY_MAX];
    size_t na = key_of("88.abc.1/Lot-9", 0, NULL, a);
    size_t nb = key_of("88.ABC.1/Lot-9", 0, NULL, b);
    assert_true(na > 0);
    assert_int_equal(na, nb);
    assert_memory_equal(a, b, na);
    /* The suffix keeps its case: the other site decides whether it folds. */
    nb = key_of("88.abc.1/LOT-9", 0, NULL, b);
    assert_int_equal(na, nb);
    assert_memory_not_equal(a, b, na);
    /* The type list and the public-only flag are part of the question; REC is not. */
    nb = key_of("88.abc.1/Lot-9", 0, "URL", b);
    assert_true(na != nb || memcmp(a, b, na) != 0);
    nb = key_of("88.abc.1/Lot-9", HDL_FLAG_PO, NULL, b);
    assert_memory_not_equal(a, b, na);
    nb = key_of("88.abc.1/Lot-9", HDL_FLAG_REC, NULL, b);
    assert_memory_equal(a, b, na);
    /* No room: 0. */
    struct hdl_resolution_request rr = {.handle = {(const uint8_t *)"x/y", 3}};
    assert_int_equal(rec_question_key(&rr, 0, a, 8), 0);
}

static void prefix_handles_of_questions(void **state)
{
    (void)state;
    uint8_t buf[64];
    size_t n = rec_question_prefix_handle((const uint8_t *)"88.100.1.5/abc", 14, buf, sizeof buf);
    assert_int_equal(n, 15);
    assert_memory_equal(buf, "0.NA/88.100.1.5", 15);
    /* Prefix handles and bare prefixes are asked of the roots. */
    assert_int_equal(rec_question_prefix_handle((const uint8_t *)"0.na/88.100", 11, buf, 64), 0);
    assert_int_equal(rec_question_prefix_handle((const uint8_t *)"88.100", 6, buf, 64), 0);
    assert_int_equal(rec_question_prefix_handle((const uint8_t *)"/abc", 4, buf, 64), 0);
    assert_int_equal(rec_question_prefix_handle((const uint8_t *)"88.100.1/a", 10, buf, 8), 0);
}

static void put_value(struct hdl_writer *w, uint32_t index, uint8_t ttl_type, uint32_t ttl)
{
    struct hdl_value v = {
        .index = index,
        .timestamp = 0,
        .ttl_type = ttl_type,
        .ttl = ttl,
        .perms = HDL_PERM_PUBLIC_READ,
        .type = {(const uint8_t *)"URL", 3},
        .data = {(const uint8_t *)"https://x", 9},
    };
    hdl_value_encode(w, &v);
}

static void ttl_is_the_least_of_the_values(void **state)
{
    (void)state;
    uint8_t buf[512];
    struct hdl_writer w;
    hdl_writer_init(&w, buf, sizeof buf);
    put_value(&w, 1, 0, 600);
    put_value(&w, 2, 0, 86400);
    put_value(&w, 3, 1, 1000 + 120); /* absolute: 120 s from "now" = 1000 */
    struct hdl_resolution_response resp = {.value_count = 3, .values = {buf, w.len}};
    assert_int_equal(upstream_ttl_of(&resp, 1000, 86400), 120);
    /* Capped by max_ttl. */
    assert_int_equal(upstream_ttl_of(&resp, 1000, 60), 60);
    /* An absolute TTL in the past: not kept at all. */
    assert_int_equal(upstream_ttl_of(&resp, 2000, 86400), 0);
    /* No values: max_ttl; a damaged run: -1. */
    struct hdl_resolution_response none = {.value_count = 0};
    assert_int_equal(upstream_ttl_of(&none, 1000, 300), 300);
    struct hdl_resolution_response bad = {.value_count = 4, .values = {buf, w.len}};
    assert_int_equal(upstream_ttl_of(&bad, 1000, 300), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(keeps_until_expiry),
        cmocka_unit_test(replaces_and_evicts_least_recent),
        cmocka_unit_test(keys_fold_the_prefix_only),
        cmocka_unit_test(prefix_handles_of_questions),
        cmocka_unit_test(ttl_is_the_least_of_the_values),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
