/* The worker's cache of finished answers to plain resolutions: a hit gives the kept bytes, a write
 * to the handle (its change version in a real registry) makes the entry stale, and a handle asked
 * otherwise, another route or an answer too large for a slot is a miss. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* nftw */
#endif
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ftw.h>

#include <cmocka.h>

#include "../reg_test_records.h"
#include "registry/reg_db.h"
#include "resolver/http/http_body_cache.h"

#define HANDLE "88.100.1/DEMO-000007"
#define BODY "{\"responseCode\":1,\"handle\":\"88.100.1/DEMO-000007\",\"values\":[]}"

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static bool get(struct http_body_cache *c, unsigned kind, const char *handle, uint64_t hash,
                uint32_t version, const char **body, size_t *len)
{
    const void *b = NULL;
    bool hit = http_body_cache_get(c, kind, handle, strlen(handle), hash, version, &b, len);
    *body = b;
    return hit;
}

static void a_kept_answer_is_given_back_byte_for_byte(void **state)
{
    (void)state;
    struct http_body_cache *c = http_body_cache_new(HTTP_BODY_CACHE_SLOTS);
    assert_non_null(c);
    const char *body;
    size_t len;
    assert_false(get(c, HTTP_BODY_REST, HANDLE, 42, 7, &body, &len));
    assert_true(
        http_body_cache_put(c, HTTP_BODY_REST, HANDLE, strlen(HANDLE), 42, 7, BODY, strlen(BODY)));
    assert_true(get(c, HTTP_BODY_REST, HANDLE, 42, 7, &body, &len));
    assert_int_equal(len, strlen(BODY));
    assert_memory_equal(body, BODY, len);
    /* The same handle asked in another case is another answer (it echoes the handle). */
    assert_false(get(c, HTTP_BODY_REST, "88.100.1/demo-000007", 42, 7, &body, &len));
    /* Another route's answer for the handle is not this one. */
    assert_false(get(c, HTTP_BODY_PROXY, HANDLE, 42, 7, &body, &len));
    /* A newer change version of the key: stale. */
    assert_false(get(c, HTTP_BODY_REST, HANDLE, 42, 8, &body, &len));
    http_body_cache_free(c);
}

static void answers_too_large_for_a_slot_are_not_kept(void **state)
{
    (void)state;
    struct http_body_cache *c = http_body_cache_new(1);
    assert_non_null(c);
    static char big[HTTP_BODY_CACHE_SLOT];
    memset(big, 'x', sizeof big);
    assert_false(http_body_cache_put(c, HTTP_BODY_REST, HANDLE, strlen(HANDLE), 1, 1, big,
                                     sizeof big - strlen(HANDLE) + 1));
    assert_true(http_body_cache_put(c, HTTP_BODY_REST, HANDLE, strlen(HANDLE), 1, 1, big,
                                    sizeof big - strlen(HANDLE)));
    const char *body;
    size_t len;
    assert_true(get(c, HTTP_BODY_REST, HANDLE, 1, 1, &body, &len));
    assert_int_equal(len, sizeof big - strlen(HANDLE));
    /* One slot: a second handle takes it over. */
    assert_true(http_body_cache_put(c, HTTP_BODY_REST, "88.100.1/X", 10, 2, 1, "{}", 2));
    assert_false(get(c, HTTP_BODY_REST, HANDLE, 1, 1, &body, &len));
    assert_true(get(c, HTTP_BODY_REST, "88.100.1/X", 2, 1, &body, &len));
    assert_memory_equal(body, "{}", 2);
    http_body_cache_free(c);
}

static void a_write_to_the_handle_makes_its_answer_stale(void **state)
{
    (void)state;
    char dir[] = "/tmp/pz-body-cache-XXXXXX";
    assert_non_null(mkdtemp(dir));
    struct reg_options opt = {
        .path = dir, .block_cache_bytes = 1u << 20, .create_if_missing = true};
    struct reg_db *db = NULL;
    char err[256];
    if (reg_open(&opt, &db, err, sizeof err))
        fail_msg("reg_open: %s", err);
    uint8_t key[REG_MAX_KEY];
    size_t key_len = reg_canonical_key(db, (const uint8_t *)HANDLE, strlen(HANDLE), key);
    uint64_t hash = reg_key_hash(key, key_len);
    struct http_body_cache *c = http_body_cache_new(HTTP_BODY_CACHE_SLOTS);
    assert_non_null(c);

    uint32_t before = reg_change_version(db, hash);
    assert_true(http_body_cache_put(c, HTTP_BODY_REST, HANDLE, strlen(HANDLE), hash, before, BODY,
                                    strlen(BODY)));
    const char *body;
    size_t len;
    assert_true(get(c, HTTP_BODY_REST, HANDLE, hash, reg_change_version(db, hash), &body, &len));

    struct hdl_value v = value(1, 0x0e, "URL", "https://example.org/");
    uint8_t rec[256];
    size_t rec_len = build(&v, 1, rec, sizeof rec);
    assert_int_equal(reg_put_record(db, (const uint8_t *)HANDLE, strlen(HANDLE), rec, rec_len),
                     REG_OK);
    assert_int_not_equal(reg_change_version(db, hash), before);
    assert_false(get(c, HTTP_BODY_REST, HANDLE, hash, reg_change_version(db, hash), &body, &len));

    /* Kept again under the new version, then deleted: stale again. */
    uint32_t after = reg_change_version(db, hash);
    assert_true(http_body_cache_put(c, HTTP_BODY_REST, HANDLE, strlen(HANDLE), hash, after, BODY,
                                    strlen(BODY)));
    assert_true(get(c, HTTP_BODY_REST, HANDLE, hash, reg_change_version(db, hash), &body, &len));
    assert_int_equal(reg_delete_record(db, (const uint8_t *)HANDLE, strlen(HANDLE)), REG_OK);
    assert_false(get(c, HTTP_BODY_REST, HANDLE, hash, reg_change_version(db, hash), &body, &len));

    http_body_cache_free(c);
    reg_close(db);
    nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_kept_answer_is_given_back_byte_for_byte),
        cmocka_unit_test(answers_too_large_for_a_slot_are_not_kept),
        cmocka_unit_test(a_write_to_the_handle_makes_its_answer_stale),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
