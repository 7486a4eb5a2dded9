#include <string.h>
#include <strings.h>

#include <stdlib.h>

#include "common/handle_name.h"
#include "proto/hdl_error.h"
#include "registry/reg_internal.h"
#include "registry/reg_record.h"
#include "registry/reg_stored.h"

size_t reg_fold_key(bool case_sensitive, const uint8_t *in, size_t len, uint8_t *out)
{
    if (len == 0 || len > REG_MAX_KEY)
        return 0;
    if (case_sensitive) {
        memcpy(out, in, len);
        return len;
    }
    /* ASCII only: the reference server upper-cases keys byte by byte, and UTF-8 multi-byte
     * sequences never contain bytes in a-z. */
    for (size_t i = 0; i < len; i++)
        out[i] = (in[i] >= 'a' && in[i] <= 'z') ? (uint8_t)(in[i] - 32) : in[i];
    return len;
}

size_t reg_canonical_key(const struct reg_db *db, const uint8_t *handle, size_t len, uint8_t *out)
{
    return reg_fold_key(db->case_sensitive, handle, len, out);
}

/* Prefix handles are "0.NA/<prefix>"; the 0.NA part is case-insensitive even in a case-sensitive
 * registry, so it is always stored upper case. */
static size_t prefix_key(const struct reg_db *db, const char *prefix_handle, uint8_t *out)
{
    size_t len = strlen(prefix_handle);
    size_t n = reg_canonical_key(db, (const uint8_t *)prefix_handle, len, out);
    if (n <= HNAME_NA_PREFIX_LEN || !hname_has_na_prefix(prefix_handle, len))
        return 0;
    memcpy(out, HNAME_NA_PREFIX, HNAME_NA_PREFIX_LEN);
    return n;
}

int reg_get_record(struct reg_db *db, const uint8_t *handle, size_t len, struct reg_pin *pin)
{
    uint8_t key[REG_MAX_KEY];
    size_t klen = reg_canonical_key(db, handle, len, key);
    return reg_get_record_key(db, key, klen, pin);
}

void reg_pin_fill(struct reg_pin *pin, rocksdb_pinnableslice_t *v)
{
    size_t len;
    const uint8_t *stored = (const uint8_t *)rocksdb_pinnableslice_value(v, &len);
    pin->data = stored;
    pin->len = len;
    pin->impl = v;
    pin->heap = NULL;
    reg_pin_expand(pin);
}

void reg_pin_expand(struct reg_pin *pin)
{
    const uint8_t *stored = pin->data;
    size_t len = pin->len;
    if (len == 0 || stored[0] != REG_STORED_COMPACT)
        return; /* stored whole: served from where it is */
    size_t need = reg_stored_record_len(stored, len);
    uint8_t *out = need <= sizeof pin->local ? pin->local : malloc(need);
    if (!need || !out || reg_stored_expand(stored, len, out, need) != HDL_OK) {
        if (out != pin->local)
            free(out);
        return; /* handed over as stored: reg_record_parse reports it damaged */
    }
    free(pin->heap); /* what stored lay in, if anything (a ThreadSanitizer build's copy) */
    pin->heap = out != pin->local ? out : NULL;
    pin->data = out;
    pin->len = need;
    if (pin->impl)
        rocksdb_pinnableslice_destroy(pin->impl);
    pin->impl = NULL;
}

int reg_stored_copy(const uint8_t *record, size_t len, uint8_t **stored, size_t *stored_len)
{
    uint8_t *buf = malloc(len ? len : 1);
    if (!buf)
        return REG_ERR_IO;
    struct hdl_writer w;
    hdl_writer_init(&w, buf, len);
    if (reg_stored_encode(record, len, &w) != HDL_OK) {
        free(buf);
        return REG_ERR_INVALID;
    }
    *stored = buf;
    *stored_len = w.len;
    return REG_OK;
}

