/* What the registry's files share and nothing outside registry/ should see. */
#ifndef REG_INTERNAL_H
#define REG_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rocksdb/c.h>

#include "registry/reg_db.h"

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
    char *path;
};

/* Folds a handle to its canonical key (ASCII a-z upper-cased unless case_sensitive) into out
 * (REG_MAX_KEY bytes); 0 when len is 0 or over REG_MAX_KEY. */
size_t reg_fold_key(bool case_sensitive, const uint8_t *in, size_t len, uint8_t *out);

/* Maps a RocksDB error string to a reg_err. */
int reg_map_rocksdb_error(const char *msg);

/* Fills pin from a value of the handles family, expanding a compact stored form (the pinned
 * value is then released at once); takes ownership of v. */
void reg_pin_fill(struct reg_pin *pin, rocksdb_pinnableslice_t *v);
/* The stored form of a record about to be written (reg_stored_encode, which validates it in
 * full: lookups trust stored records) in a buffer the caller frees. REG_ERR_INVALID when the
 * record does not parse, REG_ERR_IO when memory ran out. */
int reg_stored_copy(const uint8_t *record, size_t len, uint8_t **stored, size_t *stored_len);

/*
 * A packed run of changes, each { int1 op, int2 key length, key }, that a write records in the
 * txlog. REG_CHANGE_MAX is the room one change needs.
 */
#define REG_CHANGE_MAX (3 + REG_MAX_KEY)
size_t reg_change_pack(uint8_t *out, int op, const uint8_t *key, size_t len);

/* Recovers the next txn id at open. */
int reg_txlog_recover(struct reg_db *db);
/* Finishes bulk ingestions a crash interrupted between the ingestion and its counts and txlog
 * entry (reg_bulk.c); called at every writable open. */
int reg_bulk_recover(struct reg_db *db);
/* A new options object (caller destroys) with the column family's table options, compression and
 * filter as the registry uses them: what a table file written outside the database needs. */
rocksdb_options_t *reg_cf_options(struct reg_db *db, enum reg_cf cf);
/* Appends a txlog entry for each packed change to wb and writes wb (synced when the registry
 * syncs). Ids are reserved under txn_lock, the write runs outside it. On failure wb is left as
 * the caller built it and the reserved ids stay unused. */
int reg_commit(struct reg_db *db, rocksdb_writebatch_t *wb, const uint8_t *changes,
               size_t changes_len);
/* reg_commit, telling the txlog id of the first change (*first_id, once committed). */
int reg_commit_id(struct reg_db *db, rocksdb_writebatch_t *wb, const uint8_t *changes,
                  size_t changes_len, uint64_t *first_id);

/* Counts a failed write (rc, a reg_err) and, when the failure may have left RocksDB in its
 * background-error state (no space, I/O), tries to resume it, at most once a second: a full disk
 * stops every write until space returns, and resuming is what lets them through again without a
 * restart. True when the registry resumed, so the caller may retry its write once (the failed
 * write left nothing behind: RocksDB applies a batch only after its WAL record is written). */
bool reg_write_failed(struct reg_db *db, int rc);

/* Bumps the change version of a canonical key, once its write is durable. */
void reg_bump_version(struct reg_db *db, const uint8_t *key, size_t len);

/* REG_OK when key is in column family cf, REG_NOT_FOUND, or an error. */
int reg_key_exists(struct reg_db *db, int cf, const uint8_t *key, size_t klen);

/* Whether this thread is inside reg_defer_sync_begin/end. */
bool reg_defer_sync_active(void);

/* The lock of a canonical key's stripe. */
pthread_mutex_t *reg_stripe(struct reg_db *db, const uint8_t *key, size_t len);

/* Per-prefix handle counts (reg_counts.c), kept by merges in the "counts" family. Adds to wb the
 * merge that moves the count of key's prefix (the part before '/') by delta. */
void reg_counts_add(struct reg_db *db, rocksdb_writebatch_t *wb, const uint8_t *key, size_t len,
                    int64_t delta);

#endif
