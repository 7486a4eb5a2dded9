#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "registry/reg_cache.h"
#include "registry/reg_internal.h"
#include "registry/reg_meta.h"
#include "registry/reg_resume.h"

static const char *const cf_names[REG_CF_COUNT] = {"default", "handles", "prefixes", "txlog",
                                                   "counts"};

/* Used when the configuration leaves the cache size at 0: enough to hold the upper levels'
 * index and filter partitions of a small registry. */
#define REG_DEFAULT_CACHE_BYTES (64u << 20)
/* Index and filter partitions of the partitioned layout: small, cached like data blocks. */
#define REG_PARTITION_BYTES 4096

/* Background write budget: well above what the registry's own writes need, well below what a
 * disk delivers, so compaction after a bulk ingestion cannot saturate it. */
#define REG_BACKGROUND_BYTES_PER_S (256ll << 20)

const char *reg_strerror(int err)
{
    switch (err) {
    case REG_OK:
        return "success";
    case REG_NOT_FOUND:
        return "not found";
    case REG_ERR_MISSING:
        return "no registry at this path";
    case REG_ERR_LOCKED:
        return "registry is locked by another process";
    case REG_ERR_CORRUPT:
        return "registry is corrupt or of an unknown format";
    case REG_ERR_IO:
        return "storage error";
    case REG_ERR_INVALID:
        return "invalid argument";
    case REG_ERR_EXISTS:
        return "already exists";
    case REG_ERR_READONLY:
        return "registry is open read-only";
    case REG_ERR_NOSPACE:
        return "no space left on the registry's disk";
    }
    return "unknown registry error";
}

int reg_map_rocksdb_error(const char *msg)
{
    if (!msg)
        return REG_OK;
    /* Corruption first: its messages may mention a "block", which contains "lock". */
    if (strncmp(msg, "Corruption", 10) == 0)
        return REG_ERR_CORRUPT;
    /* ENOSPC as RocksDB words it (IOStatus::NoSpace, strerror), and as the background error a
     * failed WAL write or flush leaves behind for every later write. */
    if (strstr(msg, "No space left on device") || strstr(msg, "No space available"))
        return REG_ERR_NOSPACE;
    if (strstr(msg, "Resource temporarily unavailable") || strstr(msg, "While lock file") ||
        strstr(msg, "lock hold by") || strstr(msg, "/LOCK"))
        return REG_ERR_LOCKED;
    if (strstr(msg, "does not exist (create_if_missing is false)"))
        return REG_ERR_MISSING;
    /* A registry whose column families are not ours, or whose CURRENT names a manifest that
     * is gone: the files do not form a registry. */
    if (strstr(msg, "Column famil") || strstr(msg, "MANIFEST"))
        return REG_ERR_CORRUPT;
    return REG_ERR_IO;
}

static void set_err(char *err, size_t errlen, const char *path, const char *what)
{
    if (err && errlen)
        snprintf(err, errlen, "registry %s: %s", path, what);
}

/*
 * Table options for point lookups ("handles", "prefixes", metadata). Data blocks of
 * registry.block_size_kb (16 KiB by default): a lookup in cached blocks costs a few memory
 * reads, and larger blocks mean 4x fewer index entries and cache handles than 4 KiB ones, so
 * more of both stay in the CPU's caches (at 100M handles in the cache, 127,105 uniform lookups
 * a second against 105,467-107,764 with 4 KiB); a lookup that misses the cache decompresses
 * the larger block (docs/scale.md). Index and filter blocks
 * live in the shared cache (charged to its size, high priority); L0 files are read by every
 * lookup, so their index and filter stay pinned. The layout (reg_index_layout):
 *  - whole: one index and filter block per file, pinned once read (pinned_metadata). Measured
 *    at 100M handles, ~20% more uniform lookups per second than partitioned with pinned
 *    partitions (each lookup then goes through two partition maps), more than unpinned.
 *  - partitioned: at billions of keys a whole-file index or filter does not fit, and cached
 *    unpinned it would be evicted and reloaded at hundreds of KiB a time; 4 KiB partitions are
 *    cached like data blocks, only the top level pinned.
 */
