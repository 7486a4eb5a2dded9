/*
 * The RocksDB registry. One database with column families:
 *   "default"   metadata (schema version, case sensitivity fixed at creation, ...)
 *   "handles"   canonical handle -> record (reg_record.h: values in wire encoding)
 *   "prefixes"  canonical prefix handle ("0.NA/88.100.1") -> empty: the homed prefixes
 *   "txlog"     int8 transaction id (big-endian) -> reg_txn entry, written in the same atomic
 *               batch as the change it records
 *   "counts"    canonical prefix (the key's part before '/') -> int8 little-endian handle count,
 *               changed only by merges (RocksDB's uint64add) in the batch of each write
 * Keys are the handle in canonical form: ASCII case folded to upper case unless the registry was
 * created case-sensitive. Thread-safe: every function may be called from any thread.
 */
#ifndef REG_DB_H
#define REG_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/errcode.h" /* REG_OK, REG_NOT_FOUND, REG_ERR_* */

/* What the bottommost level's table files (and bulk-loaded files) are compressed with; upper
 * levels always use LZ4. */
enum reg_compression {
    REG_COMPRESS_LZ4 = 0, /* the default: cheapest to decompress, ~40% larger than ZSTD */
    REG_COMPRESS_ZSTD,    /* smallest files, ~3x the decompression time of a 4 KiB block */
    REG_COMPRESS_NONE,
};

/* "lz4", "zstd" or "none" to *out; -1 for any other name. */
int reg_compression_parse(const char *name, enum reg_compression *out);

/* The block cache's kind. */
enum reg_cache_type {
    REG_CACHE_CLOCK = 0, /* HyperClockCache: lock-free lookups, no LRU list to reorder */
    REG_CACHE_LRU,       /* RocksDB's sharded LRU cache */
};

/* How table files index their blocks and filter their keys (fixed when a file is written). */
enum reg_index_layout {
    /* One index and one filter block per file, kept in the cache for good once read (~1.7 bytes
     * per handle, counted in the cache size): the fastest lookup, for registries whose index
     * and filters fit in RAM (a billion handles: ~1.7 GB). */
    REG_INDEX_WHOLE = 0,
    /* Two-level index and partitioned filters, their 4 KiB partitions cached like data blocks:
     * memory bounded by the cache however many handles there are, one more cache lookup each. */
    REG_INDEX_PARTITIONED,
};

/* "whole" or "partitioned" to *out; -1 for any other name. */
int reg_index_layout_parse(const char *name, enum reg_index_layout *out);

struct reg_options {
    const char *path;
    size_t block_cache_bytes; /* shared LRU cache for data, index and filter blocks */
    int bloom_bits_per_key;   /* 0 disables the filter */
    bool create_if_missing;
    bool read_only;      /* no lock taken: safe beside a running node */
    bool sync_writes;    /* fsync the WAL before a write returns */
    bool statistics;     /* RocksDB statistics (block-cache hits and misses): a few % per read */
    bool case_sensitive; /* only used when the registry is created */
    enum reg_compression bottommost_compression;
    enum reg_cache_type cache_type;
    enum reg_index_layout index_layout; /* of the files written: flushes, compactions, imports */
    unsigned block_kb; /* data block size of the files written, KiB; 0 = REG_DEFAULT_BLOCK_KB */
    bool direct_reads; /* table files read with O_DIRECT: the block cache is the only cache */
};

#define REG_DEFAULT_BLOCK_KB 16
#define REG_MAX_BLOCK_KB 1024

struct reg_db;

/* Opens (or creates) the registry. On failure returns a reg_err and writes a sentence that names
 * the path and the cause into err. */
int reg_open(const struct reg_options *opt, struct reg_db **out, char *err, size_t errlen);
/* Flushes and closes; NULL is ignored. */
void reg_close(struct reg_db *db);

bool reg_is_case_sensitive(const struct reg_db *db);

/* Longest canonical key: a handle is at most 2,048 bytes (docs/protocol.md §2). */
#define REG_MAX_KEY 2048

/* Writes the canonical key of handle into out (REG_MAX_KEY bytes); returns its length, or 0 when
 * the handle is empty or longer than REG_MAX_KEY. */
