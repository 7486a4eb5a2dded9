#include "answer_cache.h"

#include <stdlib.h>
#include <string.h>

struct slot {
    uint64_t hash;
    uint32_t version;
    uint16_t key_len;
    uint16_t rec_len;
    uint8_t used;
    uint8_t bytes[ANSWER_CACHE_SLOT - 24]; /* key, then record */
};

/* Admission: a key enters the cache on its second miss within a while. Under uniform traffic
 * over many keys almost nothing repeats, so almost nothing is copied in; hot keys repeat at once. */
#define DOOR_ENTRIES 65536u

struct answer_cache {
    size_t mask;
    struct slot *slots;
    uint32_t door[DOOR_ENTRIES]; /* tags of keys that missed once */
};

struct answer_cache *answer_cache_new(size_t bytes)
{
    size_t n = 1;
    while (n * 2 * sizeof(struct slot) <= bytes)
        n *= 2;
    if (bytes < sizeof(struct slot))
        return NULL;
    struct answer_cache *c = malloc(sizeof *c);
    if (!c)
        return NULL;
    /* Zeroed pages come from the kernel on first touch: only the hot part costs memory. */
    c->slots = calloc(n, sizeof *c->slots);
    if (!c->slots) {
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
    free(c);
}

bool answer_cache_get(struct answer_cache *c, const uint8_t *key, size_t key_len, uint64_t hash,
                      uint32_t version, const uint8_t **record, size_t *len)
{
    struct slot *s = &c->slots[hash & c->mask];
    if (!s->used || s->hash != hash || s->version != version || s->key_len != key_len ||
        memcmp(s->bytes, key, key_len) != 0)
        return false;
    *record = s->bytes + key_len;
    *len = s->rec_len;
    return true;
}

void answer_cache_put(struct answer_cache *c, const uint8_t *key, size_t key_len, uint64_t hash,
                      uint32_t version, const uint8_t *record, size_t len)
{
    uint32_t tag = (uint32_t)(hash >> 32) | 1u;
    uint32_t *door = &c->door[(hash >> 16) % DOOR_ENTRIES];
    if (*door != tag) {
        *door = tag;
        return;
    }
    struct slot *s = &c->slots[hash & c->mask];
    if (key_len + len > sizeof s->bytes) {
        s->used = 0; /* an older entry for another key may stay; this one does not fit */
        return;
    }
    s->hash = hash;
    s->version = version;
    s->key_len = (uint16_t)key_len;
    s->rec_len = (uint16_t)len;
    memcpy(s->bytes, key, key_len);
    if (len)
        memcpy(s->bytes + key_len, record, len);
    s->used = 1;
}
