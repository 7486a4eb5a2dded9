#include <string.h>
#include <time.h>

#include "proto/hdl_buf.h"
#include "registry/reg_internal.h"
#include "registry/reg_meta.h"

static void store_u64(uint8_t *p, uint64_t v)
{
    for (int i = 7; i >= 0; i--, v >>= 8)
        p[i] = (uint8_t)v;
}

static uint64_t load_u64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = (v << 8) | p[i];
    return v;
}

size_t reg_change_pack(uint8_t *out, int op, const uint8_t *key, size_t len)
{
    out[0] = (uint8_t)op;
    out[1] = (uint8_t)(len >> 8);
    out[2] = (uint8_t)len;
    memcpy(out + 3, key, len);
    return 3 + len;
}

/*
 * The last id survives in two places: the last txlog key, and the metadata written with every
 * change, which still holds it if the txlog is ever trimmed to nothing.
 */
int reg_txlog_recover(struct reg_db *db)
{
    uint64_t last = 0;
    rocksdb_iterator_t *it =
        rocksdb_create_iterator_cf(db->rdb, db->scan_ropt, db->cf[REG_CF_TXLOG]);
    rocksdb_iter_seek_to_last(it);
    if (rocksdb_iter_valid(it)) {
        size_t klen;
        const char *k = rocksdb_iter_key(it, &klen);
        if (klen == 8)
            last = load_u64((const uint8_t *)k);
    }
    int rc = reg_iter_end(it);
    if (rc != REG_OK)
        return rc;

    char *e = NULL;
    rocksdb_pinnableslice_t *v = rocksdb_get_pinned_cf(
        db->rdb, db->ropt, db->cf[REG_CF_META], REG_META_LAST_TXN, strlen(REG_META_LAST_TXN), &e);
    if (e) {
        rc = reg_map_rocksdb_error(e);
        rocksdb_free(e);
        return rc;
    }
    if (v) {
        size_t len;
        const char *p = rocksdb_pinnableslice_value(v, &len);
        uint64_t meta = len == 8 ? load_u64((const uint8_t *)p) : 0;
        rocksdb_pinnableslice_destroy(v);
        if (len != 8)
            return REG_ERR_CORRUPT;
        if (meta > last)
            last = meta;
    }
    db->next_txn = last + 1;
    return REG_OK;
}

/*
 * rocksdb_write. Concurrent writers form a group whose leader copies the others' batches into
 * one WAL record; the batches are handed over through atomics inside RocksDB, which comes
 * uninstrumented, so ThreadSanitizer sees the leader's copy of another thread's batch as unordered
 * with that thread's writes to it (through the memcpy in std::string, with no RocksDB frame left
 * to suppress by). A ThreadSanitizer build does not track the accesses RocksDB makes inside the
 * call; every batch is still built and freed by one thread of ours, which TSan checks.
 */
static void write_untracked(struct reg_db *db, const rocksdb_writeoptions_t *wo,
                            rocksdb_writebatch_t *wb, char **e)
{
#ifdef REG_TSAN
    AnnotateIgnoreReadsBegin(__FILE__, __LINE__);
    AnnotateIgnoreWritesBegin(__FILE__, __LINE__);
#endif
    rocksdb_write(db->rdb, wo, wb, e);
#ifdef REG_TSAN
    AnnotateIgnoreWritesEnd(__FILE__, __LINE__);
    AnnotateIgnoreReadsEnd(__FILE__, __LINE__);
#endif
}

static void inflight_remove(struct reg_db *db, struct reg_inflight *f)
{
    if (f->prev)
        f->prev->next = f->next;
    else
        db->inflight = f->next;
    if (f->next)
        f->next->prev = f->prev;
}

static int write_batch(struct reg_db *db, rocksdb_writeoptions_t *wo, rocksdb_writebatch_t *wb);

/* Set between reg_defer_sync_begin and _end on the thread doing a group of writes; and whether
 * the group has written anything since. */
