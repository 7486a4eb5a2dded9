#include <stdlib.h>
#include <string.h>

#include "registry/reg_internal.h"
#include "registry/reg_mirror.h"

struct reg_batch {
    struct reg_db *db;
    rocksdb_writebatch_t *wb;
    /* The packed changes the commit logs; txn ids are assigned only at commit, under the lock,
     * so ids in the txlog follow commit order across threads. */
    uint8_t *changes;
    size_t changes_len;
    size_t changes_cap;
    size_t count;
    /* 64-bit hashes of the keys this batch creates, so a key put twice counts once. */
    uint64_t *created;
    size_t created_cap, created_len;
};

static uint64_t key_hash(const uint8_t *key, size_t len)
{
    uint64_t h = 14695981039346656037ull;
    for (size_t i = 0; i < len; i++)
        h = (h ^ key[i]) * 1099511628211ull;
    return h ? h : 1;
}

/* Inserts h into the open-addressed set; returns false when it was there already. */
static bool created_insert(struct reg_batch *b, uint64_t h)
{
    if ((b->created_len + 1) * 2 > b->created_cap) {
        size_t cap = b->created_cap ? b->created_cap * 2 : 4096;
        uint64_t *t = calloc(cap, sizeof *t);
        if (!t)
            return true;
        for (size_t i = 0; i < b->created_cap; i++) {
            uint64_t v = b->created[i];
            if (!v)
                continue;
            size_t j = v & (cap - 1);
            while (t[j])
                j = (j + 1) & (cap - 1);
            t[j] = v;
        }
        free(b->created);
        b->created = t;
        b->created_cap = cap;
    }
    size_t j = h & (b->created_cap - 1);
    while (b->created[j]) {
        if (b->created[j] == h)
            return false;
        j = (j + 1) & (b->created_cap - 1);
    }
    b->created[j] = h;
    b->created_len++;
    return true;
}


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
    if (!klen)
        return REG_ERR_INVALID;
    int rc = reserve(b, 3 + klen);
    if (rc)
        return rc;
    uint8_t *stored;
    size_t slen;
    if ((rc = reg_stored_copy(record, record_len, &stored, &slen)) != REG_OK)
        return rc; /* REG_ERR_INVALID when the record does not parse */
    /* A key new to the registry and to this batch adds one to its prefix's count. */
    rc = reg_key_exists(b->db, REG_CF_HANDLES, key, klen);
    if (rc != REG_OK && rc != REG_NOT_FOUND) {
        free(stored);
        return rc;
    }
    if (rc == REG_NOT_FOUND && created_insert(b, key_hash(key, klen)))
        reg_counts_add(b->db, b->wb, key, klen, 1);
    b->changes_len += reg_change_pack(b->changes + b->changes_len, REG_TXN_PUT, key, klen);
    rocksdb_writebatch_put_cf(b->wb, b->db->cf[REG_CF_HANDLES], (const char *)key, klen,
                              (const char *)stored, slen);
    free(stored);
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
    int rc = reg_commit(db, b->wb, b->changes, b->changes_len);
    if (rc)
        return rc;
    rocksdb_writebatch_clear(b->wb);
    for (size_t pos = 0; pos + 3 <= b->changes_len;) {
        size_t len = ((size_t)b->changes[pos + 1] << 8) | b->changes[pos + 2];
        reg_bump_version(db, b->changes + pos + 3, len);
        pos += 3 + len;
    }
    /* Keys created by this commit are stored now: a later put of one finds it in the registry. */
    if (b->created)
        memset(b->created, 0, b->created_cap * sizeof *b->created);
    b->created_len = 0;
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
    free(b->created);
    free(b);
}

void reg_batch_put_meta(struct reg_batch *b, const struct reg_meta_put *meta)
{
    rocksdb_writebatch_put_cf(b->wb, b->db->cf[REG_CF_META], meta->key, strlen(meta->key),
                              (const char *)meta->val, meta->len);
}

int reg_batch_mark(struct reg_batch *b, const uint8_t *handle, size_t len)
{
    uint8_t key[sizeof REG_META_MARK_PREFIX + 2 + REG_MAX_KEY];
    size_t plen = sizeof REG_META_MARK_PREFIX + 1; /* "replmark/" "h/" */
    memcpy(key, REG_META_MARK_PREFIX "h/", plen);
    size_t klen = reg_canonical_key(b->db, handle, len, key + plen);
    if (!klen)
        return REG_ERR_INVALID;
    rocksdb_writebatch_put_cf(b->wb, b->db->cf[REG_CF_META], (const char *)key, plen + klen, "", 0);
    return REG_OK;
}
