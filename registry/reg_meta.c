#include "registry/reg_meta.h"

#include <stdio.h>
#include <string.h>

#include "proto/hdl_buf.h"
#include "registry/reg_handle.h"
#include "registry/reg_mirror.h"

static void meta_err(char *err, size_t errlen, const struct reg_db *db, const char *what)
{
    if (err && errlen)
        snprintf(err, errlen, "registry %s: %s", db->path, what);
}

/* Reads a metadata value of exactly want bytes: REG_OK, REG_NOT_FOUND, or an error. */
static int meta_get(struct reg_db *db, const char *key, uint8_t *out, size_t want)
{
    size_t len = 0;
    int rc = reg_meta_read(db, key, out, want, &len);
    return rc == REG_OK && len != want ? REG_ERR_CORRUPT : rc;
}

static bool cf_empty(struct reg_db *db, int cf)
{
    rocksdb_iterator_t *it = rocksdb_create_iterator_cf(db->rdb, db->scan_ropt, db->cf[cf]);
    rocksdb_iter_seek_to_first(it);
    bool empty = !rocksdb_iter_valid(it);
    rocksdb_iter_destroy(it);
    return empty;
}

/* A registry without metadata is ours only if it holds nothing yet: it was just created. */
static int meta_create(struct reg_db *db, bool case_sensitive, char *err, size_t errlen)
{
    if (db->read_only || !cf_empty(db, REG_CF_HANDLES) || !cf_empty(db, REG_CF_PREFIXES) ||
        !cf_empty(db, REG_CF_TXLOG)) {
        meta_err(err, errlen, db, "no schema version: not a Pazhou registry");
        return REG_ERR_CORRUPT;
    }
    uint8_t version[4];
    uint8_t cs = case_sensitive ? 1 : 0;
    hdl_store_u32(version, REG_SCHEMA_VERSION);
    rocksdb_writebatch_t *wb = rocksdb_writebatch_create();
    rocksdb_writebatch_put_cf(wb, db->cf[REG_CF_META], REG_META_SCHEMA, strlen(REG_META_SCHEMA),
                              (const char *)version, sizeof(version));
    rocksdb_writebatch_put_cf(wb, db->cf[REG_CF_META], REG_META_CASE, strlen(REG_META_CASE),
                              (const char *)&cs, 1);
    /* Creation is rare and must not be lost, whatever sync_writes says. */
    rocksdb_writeoptions_t *wo = rocksdb_writeoptions_create();
    rocksdb_writeoptions_set_sync(wo, 1);
    char *e = NULL;
    rocksdb_write(db->rdb, wo, wb, &e);
    rocksdb_writeoptions_destroy(wo);
    rocksdb_writebatch_destroy(wb);
    if (e) {
        int rc = reg_map_rocksdb_error(e);
        meta_err(err, errlen, db, e);
        rocksdb_free(e);
        return rc;
    }
    db->case_sensitive = case_sensitive;
    return REG_OK;
}

int reg_meta_init(struct reg_db *db, bool want_case_sensitive, char *err, size_t errlen)
{
    uint8_t version[4];
    int rc = meta_get(db, REG_META_SCHEMA, version, sizeof(version));
    if (rc == REG_NOT_FOUND)
        return meta_create(db, want_case_sensitive, err, errlen);
    if (rc) {
        meta_err(err, errlen, db, "unreadable schema version");
        return rc;
    }
    uint32_t v = hdl_load_u32(version);
    if (v != REG_SCHEMA_VERSION) {
        char msg[96];
        snprintf(msg, sizeof(msg), "schema version %u, this build reads only %u", v,
                 REG_SCHEMA_VERSION);
        meta_err(err, errlen, db, msg);
        return REG_ERR_CORRUPT;
    }
    /* Case sensitivity is part of every stored key, so it cannot change after creation. */
    uint8_t cs = 0;
    rc = meta_get(db, REG_META_CASE, &cs, 1);
    if (rc || cs > 1) {
        meta_err(err, errlen, db, "missing or bad case-sensitivity setting");
        return rc && rc != REG_NOT_FOUND ? rc : REG_ERR_CORRUPT;
    }
    db->case_sensitive = cs == 1;
    return REG_OK;
}