static __thread bool defer_sync, deferred_writes;
/* The group's unsynced changes count as in flight until its sync (reg_stable_txn_id): a mirror
 * never reads a change the primary could still lose. Linked from its first unsynced commit. */
static __thread struct reg_inflight group_unsynced;
static __thread bool group_linked;

/* With db->txn_lock held, in the thread's first unsynced commit of a group. */
static void group_link(struct reg_db *db, uint64_t first)
{
    group_unsynced = (struct reg_inflight){.first = first, .next = db->inflight};
    if (db->inflight)
        db->inflight->prev = &group_unsynced;
    db->inflight = &group_unsynced;
    group_linked = true;
}

static void group_unlink(struct reg_db *db)
{
    if (!group_linked)
        return;
    pthread_mutex_lock(&db->txn_lock);
    inflight_remove(db, &group_unsynced);
    pthread_mutex_unlock(&db->txn_lock);
    group_linked = false;
}

rocksdb_writeoptions_t *reg_write_options(struct reg_db *db)
{
    /* A synced write syncs the WAL with every write before it, the group's included. */
    deferred_writes = defer_sync;
    return defer_sync ? db->wopt_nosync : db->wopt;
}

void reg_defer_sync_last(struct reg_db *db)
{
    (void)db;
    defer_sync = false;
}

void reg_defer_sync_begin(struct reg_db *db)
{
    (void)db;
    defer_sync = true;
    deferred_writes = false;
}

int reg_defer_sync_end(struct reg_db *db)
{
    defer_sync = false;
    /* A group that only read (challenges, sessions, listings) has nothing to make durable; one
     * whose last write was synced is durable already. */
    if (!deferred_writes || !db->sync_writes || db->read_only) {
        group_unlink(db);
        return REG_OK;
    }
    deferred_writes = false;
    /* The group's sync is a synced write of one small metadata key, which syncs the WAL with
     * every unsynced write before it. Not rocksdb_flush_wal: after a failed WAL append (a full
     * disk) it syncs the log file directly, and RocksDB then asserts on the writer's earlier
     * error and aborts the process, where a write returns the background error. */
    rocksdb_writebatch_t *wb = rocksdb_writebatch_create();
    rocksdb_writebatch_put_cf(wb, db->cf[REG_CF_META], REG_META_WAL_SYNC,
                              strlen(REG_META_WAL_SYNC), "", 0);
    int rc = write_batch(db, db->wopt, wb);
    rocksdb_writebatch_destroy(wb);
    group_unlink(db);
    return rc;
}

static int write_batch(struct reg_db *db, rocksdb_writeoptions_t *wo, rocksdb_writebatch_t *wb)
{
    char *e = NULL;
    write_untracked(db, wo, wb, &e);
    if (!e)
        return REG_OK;
    int rc = reg_map_rocksdb_error(e);
    rocksdb_free(e);
    return rc == REG_OK ? REG_ERR_IO : rc;
}

int reg_commit(struct reg_db *db, rocksdb_writebatch_t *wb, const uint8_t *changes,
               size_t changes_len)
{
    uint64_t first;
    return reg_commit_id(db, wb, changes, changes_len, &first);
}