static rocksdb_block_based_table_options_t *lookup_table(rocksdb_cache_t *cache, int bloom_bits,
                                                         enum reg_index_layout layout,
                                                         size_t block_bytes)
{
    rocksdb_block_based_table_options_t *t = rocksdb_block_based_options_create();
    rocksdb_block_based_options_set_block_cache(t, cache);
    rocksdb_block_based_options_set_block_size(t, block_bytes);
    rocksdb_block_based_options_set_cache_index_and_filter_blocks(t, 1);
    rocksdb_block_based_options_set_cache_index_and_filter_blocks_with_high_priority(t, 1);
    rocksdb_block_based_options_set_pin_l0_filter_and_index_blocks_in_cache(t, 1);
    if (layout == REG_INDEX_PARTITIONED) {
        rocksdb_block_based_options_set_pin_top_level_index_and_filter(t, 1);
        rocksdb_block_based_options_set_index_type(
            t, rocksdb_block_based_table_index_type_two_level_index_search);
        rocksdb_block_based_options_set_partition_filters(t, 1);
        rocksdb_block_based_options_set_metadata_block_size(t, REG_PARTITION_BYTES);
    } else {
        rocksdb_block_based_options_set_index_type(
            t, rocksdb_block_based_table_index_type_binary_search);
        /* Index keys delta-encoded in runs of 16, as in data blocks: the index takes 0.42 bytes
         * per handle instead of 2.04 (100M), and its binary search touches fewer cache lines. */
        rocksdb_block_based_options_set_index_block_restart_interval(t, 16);
    }
    /* A hash index inside each data block turns the in-block binary search of a point lookup
     * into one probe. */
    rocksdb_block_based_options_set_data_block_index_type(
        t, rocksdb_block_based_table_data_block_index_type_binary_search_and_hash);
    rocksdb_block_based_options_set_data_block_hash_ratio(t, 0.75);
    if (bloom_bits > 0) {
        /* Most negative lookups (unknown handles) end at the filter without touching a data
         * block; whole-key because lookups are always by the complete handle. The table
         * options take ownership of the policy. */
        rocksdb_block_based_options_set_filter_policy(
            t, rocksdb_filterpolicy_create_bloom_full((double)bloom_bits));
        rocksdb_block_based_options_set_whole_key_filtering(t, 1);
    }
    return t;
}

/* The txlog is written in key order and read by range scans: larger blocks compress better and
 * a filter would never be consulted. */
static rocksdb_block_based_table_options_t *scan_table(rocksdb_cache_t *cache)
{
    rocksdb_block_based_table_options_t *t = rocksdb_block_based_options_create();
    rocksdb_block_based_options_set_block_cache(t, cache);
    rocksdb_block_based_options_set_block_size(t, 16384);
    rocksdb_block_based_options_set_cache_index_and_filter_blocks(t, 1);
    rocksdb_block_based_options_set_pin_l0_filter_and_index_blocks_in_cache(t, 1);
    return t;
}

int reg_compression_parse(const char *name, enum reg_compression *out)
{
    static const char *const names[] = {
        [REG_COMPRESS_LZ4] = "lz4", [REG_COMPRESS_ZSTD] = "zstd", [REG_COMPRESS_NONE] = "none"};
    for (int i = 0; i <= REG_COMPRESS_NONE; i++)
        if (strcmp(name, names[i]) == 0) {
            *out = (enum reg_compression)i;
            return 0;
        }
    return -1;
}

int reg_index_layout_parse(const char *name, enum reg_index_layout *out)
{
    if (strcmp(name, "whole") == 0)
        *out = REG_INDEX_WHOLE;
    else if (strcmp(name, "partitioned") == 0)
        *out = REG_INDEX_PARTITIONED;
    else
        return -1;
    return 0;
}

