/*
 * The registry's public API end to end on a real RocksDB in a temporary directory: records,
 * case folding, homed prefixes, the transaction log, batches and updates under concurrency,
 * counts, opening (locks, read-only, damaged or foreign stores) and the storage options. Over 600
 * lines because the cases share one fixture (a fresh store, reopened at will); each case is
 * independent of the others.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* nftw */
#endif
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <pthread.h>
#include <unistd.h>

#include <cmocka.h>
#include <rocksdb/c.h>

#include "proto/hdl_const.h"
#include "registry/reg_bulk.h"
#include "registry/reg_db.h"
#include "registry/reg_internal.h"
#include "registry/reg_meta.h"
#include "registry/reg_record.h"
#include "registry/reg_stats.h"

struct fixture {
    char dir[64];
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    snprintf(f->dir, sizeof(f->dir), "/tmp/test_registry_XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    *state = f;
    return 0;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    return remove(path);
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    nftw(f->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    free(f);
    return 0;
}

static struct reg_options options(const char *path)
{
    return (struct reg_options){.path = path,
                                .block_cache_bytes = 8u << 20,
                                .bloom_bits_per_key = 10,
                                .create_if_missing = true};
}

static struct reg_db *open_ok(const struct reg_options *opt)
{
    struct reg_db *db = NULL;
    char err[512];
    int rc = reg_open(opt, &db, err, sizeof(err));
    if (rc)
        fail_msg("reg_open: %s", err);
    assert_non_null(db);
    return db;
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

static int put(struct reg_db *db, const char *handle, const char *data)
{
    uint8_t buf[512];
    size_t len = record(data, buf, sizeof(buf));
    return reg_put_record(db, (const uint8_t *)handle, strlen(handle), buf, len);
}

/* Asserts handle holds the record built from data (or is absent when data is NULL). */
static void expect(struct reg_db *db, const char *handle, const char *data)
{
    struct reg_pin pin;
    int rc = reg_get_record(db, (const uint8_t *)handle, strlen(handle), &pin);
    if (!data) {
        assert_int_equal(rc, REG_NOT_FOUND);
        return;
    }
    assert_int_equal(rc, REG_OK);
    uint8_t want[512];
    size_t len = record(data, want, sizeof(want));
    assert_int_equal(pin.len, len);
    assert_memory_equal(pin.data, want, len);
    reg_pin_release(&pin);
}

static void put_get_delete(void **state)
{
    struct fixture *f = *state;
    struct reg_options opt = options(f->dir);
    struct reg_db *db = open_ok(&opt);
    expect(db, "88.100.1/A", NULL);
    assert_int_equal(put(db, "88.100.1/A", "https://a.example/"), REG_OK);
    expect(db, "88.100.1/A", "https://a.example/");
    assert_int_equal(put(db, "88.100.1/A", "https://b.example/"), REG_OK);
    expect(db, "88.100.1/A", "https://b.example/");
    assert_int_equal(reg_delete_record(db, (const uint8_t *)"88.100.1/A", 10), REG_OK);
    expect(db, "88.100.1/A", NULL);
    assert_int_equal(reg_delete_record(db, (const uint8_t *)"88.100.1/A", 10), REG_NOT_FOUND);
    reg_close(db);
}

static void put_rejects_bad_handles_and_records(void **state)
{
    struct fixture *f = *state;
    struct reg_options opt = options(f->dir);
    struct reg_db *db = open_ok(&opt);
    uint8_t buf[512];
    size_t len = record("x", buf, sizeof(buf));
    assert_int_equal(reg_put_record(db, (const uint8_t *)"", 0, buf, len), REG_ERR_INVALID);
    static uint8_t long_handle[REG_MAX_KEY + 1];
    memset(long_handle, 'a', sizeof(long_handle));
    assert_int_equal(reg_put_record(db, long_handle, sizeof(long_handle), buf, len),
                     REG_ERR_INVALID);
    assert_int_equal(reg_put_record(db, long_handle, REG_MAX_KEY, buf, len), REG_OK);
    assert_int_equal(reg_put_record(db, (const uint8_t *)"88/x", 4, buf, len - 1), REG_ERR_INVALID);
    buf[0] = 9;
    assert_int_equal(reg_put_record(db, (const uint8_t *)"88/x", 4, buf, len), REG_ERR_INVALID);
    expect(db, "88/x", NULL);
    reg_close(db);
}

static void pinned_record_outlives_an_overwrite(void **state)
{
    struct fixture *f = *state;
    struct reg_options opt = options(f->dir);
    struct reg_db *db = open_ok(&opt);
    assert_int_equal(put(db, "88/pin", "old"), REG_OK);
    struct reg_pin pin;
    assert_int_equal(reg_get_record(db, (const uint8_t *)"88/pin", 6, &pin), REG_OK);
    assert_int_equal(put(db, "88/pin", "a much longer new value"), REG_OK);
    uint8_t want[512];
    size_t len = record("old", want, sizeof(want));
    assert_int_equal(pin.len, len);
    assert_memory_equal(pin.data, want, len);
    reg_pin_release(&pin);
    reg_close(db);
}

static void keys_fold_ascii_case(void **state)
{
    struct fixture *f = *state;
    struct reg_options opt = options(f->dir);
    struct reg_db *db = open_ok(&opt);
    assert_false(reg_is_case_sensitive(db));

    uint8_t key[REG_MAX_KEY];
    const char *h = "88.100.1/Prod-\xc3\xa9z";
    size_t n = reg_canonical_key(db, (const uint8_t *)h, strlen(h), key);
    assert_int_equal(n, strlen(h));
    assert_memory_equal(key, "88.100.1/PROD-\xc3\xa9Z", n);
    assert_int_equal(reg_canonical_key(db, (const uint8_t *)h, 0, key), 0);
    assert_int_equal(reg_canonical_key(db, (const uint8_t *)h, REG_MAX_KEY + 1, key), 0);

    assert_int_equal(put(db, "88.100.1/Prod-1", "u"), REG_OK);
    expect(db, "88.100.1/PROD-1", "u");
    expect(db, "88.100.1/prod-1", "u");
    assert_int_equal(reg_delete_record(db, (const uint8_t *)"88.100.1/pROD-1", 15), REG_OK);
    expect(db, "88.100.1/Prod-1", NULL);
    reg_close(db);
}

static void case_sensitivity_is_fixed_at_creation(void **state)
{
    struct fixture *f = *state;
    char sens[128], insens[128];
    snprintf(sens, sizeof(sens), "%s/sensitive", f->dir);
    snprintf(insens, sizeof(insens), "%s/insensitive", f->dir);

    struct reg_options opt = options(sens);
    opt.case_sensitive = true;
    struct reg_db *db = open_ok(&opt);
    assert_true(reg_is_case_sensitive(db));
    assert_int_equal(put(db, "88/Mixed", "m"), REG_OK);
    expect(db, "88/MIXED", NULL);
    reg_close(db);
    opt.case_sensitive = false;
    db = open_ok(&opt);
    assert_true(reg_is_case_sensitive(db));
    expect(db, "88/Mixed", "m");
    expect(db, "88/MIXED", NULL);
    reg_close(db);

    opt = options(insens);
    db = open_ok(&opt);
    reg_close(db);
    opt.case_sensitive = true;
    db = open_ok(&opt);
    assert_false(reg_is_case_sensitive(db));
    reg_close(db);
}

static void restart_keeps_data(void **state)
{
    struct fixture *f = *state;
    struct reg_options opt = options(f->dir);
    struct reg_db *db = open_ok(&opt);
    char h[32], d[32];
    for (int i = 0; i < 200; i++) {
        snprintf(h, sizeof(h), "88.100.1/%d", i);
        snprintf(d, sizeof(d), "https://x/%d", i);
        assert_int_equal(put(db, h, d), REG_OK);
    }
    reg_close(db);
    db = open_ok(&opt);
    for (int i = 0; i < 200; i++) {
        snprintf(h, sizeof(h), "88.100.1/%d", i);
        snprintf(d, sizeof(d), "https://x/%d", i);
        expect(db, h, d);
    }
    assert_true(reg_estimate_handles(db) > 0);
    reg_close(db);
}

/* The "handles" family's block-cache capacity as RocksDB reports it. */
static uint64_t cf_cache_capacity(struct reg_db *db)
{
    char *v = rocksdb_property_value_cf(db->rdb, db->cf[REG_CF_HANDLES],
                                        "rocksdb.block-cache-capacity");
    assert_non_null(v);
    uint64_t n = strtoull(v, NULL, 10);
    rocksdb_free(v);
    return n;
}

static void every_cache_and_index_layout_serves_reads_through_the_cache(void **state)
{
    struct fixture *f = *state;
    const enum reg_cache_type kinds[] = {REG_CACHE_CLOCK, REG_CACHE_LRU};
    for (int k = 0; k < 2; k++)
        for (int whole = 0; whole < 2; whole++) {
            char dir[96];
            snprintf(dir, sizeof dir, "%s/%d%d", f->dir, k, whole);
            struct reg_options opt = options(dir);
            opt.cache_type = kinds[k];
            opt.index_layout = whole ? REG_INDEX_WHOLE : REG_INDEX_PARTITIONED;
            opt.block_cache_bytes = 12u << 20; /* not RocksDB's default of 8 MiB */
            struct reg_db *db = open_ok(&opt);
            char h[32], d[32];
            for (int i = 0; i < 500; i++) {
                snprintf(h, sizeof(h), "88.100.1/%d", i);
                snprintf(d, sizeof(d), "https://x/%d", i);
                assert_int_equal(put(db, h, d), REG_OK);
            }
            reg_close(db); /* the records go to a table file */
            db = open_ok(&opt);
            for (int i = 0; i < 500; i++) {
                snprintf(h, sizeof(h), "88.100.1/%d", i);
                snprintf(d, sizeof(d), "https://x/%d", i);
                expect(db, h, d);
            }
            expect(db, "88.100.1/none", NULL);
            struct reg_table_stats ts;
            reg_get_table_stats(db, &ts);
            assert_int_equal(ts.entries, 500);
            assert_true(ts.data_blocks > 0 && ts.index_bytes > 0 && ts.filter_bytes > 0);
            assert_true(ts.raw_key_bytes > 500 * 10 && ts.raw_value_bytes > 500 * 20);
            if (whole)
                assert_int_equal(ts.index_partitions, 0);
            else
                assert_true(ts.index_partitions > 0);
            /* The pinning of whole-file blocks, set through RocksDB's option parser, keeps the
             * cache. */
            assert_int_equal(cf_cache_capacity(db), 12u << 20);
            struct reg_stats st;
            reg_get_stats(db, &st);
            assert_int_equal(st.block_cache_capacity, 12u << 20);
            assert_true(st.block_cache_usage > 0);
            reg_close(db);
        }
}

struct txn {
    uint64_t id;
    int op;
    uint32_t time;
    char handle[64];
};

struct txns {
    struct txn t[2000];
    size_t n;
    size_t stop_after;
};

static int collect_txn(void *ctx, uint64_t id, int op, uint32_t time, const uint8_t *handle,
                       size_t len)
{
    struct txns *c = ctx;
    assert_true(c->n < 2000 && len < 64);
    struct txn *t = &c->t[c->n++];
    t->id = id;
    t->op = op;
    t->time = time;
    memcpy(t->handle, handle, len);
    t->handle[len] = '\0';
    return c->stop_after && c->n == c->stop_after;
}

struct names {
    char s[8][64];
    size_t n;
};

static int collect_prefix(void *ctx, const char *prefix_handle, size_t len)
{
    struct names *c = ctx;
    assert_true(c->n < 8 && len < 64);
    assert_int_equal(strlen(prefix_handle), len);
    memcpy(c->s[c->n++], prefix_handle, len + 1);
    return 0;
}

static void homed_prefixes_are_listed_canonical(void **state)
{
    struct fixture *f = *state;
    struct reg_options opt = options(f->dir);
    struct reg_db *db = open_ok(&opt);
    assert_int_equal(reg_home_prefix(db, "0.na/88.100.a"), REG_OK);
    assert_int_equal(reg_home_prefix(db, "0.NA/88.100"), REG_OK);
    assert_int_equal(reg_home_prefix(db, "0.NA/88.100"), REG_OK);
    assert_int_equal(reg_home_prefix(db, "88.100"), REG_ERR_INVALID);
    assert_int_equal(reg_home_prefix(db, "0.NA/"), REG_ERR_INVALID);
    struct names got = {0};
    assert_int_equal(reg_list_prefixes(db, collect_prefix, &got), REG_OK);
    assert_int_equal(got.n, 2);
    assert_string_equal(got.s[0], "0.NA/88.100");
    assert_string_equal(got.s[1], "0.NA/88.100.A");
    assert_int_equal(reg_unhome_prefix(db, "0.NA/88.100"), REG_OK);
    assert_int_equal(reg_unhome_prefix(db, "0.NA/88.100"), REG_NOT_FOUND);
    got.n = 0;
    assert_int_equal(reg_list_prefixes(db, collect_prefix, &got), REG_OK);
    assert_int_equal(got.n, 1);
    assert_string_equal(got.s[0], "0.NA/88.100.A");
    reg_close(db);
}

static void txlog_ids_increase_and_survive_reopen(void **state)
{
    struct fixture *f = *state;
    struct reg_options opt = options(f->dir);
    struct reg_db *db = open_ok(&opt);
    assert_int_equal(reg_next_txn_id(db), 1);
    assert_int_equal(reg_home_prefix(db, "0.NA/88.100.1"), REG_OK);
    assert_int_equal(put(db, "88.100.1/a", "x"), REG_OK);
    assert_int_equal(reg_delete_record(db, (const uint8_t *)"88.100.1/a", 10), REG_OK);
    /* Failed changes take no id. */
    assert_int_equal(reg_delete_record(db, (const uint8_t *)"88.100.1/a", 10), REG_NOT_FOUND);
    assert_int_equal(reg_unhome_prefix(db, "0.NA/88.100.1"), REG_OK);
    assert_int_equal(reg_next_txn_id(db), 5);

    static struct txns got;
    got.n = 0;
    assert_int_equal(reg_txlog_scan(db, 0, collect_txn, &got), REG_OK);
    assert_int_equal(got.n, 4);
    const int ops[4] = {REG_TXN_HOME, REG_TXN_PUT, REG_TXN_DELETE, REG_TXN_UNHOME};
    const char *handles[4] = {"0.NA/88.100.1", "88.100.1/A", "88.100.1/A", "0.NA/88.100.1"};
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(got.t[i].id, i + 1);
        assert_int_equal(got.t[i].op, ops[i]);
        assert_string_equal(got.t[i].handle, handles[i]);
        assert_true(got.t[i].time > 1600000000u);
    }
    got.n = 0;
    assert_int_equal(reg_txlog_scan(db, 3, collect_txn, &got), REG_OK);
    assert_int_equal(got.n, 2);
    assert_int_equal(got.t[0].id, 3);
    got.n = 0;
    got.stop_after = 1;
    assert_int_equal(reg_txlog_scan(db, 1, collect_txn, &got), REG_OK);
    assert_int_equal(got.n, 1);
    got.stop_after = 0;
    reg_close(db);

    db = open_ok(&opt);
    assert_int_equal(reg_next_txn_id(db), 5);
    assert_int_equal(put(db, "88.100.1/b", "y"), REG_OK);
    got.n = 0;
    assert_int_equal(reg_txlog_scan(db, 5, collect_txn, &got), REG_OK);
    assert_int_equal(got.n, 1);
    assert_int_equal(got.t[0].id, 5);
    assert_string_equal(got.t[0].handle, "88.100.1/B");
    reg_close(db);
}

struct writer_arg {
    struct reg_db *db;
    int thread;
};

static void *concurrent_writer(void *p)
{
    struct writer_arg *a = p;
    char h[32];
    for (int i = 0; i < 100; i++) {
        snprintf(h, sizeof(h), "88/%d-%d", a->thread, i);
        if (put(a->db, h, "v") != REG_OK)
            return p;
    }
    return NULL;
}

static void txlog_ids_are_unique_across_threads(void **state)
{
    struct fixture *f = *state;
    struct reg_options opt = options(f->dir);
    struct reg_db *db = open_ok(&opt);
    pthread_t th[4];
    struct writer_arg args[4];
    for (int i = 0; i < 4; i++) {
        args[i] = (struct writer_arg){db, i};
        assert_int_equal(pthread_create(&th[i], NULL, concurrent_writer, &args[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        void *ret;
        pthread_join(th[i], &ret);
        assert_null(ret);
    }
    static struct txns got;
    got.n = 0;
    assert_int_equal(reg_txlog_scan(db, 1, collect_txn, &got), REG_OK);
    assert_int_equal(got.n, 400);
    for (size_t i = 0; i < got.n; i++)
        assert_int_equal(got.t[i].id, i + 1);
    assert_int_equal(reg_next_txn_id(db), 401);
    reg_close(db);
}

static void batch_commits_atomically_with_one_entry_per_record(void **state)
{
    struct fixture *f = *state;
    struct reg_options opt = options(f->dir);
    struct reg_db *db = open_ok(&opt);
    assert_int_equal(put(db, "88/first", "f"), REG_OK);
    struct reg_batch *b = reg_batch_new(db);
    assert_non_null(b);
    uint8_t rec[512];
    size_t rlen = record("bulk", rec, sizeof(rec));
    char h[32];
    for (int i = 0; i < 1000; i++) {
        snprintf(h, sizeof(h), "88/bulk-%04d", i);
        assert_int_equal(reg_batch_put(b, (const uint8_t *)h, strlen(h), rec, rlen), REG_OK);
    }
    assert_int_equal(reg_batch_put(b, (const uint8_t *)"88/bad", 6, rec, rlen - 1),
                     REG_ERR_INVALID);
    assert_int_equal(reg_batch_count(b), 1000);
    expect(db, "88/bulk-0000", NULL);
    assert_int_equal(reg_next_txn_id(db), 2);

    assert_int_equal(reg_batch_commit(b), REG_OK);
    assert_int_equal(reg_batch_count(b), 0);
    expect(db, "88/bulk-0000", "bulk");
    expect(db, "88/BULK-0999", "bulk");
    assert_int_equal(reg_next_txn_id(db), 1002);

    static struct txns got;
    got.n = 0;
    assert_int_equal(reg_txlog_scan(db, 2, collect_txn, &got), REG_OK);
    assert_int_equal(got.n, 1000);
    for (size_t i = 0; i < got.n; i++) {
        snprintf(h, sizeof(h), "88/BULK-%04zu", i);
        assert_int_equal(got.t[i].id, i + 2);
        assert_int_equal(got.t[i].op, REG_TXN_PUT);
        assert_string_equal(got.t[i].handle, h);
    }
    /* The batch is reusable after a commit; an empty commit is a no-op. */
    assert_int_equal(reg_batch_commit(b), REG_OK);
    assert_int_equal(reg_next_txn_id(db), 1002);
    reg_batch_free(b);
    reg_batch_free(NULL);
    reg_close(db);
}

static void second_open_while_open_is_locked(void **state)
{
    struct fixture *f = *state;
    struct reg_options opt = options(f->dir);
    struct reg_db *db = open_ok(&opt);
    struct reg_db *db2 = NULL;
    char err[512];
    assert_int_equal(reg_open(&opt, &db2, err, sizeof(err)), REG_ERR_LOCKED);
    assert_null(db2);
    assert_non_null(strstr(err, f->dir));
    reg_close(db);
    db2 = open_ok(&opt);
    reg_close(db2);
}

static void missing_dir_without_create_is_missing(void **state)
{
    struct fixture *f = *state;
    char path[128];
    snprintf(path, sizeof(path), "%s/none", f->dir);
    struct reg_options opt = options(path);
    opt.create_if_missing = false;
    struct reg_db *db = NULL;
    char err[512];
    assert_int_equal(reg_open(&opt, &db, err, sizeof(err)), REG_ERR_MISSING);
    assert_null(db);
    assert_non_null(strstr(err, path));
    opt.read_only = true;
    assert_int_equal(reg_open(&opt, &db, err, sizeof(err)), REG_ERR_MISSING);
    /* An empty directory holds no registry either. */
    opt = options(f->dir);
    opt.create_if_missing = false;
    assert_int_equal(reg_open(&opt, &db, err, sizeof(err)), REG_ERR_MISSING);
}

static void read_only_open_beside_a_writer_sees_data(void **state)
{
    struct fixture *f = *state;
    struct reg_options opt = options(f->dir);
    struct reg_db *db = open_ok(&opt);
    assert_int_equal(put(db, "88/shared", "s"), REG_OK);
    assert_int_equal(reg_home_prefix(db, "0.NA/88"), REG_OK);

    struct reg_options ro = options(f->dir);
    ro.read_only = true;
    ro.create_if_missing = false;
    struct reg_db *rdb = open_ok(&ro);
    expect(rdb, "88/SHARED", "s");
    struct names got = {0};
    assert_int_equal(reg_list_prefixes(rdb, collect_prefix, &got), REG_OK);
    assert_int_equal(got.n, 1);
    assert_int_equal(reg_next_txn_id(rdb), 3);
    assert_int_equal(put(rdb, "88/other", "o"), REG_ERR_READONLY);
    assert_int_equal(reg_delete_record(rdb, (const uint8_t *)"88/shared", 9), REG_ERR_READONLY);
    assert_int_equal(reg_home_prefix(rdb, "0.NA/89"), REG_ERR_READONLY);
    reg_close(rdb);
    reg_close(db);
}

static void overwrite(const char *path, const char *text)
{
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fputs(text, fp);
    fclose(fp);
}

static void garbage_current_or_manifest_is_an_error(void **state)
{
    struct fixture *f = *state;
    char path[128], file[512];
    struct reg_db *db;
    char err[512];

    snprintf(path, sizeof(path), "%s/current", f->dir);
    struct reg_options opt = options(path);
    db = open_ok(&opt);
    assert_int_equal(put(db, "88/x", "x"), REG_OK);
    reg_close(db);
    snprintf(file, sizeof(file), "%s/CURRENT", path);
    overwrite(file, "\x01garbage");
    db = NULL;
    int rc = reg_open(&opt, &db, err, sizeof(err));
    assert_int_equal(rc, REG_ERR_CORRUPT);
    assert_null(db);
    assert_non_null(strstr(err, path));
    overwrite(file, "MANIFEST-999999\n");
    assert_int_equal(reg_open(&opt, &db, err, sizeof(err)), REG_ERR_CORRUPT);

    snprintf(path, sizeof(path), "%s/manifest", f->dir);
    opt = options(path);
    db = open_ok(&opt);
    assert_int_equal(put(db, "88/x", "x"), REG_OK);
    reg_close(db);
    DIR *d = opendir(path);
    assert_non_null(d);
    int found = 0;
    for (struct dirent *e; (e = readdir(d));) {
        if (strncmp(e->d_name, "MANIFEST-", 9) == 0) {
            snprintf(file, sizeof(file), "%s/%s", path, e->d_name);
            overwrite(file, "this is not a manifest, not at all, not even close to one");
            found++;
        }
    }
    closedir(d);
    assert_true(found > 0);
    rc = reg_open(&opt, &db, err, sizeof(err));
    assert_int_not_equal(rc, REG_OK);
    assert_null(db);
    assert_non_null(strstr(err, path));
}

static void unknown_schema_version_is_refused(void **state)
{
    struct fixture *f = *state;
    struct reg_options opt = options(f->dir);
    reg_close(open_ok(&opt));

    const char *names[5] = {"default", "handles", "prefixes", "txlog", "counts"};
    rocksdb_options_t *o = rocksdb_options_create();
    rocksdb_options_t *counts = rocksdb_options_create();
    rocksdb_options_set_uint64add_merge_operator(counts);
    const rocksdb_options_t *cfo[5] = {o, o, o, o, counts};
    rocksdb_column_family_handle_t *cf[5];
    char *e = NULL;
    rocksdb_t *raw = rocksdb_open_column_families(o, f->dir, 5, names, cfo, cf, &e);
    assert_null(e);
    rocksdb_writeoptions_t *wo = rocksdb_writeoptions_create();
    const char version[4] = {0, 0, 0, 99};
    rocksdb_put_cf(raw, wo, cf[0], REG_META_SCHEMA, strlen(REG_META_SCHEMA), version, 4, &e);
    assert_null(e);
    rocksdb_writeoptions_destroy(wo);
    for (int i = 0; i < 5; i++)
        rocksdb_column_family_handle_destroy(cf[i]);
    rocksdb_close(raw);
    rocksdb_options_destroy(o);
    rocksdb_options_destroy(counts);

    struct reg_db *db = NULL;
    char err[512];
    assert_int_equal(reg_open(&opt, &db, err, sizeof(err)), REG_ERR_CORRUPT);
    assert_null(db);
    assert_non_null(strstr(err, "99"));
}

static uint64_t count_of(struct reg_db *db, const char *prefix)
{
    uint64_t n = 99999;
    assert_int_equal(reg_count_prefix(db, prefix, &n), REG_OK);
    return n;
}

static void prefix_counts_follow_creates_overwrites_and_deletes(void **state)
{
    struct fixture *f = *state;
    struct reg_options opt = options(f->dir);
    struct reg_db *db = open_ok(&opt);
    assert_int_equal(count_of(db, "88.100.1"), 0);
    assert_int_equal(put(db, "88.100.1/A", "a"), REG_OK);
    assert_int_equal(put(db, "88.100.1/b", "b"), REG_OK);
    assert_int_equal(put(db, "88.100.1/B", "b2"), REG_OK); /* same key: an overwrite */
    assert_int_equal(put(db, "88.200/X", "x"), REG_OK);
    assert_int_equal(count_of(db, "88.100.1"), 2);
    assert_int_equal(count_of(db, "0.NA/88.100.1"), 2);
    assert_int_equal(count_of(db, "88.200"), 1);
    assert_int_equal(reg_delete_record(db, (const uint8_t *)"88.100.1/a", 10), REG_OK);
    assert_int_equal(reg_delete_record(db, (const uint8_t *)"88.100.1/a", 10), REG_NOT_FOUND);
    assert_int_equal(count_of(db, "88.100.1"), 1);

    /* A batch counts each new key once, however often it is put, and not existing ones. */
    struct reg_batch *b = reg_batch_new(db);
    uint8_t rec[512];
    size_t rlen = record("bulk", rec, sizeof(rec));
    const char *keys[] = {"88.100.1/N1", "88.100.1/n1", "88.100.1/N2", "88.100.1/B"};
    for (size_t i = 0; i < 4; i++)
        assert_int_equal(reg_batch_put(b, (const uint8_t *)keys[i], strlen(keys[i]), rec, rlen),
                         REG_OK);
    assert_int_equal(reg_batch_commit(b), REG_OK);
    assert_int_equal(reg_batch_put(b, (const uint8_t *)"88.100.1/N1", 11, rec, rlen), REG_OK);
    assert_int_equal(reg_batch_commit(b), REG_OK);
    reg_batch_free(b);
    assert_int_equal(count_of(db, "88.100.1"), 3);
    reg_close(db);

    db = open_ok(&opt);
    assert_int_equal(count_of(db, "88.100.1"), 3);
    assert_int_equal(count_of(db, "77"), 0);
    reg_close(db);
}

struct update_ctx {
    int calls;
    int abort_with;
    enum reg_update_action action;
    const char *data;
    uint8_t buf[512];
    size_t seen_len;
};

static int update_fn(void *p, struct reg_update *u)
{
    struct update_ctx *c = p;
    c->calls++;
    c->seen_len = u->old ? u->old_len : 0;
    if (c->abort_with)
        return c->abort_with;
    u->action = c->action;
    if (c->action == REG_UPDATE_PUT) {
        u->record = c->buf;
        u->record_len = c->data ? record(c->data, c->buf, sizeof c->buf) : 3;
    }
    return 0;
}

static void update_applies_what_the_callback_decides(void **state)
{
    struct fixture *f = *state;
    struct reg_options opt = options(f->dir);
    struct reg_db *db = open_ok(&opt);
    const uint8_t *h = (const uint8_t *)"88/U";
    int fn_rc;
    struct update_ctx c = {.action = REG_UPDATE_DELETE};
    assert_int_equal(reg_update_record(db, h, 4, update_fn, &c, &fn_rc), REG_NOT_FOUND);
    assert_int_equal(c.seen_len, 0);

    c = (struct update_ctx){.action = REG_UPDATE_PUT, .data = "one"};
    assert_int_equal(reg_update_record(db, h, 4, update_fn, &c, &fn_rc), REG_OK);
    assert_int_equal(fn_rc, 0);
    expect(db, "88/U", "one");
    uint64_t next = reg_next_txn_id(db);

    /* An abort writes nothing and hands back the callback's code; so does KEEP. */
    c = (struct update_ctx){.abort_with = 101};
    assert_int_equal(reg_update_record(db, h, 4, update_fn, &c, &fn_rc), REG_OK);
    assert_int_equal(fn_rc, 101);
    assert_true(c.seen_len > 0);
    c = (struct update_ctx){.action = REG_UPDATE_KEEP};
    assert_int_equal(reg_update_record(db, h, 4, update_fn, &c, &fn_rc), REG_OK);
    assert_int_equal(reg_next_txn_id(db), next);

    /* A malformed record is refused before it reaches the store. */
    c = (struct update_ctx){.action = REG_UPDATE_PUT, .data = NULL};
    assert_int_equal(reg_update_record(db, h, 4, update_fn, &c, &fn_rc), REG_ERR_INVALID);
    expect(db, "88/U", "one");
    assert_int_equal(reg_next_txn_id(db), next);

    c = (struct update_ctx){.action = REG_UPDATE_DELETE};
    assert_int_equal(reg_update_record(db, h, 4, update_fn, &c, &fn_rc), REG_OK);
    expect(db, "88/U", NULL);
    assert_int_equal(reg_stable_txn_id(db), reg_next_txn_id(db) - 1);
    reg_close(db);
}

/* A group's unsynced changes are not stable until the group's sync: replication does not read
 * them. Then they are, and so is a group whose last write was synced. */
static void deferred_changes_are_stable_after_the_sync(void **state)
{
    struct fixture *f = *state;
    struct reg_options opt = options(f->dir);
    opt.sync_writes = true;
    struct reg_db *db = open_ok(&opt);
    assert_int_equal(put(db, "88/S0", "zero"), REG_OK);
    uint64_t before = reg_stable_txn_id(db);
    assert_int_equal(before, reg_next_txn_id(db) - 1);

    reg_defer_sync_begin(db);
    assert_int_equal(put(db, "88/S1", "one"), REG_OK);
    assert_int_equal(put(db, "88/S2", "two"), REG_OK);
    assert_int_equal(reg_stable_txn_id(db), before);
    expect(db, "88/S2", "two"); /* visible to reads, as before */
    assert_int_equal(reg_defer_sync_end(db), REG_OK);
    assert_int_equal(reg_stable_txn_id(db), reg_next_txn_id(db) - 1);

    before = reg_stable_txn_id(db);
    reg_defer_sync_begin(db);
    assert_int_equal(put(db, "88/S3", "three"), REG_OK);
    assert_int_equal(reg_stable_txn_id(db), before);
    reg_defer_sync_last(db);
    assert_int_equal(put(db, "88/S4", "four"), REG_OK); /* synced: syncs S3 too */
    assert_int_equal(reg_defer_sync_end(db), REG_OK);
    assert_int_equal(reg_stable_txn_id(db), reg_next_txn_id(db) - 1);

    /* A group that wrote nothing changes nothing. */
    reg_defer_sync_begin(db);
    assert_int_equal(reg_defer_sync_end(db), REG_OK);
    assert_int_equal(reg_stable_txn_id(db), reg_next_txn_id(db) - 1);
    reg_close(db);

    db = open_ok(&opt);
    expect(db, "88/S1", "one");
    expect(db, "88/S4", "four");
    reg_close(db);
}

struct counter_arg {
    struct reg_db *db;
};

static int increment_fn(void *p, struct reg_update *u)
{
    /* The record's data is a decimal counter: read, add one, write back. */
    static __thread uint8_t buf[512];
    char text[32] = "0";
    if (u->old) {
        struct reg_record_view view;
        struct hdl_reader r;
        struct hdl_value v;
        assert_int_equal(reg_record_parse(u->old, u->old_len, 1, &view), HDL_OK);
        hdl_reader_init(&r, view.values.ptr, view.values.len);
        assert_int_equal(hdl_value_decode(&r, &v), HDL_OK);
        snprintf(text, sizeof text, "%.*s", (int)v.data.len, (const char *)v.data.ptr);
    }
    snprintf(text, sizeof text, "%d", atoi(text) + 1);
    u->action = REG_UPDATE_PUT;
    u->record = buf;
    u->record_len = record(text, buf, sizeof buf);
    (void)p;
    return 0;
}

static void *incrementer(void *p)
{
    struct counter_arg *a = p;
    int fn_rc;
    for (int i = 0; i < 100; i++)
        if (reg_update_record(a->db, (const uint8_t *)"88/COUNTER", 10, increment_fn, NULL,
                              &fn_rc) != REG_OK)
            return p;
    return NULL;
}

static void concurrent_updates_of_one_handle_never_lose_one(void **state)
{
    struct fixture *f = *state;
    struct reg_options opt = options(f->dir);
    struct reg_db *db = open_ok(&opt);
    pthread_t th[4];
    struct counter_arg a = {db};
    for (int i = 0; i < 4; i++)
        assert_int_equal(pthread_create(&th[i], NULL, incrementer, &a), 0);
    for (int i = 0; i < 4; i++) {
        void *ret;
        pthread_join(th[i], &ret);
        assert_null(ret);
    }
    expect(db, "88/COUNTER", "400");
    assert_int_equal(count_of(db, "88"), 1);
    assert_int_equal(reg_stable_txn_id(db), 400);
    reg_close(db);
}

/* The value RocksDB holds for handle, copied into out; its length. */
static size_t stored_value(struct reg_db *db, const char *handle, uint8_t *out, size_t cap)
{
    uint8_t key[REG_MAX_KEY];
    size_t klen = reg_canonical_key(db, (const uint8_t *)handle, strlen(handle), key);
    char *e = NULL;
    size_t vlen = 0;
    char *v = rocksdb_get_cf(db->rdb, db->ropt, db->cf[REG_CF_HANDLES], (const char *)key, klen,
                             &vlen, &e);
    assert_null(e);
    assert_non_null(v);
    assert_true(vlen <= cap);
    memcpy(out, v, vlen);
    rocksdb_free(v);
    return vlen;
}

/* A three-value record with a URL of data_len bytes, as generated product records look. */
static size_t product_record(size_t data_len, uint8_t *buf, size_t cap)
{
    static char url[4096];
    memset(url, 'u', sizeof url);
    struct hdl_value v[3] = {
        {.index = 1,
         .timestamp = 7,
         .ttl = 86400,
         .perms = HDL_PERM_DEFAULT,
         .type = {(const uint8_t *)"URL", 3},
         .data = {(const uint8_t *)url, (uint32_t)data_len}},
        {.index = 2,
         .timestamp = 7,
         .ttl = 86400,
         .perms = HDL_PERM_DEFAULT,
         .type = {(const uint8_t *)"META", 4},
         .data = {(const uint8_t *)"{\"sku\":1}", 9}},
        {.index = 100,
         .timestamp = 7,
         .ttl = 86400,
         .perms = HDL_PERM_DEFAULT,
         .type = {(const uint8_t *)"HS_ADMIN", 8},
         .data = {(const uint8_t *)"admin", 5}},
    };
    struct hdl_writer w;
    hdl_writer_init(&w, buf, cap);
    assert_int_equal(reg_record_build(&w, v, 3), HDL_OK);
    return w.len;
}

static void expect_record(struct reg_db *db, const char *handle, const uint8_t *want, size_t len)
{
    struct reg_pin pin;
    assert_int_equal(reg_get_record(db, (const uint8_t *)handle, strlen(handle), &pin), REG_OK);
    assert_int_equal(pin.len, len);
    assert_memory_equal(pin.data, want, len);
    reg_pin_release(&pin);
}

struct scanned {
    const uint8_t *want;
    size_t len;
    int seen;
};

static int scan_one(void *ctx, const uint8_t *key, size_t klen, const uint8_t *record, size_t rlen)
{
    struct scanned *s = ctx;
    (void)key;
    (void)klen;
    assert_int_equal(rlen, s->len);
    assert_memory_equal(record, s->want, rlen);
    s->seen++;
    return 0;
}

static void records_are_stored_compact_and_read_back_whole(void **state)
{
    struct fixture *f = *state;
    struct reg_options opt = options(f->dir);
    struct reg_db *db = open_ok(&opt);
    uint8_t record[8192], stored[8192];

    /* Small (expanded into the pin) and large (into memory the pin owns). */
    size_t sizes[] = {40, REG_PIN_LOCAL, 4000};
    for (size_t i = 0; i < 3; i++) {
        size_t len = product_record(sizes[i], record, sizeof record);
        assert_int_equal(reg_put_record(db, (const uint8_t *)"88/p", 4, record, len), REG_OK);
        size_t slen = stored_value(db, "88/p", stored, sizeof stored);
        assert_int_equal(stored[0], 2);
        /* Saved: the fields every value repeats, four-byte lengths, URL and HS_ADMIN spelled
         * as one-byte codes; one byte less once the URL's length takes two varint bytes. */
        assert_int_equal(len - slen, sizes[i] < 128 ? 72 : 71);
        expect_record(db, "88/p", record, len);
        struct scanned s = {record, len, 0};
        assert_int_equal(reg_bulk_scan(db, NULL, 0, scan_one, &s), REG_OK);
        assert_int_equal(s.seen, 1);
    }

    /* Batches store compact too. */
    size_t len = product_record(60, record, sizeof record);
    struct reg_batch *b = reg_batch_new(db);
    assert_int_equal(reg_batch_put(b, (const uint8_t *)"88/q", 4, record, len), REG_OK);
    assert_int_equal(reg_batch_commit(b), REG_OK);
    reg_batch_free(b);
    assert_int_equal(stored_value(db, "88/q", stored, sizeof stored), len - 72);
    expect_record(db, "88/q", record, len);

    /* A record with no values gains nothing and is stored whole: read as stored, as the records
     * of registries written before the compact form are. */
    struct hdl_writer w;
    hdl_writer_init(&w, record, sizeof record);
    assert_int_equal(reg_record_build(&w, NULL, 0), HDL_OK);
    assert_int_equal(reg_put_record(db, (const uint8_t *)"88/e", 4, record, w.len), REG_OK);
    assert_int_equal(stored_value(db, "88/e", stored, sizeof stored), w.len);
    assert_memory_equal(stored, record, w.len);
    expect_record(db, "88/e", record, w.len);
    reg_close(db);
}

static void a_damaged_stored_value_reads_as_a_damaged_record(void **state)
{
    struct fixture *f = *state;
    struct reg_options opt = options(f->dir);
    struct reg_db *db = open_ok(&opt);
    static const uint8_t damaged[] = {2, 1, 40, 1, 0x0e, 0, 0, 0, 0, 1, 0, 0, 0, 7, 0xff};
    char *e = NULL;
    rocksdb_put_cf(db->rdb, db->wopt, db->cf[REG_CF_HANDLES], "88/D", 4, (const char *)damaged,
                   sizeof damaged, &e);
    assert_null(e);
    struct reg_pin pin;
    assert_int_equal(reg_get_record(db, (const uint8_t *)"88/D", 4, &pin), REG_OK);
    struct reg_record_view view;
    assert_int_equal(pin.len, sizeof damaged);
    assert_int_equal(reg_record_parse(pin.data, pin.len, 0, &view), HDL_ERR_VERSION);
    reg_pin_release(&pin);
    reg_close(db);
}

/* Writes 2,000 product records with data blocks of block_kb KiB (0: the default), closes so
 * they go to a table file, and returns the number of data blocks. */
static uint64_t data_blocks_with(const char *dir, unsigned block_kb)
{
    struct reg_options opt = options(dir);
    opt.block_kb = block_kb;
    struct reg_db *db = open_ok(&opt);
    uint8_t record[512];
    char h[32];
    for (int i = 0; i < 2000; i++) {
        snprintf(h, sizeof h, "88.100.1/%06d", i);
        size_t len = product_record(60, record, sizeof record);
        assert_int_equal(reg_put_record(db, (const uint8_t *)h, strlen(h), record, len), REG_OK);
    }
    reg_close(db);
    db = open_ok(&opt);
    size_t len = product_record(60, record, sizeof record);
    expect_record(db, "88.100.1/001999", record, len);
    struct reg_table_stats ts;
    reg_get_table_stats(db, &ts);
    assert_int_equal(ts.entries, 2000);
    reg_close(db);
    return ts.data_blocks;
}

static void data_block_size_follows_the_options(void **state)
{
    struct fixture *f = *state;
    char dir[96];
    /* ~2,000 × 130 bytes of keys and compact records: ~260 KB uncompressed. */
    snprintf(dir, sizeof dir, "%s/b4", f->dir);
    uint64_t small = data_blocks_with(dir, 4);
    snprintf(dir, sizeof dir, "%s/b16", f->dir);
    uint64_t dflt = data_blocks_with(dir, 0);
    snprintf(dir, sizeof dir, "%s/b64", f->dir);
    uint64_t large = data_blocks_with(dir, 64);
    assert_true(small >= 50 && small <= 80);
    assert_true(dflt >= 12 && dflt <= 20);
    assert_true(large >= 3 && large <= 5);

    struct reg_options opt = options(dir);
    opt.block_kb = REG_MAX_BLOCK_KB + 1;
    struct reg_db *db = NULL;
    char err[256];
    assert_int_equal(reg_open(&opt, &db, err, sizeof err), REG_ERR_INVALID);
    assert_null(db);
}

/* Whether files in dir open with O_DIRECT (tmpfs before Linux 6.6 refuses it). */
static bool direct_io_works(const char *dir)
{
    char path[128];
    snprintf(path, sizeof path, "%s/direct-probe", dir);
    int fd = open(path, O_CREAT | O_RDWR | O_DIRECT, 0600);
    if (fd >= 0)
        close(fd);
    unlink(path);
    return fd >= 0;
}

/* Batched lookups give what one lookup at a time gives, key by key: records (from the memtable
 * and from table files), absent keys and empty keys, in the order asked, across more keys than
 * one MultiGet takes; with direct reads as without, where the file system allows them. */
static void batched_lookups_match_single_ones(void **state)
{
    struct fixture *f = *state;
    int last = direct_io_works(f->dir) ? 1 : 0;
    for (int direct = 0; direct <= last; direct++) {
        char dir[96];
        snprintf(dir, sizeof dir, "%s/%d", f->dir, direct);
        struct reg_options opt = options(dir);
        opt.direct_reads = direct;
        struct reg_db *db = open_ok(&opt);
        char handle[64], data[64];
        for (int i = 0; i < 400; i += 2) {
            snprintf(handle, sizeof handle, "88.100.1/M-%03d", i);
            snprintf(data, sizeof data, "https://m.example/%d", i);
            assert_int_equal(put(db, handle, data), REG_OK);
        }
        reg_close(db);
        db = open_ok(&opt); /* the first half in table files ... */
        for (int i = 1; i < 400; i += 4) {
            snprintf(handle, sizeof handle, "88.100.1/M-%03d", i);
            snprintf(data, sizeof data, "https://m.example/%d", i);
            assert_int_equal(put(db, handle, data), REG_OK); /* ... these in the memtable */
        }
        enum { N = REG_GET_MANY_MAX + 44 };
        static uint8_t keys[N][REG_MAX_KEY];
        const uint8_t *kp[N];
        size_t lens[N];
        for (int i = 0; i < N; i++) {
            /* Asked out of order, one key twice, one empty. */
            int h = (i * 7) % 400;
            snprintf(handle, sizeof handle, "88.100.1/m-%03d", i == 5 ? 14 : h);
            lens[i] = i == 9
                          ? 0
                          : reg_canonical_key(db, (const uint8_t *)handle, strlen(handle), keys[i]);
            kp[i] = keys[i];
        }
        static struct reg_pin pins[N];
        int rcs[N];
        reg_get_records_keys(db, N, kp, lens, pins, rcs);
        int found = 0;
        for (int i = 0; i < N; i++) {
            struct reg_pin one;
            int rc = lens[i] ? reg_get_record_key(db, keys[i], lens[i], &one) : REG_ERR_INVALID;
            assert_int_equal(rcs[i], rc);
            if (rc == REG_OK) {
                found++;
                assert_int_equal(pins[i].len, one.len);
                assert_memory_equal(pins[i].data, one.data, one.len);
                reg_pin_release(&one);
            }
            reg_pin_release(&pins[i]);
        }
        assert_int_equal(rcs[9], REG_ERR_INVALID);
        assert_int_equal(rcs[5], REG_OK);
        assert_true(found > N / 2 && found < N);
        reg_close(db);
    }
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(put_get_delete),
        T(put_rejects_bad_handles_and_records),
        T(pinned_record_outlives_an_overwrite),
        T(keys_fold_ascii_case),
        T(case_sensitivity_is_fixed_at_creation),
        T(every_cache_and_index_layout_serves_reads_through_the_cache),
        T(restart_keeps_data),
        T(homed_prefixes_are_listed_canonical),
        T(txlog_ids_increase_and_survive_reopen),
        T(txlog_ids_are_unique_across_threads),
        T(batch_commits_atomically_with_one_entry_per_record),
        T(second_open_while_open_is_locked),
        T(missing_dir_without_create_is_missing),
        T(read_only_open_beside_a_writer_sees_data),
        T(garbage_current_or_manifest_is_an_error),
        T(unknown_schema_version_is_refused),
        T(prefix_counts_follow_creates_overwrites_and_deletes),
        T(update_applies_what_the_callback_decides),
        T(concurrent_updates_of_one_handle_never_lose_one),
        T(records_are_stored_compact_and_read_back_whole),
        T(a_damaged_stored_value_reads_as_a_damaged_record),
        T(data_block_size_follows_the_options),
        T(batched_lookups_match_single_ones),
        T(deferred_changes_are_stable_after_the_sync),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
