#include "registry/reg_prefix.h"

#include <stdlib.h>
#include <string.h>

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

#define NA_LEAD "0.NA/"
#define NA_LEAD_LEN 5

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

static bool is_na_lead(const uint8_t *p, size_t len)
{
    static const char lead[] = NA_LEAD;
    if (len < NA_LEAD_LEN)
        return false;
    for (size_t i = 0; i < NA_LEAD_LEN; i++) {
        uint8_t c = (p[i] >= 'a' && p[i] <= 'z') ? (uint8_t)(p[i] - 32) : p[i];
        if (c != (uint8_t)lead[i])
            return false;
    }
    return true;
}

/* Writes "0.NA/" + the canonical form of rest into key; returns its length, 0 if too long. */
static size_t na_key(const struct reg_prefix_set *set, const uint8_t *rest, size_t len,
                     uint8_t key[REG_MAX_KEY + NA_LEAD_LEN])
{
    memcpy(key, NA_LEAD, NA_LEAD_LEN);
    if (len == 0 || reg_fold_key(set->case_sensitive, rest, len, key + NA_LEAD_LEN) == 0)
        return 0;
    return NA_LEAD_LEN + len;
}

bool reg_prefix_set_has(const struct reg_prefix_set *set, const uint8_t *prefix_handle, size_t len)
{
    uint8_t key[REG_MAX_KEY + NA_LEAD_LEN];
    /* The 0.NA part is case-insensitive even in a case-sensitive registry (see reg_home_prefix). */
    if (!is_na_lead(prefix_handle, len))
        return false;
    size_t n = na_key(set, prefix_handle + NA_LEAD_LEN, len - NA_LEAD_LEN, key);
    return n && lookup(set, key, n);
}

bool reg_prefix_set_serves(const struct reg_prefix_set *set, const uint8_t *handle, size_t len)
{
    uint8_t key[REG_MAX_KEY + NA_LEAD_LEN];
    const uint8_t *slash = memchr(handle, '/', len);
    if (!slash)
        return false;
    size_t plen = (size_t)(slash - handle);
    if (!(plen == NA_LEAD_LEN - 1 && is_na_lead(handle, len))) {
        /* X/S: served when 0.NA/X is homed. */
        size_t n = na_key(set, handle, plen, key);
        return n && lookup(set, key, n);
    }
    /* 0.NA/P: P itself, the root 0.NA/0.NA, or a dotted ancestor of P. */
    size_t n = na_key(set, slash + 1, len - plen - 1, key);
    if (!n)
        return false;
    if (lookup(set, key, n) || lookup(set, (const uint8_t *)"0.NA/0.NA", 9))
        return true;
    for (size_t i = n - 1; i > NA_LEAD_LEN; i--)
        if (key[i] == '.' && lookup(set, key, i))
            return true;
    return false;
}