static rocksdb_options_t *base_options(const struct reg_options *opt)
{
    rocksdb_options_t *o = rocksdb_options_create();
    /* Two background threads share flushes and compactions: enough for a read-mostly node,
     * without competing with the resolver's workers. */
    rocksdb_options_increase_parallelism(o, 2);
    /* Table files stay open: a point lookup never pays to reopen a file and reload its index. */
    rocksdb_options_set_max_open_files(o, -1);
    /* Level targets follow the size of the last level, which then holds ~90% of the data:
     * space amplification stays near 1.1 however large the registry grows. */
    rocksdb_options_set_level_compaction_dynamic_level_bytes(o, 1);
    /* LZ4 is cheap to decompress on the hot upper levels. The bottommost level holds ~90% of
     * the bytes: LZ4 there by default, because a lookup that misses the block cache decompresses
     * a block and ZSTD takes ~3x as long for it (docs/scale.md); ZSTD when disk matters more. */
    rocksdb_options_set_compression(o, rocksdb_lz4_compression);
    static const int bottom[] = {
        [REG_COMPRESS_LZ4] = rocksdb_lz4_compression,
        [REG_COMPRESS_ZSTD] = rocksdb_zstd_compression,
        [REG_COMPRESS_NONE] = rocksdb_no_compression,
    };
    rocksdb_options_set_bottommost_compression(o, bottom[opt->bottommost_compression]);
    /* Dirty pages are written back every MiB, so the kernel never flushes a large burst that
     * would stall the reads queued behind it. */
    rocksdb_options_set_bytes_per_sync(o, 1u << 20);
    rocksdb_options_set_create_if_missing(o, opt->create_if_missing);
    rocksdb_options_set_create_missing_column_families(o, !opt->read_only);
    return o;
}

rocksdb_options_t *reg_cf_options(struct reg_db *db, enum reg_cf cf)
{
    struct reg_options as_opened = {.bottommost_compression = db->bottom_compression};
    rocksdb_options_t *o = base_options(&as_opened);
    rocksdb_block_based_table_options_t *t =
        cf == REG_CF_TXLOG
            ? scan_table(db->cache)
            : lookup_table(db->cache, db->bloom_bits, db->index_layout, db->block_bytes);
    rocksdb_options_set_block_based_table_factory(o, t);
    rocksdb_block_based_options_destroy(t);
    return o;
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

    rocksdb_options_t *dbo = base_options(opt);
    if (opt->statistics)
        rocksdb_options_enable_statistics(dbo);
    rocksdb_options_t *lookup = base_options(opt);
    rocksdb_options_t *scan = base_options(opt);
    rocksdb_block_based_table_options_t *lt =
        lookup_table(db->cache, opt->bloom_bits_per_key, opt->index_layout, db->block_bytes);
    rocksdb_block_based_table_options_t *st = scan_table(db->cache);
    rocksdb_options_set_block_based_table_factory(dbo, lt);
    rocksdb_options_set_block_based_table_factory(lookup, lt);
    rocksdb_options_set_block_based_table_factory(scan, st);
    rocksdb_options_t *counts = base_options(opt);
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
        db->rdb = rocksdb_open_for_read_only_column_families(dbo, opt->path, REG_CF_COUNT, cf_names,
                                                             cfo, db->cf, 0, rerr);
    else
        db->rdb =
            rocksdb_open_column_families(dbo, opt->path, REG_CF_COUNT, cf_names, cfo, db->cf, rerr);

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
        (rc = reg_txlog_recover(db)) || (!db->read_only && (rc = reg_bulk_recover(db)))) {
        if (err && errlen && !err[0])
            set_err(err, errlen, opt->path, reg_strerror(rc));
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
    for (int i = 0; i < REG_STRIPES; i++)
        pthread_mutex_destroy(&db->stripes[i]);
    pthread_rwlock_destroy(&db->write_gate);
    free(db->path);
    free(db);
}

/* A full disk fails every write until resumed; one try a second bounds the cost of resuming (a
 * flush attempt) while the disk stays full. */
#define REG_RESUME_INTERVAL_MS 1000

static uint64_t monotonic_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

bool reg_write_failed(struct reg_db *db, int rc)
{
    atomic_fetch_add_explicit(rc == REG_ERR_NOSPACE ? &db->nospace_failures : &db->other_failures,
                              1, memory_order_relaxed);
    if (rc != REG_ERR_NOSPACE && rc != REG_ERR_IO)
        return false;
    uint64_t now = monotonic_ms() + REG_RESUME_INTERVAL_MS; /* never 0 before the first try */
    uint64_t last = atomic_load_explicit(&db->last_resume_ms, memory_order_relaxed);
    if (now - last < REG_RESUME_INTERVAL_MS ||
        !atomic_compare_exchange_strong(&db->last_resume_ms, &last, now))
        return false; /* tried a moment ago, or another writer is trying now */
    char *e = reg_rocksdb_resume(db->rdb);
    if (e) {
        free(e);
        return false;
    }
    atomic_fetch_add_explicit(&db->resumes, 1, memory_order_relaxed);
    return true;
}

bool reg_is_case_sensitive(const struct reg_db *db)
{
    return db->case_sensitive;
}
