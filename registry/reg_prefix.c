#include "registry/reg_prefix.h"

#include <stdlib.h>
#include <string.h>

#include "common/handle_name.h"
#include "registry/reg_internal.h"

/* Open addressing with linear probing, at most half full; a slot with len 0 is empty. */
struct slot {
    uint64_t hash;
    uint32_t off; /* into keys */
    uint32_t len;
};

struct reg_prefix_set {
    bool case_sensitive;
    size_t count;
    size_t mask;
    struct slot *slots;
    uint8_t *keys;
};

/* FNV-1a: prefix handles are short, and the set is rebuilt on every HOME/UNHOME, so a simple
 * hash that needs no seed is enough. */
static uint64_t hash_key(const uint8_t *p, size_t n)
{
    uint64_t h = 0xcbf29ce484222325u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 0x100000001b3u;
    return h;
}

static bool lookup(const struct reg_prefix_set *set, const uint8_t *key, size_t len)
{
    if (set->count == 0)
        return false;
    uint64_t h = hash_key(key, len);
    for (size_t i = h & set->mask;; i = (i + 1) & set->mask) {
        const struct slot *s = &set->slots[i];
        if (s->len == 0)
            return false;
        if (s->hash == h && s->len == len && memcmp(set->keys + s->off, key, len) == 0)
            return true;
    }
}

static void insert(struct reg_prefix_set *set, uint32_t off, uint32_t len)
{
    const uint8_t *key = set->keys + off;
    uint64_t h = hash_key(key, len);
    size_t i = h & set->mask;
    for (; set->slots[i].len != 0; i = (i + 1) & set->mask)
        if (set->slots[i].hash == h && set->slots[i].len == len &&
            memcmp(set->keys + set->slots[i].off, key, len) == 0)
            return;
    set->slots[i] = (struct slot){h, off, len};
    set->count++;
}

/* Keys as listed, packed back to back, with their lengths. */
struct loader {
    uint8_t *keys;
    size_t keys_len, keys_cap;
    uint32_t *lens;
    size_t n, cap;
    bool failed;
};

static int collect(void *ctx, const char *prefix_handle, size_t len)
{
    struct loader *l = ctx;
    if (l->keys_cap - l->keys_len < len) {
        size_t cap = l->keys_cap ? l->keys_cap * 2 : 4096;
        while (cap - l->keys_len < len)
            cap *= 2;
        uint8_t *p = realloc(l->keys, cap);
        if (!p)
            goto fail;
        l->keys = p;
        l->keys_cap = cap;
    }
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 64;
        uint32_t *p = realloc(l->lens, cap * sizeof(*p));
        if (!p)
            goto fail;
        l->lens = p;
        l->cap = cap;
    }
    memcpy(l->keys + l->keys_len, prefix_handle, len);
    l->keys_len += len;
    l->lens[l->n++] = (uint32_t)len;
    return 0;
fail:
    l->failed = true;
    return 1;
}

struct reg_prefix_set *reg_prefix_set_load(struct reg_db *db)
{
    struct loader l = {0};
    struct reg_prefix_set *set = calloc(1, sizeof(*set));
    if (!set || reg_list_prefixes(db, collect, &l) != REG_OK || l.failed)
        goto fail;
    set->case_sensitive = reg_is_case_sensitive(db);
    size_t nslots = 16;
    while (nslots < 2 * l.n)
        nslots *= 2;
    set->slots = calloc(nslots, sizeof(*set->slots));
    if (!set->slots)
        goto fail;
    set->mask = nslots - 1;
    set->keys = l.keys;
    l.keys = NULL;
    uint32_t off = 0;
    for (size_t i = 0; i < l.n; i++) {
        if (l.lens[i] > 0)
            insert(set, off, l.lens[i]);
        off += l.lens[i];
    }
    free(l.lens);
    return set;
fail:
    free(l.keys);
    free(l.lens);
    reg_prefix_set_free(set);
    return NULL;
}

void reg_prefix_set_free(struct reg_prefix_set *set)
{
    if (!set)
        return;
    free(set->slots);
    free(set->keys);
    free(set);
}

size_t reg_prefix_set_count(const struct reg_prefix_set *set)
{
    return set->count;
}

/* Writes "0.NA/" + the canonical form of rest into key; returns its length, 0 if too long. */
static size_t na_key(const struct reg_prefix_set *set, const uint8_t *rest, size_t len,
                     uint8_t key[REG_MAX_KEY + HNAME_NA_PREFIX_LEN])
{
    memcpy(key, HNAME_NA_PREFIX, HNAME_NA_PREFIX_LEN);
    if (len == 0 || reg_fold_key(set->case_sensitive, rest, len, key + HNAME_NA_PREFIX_LEN) == 0)
        return 0;
    return HNAME_NA_PREFIX_LEN + len;
}

bool reg_prefix_set_has(const struct reg_prefix_set *set, const uint8_t *prefix_handle, size_t len)
{
    uint8_t key[REG_MAX_KEY + HNAME_NA_PREFIX_LEN];
    /* The 0.NA part is case-insensitive even in a case-sensitive registry (see reg_home_prefix). */
    if (!hname_has_na_prefix(prefix_handle, len))
        return false;
    size_t n = na_key(set, prefix_handle + HNAME_NA_PREFIX_LEN, len - HNAME_NA_PREFIX_LEN, key);
    return n && lookup(set, key, n);
}

bool reg_prefix_set_serves(const struct reg_prefix_set *set, const uint8_t *handle, size_t len)
{
    uint8_t key[REG_MAX_KEY + HNAME_NA_PREFIX_LEN];
    const uint8_t *slash = memchr(handle, '/', len);
    if (!slash)
        return false;
    size_t plen = (size_t)(slash - handle);
    if (!(plen == HNAME_NA_PREFIX_LEN - 1 && hname_has_na_prefix(handle, len))) {
        /* X/S: served when 0.NA/X is homed. */
        size_t n = na_key(set, handle, plen, key);
        return n && lookup(set, key, n);
    }
    /* 0.NA/P: P itself, the root 0.NA/0.NA, or a dotted ancestor of P. */
    size_t n = na_key(set, slash + 1, len - plen - 1, key);
    if (!n)
        return false;
    if (lookup(set, key, n) || lookup(set, (const uint8_t *)HNAME_ROOT, HNAME_ROOT_LEN))
        return true;
    for (size_t i = n - 1; i > HNAME_NA_PREFIX_LEN; i--)
        if (key[i] == '.' && lookup(set, key, i))
            return true;
    return false;
}