size_t reg_canonical_key(const struct reg_db *db, const uint8_t *handle, size_t len, uint8_t *out);

/*
 * Lookup: on REG_OK, pin->data/len point at the record (reg_record.h) until reg_pin_release:
 * in the block cache when it is stored whole, else expanded from its compact stored form
 * (reg_stored.h) into the pin itself, or into memory the pin owns when it is larger. Returns
 * REG_NOT_FOUND when absent. A stored value that does not expand is handed over as it is
 * stored, which reg_record_parse refuses: callers see a damaged record, never a crash.
 */
#define REG_PIN_LOCAL 512
struct reg_pin {
    const uint8_t *data;
    size_t len;
    void *impl;    /* the RocksDB pinned value, while data points into it */
    uint8_t *heap; /* an expanded record larger than local */
    uint8_t local[REG_PIN_LOCAL];
};
int reg_get_record(struct reg_db *db, const uint8_t *handle, size_t len, struct reg_pin *pin);
void reg_pin_release(struct reg_pin *pin);
/* The same for a key already in canonical form (reg_canonical_key). */
int reg_get_record_key(struct reg_db *db, const uint8_t *key, size_t len, struct reg_pin *pin);
/* reg_get_record_key for n keys at once (at most REG_GET_MANY_MAX), with RocksDB's batched
 * MultiGet: the keys sorted, each table file's index and filter searched once for all the keys
 * it may hold, a block several keys share read once. rcs[i] and pins[i] are what
 * reg_get_record_key would give for keys[i]; every pin is released with reg_pin_release. */
#define REG_GET_MANY_MAX 256
void reg_get_records_keys(struct reg_db *db, size_t n, const uint8_t *const *keys,
                          const size_t *lens, struct reg_pin *pins, int *rcs);
/* The same, with pin holding the record as RocksDB stores it (reg_stored.h: compact when
 * that is smaller), for caches that keep the stored form; reg_pin_expand turns it into the
 * record. */
int reg_get_stored_key(struct reg_db *db, const uint8_t *key, size_t len, struct reg_pin *pin);
/* Turns a pin holding a stored form (pin->data, pin->len; impl the RocksDB value or NULL) into
 * the record it stands for, expanding a compact one into pin->local or the heap. A damaged one
 * is left as it is: reg_record_parse reports it. */
void reg_pin_expand(struct reg_pin *pin);

/* Writes a whole record (replacing any) and a txlog entry, atomically. */
int reg_put_record(struct reg_db *db, const uint8_t *handle, size_t len, const uint8_t *record,
                   size_t record_len);
/* Deletes a record and logs it; REG_NOT_FOUND when absent. */
int reg_delete_record(struct reg_db *db, const uint8_t *handle, size_t len);

/*
 * Batched writes for bulk loads: many records in one atomic RocksDB write (with one txlog entry
 * per record). Not thread-safe per batch.
 */
struct reg_batch;
struct reg_batch *reg_batch_new(struct reg_db *db);
int reg_batch_put(struct reg_batch *b, const uint8_t *handle, size_t len, const uint8_t *record,
                  size_t record_len);
size_t reg_batch_count(const struct reg_batch *b);
/* Applies and clears the batch. */
int reg_batch_commit(struct reg_batch *b);
void reg_batch_free(struct reg_batch *b);

/* Homed prefixes, by prefix handle ("0.NA/88.100.1"); stored canonical. */
int reg_home_prefix(struct reg_db *db, const char *prefix_handle);
int reg_unhome_prefix(struct reg_db *db, const char *prefix_handle);
/* Calls fn for each homed prefix (canonical spelling) in key order; stops early when fn returns
 * non-zero. */
int reg_list_prefixes(struct reg_db *db,
                      int (*fn)(void *ctx, const char *prefix_handle, size_t len), void *ctx);

