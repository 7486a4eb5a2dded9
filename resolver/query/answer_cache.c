#include "resolver/query/answer_cache.h"

#include <stdlib.h>
#include <string.h>

#include "resolver/node_counter.h"

struct slot {
    uint64_t hash;
    uint32_t version;
    uint16_t key_len;
    uint16_t rec_len;
    uint8_t used;
    uint8_t bytes[ANSWER_CACHE_SLOT - 24]; /* key, then record */
};

/* Admission: a free slot takes any key; a key displaces another only on its second miss within
 * a while. Under uniform traffic over far more keys than the cache holds, almost nothing
 * repeats, so the cache is not churned; hot keys repeat at once and win their slots. */
struct answer_cache {
    size_t mask;
    struct slot *slots;
    /* The hash of each slot's key, apart: a miss reads 8 bytes from an array that stays in the
     * CPU's caches, instead of a 512-byte slot from memory. 0 = empty. */
    uint64_t *tags;
    uint32_t *door; /* mask + 1 tags of keys that missed once */
    struct answer_cache_counts counts;
};

struct answer_cache *answer_cache_new(size_t bytes)
{
    size_t n = 1;
    while (n * 2 * sizeof(struct slot) <= bytes)
        n *= 2;
    if (bytes < sizeof(struct slot))
        return NULL;
    struct answer_cache *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    /* Zeroed pages come from the kernel on first touch: only the hot part costs memory. */
    c->slots = calloc(n, sizeof *c->slots);
    c->door = calloc(n, sizeof *c->door);
    c->tags = calloc(n, sizeof *c->tags);
    if (!c->slots || !c->door || !c->tags) {
        free(c->slots);
        free(c->door);
        free(c->tags);
        free(c);
        return NULL;
    }
    c->mask = n - 1;
    return c;
}

void answer_cache_free(struct answer_cache *c)
{
    if (!c)
        return;
    free(c->slots);
    free(c->door);
    free(c->tags);
    free(c);
}

/* Two candidate slots per key, neighbours, so both tags share a cache line: a key that
 * collides with another in one slot still finds a home, and the cache fills to ~90% rather
 * than the 63% of a direct-mapped table. */
static struct slot *find(struct answer_cache *c, const uint8_t *key, size_t key_len,
                         uint64_t hash)
{
    size_t i = hash & c->mask;
    for (int way = 0; way < 2; way++, i ^= 1) {
        struct slot *s = &c->slots[i];
        if (c->tags[i] == (hash | 1) && s->used && s->hash == hash && s->key_len == key_len &&
            memcmp(s->bytes, key, key_len) == 0)
            return s;
    }
    return NULL;
}

bool answer_cache_get(struct answer_cache *c, const uint8_t *key, size_t key_len, uint64_t hash,
                      uint32_t version, const uint8_t **record, size_t *len)
{
    struct slot *s = find(c, key, key_len, hash);
    if (!s || s->version != version) {
        node_count(&c->counts.misses, 1);
        return false;
    }
    node_count(&c->counts.hits, 1);
    *record = s->bytes + key_len;
    *len = s->rec_len;
    return true;
}

void answer_cache_put(struct answer_cache *c, const uint8_t *key, size_t key_len, uint64_t hash,
                      uint32_t version, const uint8_t *record, size_t len)
{
    struct slot *s = find(c, key, key_len, hash); /* a stale copy of this key is replaced */
    if (!s) {
        /* Whether a slot is taken is read from the tags (a slot is used exactly when its tag is
         * not 0): a key refused admission costs no read of a slot from memory. */
        size_t i = hash & c->mask;
        if (c->tags[i] && !c->tags[i ^ 1])
            i ^= 1;
        /* A free slot takes any key; an occupied one only a key that missed before. */
        uint32_t tag = (uint32_t)(hash >> 32) | 1u;
        uint32_t *door = &c->door[(hash >> 20) & c->mask];
        if (c->tags[i] && *door != tag) {
            *door = tag;
            return;
        }
        s = &c->slots[i];
    }
    size_t i = (size_t)(s - c->slots);
    if (key_len + len > sizeof s->bytes) {
        s->used = 0; /* this record does not fit; whatever held the slot is gone too */
        c->tags[i] = 0;
        return;
    }
    c->tags[i] = hash | 1;
    node_count(&c->counts.admitted, 1);
    s->hash = hash;
    s->version = version;
    s->key_len = (uint16_t)key_len;
    s->rec_len = (uint16_t)len;
    memcpy(s->bytes, key, key_len);
    if (len)
        memcpy(s->bytes + key_len, record, len);
    s->used = 1;
}

void answer_cache_carry_counts(struct answer_cache *to, const struct answer_cache *from)
{
    if (!to || !from)
        return;
    node_count(&to->counts.hits, node_counter_read(&from->counts.hits));
    node_count(&to->counts.misses, node_counter_read(&from->counts.misses));
    node_count(&to->counts.admitted, node_counter_read(&from->counts.admitted));
}

void answer_cache_counts(const struct answer_cache *c, struct answer_cache_counts *out)
{
    if (c)
        *out = (struct answer_cache_counts){node_counter_read(&c->counts.hits),
                                            node_counter_read(&c->counts.misses),
                                            node_counter_read(&c->counts.admitted)};
    else
        *out = (struct answer_cache_counts){0, 0, 0};
}
