/* The cache of values fetched from the site's other servers: a hit returns a copy of exactly
 * what was kept, handles match ASCII case-insensitively, entries expire, are forgotten on a
 * write, and the entry and byte bounds hold by giving up the entries expiring soonest; a server
 * noted silent is spared until its time. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "proto/hdl_const.h"
#include "proto/hdl_site.h"
#include "resolver/admin/site_cache.h"

#define H(s) (const uint8_t *)(s), strlen(s)

static void cache_hit_returns_a_copy_of_the_values_in_any_case(void **state)
{
    (void)state;
    struct site_cache *c = site_cache_new(4, 1024);
    assert_non_null(c);
    const uint8_t vals[] = {1, 2, 3, 4, 5};
    assert_true(site_cache_put(c, H("0.NA/88.100.1"), vals, sizeof vals, 2, 100));
    uint8_t *got = NULL;
    size_t got_len = 0;
    uint32_t count = 0;
    assert_true(site_cache_get(c, H("0.na/88.100.1"), 50, &got, &got_len, &count));
    assert_int_equal(got_len, sizeof vals);
    assert_memory_equal(got, vals, sizeof vals);
    assert_int_equal(count, 2);
    assert_ptr_not_equal(got, vals);
    free(got);
    assert_false(site_cache_get(c, H("0.NA/88.100.2"), 50, &got, &got_len, &count));
    assert_int_equal(site_cache_entries(c), 1);
    assert_int_equal(site_cache_bytes(c), sizeof vals);
    site_cache_free(c);
}

static void cache_entry_expires_at_its_time(void **state)
{
    (void)state;
    struct site_cache *c = site_cache_new(4, 1024);
    const uint8_t vals[] = {9};
    assert_true(site_cache_put(c, H("88.100.1/ADMIN"), vals, 1, 1, 130));
    uint8_t *got = NULL;
    size_t got_len = 0;
    uint32_t count = 0;
    assert_true(site_cache_get(c, H("88.100.1/ADMIN"), 129, &got, &got_len, &count));
    free(got);
    assert_false(site_cache_get(c, H("88.100.1/ADMIN"), 130, &got, &got_len, &count));
    assert_int_equal(site_cache_entries(c), 0); /* the expired entry is dropped */
    assert_int_equal(site_cache_bytes(c), 0);
    site_cache_free(c);
}

static void cache_forget_drops_the_handle_only(void **state)
{
    (void)state;
    struct site_cache *c = site_cache_new(4, 1024);
    const uint8_t vals[] = {7, 7};
    assert_true(site_cache_put(c, H("0.NA/1"), vals, 2, 1, 100));
    assert_true(site_cache_put(c, H("0.NA/2"), vals, 2, 1, 100));
    site_cache_forget(c, H("0.na/1"));
    uint8_t *got = NULL;
    size_t got_len = 0;
    uint32_t count = 0;
    assert_false(site_cache_get(c, H("0.NA/1"), 10, &got, &got_len, &count));
    assert_true(site_cache_get(c, H("0.NA/2"), 10, &got, &got_len, &count));
    free(got);
    assert_int_equal(site_cache_entries(c), 1);
    site_cache_forget(NULL, H("0.NA/2")); /* no cache: nothing to do */
    site_cache_free(c);
}

static void cache_put_replaces_the_values_kept_for_a_handle(void **state)
{
    (void)state;
    struct site_cache *c = site_cache_new(4, 1024);
    const uint8_t a[] = {1, 1, 1}, b[] = {2};
    assert_true(site_cache_put(c, H("0.NA/1"), a, sizeof a, 3, 100));
    assert_true(site_cache_put(c, H("0.NA/1"), b, sizeof b, 1, 200));
    uint8_t *got = NULL;
    size_t got_len = 0;
    uint32_t count = 0;
    assert_true(site_cache_get(c, H("0.NA/1"), 150, &got, &got_len, &count));
    assert_int_equal(got_len, 1);
    assert_int_equal(got[0], 2);
    assert_int_equal(count, 1);
    free(got);
    assert_int_equal(site_cache_entries(c), 1);
    assert_int_equal(site_cache_bytes(c), 1);
    site_cache_free(c);
}

static void cache_full_of_entries_gives_up_the_one_expiring_soonest(void **state)
{
    (void)state;
    struct site_cache *c = site_cache_new(3, 1024);
    const uint8_t v[] = {0};
    assert_true(site_cache_put(c, H("0.NA/A"), v, 1, 1, 300));
    assert_true(site_cache_put(c, H("0.NA/B"), v, 1, 1, 100));
    assert_true(site_cache_put(c, H("0.NA/C"), v, 1, 1, 200));
    assert_true(site_cache_put(c, H("0.NA/D"), v, 1, 1, 400));
    assert_int_equal(site_cache_entries(c), 3);
    uint8_t *got = NULL;
    size_t got_len = 0;
    uint32_t count = 0;
    assert_false(site_cache_get(c, H("0.NA/B"), 0, &got, &got_len, &count));
    const char *kept[] = {"0.NA/A", "0.NA/C", "0.NA/D"};
    for (int i = 0; i < 3; i++) {
        assert_true(site_cache_get(c, H(kept[i]), 0, &got, &got_len, &count));
        free(got);
    }
    site_cache_free(c);
}

