/* A mirror's copy again ends exact (registry/reg_mirror.h): what the copy marked stays, every
 * other handle and homed prefix goes, with the per-prefix counts kept right. */
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

#include "proto/hdl_const.h"
#include "proto/hdl_value.h"
#include "registry/reg_db.h"
#include "registry/reg_mirror.h"
#include "registry/reg_prefix.h"
#include "registry/reg_record.h"

static char dir[64];

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    return remove(path);
}

static struct reg_db *open_fresh(void)
{
    snprintf(dir, sizeof dir, "/tmp/test_mirror_sweep_XXXXXX");
    assert_non_null(mkdtemp(dir));
    struct reg_options opt = {
        .path = dir, .block_cache_bytes = 1u << 20, .create_if_missing = true};
    struct reg_db *db = NULL;
    char err[512];
    if (reg_open(&opt, &db, err, sizeof err))
        fail_msg("reg_open: %s", err);
    return db;
}

static void close_and_remove(struct reg_db *db)
{
    reg_close(db);
    nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* A valid one-value record whose URL is data. */
static size_t record(const char *data, uint8_t *buf, size_t cap)
{
    struct hdl_value v = {.index = 1,
                          .ttl = 86400,
                          .perms = HDL_PERM_DEFAULT,
                          .type = {(const uint8_t *)"URL", 3},
                          .data = {(const uint8_t *)data, (uint32_t)strlen(data)}};
    struct hdl_writer w;
    hdl_writer_init(&w, buf, cap);
    assert_int_equal(reg_record_build(&w, &v, 1), HDL_OK);
    return w.len;
}

static void put(struct reg_db *db, const char *handle)
{
    uint8_t buf[256];
    size_t len = record(handle, buf, sizeof buf);
    assert_int_equal(reg_put_record(db, (const uint8_t *)handle, strlen(handle), buf, len), REG_OK);
}

/* Stores and marks the handles as a copy delivers them, in one batch. */
static void copy(struct reg_db *db, const char *const *handles)
{
    struct reg_batch *b = reg_batch_new(db);
    assert_non_null(b);
    uint8_t buf[256];
    for (; *handles; handles++) {
        size_t len = record(*handles, buf, sizeof buf);
        const uint8_t *h = (const uint8_t *)*handles;
        assert_int_equal(reg_batch_put(b, h, strlen(*handles), buf, len), REG_OK);
        assert_int_equal(reg_batch_mark(b, h, strlen(*handles)), REG_OK);
    }
    assert_int_equal(reg_batch_commit(b), REG_OK);
    reg_batch_free(b);
}

static bool present(struct reg_db *db, const char *handle)
{
    struct reg_pin pin;
    int rc = reg_get_record(db, (const uint8_t *)handle, strlen(handle), &pin);
    if (rc == REG_OK)
        reg_pin_release(&pin);
    assert_true(rc == REG_OK || rc == REG_NOT_FOUND);
    return rc == REG_OK;
}

static uint64_t count(struct reg_db *db, const char *prefix)
{
    uint64_t n = 0;
    assert_int_equal(reg_count_prefix(db, prefix, &n), REG_OK);
    return n;
}

static bool homed(struct reg_db *db, const char *prefix_handle)
{
    struct reg_prefix_set *set = reg_prefix_set_load(db);
    assert_non_null(set);
    bool has = reg_prefix_set_has(set, (const uint8_t *)prefix_handle, strlen(prefix_handle));
    reg_prefix_set_free(set);
    return has;
}

static void sweep_removes_what_the_copy_did_not_deliver(void **state)
{
    struct reg_db *db = open_fresh();
    static const char *const before[] = {"88.100/A", "88.100/B", "88.100/Mixed", "77.1/X", NULL};
    for (const char *const *h = before; *h; h++)
        put(db, *h);
    assert_int_equal(reg_home_prefix(db, "0.NA/88.100"), REG_OK);
    assert_int_equal(reg_home_prefix(db, "0.NA/77.1"), REG_OK);
    assert_int_equal(count(db, "88.100"), 3);

    /* A stale mark of a previous copy is dropped before the new one starts. */
    static const char *const stale[] = {"88.100/B", NULL};
    copy(db, stale);
    assert_int_equal(reg_mirror_marks_clear(db), REG_OK);

    /* The copy, in two parts as a broken and resumed one stores it: marks are on disk. */
    static const char *const first[] = {"88.100/A", "88.100/MIXED", NULL};
    static const char *const second[] = {"88.100/N", NULL};
    copy(db, first);
    copy(db, second);
    assert_int_equal(reg_mirror_mark_prefix(db, "0.na/88.100", 11), REG_OK);
    assert_int_equal(reg_mirror_mark_prefix(db, "88.100", 6), REG_ERR_INVALID);

    uint64_t deleted = 99, unhomed = 99;
    assert_int_equal(reg_mirror_sweep(db, &deleted, &unhomed), REG_OK);
    assert_int_equal(deleted, 2);
    assert_int_equal(unhomed, 1);
    assert_true(present(db, "88.100/A"));
    assert_true(present(db, "88.100/mixed")); /* the same key in a case-insensitive registry */
    assert_true(present(db, "88.100/N"));
    assert_false(present(db, "88.100/B"));
    assert_false(present(db, "77.1/X"));
    assert_int_equal(count(db, "88.100"), 3);
    assert_int_equal(count(db, "77.1"), 0);
    assert_true(homed(db, "0.NA/88.100"));
    assert_false(homed(db, "0.NA/77.1"));

    /* The marks are gone with the sweep: a sweep without a copy keeps nothing. */
    assert_int_equal(reg_mirror_sweep(db, &deleted, &unhomed), REG_OK);
    assert_int_equal(deleted, 3);
    assert_int_equal(unhomed, 1);
    assert_int_equal(count(db, "88.100"), 0);
    close_and_remove(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sweep_removes_what_the_copy_did_not_deliver),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
