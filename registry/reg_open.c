/*
 * Opening and closing the registry: the one place that builds the handle (reg_handle.h), opens
 * RocksDB with its column families, then checks the metadata (reg_meta.h) and recovers the txlog
 * and interrupted bulk ingestions, in that order. Nothing below calls back into this file.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "registry/reg_bulk.h"
#include "registry/reg_cache.h"
#include "registry/reg_handle.h"
#include "registry/reg_internal.h"
#include "registry/reg_meta.h"

/* Used when the configuration leaves the cache size at 0: enough to hold the upper levels'
 * index and filter partitions of a small registry. */
#define REG_DEFAULT_CACHE_BYTES (64u << 20)

/* Background write budget: well above what the registry's own writes need, well below what a
 * disk delivers, so compaction after a bulk ingestion cannot saturate it. */
#define REG_BACKGROUND_BYTES_PER_S (256ll << 20)

static void set_err(char *err, size_t errlen, const char *path, const char *what)
{
    if (err && errlen)
        snprintf(err, errlen, "registry %s: %s", path, what);
}

/* Pins whole-file index and filter blocks in the cache once read. RocksDB 7's C API has no
 * setter for the metadata cache options; its options-string parser has, and it configures the
 * table factory already set, block cache included. */
static rocksdb_options_t *pinned_metadata(rocksdb_options_t *o, char **rerr)
{
    rocksdb_options_t *pinned = rocksdb_options_create();
    rocksdb_get_options_from_string(
        o, "block_based_table_factory={metadata_cache_options={unpartitioned_pinning=kAll}}",
        pinned, rerr);
    if (*rerr) {
        rocksdb_options_destroy(pinned);
        return o;
    }
    rocksdb_options_destroy(o);
    return pinned;
}

static int open_rocksdb(struct reg_db *db, const struct reg_options *opt, char **rerr)
{
    size_t cache_bytes = opt->block_cache_bytes ? opt->block_cache_bytes : REG_DEFAULT_CACHE_BYTES;
    /* The clock cache sizes its table for entries of this size: most of what it holds are
     * data blocks. */
    /* One cache for every column family, so the configured size bounds them all together. */
    db->cache = opt->cache_type == REG_CACHE_LRU
                    ? rocksdb_cache_create_lru(cache_bytes)
                    : reg_cache_create_clock(cache_bytes, db->block_bytes);
    if (!db->cache)
        return REG_ERR_IO;

    rocksdb_options_t *dbo = reg_base_options(opt);
    if (opt->statistics)
        rocksdb_options_enable_statistics(dbo);
    rocksdb_options_t *lookup = reg_base_options(opt);
    rocksdb_options_t *scan = reg_base_options(opt);
    rocksdb_block_based_table_options_t *lt =
        reg_lookup_table(db->cache, opt->bloom_bits_per_key, opt->index_layout, db->block_bytes);
    rocksdb_block_based_table_options_t *st = reg_scan_table(db->cache);
    rocksdb_options_set_block_based_table_factory(dbo, lt);
    rocksdb_options_set_block_based_table_factory(lookup, lt);
    rocksdb_options_set_block_based_table_factory(scan, st);
    rocksdb_options_t *counts = reg_base_options(opt);
    rocksdb_options_set_block_based_table_factory(counts, lt);
    /* RocksDB's own uint64 add: operands are 8-byte little-endian deltas, negative ones in two's
     * complement, so counts change by merge with no read on the write path. */
    rocksdb_options_set_uint64add_merge_operator(counts);
    if (opt->index_layout == REG_INDEX_WHOLE) {
        lookup = pinned_metadata(lookup, rerr);
        if (!*rerr)
            counts = pinned_metadata(counts, rerr);
        if (*rerr) {
            rocksdb_block_based_options_destroy(lt);
            rocksdb_block_based_options_destroy(st);
            rocksdb_options_destroy(dbo);
            rocksdb_options_destroy(lookup);
            rocksdb_options_destroy(scan);
            rocksdb_options_destroy(counts);
            return REG_ERR_INVALID;
        }
    }
    const rocksdb_options_t *cfo[REG_CF_COUNT] = {lookup, lookup, lookup, scan, counts};
    /* Flushes and compactions share REG_BACKGROUND_BYTES_PER_S of write bandwidth, so an import
     * or a compaction burst leaves the disk to foreground lookups (the limiter favours flushes,
     * which unblock writers, over compactions). */
    rocksdb_ratelimiter_t *limiter =
        rocksdb_ratelimiter_create(REG_BACKGROUND_BYTES_PER_S, 100000, 10);
    rocksdb_options_set_ratelimiter(dbo, limiter);
    rocksdb_ratelimiter_destroy(limiter);

    if (opt->read_only)
        db->rdb = rocksdb_open_for_read_only_column_families(dbo, opt->path, REG_CF_COUNT,
                                                             reg_cf_names, cfo, db->cf, 0, rerr);
    else
        db->rdb = rocksdb_open_column_families(dbo, opt->path, REG_CF_COUNT, reg_cf_names, cfo,
                                               db->cf, rerr);

    rocksdb_block_based_options_destroy(lt);
    rocksdb_block_based_options_destroy(st);
    if (opt->statistics && db->rdb)
        db->stats_opts = dbo; /* the statistics live in these options: kept until close */
    else
        rocksdb_options_destroy(dbo);
    rocksdb_options_destroy(lookup);
    rocksdb_options_destroy(scan);
    rocksdb_options_destroy(counts);
    return db->rdb ? REG_OK : reg_map_rocksdb_error(*rerr);
}

/* RocksDB's own message for a missing registry names only CURRENT; checking first gives a clear
 * one, and a read-only open would otherwise report a plain I/O error. */