static int get_pinned(struct reg_db *db, const uint8_t *key, size_t klen, struct reg_pin *pin)
{
    pin->data = NULL;
    pin->len = 0;
    pin->impl = NULL;
    pin->heap = NULL;
    if (!klen)
        return REG_ERR_INVALID;
    char *e = NULL;
    rocksdb_pinnableslice_t *v = rocksdb_get_pinned_cf(db->rdb, db->ropt, db->cf[REG_CF_HANDLES],
                                                       (const char *)key, klen, &e);
    if (e) {
        int rc = reg_map_rocksdb_error(e);
        rocksdb_free(e);
        return rc;
    }
    if (!v)
        return REG_NOT_FOUND;
    size_t len;
    pin->data = (const uint8_t *)rocksdb_pinnableslice_value(v, &len);
    pin->len = len;
    pin->impl = v;
#ifdef REG_TSAN
    /* The value may lie in a block another thread put in the block cache, ordered by RocksDB's
     * own atomics, which a ThreadSanitizer build does not see (as for scans: reg_list.c). The
     * value is copied with those reads ignored, and every later read is of this copy. */
    uint8_t *copy = malloc(len ? len : 1);
    if (!copy) {
        reg_pin_release(pin);
        return REG_ERR_IO;
    }
    AnnotateIgnoreReadsBegin(__FILE__, __LINE__);
    memcpy(copy, pin->data, len);
    AnnotateIgnoreReadsEnd(__FILE__, __LINE__);
    rocksdb_pinnableslice_destroy(v);
    pin->impl = NULL;
    pin->heap = copy;
    pin->data = copy;
#endif
    return REG_OK;
}

int reg_get_stored_key(struct reg_db *db, const uint8_t *key, size_t klen, struct reg_pin *pin)
{
    return get_pinned(db, key, klen, pin);
}

int reg_get_record_key(struct reg_db *db, const uint8_t *key, size_t klen, struct reg_pin *pin)
{
    int rc = get_pinned(db, key, klen, pin);
    if (rc == REG_OK)
        reg_pin_expand(pin);
    return rc;
}

void reg_get_records_keys(struct reg_db *db, size_t n, const uint8_t *const *keys,
                          const size_t *lens, struct reg_pin *pins, int *rcs)
{
#ifdef REG_TSAN
    /* Each value is copied as get_pinned copies it. */
    for (size_t i = 0; i < n; i++)
        rcs[i] = reg_get_record_key(db, keys[i], lens[i], &pins[i]);
#else
    rocksdb_pinnableslice_t *vals[REG_GET_MANY_MAX];
    char *errs[REG_GET_MANY_MAX];
    while (n) {
        size_t k = n < REG_GET_MANY_MAX ? n : REG_GET_MANY_MAX, asked = 0;
        const char *ask[REG_GET_MANY_MAX];
        size_t ask_len[REG_GET_MANY_MAX], at[REG_GET_MANY_MAX];
        for (size_t i = 0; i < k; i++) {
            pins[i].data = NULL;
            pins[i].len = 0;
            pins[i].impl = NULL;
            pins[i].heap = NULL;
            rcs[i] = REG_ERR_INVALID;
            if (lens[i]) {
                ask[asked] = (const char *)keys[i];
                ask_len[asked] = lens[i];
                at[asked++] = i;
            }
        }
        if (asked)
            rocksdb_batched_multi_get_cf(db->rdb, db->ropt, db->cf[REG_CF_HANDLES], asked, ask,
                                         ask_len, vals, errs, false);
        for (size_t j = 0; j < asked; j++) {
            size_t i = at[j];
            if (errs[j]) {
                rcs[i] = reg_map_rocksdb_error(errs[j]);
                rocksdb_free(errs[j]);
                if (vals[j])
                    rocksdb_pinnableslice_destroy(vals[j]);
            } else if (!vals[j]) {
                rcs[i] = REG_NOT_FOUND;
            } else {
                reg_pin_fill(&pins[i], vals[j]);
                rcs[i] = REG_OK;
            }
        }
        keys += k;
        lens += k;
        pins += k;
        rcs += k;
        n -= k;
    }
#endif
}

void reg_pin_release(struct reg_pin *pin)
{
    if (!pin)
        return;
    if (pin->impl)
        rocksdb_pinnableslice_destroy(pin->impl);
    free(pin->heap);
    pin->impl = NULL;
    pin->heap = NULL;
    pin->data = NULL;
    pin->len = 0;
}