static void cache_byte_bound_holds(void **state)
{
    (void)state;
    /* 800 bytes: an entry may take at most 100 of them. */
    struct site_cache *c = site_cache_new(64, 800);
    uint8_t v[100];
    memset(v, 0x5a, sizeof v);
    char name[32];
    for (int i = 0; i < 20; i++) {
        snprintf(name, sizeof name, "0.NA/%d", i);
        assert_true(site_cache_put(c, H(name), v, sizeof v, 1, 1000 + i));
        assert_true(site_cache_bytes(c) <= 800);
    }
    assert_int_equal(site_cache_entries(c), 8);
    /* The last eight put are the ones expiring latest: they stay. */
    uint8_t *got = NULL;
    size_t got_len = 0;
    uint32_t count = 0;
    assert_true(site_cache_get(c, H("0.NA/19"), 0, &got, &got_len, &count));
    free(got);
    assert_false(site_cache_get(c, H("0.NA/11"), 0, &got, &got_len, &count));
    site_cache_free(c);
}

static void cache_refuses_what_it_cannot_keep(void **state)
{
    (void)state;
    assert_null(site_cache_new(0, 100));
    assert_null(site_cache_new(10, 0));
    struct site_cache *c = site_cache_new(4, 800);
    uint8_t v[101] = {0};
    assert_false(site_cache_put(c, H("0.NA/BIG"), v, sizeof v, 1, 50)); /* over 800 / 8 */
    assert_false(site_cache_put(c, (const uint8_t *)"", 0, v, 1, 1, 50));
    uint8_t long_handle[HDL_MAX_HANDLE_LEN + 1];
    memset(long_handle, 'x', sizeof long_handle);
    assert_false(site_cache_put(c, long_handle, sizeof long_handle, v, 1, 1, 50));
    assert_false(site_cache_put(NULL, H("0.NA/1"), v, 1, 1, 50));
    uint8_t *got = NULL;
    size_t got_len = 0;
    uint32_t count = 0;
    assert_false(site_cache_get(NULL, H("0.NA/1"), 0, &got, &got_len, &count));
    /* An entry without values (every value private on the holder) is kept as such. */
    assert_true(site_cache_put(c, H("0.NA/EMPTY"), NULL, 0, 0, 50));
    assert_true(site_cache_get(c, H("0.NA/EMPTY"), 0, &got, &got_len, &count));
    assert_null(got);
    assert_int_equal(got_len, 0);
    assert_int_equal(count, 0);
    assert_int_equal(site_cache_entries(c), 1);
    site_cache_free(c);
}

static void silent_server_is_spared_until_its_time(void **state)
{
    (void)state;
    struct site_cache *c = site_cache_new(4, 800);
    assert_false(site_cache_silent(c, 1, 0));
    site_cache_note_silent(c, 1, 105);
    assert_true(site_cache_silent(c, 1, 100));
    assert_true(site_cache_silent(c, 1, 104));
    assert_false(site_cache_silent(c, 1, 105));
    assert_false(site_cache_silent(c, 2, 100)); /* another server */
    site_cache_note_silent(c, 1, 0);            /* it answered: cleared */
    assert_false(site_cache_silent(c, 1, 100));
    site_cache_note_silent(c, 2, 0); /* clearing one never noted keeps nothing */
    assert_false(site_cache_silent(c, 2, 0));
    /* More servers than slots: the one ending soonest gives way. */
    for (uint32_t id = 1; id <= HDL_SITE_MAX_SERVERS; id++)
        site_cache_note_silent(c, id, 1000 + id);
    site_cache_note_silent(c, 99, 5000);
    assert_true(site_cache_silent(c, 99, 2000));
    assert_false(site_cache_silent(c, 1, 0));
    assert_true(site_cache_silent(c, 2, 0));
    assert_true(site_cache_silent(c, HDL_SITE_MAX_SERVERS, 0));
    site_cache_note_silent(NULL, 1, 100);
    assert_false(site_cache_silent(NULL, 1, 0));
    site_cache_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(cache_hit_returns_a_copy_of_the_values_in_any_case),
        cmocka_unit_test(cache_entry_expires_at_its_time),
        cmocka_unit_test(cache_forget_drops_the_handle_only),
        cmocka_unit_test(cache_put_replaces_the_values_kept_for_a_handle),
        cmocka_unit_test(cache_full_of_entries_gives_up_the_one_expiring_soonest),
        cmocka_unit_test(cache_byte_bound_holds),
        cmocka_unit_test(cache_refuses_what_it_cannot_keep),
        cmocka_unit_test(silent_server_is_spared_until_its_time),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