/* Transaction log. */
enum reg_txn_op {
    REG_TXN_PUT = 1,
    REG_TXN_DELETE = 2,
    REG_TXN_HOME = 3,
    REG_TXN_UNHOME = 4,
    REG_TXN_IMPORT = 5, /* a bulk ingestion; the entry's bytes describe it (reg_bulk.h) */
};
/* The id the next change will get (ids start at 1, strictly increasing, survive restart). */
uint64_t reg_next_txn_id(struct reg_db *db);
/* Calls fn for every txlog entry with id >= from, in order; stops when fn returns non-zero. */
int reg_txlog_scan(struct reg_db *db, uint64_t from,
                   int (*fn)(void *ctx, uint64_t id, int op, uint32_t time, const uint8_t *handle,
                             size_t len),
                   void *ctx);

/* Exact number of handles stored under a prefix ("88.100.1" or "0.NA/88.100.1"), kept by every
 * write. Prefix handles themselves count under the prefix "0.NA". */
int reg_count_prefix(struct reg_db *db, const char *prefix, uint64_t *count);
/* Calls fn for every prefix with a stored count (canonical, without "0.NA/"; prefix handles count
 * under "0.NA"), in key order; stops when fn returns non-zero (reg_counts_list.c). */
int reg_list_counts(struct reg_db *db,
                    int (*fn)(void *ctx, const char *prefix, size_t len, uint64_t count),
                    void *ctx);

/*
 * Read-modify-write of one handle. fn sees the current record (u->old, NULL when absent) and
 * decides: keep it, put a new record (u->record, caller's memory until the call returns) or
 * delete it; a non-zero return aborts with that value in *fn_rc and nothing written. The
 * handle's lock is held from the read to the durable write, so updates of one handle never
 * interleave; the write carries its txlog entry and the per-prefix count change.
 */
enum reg_update_action { REG_UPDATE_KEEP = 0, REG_UPDATE_PUT, REG_UPDATE_DELETE };
struct reg_update {
    const uint8_t *old;
    size_t old_len;
    enum reg_update_action action;
    const uint8_t *record;
    size_t record_len;
};
int reg_update_record(struct reg_db *db, const uint8_t *handle, size_t len,
                      int (*fn)(void *ctx, struct reg_update *u), void *ctx, int *fn_rc);

/*
 * A group of writes by one thread with one sync at the end: between begin and end this thread's
 * writes reach the WAL unsynced; end syncs the WAL once (when the registry syncs at all and the
 * group wrote anything), after which every write of the group is durable. A caller answers none
 * of the group's requests before end returns REG_OK.
 */
void reg_defer_sync_begin(struct reg_db *db);
/* The group's last request is next: its writes are synced as they are made, and the first of
 * them makes the group's earlier ones durable too, so that end has no sync of its own to make
 * when the last request wrote. end must still follow. */
void reg_defer_sync_last(struct reg_db *db);
int reg_defer_sync_end(struct reg_db *db);

/* The highest txn id below which every change is durable: replication reads up to here, since
 * concurrent commits may land out of id order, and a group's unsynced changes
 * (reg_defer_sync_begin) are not durable before reg_defer_sync_end. */
uint64_t reg_stable_txn_id(struct reg_db *db);

/*
 * Change versions, for caches of records kept above the registry: every durable write of a
 * handle bumps the version of the slot its canonical key hashes to. A cache remembers the
 * version it read before fetching a record, and the record is current while the version is.
 */
#define REG_VERSION_SLOTS 65536u
uint64_t reg_key_hash(const uint8_t *key, size_t len); /* FNV-1a 64 of a canonical key */
uint32_t reg_change_version(struct reg_db *db, uint64_t key_hash);
/* Asks the memory system for that version ahead of reg_change_version (a hint, nothing read). */
void reg_prefetch_version(struct reg_db *db, uint64_t key_hash);
/* Invalidates every cached record (bulk loads). */
void reg_bump_all_versions(struct reg_db *db);

/* Holds every handle write (reg_update_record and what uses it) off until reg_release_writes;
 * writes already under way finish first. A bulk import holds them while it checks which of its
 * handles exist and ingests, so its per-prefix counts stay exact; reads go on meanwhile. */
void reg_hold_writes(struct reg_db *db);
void reg_release_writes(struct reg_db *db);

/* Estimated number of stored handles (RocksDB's estimate-num-keys of "handles"). */
uint64_t reg_estimate_handles(struct reg_db *db);

#endif
