/* Listing the per-prefix counts: one short scan of the "counts" family, whose merges the
 * iterator folds into one value per prefix. On a read-only open that found interrupted bulk
 * ingestions, their deltas are added in, and a prefix only they count is listed in its place. */
#include <stdlib.h>
#include <string.h>

#include "registry/reg_bulk.h"
#include "registry/reg_internal.h"

struct pending {
    const uint8_t *prefix;
    size_t len;
    int64_t delta;
};

/* Byte order, a shorter key first when it is the other's start: RocksDB's key order. */
static int key_cmp(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
    int c = memcmp(a, b, alen < blen ? alen : blen);
    return c ? c : (alen > blen) - (alen < blen);
}

static int by_prefix(const void *x, const void *y)
{
    const struct pending *a = x, *b = y;
    return key_cmp(a->prefix, a->len, b->prefix, b->len);
}

/* The pending deltas sorted by prefix into *out (NULL and *n 0 when there are none). */
static int sorted_pending(const struct reg_db *db, struct pending **out, size_t *n)
{
    *out = NULL;
    *n = db->pending_counts ? reg_bulk_deltas_size(db->pending_counts) : 0;
    if (*n == 0)
        return REG_OK;
    struct pending *p = calloc(*n, sizeof *p);
    if (!p)
        return REG_ERR_IO;
    for (size_t i = 0; i < *n; i++)
        reg_bulk_deltas_get(db->pending_counts, i, &p[i].prefix, &p[i].len, &p[i].delta);
    qsort(p, *n, sizeof *p, by_prefix);
    *out = p;
    return REG_OK;
}

static int emit(int (*fn)(void *, const char *, size_t, uint64_t), void *ctx, const void *key,
                size_t klen, uint64_t count)
{
    char name[REG_MAX_KEY + 1];
    memcpy(name, key, klen);
    name[klen] = '\0';
    return fn(ctx, name, klen, count);
}

int reg_list_counts(struct reg_db *db,
                    int (*fn)(void *ctx, const char *prefix, size_t len, uint64_t count), void *ctx)
{
    size_t np, next = 0;
    struct pending *p;
    if (sorted_pending(db, &p, &np) != REG_OK)
        return REG_ERR_IO;
    int stop = 0;
    rocksdb_iterator_t *it =
        rocksdb_create_iterator_cf(db->rdb, db->scan_ropt, db->cf[REG_CF_COUNTS]);
    for (rocksdb_iter_seek_to_first(it); !stop && rocksdb_iter_valid(it); rocksdb_iter_next(it)) {
        size_t klen, vlen;
        const uint8_t *k = (const uint8_t *)rocksdb_iter_key(it, &klen);
        const uint8_t *v = (const uint8_t *)rocksdb_iter_value(it, &vlen);
        if (klen > REG_MAX_KEY)
            continue;
        uint64_t c = reg_count_value(v, vlen);
        /* Prefixes only the pending deltas count, before this one. */
        for (; !stop && next < np && key_cmp(p[next].prefix, p[next].len, k, klen) < 0; next++)
            stop = emit(fn, ctx, p[next].prefix, p[next].len, (uint64_t)p[next].delta);
        if (!stop && next < np && key_cmp(p[next].prefix, p[next].len, k, klen) == 0)
            c += (uint64_t)p[next++].delta;
        if (!stop)
            stop = emit(fn, ctx, k, klen, c);
    }
    for (; !stop && next < np; next++)
        stop = emit(fn, ctx, p[next].prefix, p[next].len, (uint64_t)p[next].delta);
    free(p);
    return reg_iter_end(it);
}
