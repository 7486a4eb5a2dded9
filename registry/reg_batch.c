#include <stdlib.h>
#include <string.h>

#include "reg_internal.h"
#include "reg_record.h"

struct reg_batch {
    struct reg_db *db;
    rocksdb_writebatch_t *wb;
    /* The packed changes the commit logs; txn ids are assigned only at commit, under the lock,
     * so ids in the txlog follow commit order across threads. */
    uint8_t *changes;
    size_t changes_len;
    size_t changes_cap;
    size_t count;
};

struct reg_batch *reg_batch_new(struct reg_db *db)
{
    struct reg_batch *b = calloc(1, sizeof(*b));
    if (!b)
        return NULL;
    b->db = db;
    b->wb = rocksdb_writebatch_create();
    return b;
}

static int reserve(struct reg_batch *b, size_t more)
{
    if (b->changes_cap - b->changes_len >= more)
        return REG_OK;
    size_t cap = b->changes_cap ? b->changes_cap * 2 : 16384;
    while (cap - b->changes_len < more)
        cap *= 2;
    uint8_t *p = realloc(b->changes, cap);
    if (!p)
        return REG_ERR_IO;
    b->changes = p;
    b->changes_cap = cap;
    return REG_OK;
}

int reg_batch_put(struct reg_batch *b, const uint8_t *handle, size_t len, const uint8_t *record,
                  size_t record_len)
{
    if (b->db->read_only)
        return REG_ERR_READONLY;
    uint8_t key[REG_MAX_KEY];
    size_t klen = reg_canonical_key(b->db, handle, len, key);
    struct reg_record_view view;
    if (!klen || reg_record_parse(record, record_len, 1, &view) != HDL_OK)
        return REG_ERR_INVALID;
    int rc = reserve(b, 3 + klen);
    if (rc)
        return rc;
    b->changes_len += reg_change_pack(b->changes + b->changes_len, REG_TXN_PUT, key, klen);
    rocksdb_writebatch_put_cf(b->wb, b->db->cf[REG_CF_HANDLES], (const char *)key, klen,
                              (const char *)record, record_len);
    b->count++;
    return REG_OK;
}

size_t reg_batch_count(const struct reg_batch *b)
{
    return b->count;
}

/* On failure the batch keeps its contents, so the caller may retry or free it. */
int reg_batch_commit(struct reg_batch *b)
{
    if (b->count == 0)
        return REG_OK;
    struct reg_db *db = b->db;
    pthread_mutex_lock(&db->txn_lock);
    int rc = reg_txlog_write_locked(db, b->wb, b->changes, b->changes_len);
    pthread_mutex_unlock(&db->txn_lock);
    if (rc)
        return rc;
    rocksdb_writebatch_clear(b->wb);
    b->changes_len = 0;
    b->count = 0;
    return REG_OK;
}

void reg_batch_free(struct reg_batch *b)
{
    if (!b)
        return;
    rocksdb_writebatch_destroy(b->wb);
    free(b->changes);
    free(b);
}