static bool registry_present(const char *path)
{
    char current[4096];
    struct stat st;
    if (snprintf(current, sizeof(current), "%s/CURRENT", path) >= (int)sizeof(current))
        return true; /* let RocksDB report it */
    return stat(current, &st) == 0 || errno != ENOENT;
}

int reg_open(const struct reg_options *opt, struct reg_db **out, char *err, size_t errlen)
{
    *out = NULL;
    if (err && errlen)
        err[0] = '\0';
    if (!opt || !opt->path || !opt->path[0]) {
        set_err(err, errlen, "(none)", "no path given");
        return REG_ERR_INVALID;
    }
    if ((unsigned)opt->bottommost_compression > REG_COMPRESS_NONE ||
        (unsigned)opt->index_layout > REG_INDEX_PARTITIONED ||
        (unsigned)opt->cache_type > REG_CACHE_LRU || opt->block_kb > REG_MAX_BLOCK_KB) {
        set_err(err, errlen, opt->path,
                "unknown compression, index layout or cache type, or a block size over 1 MiB");
        return REG_ERR_INVALID;
    }
    if ((opt->read_only || !opt->create_if_missing) && !registry_present(opt->path)) {
        set_err(err, errlen, opt->path, "no registry here (and creation is off)");
        return REG_ERR_MISSING;
    }
    struct reg_db *db = calloc(1, sizeof(*db));
    if (!db || !(db->path = strdup(opt->path))) {
        free(db);
        set_err(err, errlen, opt->path, "out of memory");
        return REG_ERR_IO;
    }
    pthread_mutex_init(&db->txn_lock, NULL);
    db->versions = calloc(REG_VERSION_SLOTS, sizeof *db->versions);
    if (!db->versions) {
        free(db->path);
        free(db);
        set_err(err, errlen, opt->path, "out of memory");
        return REG_ERR_IO;
    }
    for (int i = 0; i < REG_STRIPES; i++)
        pthread_mutex_init(&db->stripes[i], NULL);
    pthread_rwlockattr_t gate_attr;
    pthread_rwlockattr_init(&gate_attr);
    pthread_rwlockattr_setkind_np(&gate_attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
    pthread_rwlock_init(&db->write_gate, &gate_attr);
    pthread_rwlockattr_destroy(&gate_attr);
    db->read_only = opt->read_only;
    db->bloom_bits = opt->bloom_bits_per_key;
    db->bottom_compression = opt->bottommost_compression;
    db->index_layout = opt->index_layout;
    db->block_bytes = (size_t)(opt->block_kb ? opt->block_kb : REG_DEFAULT_BLOCK_KB) << 10;

    char *rerr = NULL;
    int rc = open_rocksdb(db, opt, &rerr);
    if (rc) {
        const char *why = rc == REG_ERR_LOCKED ? "in use by another process" : "cannot open";
        char msg[1024];
        snprintf(msg, sizeof(msg), "%s (%s)", why, rerr ? rerr : "unknown error");
        set_err(err, errlen, opt->path, msg);
        rocksdb_free(rerr);
        reg_close(db);
        return rc;
    }

    db->ropt = rocksdb_readoptions_create();
    db->scan_ropt = rocksdb_readoptions_create();
    /* A txlog or prefix scan touches each block once; keep it from evicting hot records. */
    rocksdb_readoptions_set_fill_cache(db->scan_ropt, 0);
    db->wopt = rocksdb_writeoptions_create();
    rocksdb_writeoptions_set_sync(db->wopt, opt->sync_writes);
    db->wopt_nosync = rocksdb_writeoptions_create();
    db->sync_writes = opt->sync_writes;

    if ((rc = reg_meta_init(db, opt->case_sensitive, err, errlen)) ||
        (rc = reg_txlog_recover(db)) || (rc = reg_bulk_recover(db))) {
        if (err && errlen && !err[0])
            set_err(err, errlen, opt->path, pz_strerror(rc));
        reg_close(db);
        return rc;
    }
    *out = db;
    return REG_OK;
}

void reg_close(struct reg_db *db)
{
    if (!db)
        return;
    if (db->rdb) {
        if (!db->read_only) {
            /* Persist the memtables so the next open replays no WAL. */
            rocksdb_flushoptions_t *fo = rocksdb_flushoptions_create();
            rocksdb_flushoptions_set_wait(fo, 1);
            for (int i = 0; i < REG_CF_COUNT; i++) {
                char *e = NULL;
                rocksdb_flush_cf(db->rdb, fo, db->cf[i], &e);
                rocksdb_free(e);
            }
            rocksdb_flushoptions_destroy(fo);
        }
        for (int i = 0; i < REG_CF_COUNT; i++)
            if (db->cf[i])
                rocksdb_column_family_handle_destroy(db->cf[i]);
        rocksdb_close(db->rdb);
    }
    if (db->ropt)
        rocksdb_readoptions_destroy(db->ropt);
    if (db->scan_ropt)
        rocksdb_readoptions_destroy(db->scan_ropt);
    if (db->wopt)
        rocksdb_writeoptions_destroy(db->wopt);
    if (db->wopt_nosync)
        rocksdb_writeoptions_destroy(db->wopt_nosync);
    if (db->cache)
        rocksdb_cache_destroy(db->cache);
    if (db->stats_opts)
        rocksdb_options_destroy(db->stats_opts);
    pthread_mutex_destroy(&db->txn_lock);
    free(db->versions);
    reg_bulk_deltas_free(db->pending_counts);
    for (int i = 0; i < REG_STRIPES; i++)
        pthread_mutex_destroy(&db->stripes[i]);
    pthread_rwlock_destroy(&db->write_gate);
    free(db->path);
    free(db);
}
