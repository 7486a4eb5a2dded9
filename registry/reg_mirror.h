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

/* Adds a metadata put to a batch: it lands in the same atomic write as the batch's records
 * at the next reg_batch_commit that has records (a batch with none writes nothing). */
void reg_batch_put_meta(struct reg_batch *b, const struct reg_meta_put *meta);

#endif
