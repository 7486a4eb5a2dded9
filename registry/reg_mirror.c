/*
 * A mirror's writes (registry/reg_mirror.h): the copied change and the position that says it
 * was applied go into one RocksDB write batch.
 */
#include "registry/reg_mirror.h"

#include <stdlib.h>
#include <string.h>

#include "common/handle_name.h"
#include "registry/reg_internal.h"

int reg_meta_read(struct reg_db *db, const char *key, uint8_t *out, size_t cap, size_t *len)
{
    char *e = NULL;
    rocksdb_pinnableslice_t *v =
        rocksdb_get_pinned_cf(db->rdb, db->ropt, db->cf[REG_CF_META], key, strlen(key), &e);
    if (e) {
        int rc = reg_map_rocksdb_error(e);
        rocksdb_free(e);
        return rc;
    }
    if (!v)
        return REG_NOT_FOUND;
    size_t n;
    const char *p = rocksdb_pinnableslice_value(v, &n);
    int rc = n <= cap ? REG_OK : REG_ERR_CORRUPT;
    if (rc == REG_OK) {
        memcpy(out, p, n);
        *len = n;
    }
    rocksdb_pinnableslice_destroy(v);
    return rc;
}

static void put_meta(struct reg_db *db, rocksdb_writebatch_t *wb, const struct reg_meta_put *m)
{
    if (m)
        rocksdb_writebatch_put_cf(wb, db->cf[REG_CF_META], m->key, strlen(m->key),
                                  (const char *)m->val, m->len);
}

/* Writes wb as it is, without a txlog entry. */
static int write_plain(struct reg_db *db, rocksdb_writebatch_t *wb)
{
    char *e = NULL;
    rocksdb_write(db->rdb, reg_write_options(db), wb, &e);
    if (e) {
        int rc = reg_map_rocksdb_error(e);
        rocksdb_free(e);
        return rc;
    }
    return REG_OK;
}

int reg_meta_write(struct reg_db *db, const char *key, const uint8_t *val, size_t len)
{
    if (db->read_only)
        return REG_ERR_READONLY;
    struct reg_meta_put m = {key, val, len};
    rocksdb_writebatch_t *wb = rocksdb_writebatch_create();
    put_meta(db, wb, &m);
    int rc = write_plain(db, wb);
    rocksdb_writebatch_destroy(wb);
    return rc;
}

int reg_mirror_record(struct reg_db *db, const uint8_t *handle, size_t len, const uint8_t *record,
                      size_t record_len, const struct reg_meta_put *meta)
{
    if (db->read_only)
        return REG_ERR_READONLY;
    uint8_t key[REG_MAX_KEY];
    size_t klen = reg_canonical_key(db, handle, len, key);
    if (!klen)
        return REG_ERR_INVALID;
    uint8_t *stored = NULL;
    size_t slen = 0;
    if (record) {
        int rc = reg_stored_copy(record, record_len, &stored, &slen);
        if (rc != REG_OK)
            return rc;
    }
    pthread_rwlock_rdlock(&db->write_gate);
    pthread_mutex_t *lock = reg_stripe(db, key, klen);
    pthread_mutex_lock(lock);
    int rc = reg_key_exists(db, REG_CF_HANDLES, key, klen);
    if (rc == REG_OK || rc == REG_NOT_FOUND) {
        bool existed = rc == REG_OK;
        rocksdb_writebatch_t *wb = rocksdb_writebatch_create();
        uint8_t change[REG_CHANGE_MAX];
        size_t n = 0;
        if (record) {
            rocksdb_writebatch_put_cf(wb, db->cf[REG_CF_HANDLES], (const char *)key, klen,
                                      (const char *)stored, slen);
            if (!existed)
                reg_counts_add(db, wb, key, klen, 1);
            n = reg_change_pack(change, REG_TXN_PUT, key, klen);
        } else if (existed) {
            rocksdb_writebatch_delete_cf(wb, db->cf[REG_CF_HANDLES], (const char *)key, klen);
            reg_counts_add(db, wb, key, klen, -1);
            n = reg_change_pack(change, REG_TXN_DELETE, key, klen);
        }
        put_meta(db, wb, meta);
        rc = n ? reg_commit(db, wb, change, n) : write_plain(db, wb);
        rocksdb_writebatch_destroy(wb);
        if (rc == REG_OK && n)
            reg_bump_version(db, key, klen);
    }
    pthread_mutex_unlock(lock);
    pthread_rwlock_unlock(&db->write_gate);
    free(stored);
    return rc;
}

int reg_mirror_prefix(struct reg_db *db, const char *prefix_handle, size_t len, bool home,
                      const struct reg_meta_put *meta)
{
    if (db->read_only)
        return REG_ERR_READONLY;
    uint8_t key[REG_MAX_KEY];
    size_t klen = reg_canonical_key(db, (const uint8_t *)prefix_handle, len, key);
    if (klen <= HNAME_NA_PREFIX_LEN || !hname_has_na_prefix(prefix_handle, len))
        return REG_ERR_INVALID;
    /* The 0.NA part is stored upper case even in a case-sensitive registry (reg_store.c). */
    memcpy(key, HNAME_NA_PREFIX, HNAME_NA_PREFIX_LEN);
    pthread_mutex_t *lock = reg_stripe(db, key, klen);
    pthread_mutex_lock(lock);
    int rc = reg_key_exists(db, REG_CF_PREFIXES, key, klen);
    if (rc == REG_OK || rc == REG_NOT_FOUND) {
        bool homed = rc == REG_OK;
        rocksdb_writebatch_t *wb = rocksdb_writebatch_create();
        uint8_t change[REG_CHANGE_MAX];
        size_t n = 0;
        if (home && !homed) {
            rocksdb_writebatch_put_cf(wb, db->cf[REG_CF_PREFIXES], (const char *)key, klen, "", 0);
            n = reg_change_pack(change, REG_TXN_HOME, key, klen);
        } else if (!home && homed) {
            rocksdb_writebatch_delete_cf(wb, db->cf[REG_CF_PREFIXES], (const char *)key, klen);
            n = reg_change_pack(change, REG_TXN_UNHOME, key, klen);
        }
        put_meta(db, wb, meta);
        rc = n ? reg_commit(db, wb, change, n) : write_plain(db, wb);
        rocksdb_writebatch_destroy(wb);
    }
    pthread_mutex_unlock(lock);
    return rc;
}
