/* The worker's answer cache: hits only for the same key at the same change version. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "registry/reg_db.h"
#include "resolver/query/answer_cache.h"

static void hits_need_the_same_key_and_version(void **state)
{
    (void)state;
    struct answer_cache *c = answer_cache_new(64 * ANSWER_CACHE_SLOT);
    assert_non_null(c);
    const uint8_t *rec;
    size_t len;
    const uint8_t key[] = "88.100.1/A";
    uint64_t h = reg_key_hash(key, 10);
    assert_false(answer_cache_get(c, key, 10, h, 1, &rec, &len));
    /* A free slot takes the first key offered. */
    answer_cache_put(c, key, 10, h, 1, (const uint8_t *)"record", 6);
    assert_true(answer_cache_get(c, key, 10, h, 1, &rec, &len));
    assert_int_equal(len, 6);
    assert_memory_equal(rec, "record", 6);
    /* A write bumped the version: the entry is stale. */
    assert_false(answer_cache_get(c, key, 10, h, 2, &rec, &len));
    /* Another key with the same hash (forced) does not match. */
    assert_false(answer_cache_get(c, (const uint8_t *)"88.100.1/B", 10, h, 1, &rec, &len));
    /* Each key has two candidate slots: a second key for the same pair takes the free one... */
    uint64_t h2 = h ^ (1ull << 40), h3 = h ^ (1ull << 41);
    answer_cache_put(c, (const uint8_t *)"88.100.1/C", 10, h2, 1, (const uint8_t *)"c", 1);
    assert_true(answer_cache_get(c, (const uint8_t *)"88.100.1/C", 10, h2, 1, &rec, &len));
    assert_true(answer_cache_get(c, key, 10, h, 1, &rec, &len));
    /* ...and a third displaces a holder only on its second miss. */
    answer_cache_put(c, (const uint8_t *)"88.100.1/D", 10, h3, 1, (const uint8_t *)"d", 1);
    assert_false(answer_cache_get(c, (const uint8_t *)"88.100.1/D", 10, h3, 1, &rec, &len));
    answer_cache_put(c, (const uint8_t *)"88.100.1/D", 10, h3, 1, (const uint8_t *)"d", 1);
    assert_true(answer_cache_get(c, (const uint8_t *)"88.100.1/D", 10, h3, 1, &rec, &len));
    answer_cache_put(c, key, 10, h, 1, (const uint8_t *)"record", 6);
    answer_cache_put(c, key, 10, h, 1, (const uint8_t *)"record", 6);
    assert_true(answer_cache_get(c, key, 10, h, 1, &rec, &len));
    /* A missing handle is remembered as length 0. */
    answer_cache_put(c, key, 10, h, 3, NULL, 0);
    answer_cache_put(c, key, 10, h, 3, NULL, 0);
    assert_true(answer_cache_get(c, key, 10, h, 3, &rec, &len));
    assert_int_equal(len, 0);
    /* A record that does not fit a slot is not cached, and drops what was there. */
    static uint8_t big[ANSWER_CACHE_SLOT];
    answer_cache_put(c, key, 10, h, 4, big, sizeof big);
    answer_cache_put(c, key, 10, h, 4, big, sizeof big);
    assert_false(answer_cache_get(c, key, 10, h, 4, &rec, &len));
    assert_false(answer_cache_get(c, key, 10, h, 3, &rec, &len));
    answer_cache_free(c);
    assert_null(answer_cache_new(0));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(hits_need_the_same_key_and_version),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
