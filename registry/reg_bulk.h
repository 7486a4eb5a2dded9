/*
 * Bulk ingestion: table files prepared outside the database and added to it whole.
 *
 * A preparer writes a directory of table files for the "handles" family (reg_bulk_file_*): in
 * each file keys ascend and are unique, and the files' key ranges are disjoint. It then seals the
 * directory (reg_bulk_seal): one more file holding a single marker key ("\0bulk/" + id), which
 * sorts before every handle, whose value carries the import's description and its per-prefix
 * count deltas. reg_bulk_ingest adds every file of a sealed directory in one RocksDB ingestion
 * (atomic: all files or none, moved by hard link), then, in one write batch, applies the count
 * deltas, logs one REG_TXN_IMPORT entry and deletes the marker. A crash between the two leaves
 * the marker in the registry, and the next writable open finishes the job (reg_bulk_recover), so
 * the counts always match the data and nothing is applied twice.
 *
 * The deltas are computed by the preparer against the registry as it was then (reg_bulk_exists):
 * exact when nothing else writes those handles in between, as offline.
 *
 * The txlog entry's bytes are text:
 *   import=ID source=NAME handles=N new=M counts=PREFIX:+D,PREFIX:+D
 * (counts left out when they would not fit REG_MAX_KEY bytes).
 */
#ifndef REG_BULK_H
#define REG_BULK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "registry/reg_db.h"

/* The file reg_bulk_seal writes into a prepared directory. */
#define REG_BULK_SEAL_FILE "seal.sst"

/* One table file being written. Not thread-safe; one per thread. */
struct reg_bulk_file;
/* Creates the file at path with the registry's table options for "handles". */
int reg_bulk_file_open(struct reg_db *db, const char *path, struct reg_bulk_file **out, char *err,
                       size_t errlen);
/* Adds a canonical key and its record; keys must ascend strictly. */
int reg_bulk_file_add(struct reg_bulk_file *f, const uint8_t *key, size_t klen,
                      const uint8_t *record, size_t rlen);
/* Entries added so far. */
uint64_t reg_bulk_file_entries(const struct reg_bulk_file *f);
/* Finishes and frees the file; a file with no entry is removed instead. *bytes gets its size. */
int reg_bulk_file_finish(struct reg_bulk_file *f, uint64_t *bytes, char *err, size_t errlen);
/* Abandons an unfinished file (removing it); NULL is ignored. */
void reg_bulk_file_abandon(struct reg_bulk_file *f);

/* Per-prefix count changes, keyed by the part of a canonical key before its first '/'. */
struct reg_bulk_deltas;
struct reg_bulk_deltas *reg_bulk_deltas_new(void);
void reg_bulk_deltas_free(struct reg_bulk_deltas *d);
/* Moves the count of key's prefix by n; -1 on allocation failure. */
int reg_bulk_deltas_add(struct reg_bulk_deltas *d, const uint8_t *key, size_t klen, int64_t n);
int reg_bulk_deltas_merge(struct reg_bulk_deltas *into, const struct reg_bulk_deltas *from);
size_t reg_bulk_deltas_size(const struct reg_bulk_deltas *d);
/* The i-th prefix (not NUL-terminated) and its delta. */
void reg_bulk_deltas_get(const struct reg_bulk_deltas *d, size_t i, const uint8_t **prefix,
                         size_t *len, int64_t *delta);

struct reg_bulk_info {
    char id[64];      /* unique among imports: names the marker */
    char source[256]; /* what was imported, for the txlog (a file name) */
    uint64_t handles; /* handles in the files */
    uint64_t created; /* of which new to the registry */
    uint64_t txn_id;  /* reg_bulk_ingest: the txlog id of the import */
};

/* A fresh import id: UTC time, process id and a counter. */
void reg_bulk_new_id(char out[64]);

/* Writes the marker file REG_BULK_SEAL_FILE into dir. */
int reg_bulk_seal(struct reg_db *db, const char *dir, const struct reg_bulk_info *info,
                  const struct reg_bulk_deltas *d, char *err, size_t errlen);

/* Ingests every *.sst file of the sealed directory dir (moving them: dir is left without them)
 * and finishes the import; info (may be NULL) gets what the marker said and the txn id. */
int reg_bulk_ingest(struct reg_db *db, const char *dir, struct reg_bulk_info *info, char *err,
                    size_t errlen);

/* Which of n canonical keys, in ascending order, are stored: exists[i] = 1 or 0. */
int reg_bulk_exists(struct reg_db *db, size_t n, const uint8_t *const *keys, const size_t *lens,
                    uint8_t *exists);

/* The smallest and largest stored handle key (markers aside); *empty when there is none. lo and
 * hi take REG_MAX_KEY bytes. Keys outside [lo, hi] need no existence check. */
int reg_bulk_key_range(struct reg_db *db, uint8_t *lo, size_t *lo_len, uint8_t *hi, size_t *hi_len,
                       bool *empty);

/* Calls fn for every stored handle whose canonical key starts with prefix (all when plen is 0),
 * in key order, with the key and its record (valid during the call); stops when fn returns
 * non-zero. Scans do not fill the block cache. */
int reg_bulk_scan(struct reg_db *db, const uint8_t *prefix, size_t plen,
                  int (*fn)(void *ctx, const uint8_t *key, size_t klen, const uint8_t *record,
                            size_t rlen),
                  void *ctx);

#endif
