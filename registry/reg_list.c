#include "registry/reg_list.h"

#include <string.h>
#include <strings.h>

#include "common/handle_name.h"
#include "registry/reg_internal.h"

/* RocksDB's default order: bytewise, a key before its extensions. */
static int key_cmp(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
    int c = memcmp(a, b, alen < blen ? alen : blen);
    if (c)
        return c;
    return alen < blen ? -1 : alen > blen;
}

int reg_scan_prefix(struct reg_db *db, const uint8_t *prefix, size_t len, const uint8_t *after_key,
                    size_t after_len, int (*fn)(void *ctx, const uint8_t *key, size_t len),
                    void *ctx)
{
    if (hname_is_prefix_handle(prefix, len)) {
        prefix += HNAME_NA_PREFIX_LEN;
        len -= HNAME_NA_PREFIX_LEN;
    }
    /* The scan range is "PREFIX/": room for the slash after a maximal key. */
    uint8_t start[REG_MAX_KEY + 1];
    size_t slen = reg_canonical_key(db, prefix, len, start);
    if (!slen || memchr(start, '/', slen))
        return REG_ERR_INVALID;
    start[slen++] = '/';

    rocksdb_iterator_t *it =
        rocksdb_create_iterator_cf(db->rdb, db->scan_ropt, db->cf[REG_CF_HANDLES]);
    if (after_key && after_len && key_cmp(after_key, after_len, start, slen) >= 0) {
        rocksdb_iter_seek(it, (const char *)after_key, after_len);
        size_t klen;
        const char *k = rocksdb_iter_valid(it) ? rocksdb_iter_key(it, &klen) : NULL;
        if (k && key_cmp((const uint8_t *)k, klen, after_key, after_len) == 0)
            rocksdb_iter_next(it);
    } else {
        /* No cursor, or one before the range: from the range's start. */
        rocksdb_iter_seek(it, (const char *)start, slen);
    }
    for (; rocksdb_iter_valid(it); rocksdb_iter_next(it)) {
        size_t klen;
        const char *k = rocksdb_iter_key(it, &klen);
        if (klen < slen || memcmp(k, start, slen) != 0)
            break;
        if (fn(ctx, (const uint8_t *)k, klen))
            break;
    }
    return reg_iter_end(it);
}

int reg_scan_stored(struct reg_db *db,
                    int (*fn)(void *ctx, const uint8_t *key, size_t klen, const uint8_t *stored,
                              size_t len),
                    void *ctx)
{
    rocksdb_iterator_t *it =
        rocksdb_create_iterator_cf(db->rdb, db->scan_ropt, db->cf[REG_CF_HANDLES]);
    for (rocksdb_iter_seek_to_first(it); rocksdb_iter_valid(it); rocksdb_iter_next(it)) {
        size_t klen, vlen;
        const char *k = rocksdb_iter_key(it, &klen);
        const char *v = rocksdb_iter_value(it, &vlen);
        /* The value may sit in a block another thread put in the block cache, handed over
         * through RocksDB's atomics: a TSan build does not track fn's reads (its writes, to what
         * it keeps, it does). */
#ifdef REG_TSAN
        AnnotateIgnoreReadsBegin(__FILE__, __LINE__);
#endif
        int stop = fn(ctx, (const uint8_t *)k, klen, (const uint8_t *)v, vlen);
#ifdef REG_TSAN
        AnnotateIgnoreReadsEnd(__FILE__, __LINE__);
#endif
        if (stop)
            break;
    }
    return reg_iter_end(it);
}
