/* Writes of handle records: every one a read-modify-write under the handle's stripe lock, so
 * the per-prefix count knows whether a put creates, and updates of one handle never interleave. */
#include <stdlib.h>
#include <string.h>

#include "proto/hdl_buf.h"
#include "registry/reg_internal.h"

uint64_t reg_key_hash(const uint8_t *key, size_t len)
{
    uint64_t h = 14695981039346656037ull;
    for (size_t i = 0; i < len; i++)
        h = (h ^ key[i]) * 1099511628211ull;
    return h;
}

uint32_t reg_change_version(struct reg_db *db, uint64_t key_hash)
{
    return atomic_load_explicit(&db->versions[key_hash % REG_VERSION_SLOTS], memory_order_acquire);
}

void reg_prefetch_version(struct reg_db *db, uint64_t key_hash)
{
    __builtin_prefetch(&db->versions[key_hash % REG_VERSION_SLOTS]);
}

void reg_bump_version(struct reg_db *db, const uint8_t *key, size_t len)
{
    atomic_fetch_add_explicit(&db->versions[reg_key_hash(key, len) % REG_VERSION_SLOTS], 1,
                              memory_order_release);
}

void reg_bump_all_versions(struct reg_db *db)
{
    for (uint32_t i = 0; i < REG_VERSION_SLOTS; i++)
        atomic_fetch_add_explicit(&db->versions[i], 1, memory_order_release);
}

pthread_mutex_t *reg_stripe(struct reg_db *db, const uint8_t *key, size_t len)
{
    /* FNV-1a: cheap and well spread over handles that differ only in their last digits. */
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < len; i++)
        h = (h ^ key[i]) * 16777619u;
    return &db->stripes[h % REG_STRIPES];
}

static int read_locked(struct reg_db *db, const uint8_t *key, size_t klen, struct reg_pin *pin)
{
    char *e = NULL;
    pin->impl = NULL;
    pin->heap = NULL;
    pin->data = NULL;
    pin->len = 0;
    rocksdb_pinnableslice_t *v = rocksdb_get_pinned_cf(db->rdb, db->ropt, db->cf[REG_CF_HANDLES],
                                                       (const char *)key, klen, &e);
    if (e) {
        int rc = reg_map_rocksdb_error(e);
        rocksdb_free(e);
        return rc;
    }
    if (v)
        reg_pin_fill(pin, v);
    return REG_OK;
}

static int apply(struct reg_db *db, const uint8_t *key, size_t klen, bool existed,
                 const struct reg_update *u)
{
    rocksdb_writebatch_t *wb = rocksdb_writebatch_create();
    uint8_t change[REG_CHANGE_MAX];
    size_t n;
    if (u->action == REG_UPDATE_PUT) {
        uint8_t *stored;
        size_t slen;
        int rc = reg_stored_copy(u->record, u->record_len, &stored, &slen);
        if (rc != REG_OK) {
            rocksdb_writebatch_destroy(wb);
            return rc;
        }
        rocksdb_writebatch_put_cf(wb, db->cf[REG_CF_HANDLES], (const char *)key, klen,
                                  (const char *)stored, slen);
        free(stored);
        if (!existed)
            reg_counts_add(db, wb, key, klen, 1);
        n = reg_change_pack(change, REG_TXN_PUT, key, klen);
    } else {
        rocksdb_writebatch_delete_cf(wb, db->cf[REG_CF_HANDLES], (const char *)key, klen);
        reg_counts_add(db, wb, key, klen, -1);
        n = reg_change_pack(change, REG_TXN_DELETE, key, klen);
    }
    int rc = reg_commit(db, wb, change, n);
    rocksdb_writebatch_destroy(wb);
    if (rc == REG_OK)
        reg_bump_version(db, key, klen);
    return rc;
}

int reg_update_record(struct reg_db *db, const uint8_t *handle, size_t len,
                      int (*fn)(void *ctx, struct reg_update *u), void *ctx, int *fn_rc)
{
    *fn_rc = 0;
    if (db->read_only)
        return REG_ERR_READONLY;
    uint8_t key[REG_MAX_KEY];
    size_t klen = reg_canonical_key(db, handle, len, key);
    if (!klen)
        return REG_ERR_INVALID;

    pthread_rwlock_rdlock(&db->write_gate);
    pthread_mutex_t *lock = reg_stripe(db, key, klen);
    pthread_mutex_lock(lock);
    struct reg_pin pin;
    int rc = read_locked(db, key, klen, &pin);
    if (rc == REG_OK) {
        struct reg_update u = {.old = pin.data, .old_len = pin.len};
        bool existed = pin.data != NULL;
        *fn_rc = fn(ctx, &u);
        if (*fn_rc != 0 || u.action == REG_UPDATE_KEEP)
            rc = REG_OK;
        else if (u.action == REG_UPDATE_DELETE && !existed)
            rc = REG_NOT_FOUND;
        else
            rc = apply(db, key, klen, existed, &u); /* a record that does not parse: invalid */
        reg_pin_release(&pin);
    }
    pthread_mutex_unlock(lock);
    pthread_rwlock_unlock(&db->write_gate);
    return rc;
}

void reg_hold_writes(struct reg_db *db)
{
    pthread_rwlock_wrlock(&db->write_gate);
}

void reg_release_writes(struct reg_db *db)
{
    pthread_rwlock_unlock(&db->write_gate);
}

struct put_ctx {
    const uint8_t *record;
    size_t len;
};

static int put_fn(void *ctx, struct reg_update *u)
{
    struct put_ctx *p = ctx;
    u->action = REG_UPDATE_PUT;
    u->record = p->record;
    u->record_len = p->len;
    return 0;
}

int reg_put_record(struct reg_db *db, const uint8_t *handle, size_t len, const uint8_t *record,
                   size_t record_len)
{
    struct put_ctx p = {record, record_len};
    int fn_rc;
    return reg_update_record(db, handle, len, put_fn, &p, &fn_rc);
}

static int delete_fn(void *ctx, struct reg_update *u)
{
    (void)ctx;
    u->action = REG_UPDATE_DELETE;
    return 0;
}

int reg_delete_record(struct reg_db *db, const uint8_t *handle, size_t len)
{
    int fn_rc;
    return reg_update_record(db, handle, len, delete_fn, NULL, &fn_rc);
}
