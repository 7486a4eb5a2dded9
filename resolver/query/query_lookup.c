#include "resolver/query/query_lookup.h"

#include <stdatomic.h>
#include <stdbool.h>

#include "common/handle_name.h"
#include "proto/hdl_const.h"
#include "resolver/query/answer_cache.h"

enum query_lookup query_lookup(struct node *node, struct answer_cache *cache, const uint8_t *handle,
                               size_t len, struct reg_pin *pin, int *err)
{
    pin->data = NULL;
    pin->len = 0;
    pin->impl = NULL;
    pin->heap = NULL;
    uint8_t name[HDL_MAX_HANDLE_LEN + 8];
    size_t name_len = hname_lookup(handle, len, name, sizeof name);
    if (name_len == 0)
        return QUERY_LOOKUP_INVALID;

    struct reg_prefix_set *prefixes = atomic_load_explicit(&node->prefixes, memory_order_acquire);
    if (!reg_prefix_set_serves(prefixes, name, name_len))
        return QUERY_LOOKUP_NOT_HOMED;

    /* The worker's cache first; the version is read before the registry, so a write that
     * lands meanwhile leaves the new entry stale, never a stale entry current. */
    struct reg_db *db = node->db;
    uint8_t key[REG_MAX_KEY];
    size_t key_len = reg_canonical_key(db, name, name_len, key);
    uint64_t hash = 0;
    uint32_t version = 0;
    bool cached = false;
    if (cache) {
        hash = reg_key_hash(key, key_len);
        version = reg_change_version(db, hash);
        cached = answer_cache_get(cache, key, key_len, hash, version, &pin->data, &pin->len);
    }
    if (!cached) {
        *err = reg_get_record_key(db, key, key_len, pin);
        if (*err != REG_OK && *err != REG_NOT_FOUND)
            return QUERY_LOOKUP_FAILED;
        if (cache)
            answer_cache_put(cache, key, key_len, hash, version, pin->data,
                             *err == REG_OK ? pin->len : 0);
    }
    if (pin->len == 0) {
        reg_pin_release(pin);
        return QUERY_LOOKUP_NOT_FOUND;
    }
    return QUERY_LOOKUP_FOUND;
}