int reg_commit_id(struct reg_db *db, rocksdb_writebatch_t *wb, const uint8_t *changes,
                  size_t changes_len, uint64_t *first_id)
{
    size_t count = 0;
    for (size_t pos = 0; pos + 3 <= changes_len; count++)
        pos += 3 + (((size_t)changes[pos + 1] << 8) | changes[pos + 2]);

    /* Ids are handed out in order under the lock; the in-flight list remembers which are not
     * durable yet. The write itself runs unlocked so concurrent synced writes share a sync. */
    struct reg_inflight me = {0};
    pthread_mutex_lock(&db->txn_lock);
    me.first = db->next_txn;
    db->next_txn += count;
    me.next = db->inflight;
    if (db->inflight)
        db->inflight->prev = &me;
    db->inflight = &me;
    if (defer_sync && !group_linked)
        group_link(db, me.first);
    pthread_mutex_unlock(&db->txn_lock);

    uint8_t key[8];
    uint8_t value[5 + REG_MAX_KEY];
    uint32_t now = (uint32_t)time(NULL);
    uint64_t id = me.first;
    rocksdb_writebatch_set_save_point(wb);
    for (size_t pos = 0; pos + 3 <= changes_len; id++) {
        size_t len = ((size_t)changes[pos + 1] << 8) | changes[pos + 2];
        store_u64(key, id);
        value[0] = changes[pos];
        hdl_store_u32(value + 1, now);
        memcpy(value + 5, changes + pos + 3, len);
        rocksdb_writebatch_put_cf(wb, db->cf[REG_CF_TXLOG], (const char *)key, sizeof(key),
                                  (const char *)value, 5 + len);
        pos += 3 + len;
    }
    /* Kept for a txlog trimmed to nothing; concurrent commits may leave a lower id here, which
     * recovery corrects from the txlog itself. */
    store_u64(key, id - 1);
    rocksdb_writebatch_put_cf(wb, db->cf[REG_CF_META], REG_META_LAST_TXN, strlen(REG_META_LAST_TXN),
                              (const char *)key, sizeof(key));

    rocksdb_writeoptions_t *wo = reg_write_options(db);
    int rc = write_batch(db, wo, wb);
    /* Space came back since the disk filled: the same batch, once more. */
    if (rc != REG_OK && reg_write_failed(db, rc) && (rc = write_batch(db, wo, wb)) != REG_OK)
        reg_write_failed(db, rc);
    char *e = NULL;
    if (rc != REG_OK) {
        rocksdb_writebatch_rollback_to_save_point(wb, &e);
    } else {
        rocksdb_writebatch_pop_save_point(wb, &e);
    }
    rocksdb_free(e);

    pthread_mutex_lock(&db->txn_lock);
    inflight_remove(db, &me);
    pthread_mutex_unlock(&db->txn_lock);
    *first_id = me.first;
    return rc;
}

uint64_t reg_stable_txn_id(struct reg_db *db)
{
    pthread_mutex_lock(&db->txn_lock);
    uint64_t stable = db->next_txn - 1;
    for (struct reg_inflight *f = db->inflight; f; f = f->next)
        if (f->first - 1 < stable)
            stable = f->first - 1;
    pthread_mutex_unlock(&db->txn_lock);
    return stable;
}

uint64_t reg_next_txn_id(struct reg_db *db)
{
    pthread_mutex_lock(&db->txn_lock);
    uint64_t id = db->next_txn;
    pthread_mutex_unlock(&db->txn_lock);
    return id;
}

int reg_txlog_scan(struct reg_db *db, uint64_t from,
                   int (*fn)(void *ctx, uint64_t id, int op, uint32_t time, const uint8_t *handle,
                             size_t len),
                   void *ctx)
{
    uint8_t start[8];
    store_u64(start, from);
    rocksdb_iterator_t *it =
        rocksdb_create_iterator_cf(db->rdb, db->scan_ropt, db->cf[REG_CF_TXLOG]);
    int rc = REG_OK;
    for (rocksdb_iter_seek(it, (const char *)start, sizeof(start)); rocksdb_iter_valid(it);
         rocksdb_iter_next(it)) {
        size_t klen, vlen;
        const char *k = rocksdb_iter_key(it, &klen);
        const char *v = rocksdb_iter_value(it, &vlen);
        struct hdl_reader kr, vr;
        uint64_t id;
        uint8_t op;
        uint32_t stamp;
        hdl_reader_init(&kr, (const uint8_t *)k, klen);
        hdl_reader_init(&vr, (const uint8_t *)v, vlen);
        if (klen != 8 || hdl_get_u64(&kr, &id) || hdl_get_u8(&vr, &op) ||
            hdl_get_u32(&vr, &stamp)) {
            rc = REG_ERR_CORRUPT;
            break;
        }
        if (fn(ctx, id, op, stamp, vr.buf + vr.pos, hdl_reader_left(&vr)))
            break;
    }
    int erc = reg_iter_end(it);
    return erc != REG_OK ? erc : rc;
}