/* Writes wb with one txlog entry for (op, key). */
static int write_one(struct reg_db *db, rocksdb_writebatch_t *wb, int op, const uint8_t *key,
                     size_t klen)
{
    uint8_t change[REG_CHANGE_MAX];
    size_t n = reg_change_pack(change, op, key, klen);
    return reg_commit(db, wb, change, n);
}

int reg_key_exists(struct reg_db *db, int cf, const uint8_t *key, size_t klen)
{
    char *e = NULL;
    rocksdb_pinnableslice_t *v =
        rocksdb_get_pinned_cf(db->rdb, db->ropt, db->cf[cf], (const char *)key, klen, &e);
    if (e) {
        int rc = reg_map_rocksdb_error(e);
        rocksdb_free(e);
        return rc;
    }
    if (!v)
        return REG_NOT_FOUND;
    rocksdb_pinnableslice_destroy(v);
    return REG_OK;
}

int reg_home_prefix(struct reg_db *db, const char *prefix_handle)
{
    if (db->read_only)
        return REG_ERR_READONLY;
    uint8_t key[REG_MAX_KEY];
    size_t klen = prefix_key(db, prefix_handle, key);
    if (!klen)
        return REG_ERR_INVALID;
    rocksdb_writebatch_t *wb = rocksdb_writebatch_create();
    rocksdb_writebatch_put_cf(wb, db->cf[REG_CF_PREFIXES], (const char *)key, klen, "", 0);
    int rc = write_one(db, wb, REG_TXN_HOME, key, klen);
    rocksdb_writebatch_destroy(wb);
    return rc;
}

int reg_unhome_prefix(struct reg_db *db, const char *prefix_handle)
{
    if (db->read_only)
        return REG_ERR_READONLY;
    uint8_t key[REG_MAX_KEY];
    size_t klen = prefix_key(db, prefix_handle, key);
    if (!klen)
        return REG_ERR_INVALID;
    /* The check and the delete share the key's lock, so two unhomes log one change. */
    pthread_mutex_t *lock = reg_stripe(db, key, klen);
    pthread_mutex_lock(lock);
    int rc = reg_key_exists(db, REG_CF_PREFIXES, key, klen);
    if (rc == REG_OK) {
        rocksdb_writebatch_t *wb = rocksdb_writebatch_create();
        rocksdb_writebatch_delete_cf(wb, db->cf[REG_CF_PREFIXES], (const char *)key, klen);
        rc = write_one(db, wb, REG_TXN_UNHOME, key, klen);
        rocksdb_writebatch_destroy(wb);
    }
    pthread_mutex_unlock(lock);
    return rc;
}

int reg_list_prefixes(struct reg_db *db,
                      int (*fn)(void *ctx, const char *prefix_handle, size_t len), void *ctx)
{
    char buf[REG_MAX_KEY + 1];
    rocksdb_iterator_t *it =
        rocksdb_create_iterator_cf(db->rdb, db->scan_ropt, db->cf[REG_CF_PREFIXES]);
    for (rocksdb_iter_seek_to_first(it); rocksdb_iter_valid(it); rocksdb_iter_next(it)) {
        size_t klen;
        const char *k = rocksdb_iter_key(it, &klen);
        if (klen > REG_MAX_KEY)
            continue;
        /* Callers get a C string as well as a length. */
        memcpy(buf, k, klen);
        buf[klen] = '\0';
        if (fn(ctx, buf, klen))
            break;
    }
    return reg_iter_end(it);
}

uint64_t reg_estimate_handles(struct reg_db *db)
{
    uint64_t n = 0;
    if (rocksdb_property_int_cf(db->rdb, db->cf[REG_CF_HANDLES], "rocksdb.estimate-num-keys", &n))
        return 0;
    return n;
}

int reg_iter_end(rocksdb_iterator_t *it)
{
    char *e = NULL;
    rocksdb_iter_get_error(it, &e);
    rocksdb_iter_destroy(it);
    if (!e)
        return REG_OK;
    int rc = reg_map_rocksdb_error(e);
    rocksdb_free(e);
    return rc;
}
