/* Listing the per-prefix counts: one short scan of the "counts" family, whose merges the
 * iterator folds into one value per prefix. */
#include <string.h>

#include "registry/reg_internal.h"

int reg_list_counts(struct reg_db *db,
                    int (*fn)(void *ctx, const char *prefix, size_t len, uint64_t count), void *ctx)
{
    char name[REG_MAX_KEY + 1];
    rocksdb_iterator_t *it =
        rocksdb_create_iterator_cf(db->rdb, db->scan_ropt, db->cf[REG_CF_COUNTS]);
    for (rocksdb_iter_seek_to_first(it); rocksdb_iter_valid(it); rocksdb_iter_next(it)) {
        size_t klen, vlen;
        const char *k = rocksdb_iter_key(it, &klen);
        const uint8_t *v = (const uint8_t *)rocksdb_iter_value(it, &vlen);
        if (klen > REG_MAX_KEY)
            continue;
        uint64_t c = 0;
        for (size_t i = vlen < 8 ? vlen : 8; i-- > 0;)
            c = (c << 8) | v[i];
        memcpy(name, k, klen);
        name[klen] = '\0';
        if (fn(ctx, name, klen, c))
            break;
    }
    return reg_iter_end(it);
}
