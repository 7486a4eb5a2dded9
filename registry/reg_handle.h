/*
 * The open registry's handle and what every file of the registry needs of it: the column
 * families, the options their table files are written with, RocksDB's errors as registry
 * codes, and the bookkeeping of failed writes. The lowest module of the registry: it calls
 * nothing above it; reg_open.c fills the handle in and tears it down. Internal to the registry.
 */
#ifndef REG_HANDLE_H
#define REG_HANDLE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rocksdb/c.h>

#include "registry/reg_db.h"

/* The column families, in the order reg_cf_names names them (reg_db.h says what each holds). */
enum reg_cf {
    REG_CF_META,
    REG_CF_HANDLES,
    REG_CF_PREFIXES,
    REG_CF_TXLOG,
    REG_CF_COUNTS,
    REG_CF_COUNT
};

/* Handles hash onto this many locks; an update holds its handle's lock from read to durable
 * write, so two updates of one handle never interleave while others proceed. */
#define REG_STRIPES 1024

/* A commit in flight: its reserved txn ids, linked while it writes so the stable id can be
 * derived (every id below the oldest in-flight one is durable). */
struct reg_inflight {
    uint64_t first;
    struct reg_inflight *prev, *next;
};

struct reg_bulk_deltas; /* reg_bulk.h */

struct reg_db {
    rocksdb_t *rdb;
    rocksdb_column_family_handle_t *cf[REG_CF_COUNT];
    rocksdb_cache_t *cache;
    rocksdb_options_t *stats_opts;    /* the options holding RocksDB's statistics, when enabled */
    rocksdb_readoptions_t *ropt;      /* point lookups: shared, never changed after open */
    rocksdb_readoptions_t *scan_ropt; /* scans: do not fill the block cache */
    rocksdb_writeoptions_t *wopt;
    rocksdb_writeoptions_t *wopt_nosync; /* for writes inside reg_defer_sync_begin/end */
    bool case_sensitive;
    bool sync_writes;
    bool read_only;
    int bloom_bits; /* as opened: bulk loads write their table files with the same filter */
    enum reg_compression bottom_compression; /* ... and the same compression */
    enum reg_index_layout index_layout;      /* ... and the same index layout */
    size_t block_bytes;                      /* ... and the same data block size */
    /* Guards id assignment and the in-flight list; writes themselves run outside it, so RocksDB
     * groups concurrent synced writes into one WAL sync (group commit). */
    pthread_mutex_t txn_lock;
    uint64_t next_txn;
    struct reg_inflight *inflight;
    pthread_mutex_t stripes[REG_STRIPES];
    /* Handle writes hold it shared; a bulk import exclusively while it checks what exists and
     * ingests (reg_hold_writes). Writer-preferring, so a stream of writes cannot starve it. */
    pthread_rwlock_t write_gate;
    _Atomic uint32_t *versions; /* REG_VERSION_SLOTS change versions (reg_change_version) */
    /* Failed writes and background-error recovery (reg_write_failed), for monitoring. */
    _Atomic uint64_t nospace_failures, other_failures, resumes;
    _Atomic uint64_t last_resume_ms; /* monotonic: when reg_write_failed last tried to resume */
    /* A read-only open of a registry holding interrupted bulk ingestions: their count deltas,
     * which the count readers add in (reg_bulk_recover); NULL otherwise. */
    struct reg_bulk_deltas *pending_counts;
    char *path;
};

/* The column families' names on disk, indexed by enum reg_cf. */
extern const char *const reg_cf_names[REG_CF_COUNT];

/* Maps a RocksDB error string to a registry code (REG_ERR_*; REG_OK for NULL): the one place
 * RocksDB's message text is looked into; every RocksDB error a registry function reports
 * goes through it. */
int reg_map_rocksdb_error(const char *msg);

/* A new options object (caller destroys) with what every column family shares: parallelism,
 * compression (bottommost as opt says), level sizing, creation flags from opt. */
rocksdb_options_t *reg_base_options(const struct reg_options *opt);
/* New table options (caller destroys) for the point-lookup families, sharing cache (not owned). */
rocksdb_block_based_table_options_t *reg_lookup_table(rocksdb_cache_t *cache, int bloom_bits,
                                                      enum reg_index_layout layout,
                                                      size_t block_bytes);
/* New table options (caller destroys) for the txlog, read by range scans only. */
rocksdb_block_based_table_options_t *reg_scan_table(rocksdb_cache_t *cache);
/* A new options object (caller destroys) with the column family's table options, compression and
 * filter as the registry uses them: what a table file written outside the database needs. */
rocksdb_options_t *reg_cf_options(struct reg_db *db, enum reg_cf cf);

/* Counts a failed write (rc, a reg_err) and, when the failure may have left RocksDB in its
 * background-error state (no space, I/O), tries to resume it, at most once a second: a full disk
 * stops every write until space returns, and resuming is what lets them through again without a
 * restart. True when the registry resumed, so the caller may retry its write once (the failed
 * write left nothing behind: RocksDB applies a batch only after its WAL record is written). */
bool reg_write_failed(struct reg_db *db, int rc);

#endif
