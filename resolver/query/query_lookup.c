#include "resolver/query/query_lookup.h"

#include <stdatomic.h>
#include <stdbool.h>

#include "common/handle_name.h"
#include "proto/hdl_const.h"
#include "resolver/node_counter.h"
#include "resolver/query/answer_cache.h"
#include "resolver/query/resident.h"

/* The registry read, through the resident registry when there is one: the record is read in the
 * table's form, offered to it, then expanded. Sets *kept when the table took the record. */
static int read_registry(struct resident *res, struct reg_db *db, const uint8_t *key,
                         size_t key_len, uint64_t hash, uint32_t version,
                         struct resident_entry *stale, struct reg_pin *pin, bool *kept)
{
    *kept = false;
    if (!res)
        return reg_get_record_key(db, key, key_len, pin);
    bool expanded = resident_expanded(res);
    int err = expanded ? reg_get_record_key(db, key, key_len, pin)
                       : reg_get_stored_key(db, key, key_len, pin);
    if (err == REG_OK) {
        *kept = resident_offer(res, key, key_len, hash, version, stale, pin->data, pin->len);
        reg_pin_expand(pin);
    }
    return err;
}

enum query_lookup query_key_derive(struct node *node, const uint8_t *handle, size_t len,
                                   struct query_key *k)
{
    uint8_t name[HDL_MAX_HANDLE_LEN + 8];
    size_t name_len = hname_lookup(handle, len, name, sizeof name);
    if (name_len == 0)
        return QUERY_LOOKUP_INVALID;
    k->prefixes = atomic_load_explicit(&node->prefixes, memory_order_acquire);
    if (!reg_prefix_set_serves(k->prefixes, name, name_len))
        return QUERY_LOOKUP_NOT_HOMED;
    if (!(k->key_len = reg_canonical_key(node->db, name, name_len, k->key)))
        return QUERY_LOOKUP_INVALID;
    k->handle = handle;
    k->handle_len = len;
    k->hash = reg_key_hash(k->key, k->key_len);
    return QUERY_LOOKUP_FOUND;
}

bool query_key_hash(struct node *node, const uint8_t *handle, size_t len, uint64_t *hash)
{
    struct query_key k;
    if (query_key_derive(node, handle, len, &k) != QUERY_LOOKUP_FOUND)
        return false;
    *hash = k.hash;
    return true;
}

bool query_key_version(struct node *node, const uint8_t *handle, size_t len, uint64_t *hash,
                       uint32_t *version)
{
    if (!query_key_hash(node, handle, len, hash))
        return false;
    *version = reg_change_version(node->db, *hash);
    return true;
}

/* The front end's key for this very handle (q->key_hint), when it was derived from the same
 * bytes under the prefixes still current; NULL otherwise. */
static const struct query_key *hinted_key(const struct query_ctx *q, const uint8_t *handle,
                                          size_t len)
{
    const struct query_key *k = q->key_hint;
    if (k && k->handle == handle && k->handle_len == len &&
        k->prefixes == atomic_load_explicit(&q->node->prefixes, memory_order_acquire))
        return k;
    return NULL;
}

enum query_lookup query_lookup(struct query_ctx *q, const uint8_t *handle, size_t len,
                               struct reg_pin *pin, int *err)
{
    struct node *node = q->node;
    pin->data = NULL;
    pin->len = 0;
    pin->impl = NULL;
    pin->heap = NULL;
    const struct query_key *k = hinted_key(q, handle, len);
    struct query_key derived;
    if (!k) {
        enum query_lookup why = query_key_derive(node, handle, len, &derived);
        if (why != QUERY_LOOKUP_FOUND)
            return why;
        k = &derived;
    }
    const uint8_t *key = k->key;
    size_t key_len = k->key_len;

    /* The resident registry, then the worker's cache, then the registry. The version is read
     * before any of them, so a write that lands meanwhile leaves what is kept stale, never a
     * stale record current. */
    struct reg_db *db = node->db;
    struct resident *res = node->resident;
    struct answer_cache *cache = atomic_load_explicit(&q->cache, memory_order_relaxed);
    uint64_t hash = k->hash;
    uint32_t version = 0;
    struct resident_entry *stale = NULL;
    if (res || cache)
        version = reg_change_version(db, hash);
    if (res) {
        switch (resident_get(res, key, key_len, hash, version, &pin->data, &pin->len, &stale)) {
        case RESIDENT_HIT:
            node_count(&q->stats->resident_hits, 1);
            reg_pin_expand(pin);
            return QUERY_LOOKUP_FOUND;
        case RESIDENT_ABSENT:
            node_count(&q->stats->resident_absent, 1);
            return QUERY_LOOKUP_NOT_FOUND;
        default:
            break;
        }
    }
    bool cached =
        cache && answer_cache_get(cache, key, key_len, hash, version, &pin->data, &pin->len);
    if (!cached) {
        bool kept;
        *err = read_registry(res, db, key, key_len, hash, version, stale, pin, &kept);
        if (*err != REG_OK && *err != REG_NOT_FOUND)
            return QUERY_LOOKUP_FAILED;
        if (cache && !kept)
            answer_cache_put(cache, key, key_len, hash, version, pin->data,
                             *err == REG_OK ? pin->len : 0);
    }
    if (pin->len == 0) {
        reg_pin_release(pin);
        return QUERY_LOOKUP_NOT_FOUND;
    }
    return QUERY_LOOKUP_FOUND;
}
