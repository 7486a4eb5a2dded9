#include "resolver/upstream/rec_cache.h"

#include <stdlib.h>
#include <string.h>

#include "common/errcode.h"

struct entry {
    struct entry *chain;             /* same bucket */
    struct entry *lru_prev, *lru_next; /* most recently used first */
    uint32_t hash;
    uint32_t key_len;
    uint64_t expires_ns;
    struct rec_cached answer; /* body points into data after the key */
    size_t size;              /* accounted bytes */
    uint8_t data[];           /* key, then body */
};

struct rec_cache {
    struct entry **buckets;
    uint32_t mask;
    struct entry *lru_head, *lru_tail;
    size_t count, bytes, max_bytes;
};

uint32_t rec_hash(const uint8_t *key, size_t len)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < len; i++) {
        h ^= key[i];
        h *= 16777619u;
    }
    return h;
}

struct rec_cache *rec_cache_new(size_t max_bytes)
{
    if (max_bytes == 0)
        return NULL;
    struct rec_cache *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    /* About one bucket for every 256 bytes held: answers are a few hundred bytes. */
    uint32_t n = 1024;
    while ((size_t)n * 256 < max_bytes && n < (1u << 24))
        n <<= 1;
    c->buckets = calloc(n, sizeof *c->buckets);
    if (!c->buckets) {
        free(c);
        return NULL;
    }
    c->mask = n - 1;
    c->max_bytes = max_bytes;
    return c;
}

static void lru_unlink(struct rec_cache *c, struct entry *e)
{
    if (e->lru_prev)
        e->lru_prev->lru_next = e->lru_next;
    else
        c->lru_head = e->lru_next;
    if (e->lru_next)
        e->lru_next->lru_prev = e->lru_prev;
    else
        c->lru_tail = e->lru_prev;
    e->lru_prev = e->lru_next = NULL;
}

static void lru_push(struct rec_cache *c, struct entry *e)
{
    e->lru_prev = NULL;
    e->lru_next = c->lru_head;
    if (c->lru_head)
        c->lru_head->lru_prev = e;
    c->lru_head = e;
    if (!c->lru_tail)
        c->lru_tail = e;
}

static struct entry **find(struct rec_cache *c, const uint8_t *key, size_t key_len, uint32_t h)
{
    struct entry **p = &c->buckets[h & c->mask];
    while (*p && !((*p)->hash == h && (*p)->key_len == key_len &&
                   memcmp((*p)->data, key, key_len) == 0))
        p = &(*p)->chain;
    return p;
}

static void drop(struct rec_cache *c, struct entry **at)
{
    struct entry *e = *at;
    *at = e->chain;
    lru_unlink(c, e);
    c->count--;
    c->bytes -= e->size;
    free(e);
}

static void drop_entry(struct rec_cache *c, struct entry *e)
{
    struct entry **p = find(c, e->data, e->key_len, e->hash);
    if (*p == e)
        drop(c, p);
}

void rec_cache_free(struct rec_cache *c)
{
    if (!c)
        return;
    while (c->lru_head)
        drop_entry(c, c->lru_head);
    free(c->buckets);
    free(c);
}

int rec_cache_get(struct rec_cache *c, const uint8_t *key, size_t key_len, uint64_t now_ns,
                  struct rec_cached *out)
{
    if (!c)
        return 0;
    uint32_t h = rec_hash(key, key_len);
    struct entry **p = find(c, key, key_len, h);
    if (!*p)
        return 0;
    if ((*p)->expires_ns <= now_ns) {
        drop(c, p);
        return 0;
    }
    struct entry *e = *p;
    if (c->lru_head != e) {
        lru_unlink(c, e);
        lru_push(c, e);
    }
    *out = e->answer;
    return 1;
}

int rec_cache_put(struct rec_cache *c, const uint8_t *key, size_t key_len, uint64_t expires_ns,
                  const struct rec_cached *answer)
{
    if (!c)
        return 0;
    size_t size = sizeof(struct entry) + key_len + answer->body_len;
    if (size > c->max_bytes / 8)
        return 0;
    uint32_t h = rec_hash(key, key_len);
    struct entry **p = find(c, key, key_len, h);
    if (*p)
        drop(c, p);
    while (c->bytes + size > c->max_bytes && c->lru_tail)
        drop_entry(c, c->lru_tail);
    struct entry *e = malloc(size);
    if (!e)
        return PZ_ERR_NOMEM;
    e->hash = h;
    e->key_len = (uint32_t)key_len;
    e->expires_ns = expires_ns;
    e->size = size;
    memcpy(e->data, key, key_len);
    if (answer->body_len)
        memcpy(e->data + key_len, answer->body, answer->body_len);
    e->answer = *answer;
    e->answer.body = e->data + key_len;
    p = &c->buckets[h & c->mask];
    e->chain = *p;
    *p = e;
    e->lru_prev = e->lru_next = NULL;
    lru_push(c, e);
    c->count++;
    c->bytes += size;
    return 0;
}

size_t rec_cache_count(const struct rec_cache *c)
{
    return c ? c->count : 0;
}

size_t rec_cache_bytes(const struct rec_cache *c)
{
    return c ? c->bytes : 0;
}
