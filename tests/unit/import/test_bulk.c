#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* nftw */
#endif
#include <fcntl.h>
#include <ftw.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <rocksdb/c.h>

#include "proto/hdl_const.h"
#include "registry/import/bulk_import.h"
#include "registry/reg_bulk.h"
#include "registry/reg_db.h"
#include "registry/reg_prefix.h"
#include "registry/reg_record.h"
#include "registry/reg_stats.h"

struct fixture {
    char dir[64];
    char reg[96];
    struct reg_db *db;
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    snprintf(f->dir, sizeof f->dir, "/tmp/test_bulk_XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->reg, sizeof f->reg, "%s/registry", f->dir);
    struct reg_options opt = {.path = f->reg,
                              .block_cache_bytes = 8u << 20,
                              .bloom_bits_per_key = 10,
                              .create_if_missing = true};
    char err[512];
    assert_int_equal(reg_open(&opt, &f->db, err, sizeof err), REG_OK);
    assert_int_equal(reg_home_prefix(f->db, "0.NA/88.100.1"), REG_OK);
    assert_int_equal(reg_home_prefix(f->db, "0.NA/88.118.8"), REG_OK);
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
    reg_close(f->db);
    nftw(f->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    free(f);
    return 0;
}

static size_t record(const char *data, uint8_t *buf, size_t cap)
{
    struct hdl_value v = {.index = 1,
                          .timestamp = 1,
                          .ttl = 86400,
                          .perms = HDL_PERM_DEFAULT,
                          .type = {(const uint8_t *)"URL", 3},
                          .data = {(const uint8_t *)data, (uint32_t)strlen(data)}};
    struct hdl_writer w;
    hdl_writer_init(&w, buf, cap);
    assert_int_equal(reg_record_build(&w, &v, 1), HDL_OK);
    return w.len;
}

static uint64_t count(struct reg_db *db, const char *prefix)
{
    uint64_t c;
    assert_int_equal(reg_count_prefix(db, prefix, &c), REG_OK);
    return c;
}

/* The URL of handle, or NULL when absent, into a static buffer. */
static const char *url(struct reg_db *db, const char *handle)
{
    static char out[256];
    struct reg_pin pin;
    if (reg_get_record(db, (const uint8_t *)handle, strlen(handle), &pin) != REG_OK)
        return NULL;
    struct reg_record_view view;
    assert_int_equal(reg_record_parse(pin.data, pin.len, 1, &view), HDL_OK);
    struct hdl_reader r;
    struct hdl_value v;
    hdl_reader_init(&r, view.values.ptr, view.values.len);
    assert_int_equal(hdl_value_decode(&r, &v), HDL_OK);
    snprintf(out, sizeof out, "%.*s", (int)v.data.len, (const char *)v.data.ptr);
    reg_pin_release(&pin);
    return out;
}

struct last_op {
    int op;
    char text[2100];
};

static int remember(void *ctx, uint64_t id, int op, uint32_t time, const uint8_t *h, size_t len)
{
    struct last_op *l = ctx;
    l->op = op;
    snprintf(l->text, sizeof l->text, "%.*s", (int)len, (const char *)h);
    return 0;
}

/* reg_list_counts callback: appends "prefix=count " to the string ctx. */
static int list_count(void *ctx, const char *prefix, size_t len, uint64_t c)
{
    char *out = ctx;
    size_t used = strlen(out);
    snprintf(out + used, 256 - used, "%.*s=%llu ", (int)len, prefix, (unsigned long long)c);
    return 0;
}

/* Runs bulk_import over text as CSV; returns its code. */
static int import_csv(struct fixture *f, const char *text, enum bulk_existing existing,
                      bool abort_on_error, size_t memory, struct bulk_summary *s)
{
    char path[128];
    snprintf(path, sizeof path, "%s/in.csv", f->dir);
    FILE *out = fopen(path, "w");
    fputs(text, out);
    fclose(out);
    struct reg_prefix_set *prefixes = reg_prefix_set_load(f->db);
    struct bulk_opts o = {.db = f->db,
                          .prefixes = prefixes,
                          .data_dir = f->reg,
                          .fd = open(path, O_RDONLY),
                          .name = "in.csv",
                          .format = BULK_CSV,
                          .existing = existing,
                          .abort_on_error = abort_on_error,
                          .memory_bytes = memory,
                          .threads = 2};
    int rc = bulk_import(&o, s);
    close(o.fd);
    reg_prefix_set_free(prefixes);
    return rc;
}

static void counts_stay_exact_across_create_delete_import_and_reimport(void **state)
{
    struct fixture *f = *state;
    uint8_t rec[512];
    size_t n = record("old", rec, sizeof rec);
    assert_int_equal(reg_put_record(f->db, (const uint8_t *)"88.100.1/A", 10, rec, n), REG_OK);
    assert_int_equal(reg_put_record(f->db, (const uint8_t *)"88.100.1/B", 10, rec, n), REG_OK);
    assert_int_equal(reg_delete_record(f->db, (const uint8_t *)"88.100.1/B", 10), REG_OK);
    assert_int_equal(count(f->db, "88.100.1"), 1);

    const char *csv = "handle,index,type,data\n"
                      "88.100.1/C,1,URL,c\n88.100.1/C,2,EMAIL,c@x\n"
                      "88.100.1/A,1,URL,new-a\n"
                      "88.118.8/Z,1,URL,z\n";
    struct bulk_summary s;
    assert_int_equal(import_csv(f, csv, BULK_OVERWRITE, false, 64u << 20, &s), PZ_OK);
    assert_int_equal(s.loaded, 3);
    assert_int_equal(s.created, 2);
    assert_int_equal(s.replaced, 1);
    assert_int_equal(count(f->db, "88.100.1"), 2);
    assert_int_equal(count(f->db, "88.118.8"), 1);
    assert_string_equal(url(f->db, "88.100.1/a"), "new-a");
    assert_string_equal(url(f->db, "88.100.1/C"), "c");

    struct last_op last = {0};
    assert_int_equal(reg_txlog_scan(f->db, 1, remember, &last), REG_OK);
    assert_int_equal(last.op, REG_TXN_IMPORT);
    assert_non_null(strstr(last.text, "source=in.csv handles=3 new=2"));
    assert_non_null(strstr(last.text, "counts=88.100.1:+1,88.118.8:+1"));

    /* Again: nothing new, whether kept or replaced. */
    assert_int_equal(import_csv(f, csv, BULK_SKIP, false, 64u << 20, &s), PZ_OK);
    assert_int_equal(s.kept, 3);
    assert_int_equal(s.loaded, 0);
    assert_int_equal(import_csv(f, csv, BULK_OVERWRITE, false, 64u << 20, &s), PZ_OK);
    assert_int_equal(s.replaced, 3);
    assert_int_equal(count(f->db, "88.100.1"), 2);
    assert_int_equal(count(f->db, "88.118.8"), 1);
    assert_int_equal(reg_delete_record(f->db, (const uint8_t *)"88.100.1/C", 10), REG_OK);
    assert_int_equal(count(f->db, "88.100.1"), 1);
}

static void existing_fail_and_abort_write_nothing(void **state)
{
    struct fixture *f = *state;
    uint8_t rec[512];
    size_t n = record("old", rec, sizeof rec);
    assert_int_equal(reg_put_record(f->db, (const uint8_t *)"88.100.1/A", 10, rec, n), REG_OK);
    uint64_t next = reg_next_txn_id(f->db);
    struct bulk_summary s;
    assert_int_equal(
        import_csv(f, "88.100.1/N,1,URL,n\n88.100.1/A,1,URL,a\n", BULK_FAIL, false, 1u << 20, &s),
        BULK_ERR_ABORTED);
    assert_int_equal(s.existing_refused, 1);
    assert_null(url(f->db, "88.100.1/N"));
    assert_string_equal(url(f->db, "88.100.1/A"), "old");

    assert_int_equal(import_csv(f, "88.100.1/N,1,URL,n\n88.100.1/M,x,URL,m\n", BULK_OVERWRITE, true,
                                1u << 20, &s),
                     BULK_ERR_ABORTED);
    assert_null(url(f->db, "88.100.1/N"));
    assert_int_equal(count(f->db, "88.100.1"), 1);
    assert_int_equal(reg_next_txn_id(f->db), next);
}

static void bad_rows_skip_their_whole_handle(void **state)
{
    struct fixture *f = *state;
    struct bulk_summary s;
    const char *csv = "88.100.1/G,1,URL,g\n"
                      "88.100.1/H,1,URL,h\n88.100.1/H,x,URL,h2\n"
                      "88.100.1/I,1,URL,i\n88.100.1/I,1,URL,dup-index\n"
                      "77.7/J,1,URL,not-homed\n"
                      "88.100.1/G,2,URL,again\n";
    assert_int_equal(import_csv(f, csv, BULK_OVERWRITE, false, 64u << 20, &s), PZ_OK);
    assert_int_equal(s.bad, 4);
    assert_int_equal(s.loaded, 1);
    assert_string_equal(url(f->db, "88.100.1/G"), "g");
    assert_null(url(f->db, "88.100.1/H"));
    assert_null(url(f->db, "88.100.1/I"));
}

static void spilled_runs_merge_to_the_same_result(void **state)
{
    struct fixture *f = *state;
    /* 3000 handles in scrambled order with memory for almost nothing: every chunk spills. */
    size_t cap = 1u << 20, len = 0;
    char *csv = malloc(cap);
    for (unsigned i = 0; i < 3000; i++) {
        unsigned k = (i * 7919u) % 3000u;
        len += (size_t)snprintf(csv + len, cap - len, "88.%s/K%05u,1,URL,u%u\n",
                                k % 2 ? "100.1" : "118.8", k, k);
    }
    len += (size_t)snprintf(csv + len, cap - len, "88.100.1/K00001,1,URL,again\n");
    struct bulk_summary s;
    assert_int_equal(import_csv(f, csv, BULK_OVERWRITE, false, 1, &s), PZ_OK);
    assert_true(s.runs >= 1);
    assert_int_equal(s.loaded, 3000);
    assert_int_equal(s.bad, 1);
    assert_int_equal(count(f->db, "88.100.1"), 1500);
    assert_int_equal(count(f->db, "88.118.8"), 1500);
    assert_string_equal(url(f->db, "88.100.1/K00001"), "u1");
    assert_string_equal(url(f->db, "88.118.8/K02998"), "u2998");
    free(csv);
}

/* Writes one table file of handles "88.100.1/Fn" (n in [from, to)) into dir. */
static void prepare(struct fixture *f, const char *dir, int from, int to, struct reg_bulk_deltas *d)
{
    char path[256], handle[64], err[256];
    snprintf(path, sizeof path, "%s/%06d.sst", dir, from);
    struct reg_bulk_file *file;
    assert_int_equal(reg_bulk_file_open(f->db, path, &file, err, sizeof err), REG_OK);
    uint8_t rec[512];
    size_t n = record("prepared", rec, sizeof rec);
    for (int i = from; i < to; i++) {
        int len = snprintf(handle, sizeof handle, "88.100.1/F%06d", i);
        assert_int_equal(reg_bulk_file_add(file, (const uint8_t *)handle, (size_t)len, rec, n),
                         REG_OK);
        reg_bulk_deltas_add(d, (const uint8_t *)handle, (size_t)len, 1);
    }
    /* Keys must ascend. */
    assert_int_equal(reg_bulk_file_add(file, (const uint8_t *)"0", 1, rec, n), REG_ERR_INVALID);
    uint64_t bytes;
    assert_int_equal(reg_bulk_file_finish(file, &bytes, err, sizeof err), REG_OK);
    assert_true(bytes > 0);
}

static void prepared_directory_ingests_with_counts_and_one_txlog_entry(void **state)
{
    struct fixture *f = *state;
    char dir[128], err[256];
    snprintf(dir, sizeof dir, "%s/prepared", f->dir);
    assert_int_equal(mkdir(dir, 0755), 0);
    struct reg_bulk_deltas *d = reg_bulk_deltas_new();
    prepare(f, dir, 0, 100, d);
    prepare(f, dir, 100, 250, d);
    struct reg_bulk_info info = {.handles = 250, .created = 250};
    reg_bulk_new_id(info.id);
    snprintf(info.source, sizeof info.source, "unit test");
    uint64_t next = reg_next_txn_id(f->db);
    /* Not sealed: refused. */
    assert_int_equal(reg_bulk_ingest(f->db, dir, NULL, err, sizeof err), REG_ERR_INVALID);
    assert_int_equal(reg_bulk_seal(f->db, dir, &info, d, err, sizeof err), REG_OK);
    struct reg_bulk_info got;
    assert_int_equal(reg_bulk_ingest(f->db, dir, &got, err, sizeof err), REG_OK);
    assert_string_equal(got.id, info.id);
    assert_int_equal(count(f->db, "88.100.1"), 250);
    assert_string_equal(url(f->db, "88.100.1/F000249"), "prepared");
    assert_int_equal(reg_next_txn_id(f->db), next + 1);
    assert_int_equal(got.txn_id, next);
    struct last_op last = {0};
    assert_int_equal(reg_txlog_scan(f->db, next, remember, &last), REG_OK);
    assert_int_equal(last.op, REG_TXN_IMPORT);
    assert_non_null(strstr(last.text, "source=unit_test handles=250 new=250"));
    /* The files were moved in. */
    char path[256];
    snprintf(path, sizeof path, "%s/000000.sst", dir);
    assert_int_equal(access(path, F_OK), -1);
    reg_bulk_deltas_free(d);
}

static void an_ingestion_interrupted_before_its_counts_is_finished_at_open(void **state)
{
    struct fixture *f = *state;
    char dir[128], err[256], path[256];
    snprintf(dir, sizeof dir, "%s/prepared", f->dir);
    assert_int_equal(mkdir(dir, 0755), 0);
    struct reg_bulk_deltas *d = reg_bulk_deltas_new();
    prepare(f, dir, 0, 40, d);
    /* Two prefixes the registry has no count for yet, one sorting before the stored counts and
     * one after: a read-only open lists them in their place. */
    reg_bulk_deltas_add(d, (const uint8_t *)"0.0/A", 5, 2);
    reg_bulk_deltas_add(d, (const uint8_t *)"99.9/B", 6, 3);
    struct reg_bulk_info info = {.handles = 40, .created = 40};
    reg_bulk_new_id(info.id);
    snprintf(info.source, sizeof info.source, "crash");
    assert_int_equal(reg_bulk_seal(f->db, dir, &info, d, err, sizeof err), REG_OK);
    reg_bulk_deltas_free(d);
    reg_close(f->db);
    f->db = NULL;

    /* The files land, then the process dies before the counts and the txlog entry. */
    const char *names[] = {"default", "handles", "prefixes", "txlog", "counts"};
    rocksdb_options_t *o = rocksdb_options_create();
    const rocksdb_options_t *cfo[5] = {o, o, o, o, o};
    rocksdb_column_family_handle_t *cf[5];
    char *e = NULL;
    rocksdb_t *raw = rocksdb_open_column_families(o, f->reg, 5, names, cfo, cf, &e);
    assert_null(e);
    rocksdb_ingestexternalfileoptions_t *io = rocksdb_ingestexternalfileoptions_create();
    char p0[256], p1[256];
    snprintf(p0, sizeof p0, "%s/000000.sst", dir);
    snprintf(p1, sizeof p1, "%s/%s", dir, REG_BULK_SEAL_FILE);
    const char *files[] = {p0, p1};
    rocksdb_ingest_external_file_cf(raw, cf[1], files, 2, io, &e);
    assert_null(e);
    rocksdb_ingestexternalfileoptions_destroy(io);
    for (int i = 0; i < 5; i++)
        rocksdb_column_family_handle_destroy(cf[i]);
    rocksdb_close(raw);
    rocksdb_options_destroy(o);

    struct reg_options opt = {
        .path = f->reg, .block_cache_bytes = 8u << 20, .bloom_bits_per_key = 10};
    /* A read-only open cannot finish the import, but its counts already match its data, and
     * nothing is written: a second read-only open sees the same. */
    for (int round = 0; round < 2; round++) {
        struct reg_options ro = opt;
        ro.read_only = true;
        assert_int_equal(reg_open(&ro, &f->db, err, sizeof err), REG_OK);
        assert_int_equal(count(f->db, "88.100.1"), 40);
        assert_int_equal(count(f->db, "88.118.8"), 0);
        assert_int_equal(count(f->db, "99.9"), 3);
        char listed[256] = "";
        assert_int_equal(reg_list_counts(f->db, list_count, listed), REG_OK);
        assert_string_equal(listed, "0.0=2 88.100.1=40 99.9=3 ");
        assert_string_equal(url(f->db, "88.100.1/F000039"), "prepared");
        reg_close(f->db);
        f->db = NULL;
    }

    assert_int_equal(reg_open(&opt, &f->db, err, sizeof err), REG_OK);
    assert_int_equal(count(f->db, "88.100.1"), 40);
    char listed[256] = "";
    assert_int_equal(reg_list_counts(f->db, list_count, listed), REG_OK);
    assert_string_equal(listed, "0.0=2 88.100.1=40 99.9=3 ");
    struct last_op last = {0};
    assert_int_equal(reg_txlog_scan(f->db, 1, remember, &last), REG_OK);
    assert_int_equal(last.op, REG_TXN_IMPORT);
    assert_non_null(strstr(last.text, "source=crash"));
    /* Finished once: a second open changes nothing. */
    reg_close(f->db);
    assert_int_equal(reg_open(&opt, &f->db, err, sizeof err), REG_OK);
    assert_int_equal(count(f->db, "88.100.1"), 40);
    snprintf(path, sizeof path, "88.100.1/F000039");
    assert_string_equal(url(f->db, path), "prepared");
}

/* A row longer than the 16 MiB read block: the block grows (and stays aligned for O_DIRECT
 * reads), and the rows after it are read whole. */
static void a_row_longer_than_a_read_block_is_read_whole(void **state)
{
    struct fixture *f = *state;
    size_t big = (17u << 20) + 123, cap = big + 4096, len = 0;
    char *csv = malloc(cap);
    len += (size_t)snprintf(csv + len, cap - len, "88.100.1/A,1,URL,a\n88.100.1/BIG,1,URL,");
    memset(csv + len, 'x', big);
    len += big;
    len += (size_t)snprintf(csv + len, cap - len, "\n88.100.1/C,1,URL,c\n");
    struct bulk_summary s;
    assert_int_equal(import_csv(f, csv, BULK_OVERWRITE, false, 64u << 20, &s), PZ_OK);
    free(csv);
    assert_int_equal(s.loaded + s.bad, 3);
    assert_string_equal(url(f->db, "88.100.1/A"), "a");
    assert_string_equal(url(f->db, "88.100.1/C"), "c");
}

/* Imported table files are written like the registry's own: its index layout. */
static void imported_files_take_the_registry_index_layout(void **state)
{
    struct fixture *f = *state;
    const enum reg_index_layout layouts[] = {REG_INDEX_WHOLE, REG_INDEX_PARTITIONED};
    for (int l = 0; l < 2; l++) {
        reg_close(f->db);
        struct reg_options opt = {.path = f->reg,
                                  .block_cache_bytes = 8u << 20,
                                  .bloom_bits_per_key = 10,
                                  .index_layout = layouts[l]};
        char err[512];
        assert_int_equal(reg_open(&opt, &f->db, err, sizeof err), REG_OK);
        size_t cap = 1u << 20, len = 0;
        char *csv = malloc(cap);
        for (unsigned i = 0; i < 3000; i++)
            len += (size_t)snprintf(csv + len, cap - len, "88.100.1/L%u-%05u,1,URL,u%u\n", l, i, i);
        struct bulk_summary s;
        assert_int_equal(import_csv(f, csv, BULK_OVERWRITE, false, 64u << 20, &s), PZ_OK);
        free(csv);
        assert_int_equal(s.loaded, 3000);
        struct reg_table_stats ts;
        reg_get_table_stats(f->db, &ts);
        assert_true(ts.entries >= 3000u * (l + 1)); /* and the import's seal marker */
        /* Summed over the files: the whole-file ones add no partitions. */
        if (layouts[l] == REG_INDEX_WHOLE)
            assert_int_equal(ts.index_partitions, 0);
        else
            assert_true(ts.index_partitions > 0);
    }
    assert_string_equal(url(f->db, "88.100.1/L0-00007"), "u7");
    assert_string_equal(url(f->db, "88.100.1/L1-02999"), "u2999");
}

struct put_job {
    struct reg_db *db;
    _Atomic bool done;
};

static void *put_one(void *arg)
{
    struct put_job *j = arg;
    uint8_t rec[256];
    size_t n = record("written", rec, sizeof rec);
    assert_int_equal(reg_put_record(j->db, (const uint8_t *)"88.100.1/W", 10, rec, n), REG_OK);
    atomic_store(&j->done, true);
    return NULL;
}

static void held_writes_wait_until_released(void **state)
{
    struct fixture *f = *state;
    struct put_job j = {f->db, false};
    pthread_t t;
    reg_hold_writes(f->db);
    assert_int_equal(pthread_create(&t, NULL, put_one, &j), 0);
    usleep(200 * 1000);
    assert_false(atomic_load(&j.done)); /* the write waits... */
    assert_null(url(f->db, "88.100.1/W"));
    reg_release_writes(f->db);
    pthread_join(t, NULL);
    assert_true(atomic_load(&j.done)); /* ...and lands once released */
    assert_string_equal(url(f->db, "88.100.1/W"), "written");
    assert_int_equal(count(f->db, "88.100.1"), 1);
}

static void progress_messages_and_cancel(void **state)
{
    struct fixture *f = *state;
    char path[128];
    snprintf(path, sizeof path, "%s/in.csv", f->dir);
    FILE *in = fopen(path, "w");
    fputs("88.100.1/C1,1,URL,u1\n88.999/ELSEWHERE,1,URL,u2\n88.100.1/C3,1,URL,u3\n", in);
    fclose(in);
    struct reg_prefix_set *prefixes = reg_prefix_set_load(f->db);
    char *text = NULL;
    size_t len = 0;
    FILE *messages = open_memstream(&text, &len);
    _Atomic bool cancel = false;
    struct bulk_opts o = {.db = f->db,
                          .prefixes = prefixes,
                          .data_dir = f->reg,
                          .fd = open(path, O_RDONLY),
                          .name = "in.csv",
                          .format = BULK_CSV,
                          .memory_bytes = 64u << 20,
                          .threads = 2,
                          .messages = messages,
                          .cancel = &cancel};
    struct bulk_summary s;
    /* Bad rows go to the given stream, without the command's prefix. */
    assert_int_equal(bulk_import(&o, &s), PZ_OK);
    fflush(messages);
    assert_non_null(strstr(text, "in.csv:2: "));
    assert_null(strstr(text, "pazhou:"));
    assert_int_equal(s.loaded, 2);
    assert_true(s.txn_id > 0);
    /* Cancelled: nothing lands. */
    atomic_store(&cancel, true);
    lseek(o.fd, 0, SEEK_SET);
    assert_int_equal(reg_delete_record(f->db, (const uint8_t *)"88.100.1/C1", 11), REG_OK);
    assert_int_equal(bulk_import(&o, &s), BULK_ERR_CANCELLED);
    fflush(messages);
    assert_non_null(strstr(text, "the import was cancelled"));
    assert_null(url(f->db, "88.100.1/C1"));
    assert_int_equal(count(f->db, "88.100.1"), 1);
    fclose(messages);
    free(text);
    close(o.fd);
    reg_prefix_set_free(prefixes);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(counts_stay_exact_across_create_delete_import_and_reimport),
        T(existing_fail_and_abort_write_nothing),
        T(bad_rows_skip_their_whole_handle),
        T(spilled_runs_merge_to_the_same_result),
        T(imported_files_take_the_registry_index_layout),
        T(a_row_longer_than_a_read_block_is_read_whole),
        T(prepared_directory_ingests_with_counts_and_one_txlog_entry),
        T(an_ingestion_interrupted_before_its_counts_is_finished_at_open),
        T(held_writes_wait_until_released),
        T(progress_messages_and_cancel),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
