/*
 * Metadata in the "default" column family: what a registry was created as. Internal to the
 * registry; tests include it to forge unknown versions.
 */
#ifndef REG_META_H
#define REG_META_H

#include <stdbool.h>
#include <stddef.h>

struct reg_db;

/* Version of the on-disk layout (column families, key and record formats). */
#define REG_SCHEMA_VERSION 1u

#define REG_META_SCHEMA "schema_version" /* int4 */
#define REG_META_CASE "case_sensitive"   /* int1: 0 or 1 */
#define REG_META_LAST_TXN "last_txn_id"  /* int8: the highest txn id ever written */
#define REG_META_WAL_SYNC "wal_sync"     /* empty: the synced write that ends a group of writes */

/* Checks the schema version and loads the case sensitivity into db; on a fresh registry writes
 * both (case sensitivity from want_case_sensitive). Writes a sentence into err on failure. */
int reg_meta_init(struct reg_db *db, bool want_case_sensitive, char *err, size_t errlen);

#endif
