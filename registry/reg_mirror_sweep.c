/*
 * The end of a mirror's copy again (registry/reg_mirror.h): handles and homed prefixes the copy
 * did not deliver are removed, found by the marks the copy left in the metadata family.
 */
#include <string.h>

#include "common/handle_name.h"
#include "registry/reg_internal.h"
#include "registry/reg_mirror.h"

#define MARK_LEN (sizeof REG_META_MARK_PREFIX + 1) /* "replmark/" "h/" */

/* Writes wb (synced when the registry syncs), without a txlog entry. */
static int write_batch(struct reg_db *db, rocksdb_writebatch_t *wb)
{
    char *e = NULL;
    rocksdb_write(db->rdb, db->wopt, wb, &e);
    if (e) {
        int rc = reg_map_rocksdb_error(e);
        rocksdb_free(e);
        return rc;
    }
    return REG_OK;
}

int reg_mirror_marks_clear(struct reg_db *db)
{
    if (db->read_only)
        return REG_ERR_READONLY;
    /* '/' + 1 is '0': the end of the range "replmark/..." */
    static const char from[] = REG_META_MARK_PREFIX;
    char to[sizeof from];
    memcpy(to, from, sizeof from);
    to[sizeof from - 2] = '0';
    rocksdb_writebatch_t *wb = rocksdb_writebatch_create();
    rocksdb_writebatch_delete_range_cf(wb, db->cf[REG_CF_META], from, sizeof from - 1, to,
                                       sizeof to - 1);
    int rc = write_batch(db, wb);
    rocksdb_writebatch_destroy(wb);
    return rc;
}

int reg_mirror_mark_prefix(struct reg_db *db, const char *prefix_handle, size_t len)
{
    if (db->read_only)
        return REG_ERR_READONLY;
    uint8_t key[MARK_LEN + REG_MAX_KEY];
    memcpy(key, REG_META_MARK_PREFIX "p/", MARK_LEN);
    size_t klen = reg_canonical_key(db, (const uint8_t *)prefix_handle, len, key + MARK_LEN);
    if (klen <= HNAME_NA_PREFIX_LEN || !hname_has_na_prefix(prefix_handle, len))
        return REG_ERR_INVALID;
    /* Stored with the 0.NA part upper case, as reg_mirror_prefix keeps it. */
    memcpy(key + MARK_LEN, HNAME_NA_PREFIX, HNAME_NA_PREFIX_LEN);
    rocksdb_writebatch_t *wb = rocksdb_writebatch_create();
    rocksdb_writebatch_put_cf(wb, db->cf[REG_CF_META], (const char *)key, MARK_LEN + klen, "", 0);
    int rc = write_batch(db, wb);
    rocksdb_writebatch_destroy(wb);
    return rc;
}

/* Whether key (in family cf) has its mark ("h/" or "p/"): REG_OK, REG_NOT_FOUND or an error. */
static int marked(struct reg_db *db, char kind, const uint8_t *key, size_t klen)
{
    uint8_t mark[MARK_LEN + REG_MAX_KEY];
    memcpy(mark, REG_META_MARK_PREFIX, MARK_LEN - 2);
    mark[MARK_LEN - 2] = (uint8_t)kind;
    mark[MARK_LEN - 1] = '/';
    memcpy(mark + MARK_LEN, key, klen);
    return reg_key_exists(db, REG_CF_META, mark, MARK_LEN + klen);
}

/* Deletes the handle or prefix under canonical key (no longer at the source), with its txlog
 * entry and, for a handle, its count change. */
static int remove_key(struct reg_db *db, int cf, const uint8_t *key, size_t klen)
{
    pthread_rwlock_rdlock(&db->write_gate);
    pthread_mutex_t *lock = reg_stripe(db, key, klen);
    pthread_mutex_lock(lock);
    int rc = reg_key_exists(db, cf, key, klen);
    if (rc == REG_OK) {
        rocksdb_writebatch_t *wb = rocksdb_writebatch_create();
        uint8_t change[REG_CHANGE_MAX];
        rocksdb_writebatch_delete_cf(wb, db->cf[cf], (const char *)key, klen);
        if (cf == REG_CF_HANDLES)
            reg_counts_add(db, wb, key, klen, -1);
        size_t n = reg_change_pack(change, cf == REG_CF_HANDLES ? REG_TXN_DELETE : REG_TXN_UNHOME,
                                   key, klen);
        rc = reg_commit(db, wb, change, n);
        rocksdb_writebatch_destroy(wb);
        if (rc == REG_OK && cf == REG_CF_HANDLES)
            reg_bump_version(db, key, klen);
    } else if (rc == REG_NOT_FOUND) {
        rc = REG_OK;
    }
    pthread_mutex_unlock(lock);
    pthread_rwlock_unlock(&db->write_gate);
    return rc;
}

/* Removes every key of family cf without a mark of kind. */
static int sweep_family(struct reg_db *db, int cf, char kind, uint64_t *removed)
{
    rocksdb_readoptions_t *ro = rocksdb_readoptions_create();
    rocksdb_readoptions_set_fill_cache(ro, 0);
    rocksdb_iterator_t *it = rocksdb_create_iterator_cf(db->rdb, ro, db->cf[cf]);
    int rc = REG_OK;
    uint8_t key[REG_MAX_KEY];
    for (rocksdb_iter_seek_to_first(it); rocksdb_iter_valid(it); rocksdb_iter_next(it)) {
        size_t klen;
        const char *k = rocksdb_iter_key(it, &klen);
        if (klen == 0 || klen > sizeof key || k[0] == '\0')
            continue; /* an import's marker, not a handle */
        memcpy(key, k, klen);
        rc = marked(db, kind, key, klen);
        if (rc == REG_OK)
            continue;
        if (rc != REG_NOT_FOUND || (rc = remove_key(db, cf, key, klen)) != REG_OK)
            break;
        if (removed)
            (*removed)++;
    }
    int erc = reg_iter_end(it);
    rocksdb_readoptions_destroy(ro);
    return rc == REG_OK ? erc : rc;
}

int reg_mirror_sweep(struct reg_db *db, uint64_t *deleted, uint64_t *unhomed)
{
    if (db->read_only)
        return REG_ERR_READONLY;
    if (deleted)
        *deleted = 0;
    if (unhomed)
        *unhomed = 0;
    int rc = sweep_family(db, REG_CF_HANDLES, 'h', deleted);
    if (rc == REG_OK)
        rc = sweep_family(db, REG_CF_PREFIXES, 'p', unhomed);
    if (rc == REG_OK)
        rc = reg_mirror_marks_clear(db);
    return rc;
}
