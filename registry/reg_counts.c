/* Per-prefix handle counts: exact, and cheap because a change adds a merge, never a scan. */
#include <string.h>
#include <strings.h>

#include "common/handle_name.h"
#include "registry/reg_bulk.h"
#include "registry/reg_internal.h"

/* The prefix of a canonical key: the part before the first '/'. */
static size_t prefix_len(const uint8_t *key, size_t len)
{
    const uint8_t *slash = memchr(key, '/', len);
    return slash ? (size_t)(slash - key) : len;
}

void reg_counts_add(struct reg_db *db, rocksdb_writebatch_t *wb, const uint8_t *key, size_t len,
                    int64_t delta)
{
    uint8_t operand[8];
    uint64_t v = (uint64_t)delta;
    for (int i = 0; i < 8; i++, v >>= 8)
        operand[i] = (uint8_t)v; /* little-endian, as the uint64add operator reads it */
    rocksdb_writebatch_merge_cf(wb, db->cf[REG_CF_COUNTS], (const char *)key,
                                prefix_len(key, len), (const char *)operand, sizeof operand);
}

/* What db->pending_counts adds to the count of a canonical prefix: 0 unless a read-only open
 * found interrupted bulk ingestions (reg_bulk_recover). */
static int64_t pending_count(const struct reg_db *db, const uint8_t *prefix, size_t len)
{
    size_t n = db->pending_counts ? reg_bulk_deltas_size(db->pending_counts) : 0;
    for (size_t i = 0; i < n; i++) {
        const uint8_t *p;
        size_t plen;
        int64_t delta;
        reg_bulk_deltas_get(db->pending_counts, i, &p, &plen, &delta);
        if (plen == len && memcmp(p, prefix, len) == 0)
            return delta;
    }
    return 0;
}

int reg_count_prefix(struct reg_db *db, const char *prefix, uint64_t *count)
{
    uint8_t key[REG_MAX_KEY];
    size_t n = strlen(prefix);
    prefix = hname_strip_na(prefix, &n);
    size_t klen = reg_canonical_key(db, (const uint8_t *)prefix, n, key);
    *count = 0;
    if (!klen)
        return REG_ERR_INVALID;
    char *e = NULL;
    rocksdb_pinnableslice_t *v = rocksdb_get_pinned_cf(db->rdb, db->ropt, db->cf[REG_CF_COUNTS],
                                                       (const char *)key, klen, &e);
    if (e) {
        int rc = reg_map_rocksdb_error(e);
        rocksdb_free(e);
        return rc;
    }
    uint64_t c = 0;
    if (v) {
        size_t vlen;
        const uint8_t *p = (const uint8_t *)rocksdb_pinnableslice_value(v, &vlen);
        c = reg_count_value(p, vlen);
        rocksdb_pinnableslice_destroy(v);
    }
    *count = c + (uint64_t)pending_count(db, key, klen);
    return REG_OK;
}
