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
#include <unistd.h>

#include <cmocka.h>

#include "registry/reg_list.h"
#include "registry/reg_record.h"
#include "registry/reg_stats.h"

static char dir[64];

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    return remove(path);
}

static void put(struct reg_db *db, const char *handle)
{
    uint8_t buf[256];
    struct hdl_value v = {.index = 1, .ttl = 86400, .perms = 0x0e};
    v.type = (struct hdl_slice){(const uint8_t *)"URL", 3};
    v.data = (struct hdl_slice){(const uint8_t *)"x", 1};
    struct hdl_writer w;
    hdl_writer_init(&w, buf, sizeof buf);
    assert_int_equal(reg_record_build(&w, &v, 1), HDL_OK);
    assert_int_equal(reg_put_record(db, (const uint8_t *)handle, strlen(handle), buf, w.len),
                     REG_OK);
}

/* A registry with handles under 88.100.1 and its neighbours in key order. */
static int setup(void **state)
{
    snprintf(dir, sizeof dir, "/tmp/test_reg_list_XXXXXX");
    assert_non_null(mkdtemp(dir));
    struct reg_options opt = {
        .path = dir, .block_cache_bytes = 1u << 20, .create_if_missing = true};
    struct reg_db *db = NULL;
    char err[512];
    if (reg_open(&opt, &db, err, sizeof err))
        fail_msg("reg_open: %s", err);
    static const char *const handles[] = {
        "88.100/A",    "88.100.1/c",    "88.100.1/A", "88.100.1/B",   "88.100.10/A",
        "88.100.1-/A", "0.NA/88.100.1", "88.100.2/A", "88.100.1/a/b",
    };
    for (size_t i = 0; i < sizeof handles / sizeof handles[0]; i++)
        put(db, handles[i]);
    *state = db;
    return 0;
}

static int teardown(void **state)
{
    reg_close(*state);
    nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    return 0;
}

struct seen {
    char keys[16][64];
    int n;
    int stop_after;
};

static int collect(void *ctx, const uint8_t *key, size_t len)
{
    struct seen *s = ctx;
    assert_true(s->n < 16 && len < 64);
    memcpy(s->keys[s->n], key, len);
    s->keys[s->n][len] = '\0';
    s->n++;
    return s->stop_after && s->n == s->stop_after;
}

static void scan(struct reg_db *db, const char *prefix, const char *after, struct seen *s)
{
    int rc = reg_scan_prefix(db, (const uint8_t *)prefix, strlen(prefix), (const uint8_t *)after,
                             after ? strlen(after) : 0, collect, s);
    assert_int_equal(rc, REG_OK);
}

static void scan_lists_exactly_the_prefix_in_key_order(void **state)
{
    struct seen s = {0};
    scan(*state, "88.100.1", NULL, &s);
    assert_int_equal(s.n, 4);
    assert_string_equal(s.keys[0], "88.100.1/A");
    assert_string_equal(s.keys[1], "88.100.1/A/B");
    assert_string_equal(s.keys[2], "88.100.1/B");
    assert_string_equal(s.keys[3], "88.100.1/C");

    struct seen t = {0};
    scan(*state, "0.na/88.100.1", NULL, &t); /* the prefix handle names the same prefix */
    assert_int_equal(t.n, 4);
}

static void scan_resumes_after_a_cursor(void **state)
{
    struct seen s = {.stop_after = 2};
    scan(*state, "88.100.1", NULL, &s);
    assert_int_equal(s.n, 2);
    struct seen t = {0};
    scan(*state, "88.100.1", s.keys[1], &t);
    assert_int_equal(t.n, 2);
    assert_string_equal(t.keys[0], "88.100.1/B");
    assert_string_equal(t.keys[1], "88.100.1/C");

    /* A cursor that is not a stored key resumes at the next one; one before the range starts it
     * from the beginning; one past it lists nothing. */
    struct seen u = {0};
    scan(*state, "88.100.1", "88.100.1/AZ", &u);
    assert_int_equal(u.n, 2);
    struct seen v = {0};
    scan(*state, "88.100.1", "0", &v);
    assert_int_equal(v.n, 4);
    struct seen x = {0};
    scan(*state, "88.100.1", "88.100.1/ZZZ", &x);
    assert_int_equal(x.n, 0);
}

static void scan_rejects_bad_prefixes(void **state)
{
    struct seen s = {0};
    assert_int_equal(reg_scan_prefix(*state, (const uint8_t *)"", 0, NULL, 0, collect, &s),
                     REG_ERR_INVALID);
    assert_int_equal(
        reg_scan_prefix(*state, (const uint8_t *)"88.100.1/A", 10, NULL, 0, collect, &s),
        REG_ERR_INVALID);
    assert_int_equal(s.n, 0);
}

static void stats_report_the_cache_and_estimates(void **state)
{
    struct reg_stats st;
    reg_get_stats(*state, &st);
    assert_int_equal(st.block_cache_capacity, 1u << 20);
    assert_true(st.memtable_bytes > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(scan_lists_exactly_the_prefix_in_key_order),
        cmocka_unit_test(scan_resumes_after_a_cursor),
        cmocka_unit_test(scan_rejects_bad_prefixes),
        cmocka_unit_test(stats_report_the_cache_and_estimates),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
