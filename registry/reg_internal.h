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
#include "registry/reg_handle.h"

/* Folds a handle to its canonical key (ASCII a-z upper-cased unless case_sensitive) into out
 * (REG_MAX_KEY bytes); 0 when len is 0 or over REG_MAX_KEY. */
size_t reg_fold_key(bool case_sensitive, const uint8_t *in, size_t len, uint8_t *out);

/* Fills pin from a value of the handles family, expanding a compact stored form (the pinned
 * value is then released at once); takes ownership of v. */
void reg_pin_fill(struct reg_pin *pin, rocksdb_pinnableslice_t *v);
/* A ThreadSanitizer build: RocksDB comes uninstrumented, so the accesses it orders with its own
 * atomics are hidden from TSan where they would be reported as races (reg_txlog.c, reg_list.c). */
#if defined(__SANITIZE_THREAD__)
#define REG_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define REG_TSAN 1
#endif
#endif

#ifdef REG_TSAN
void AnnotateIgnoreReadsBegin(const char *file, int line);
void AnnotateIgnoreReadsEnd(const char *file, int line);
void AnnotateIgnoreWritesBegin(const char *file, int line);
void AnnotateIgnoreWritesEnd(const char *file, int line);
#endif

/* Ends a scan: destroys it and returns REG_OK, or the mapped error the scan met. */
int reg_iter_end(rocksdb_iterator_t *it);
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

/* Recovers the next txn id; reg_open calls it once the metadata checked out. */
int reg_txlog_recover(struct reg_db *db);
/* Bulk ingestions a crash interrupted between the ingestion and its counts and txlog entry
 * (reg_bulk.c); reg_open calls it at every open, after reg_txlog_recover. A writable open
 * finishes them. A read-only open cannot, so it sums their count deltas into db->pending_counts,
 * which the count readers add in: counts match the data either way. */
int reg_bulk_recover(struct reg_db *db);
/* Appends a txlog entry for each packed change to wb and writes wb (synced when the registry
 * syncs). Ids are reserved under txn_lock, the write runs outside it. On failure wb is left as
 * the caller built it and the reserved ids stay unused. */
int reg_commit(struct reg_db *db, rocksdb_writebatch_t *wb, const uint8_t *changes,
               size_t changes_len);
/* reg_commit, telling the txlog id of the first change (*first_id, once committed). */
int reg_commit_id(struct reg_db *db, rocksdb_writebatch_t *wb, const uint8_t *changes,
                  size_t changes_len, uint64_t *first_id);

/* Bumps the change version of a canonical key, once its write is durable. */
void reg_bump_version(struct reg_db *db, const uint8_t *key, size_t len);

/* REG_OK when key is in column family cf, REG_NOT_FOUND, or an error. */
int reg_key_exists(struct reg_db *db, int cf, const uint8_t *key, size_t klen);

/* The options of this thread's next write: unsynced inside reg_defer_sync_begin/end (and the
 * group then has a write for its end to sync), else the registry's own (after which, when they
 * sync, the group has none). */
rocksdb_writeoptions_t *reg_write_options(struct reg_db *db);

/* The lock of a canonical key's stripe. */
pthread_mutex_t *reg_stripe(struct reg_db *db, const uint8_t *key, size_t len);

/* Per-prefix handle counts (reg_counts.c), kept by merges in the "counts" family. Adds to wb the
 * merge that moves the count of key's prefix (the part before '/') by delta. */
void reg_counts_add(struct reg_db *db, rocksdb_writebatch_t *wb, const uint8_t *key, size_t len,
                    int64_t delta);
/* A stored count: the "counts" family's value, little-endian, as the uint64add operator keeps it
 * (reg_counts.c, reg_counts_list.c). */
static inline uint64_t reg_count_value(const uint8_t *v, size_t len)
{
    uint64_t c = 0;
    for (size_t i = len < 8 ? len : 8; i-- > 0;)
        c = (c << 8) | v[i];
    return c;
}

#endif
