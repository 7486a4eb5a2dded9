/*
 * What a mirror writes (resolver/replication/): records and homed prefixes copied from a
 * primary, each in one atomic write with the mirror's position in the metadata family, so that
 * after a crash the registry and the position always agree. Also plain metadata reads and
 * writes for that position.
 */
#ifndef REG_MIRROR_H
#define REG_MIRROR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "registry/reg_db.h"

/* Metadata keys of a mirror's positions start with this, then the source server's name. */
#define REG_META_REPL_PREFIX "replication/"

/* One metadata value to write with a change. */
struct reg_meta_put {
    const char *key;
    const uint8_t *val;
    size_t len;
};

/* Reads the metadata value key into out (cap bytes): REG_OK with *len, REG_NOT_FOUND,
 * REG_ERR_CORRUPT (longer than cap) or another REG_ERR_*. */
int reg_meta_read(struct reg_db *db, const char *key, uint8_t *out, size_t cap, size_t *len);

/* Writes the metadata value key alone (durable when the registry syncs). */
int reg_meta_write(struct reg_db *db, const char *key, const uint8_t *val, size_t len);

/* Replaces handle's record with record (NULL: deletes it; an absent handle is then no error)
 * and writes meta (may be NULL) in the same atomic write, with its txlog entry and count
 * change. REG_OK, REG_ERR_INVALID (a record that does not parse, a bad handle), REG_ERR_*. */
int reg_mirror_record(struct reg_db *db, const uint8_t *handle, size_t len, const uint8_t *record,
                      size_t record_len, const struct reg_meta_put *meta);

/* Homes (home true) or unhomes the prefix handle "0.NA/P", writing meta (may be NULL) in the
 * same atomic write. Homing a homed prefix or unhoming one that is not homed writes only
 * meta. The caller reloads the node's prefix set afterwards. */
int reg_mirror_prefix(struct reg_db *db, const char *prefix_handle, size_t len, bool home,
                      const struct reg_meta_put *meta);

/*
 * Marks of a copy again (the sweep that follows makes the mirror exact). Each handle a copy
 * delivers is marked in the metadata family (REG_META_MARK_PREFIX "h/" + its key), in the same
 * atomic write as the handle, and each homed prefix ("p/" + its key) before it is homed; at the
 * end of the copy, reg_mirror_sweep deletes every local handle and unhomes every prefix that
 * carries no mark, then drops the marks. Marks live on disk, so the memory used does not grow
 * with the registry, and a copy broken and resumed later keeps the marks of what it stored.
 */
#define REG_META_MARK_PREFIX "replmark/"

/* Drops every mark (before a new copy starts, and after a sweep). REG_OK or REG_ERR_*. */
int reg_mirror_marks_clear(struct reg_db *db);

/* Adds handle's mark to the batch, landing with its records at the next reg_batch_commit.
 * REG_OK or REG_ERR_INVALID (a bad handle). */
int reg_batch_mark(struct reg_batch *b, const uint8_t *handle, size_t len);

/* Marks the prefix handle "0.NA/P" as delivered by the copy. REG_OK, REG_ERR_INVALID, REG_ERR_*. */
int reg_mirror_mark_prefix(struct reg_db *db, const char *prefix_handle, size_t len);

/* Deletes every handle (with its txlog entry and count change) and unhomes every prefix that
 * has no mark, then drops the marks; *deleted and *unhomed (may be NULL) count them. Iterates in
 * key order, so memory does not grow with the registry. Run again after a crash, it finishes the
 * job (the marks stay until the end). REG_OK or REG_ERR_*. */
int reg_mirror_sweep(struct reg_db *db, uint64_t *deleted, uint64_t *unhomed);

/* Adds a metadata put to a batch: it lands in the same atomic write as the batch's records
 * at the next reg_batch_commit that has records (a batch with none writes nothing). */
void reg_batch_put_meta(struct reg_batch *b, const struct reg_meta_put *meta);

#endif
