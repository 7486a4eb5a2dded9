#include "registry/reg_handle.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "registry/reg_resume.h"

const char *const reg_cf_names[REG_CF_COUNT] = {"default", "handles", "prefixes", "txlog",
                                                "counts"};

/* Index and filter partitions of the partitioned layout: small, cached like data blocks. */
#define REG_PARTITION_BYTES 4096

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
    /* A table file writer given keys out of order, or an argument RocksDB refuses. */
    if (strncmp(msg, "Invalid argument", 16) == 0)
        return REG_ERR_INVALID;
    return REG_ERR_IO;
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
rocksdb_block_based_table_options_t *reg_lookup_table(rocksdb_cache_t *cache, int bloom_bits,
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
rocksdb_block_based_table_options_t *reg_scan_table(rocksdb_cache_t *cache)
{
    rocksdb_block_based_table_options_t *t = rocksdb_block_based_options_create();
    rocksdb_block_based_options_set_block_cache(t, cache);
    rocksdb_block_based_options_set_block_size(t, 16384);
    rocksdb_block_based_options_set_cache_index_and_filter_blocks(t, 1);
    rocksdb_block_based_options_set_pin_l0_filter_and_index_blocks_in_cache(t, 1);
    return t;
}

rocksdb_options_t *reg_base_options(const struct reg_options *opt)
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
    /* RocksDB's own info log (LOG in the registry's directory) only for fatal errors. On a full
     * disk a failed line leaves its file writer in error, and the packaged RocksDB (built with
     * assertions) aborts the process at the next line: a full disk must refuse writes, not end
     * the node. Pazhou logs every write error it is given, with its cause. */
    rocksdb_options_set_info_log_level(o, 4 /* FATAL_LEVEL */);
    /* With direct reads a lookup that misses the block cache reads the disk, bypassing the
     * page cache: the block cache then holds the data once, uncompressed, instead of beside
     * the compressed copy the kernel would keep (docs/scale.md). */
    rocksdb_options_set_use_direct_reads(o, opt->direct_reads);
    /* With every write synced, the WAL's appends wait in RocksDB's buffer for the sync that
     * writes them out: the unsynced writes of a group of changes (reg_defer_sync_begin) then
     * cost no write(2) each, and the group's closing synced write writes and syncs them all
     * (RocksDB flushes the buffer before any sync, and before it starts a new WAL). Not when
     * writes are unsynced: what they wrote must reach the kernel at once, to outlive the
     * process. */
    rocksdb_options_set_manual_wal_flush(o, opt->sync_writes && !opt->read_only);
    /* A bloom filter on each memtable's keys (2% of its size): a lookup of a key the memtable
     * does not hold, such as a create's check that its handle is new or a resolution of a
     * handle written long ago, skips the memtable's skiplist search. */
    rocksdb_options_set_memtable_whole_key_filtering(o, 1);
    rocksdb_options_set_memtable_prefix_bloom_size_ratio(o, 0.02);
    rocksdb_options_set_create_if_missing(o, opt->create_if_missing);
    rocksdb_options_set_create_missing_column_families(o, !opt->read_only);
    return o;
}

rocksdb_options_t *reg_cf_options(struct reg_db *db, enum reg_cf cf)
{
    struct reg_options as_opened = {.bottommost_compression = db->bottom_compression};
    rocksdb_options_t *o = reg_base_options(&as_opened);
    rocksdb_block_based_table_options_t *t =
        cf == REG_CF_TXLOG
            ? reg_scan_table(db->cache)
            : reg_lookup_table(db->cache, db->bloom_bits, db->index_layout, db->block_bytes);
    rocksdb_options_set_block_based_table_factory(o, t);
    rocksdb_block_based_options_destroy(t);
    return o;
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
