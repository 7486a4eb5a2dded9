#include "resolver/admin/site_cache.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "proto/hdl_const.h"
#include "proto/hdl_site.h"

/* A few hundred entries at most and admin traffic only: a linear scan is cheaper to trust than
 * a hash table, and costs microseconds against the network fetch it saves. */
struct entry {
    bool used;
    uint32_t handle_len;
    uint8_t *handle; /* one allocation: the handle, then the values */
    uint8_t *values;
    size_t values_len;
    uint32_t count;
    int64_t expires;
};

struct silent {
    uint32_t server_id;
    int64_t until; /* 0: free */
};

struct site_cache {
    pthread_mutex_t mu;
    struct silent silent[HDL_SITE_MAX_SERVERS];
    uint32_t max_entries;
    size_t max_bytes;
    size_t bytes;
    uint32_t entries;
    struct entry *slots;
};

static unsigned char fold(unsigned char ch)
{
    return (ch >= 'a' && ch <= 'z') ? (unsigned char)(ch - 32) : ch;
}

static bool same_handle(const struct entry *e, const uint8_t *h, size_t len)
{
    if (!e->used || e->handle_len != len)
        return false;
    for (size_t i = 0; i < len; i++)
        if (fold(e->handle[i]) != fold(h[i]))
            return false;
    return true;
}

struct site_cache *site_cache_new(uint32_t max_entries, size_t max_bytes)
{
    if (max_entries == 0 || max_bytes == 0)
        return NULL;
    struct site_cache *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->slots = calloc(max_entries, sizeof *c->slots);
    if (!c->slots) {
        free(c);
        return NULL;
    }
    c->max_entries = max_entries;
    c->max_bytes = max_bytes;
    pthread_mutex_init(&c->mu, NULL);
    return c;
}

static void drop(struct site_cache *c, struct entry *e)
{
    c->bytes -= e->values_len;
    c->entries--;
    free(e->handle);
    memset(e, 0, sizeof *e);
}

void site_cache_free(struct site_cache *c)
{
    if (!c)
        return;
    for (uint32_t i = 0; i < c->max_entries; i++)
        free(c->slots[i].handle);
    pthread_mutex_destroy(&c->mu);
    free(c->slots);
    free(c);
}

static struct entry *find(struct site_cache *c, const uint8_t *h, size_t len)
{
    for (uint32_t i = 0; i < c->max_entries; i++)
        if (same_handle(&c->slots[i], h, len))
            return &c->slots[i];
    return NULL;
}

bool site_cache_get(struct site_cache *c, const uint8_t *handle, size_t len, int64_t now,
                    uint8_t **values, size_t *values_len, uint32_t *count)
{
    if (!c)
        return false;
    bool hit = false;
    pthread_mutex_lock(&c->mu);
    struct entry *e = find(c, handle, len);
    if (e && now >= e->expires) {
        drop(c, e);
    } else if (e) {
        uint8_t *copy = e->values_len ? malloc(e->values_len) : NULL;
        if (copy || e->values_len == 0) {
            if (copy)
                memcpy(copy, e->values, e->values_len);
            *values = copy;
            *values_len = e->values_len;
            *count = e->count;
            hit = true;
        }
    }
    pthread_mutex_unlock(&c->mu);
    return hit;
}

/* The entry expiring soonest (an expired one first, as it expires earlier than any live one);
 * NULL when the cache is empty. Expiry is the only clock the cache needs. */
static struct entry *soonest(struct site_cache *c)
{
    struct entry *best = NULL;
    for (uint32_t i = 0; i < c->max_entries; i++) {
        struct entry *e = &c->slots[i];
        if (e->used && (!best || e->expires < best->expires))
            best = e;
    }
    return best;
}

static struct entry *free_slot(struct site_cache *c)
{
    for (uint32_t i = 0; i < c->max_entries; i++)
        if (!c->slots[i].used)
            return &c->slots[i];
    return NULL;
}

bool site_cache_put(struct site_cache *c, const uint8_t *handle, size_t len, const uint8_t *values,
                    size_t values_len, uint32_t count, int64_t expires)
{
    if (!c || len == 0 || len > HDL_MAX_HANDLE_LEN || values_len > c->max_bytes / 8)
        return false;
    uint8_t *copy = malloc(len + values_len);
    if (!copy)
        return false;
    memcpy(copy, handle, len);
    if (values_len)
        memcpy(copy + len, values, values_len);
    pthread_mutex_lock(&c->mu);
    struct entry *e = find(c, handle, len);
    if (e)
        drop(c, e);
    struct entry *v;
    while (c->bytes + values_len > c->max_bytes && (v = soonest(c)))
        drop(c, v);
    e = free_slot(c);
    if (!e) {
        e = soonest(c);
        drop(c, e);
    }
    e->used = true;
    e->handle = copy;
    e->handle_len = (uint32_t)len;
    e->values = copy + len;
    e->values_len = values_len;
    e->count = count;
    e->expires = expires;
    c->bytes += values_len;
    c->entries++;
    pthread_mutex_unlock(&c->mu);
    return true;
}

void site_cache_forget(struct site_cache *c, const uint8_t *handle, size_t len)
{
    if (!c)
        return;
    pthread_mutex_lock(&c->mu);
    struct entry *e = find(c, handle, len);
    if (e)
        drop(c, e);
    pthread_mutex_unlock(&c->mu);
}

void site_cache_note_silent(struct site_cache *c, uint32_t server_id, int64_t until)
{
    if (!c)
        return;
    pthread_mutex_lock(&c->mu);
    struct silent *slot = NULL;
    for (int i = 0; i < HDL_SITE_MAX_SERVERS && !slot; i++)
        if (c->silent[i].until && c->silent[i].server_id == server_id)
            slot = &c->silent[i];
    /* A new one takes a free slot (until 0), else the one ending soonest. */
    if (!slot && until) {
        slot = &c->silent[0];
        for (int i = 1; i < HDL_SITE_MAX_SERVERS; i++)
            if (c->silent[i].until < slot->until)
                slot = &c->silent[i];
    }
    if (slot) {
        slot->server_id = server_id;
        slot->until = until;
    }
    pthread_mutex_unlock(&c->mu);
}

bool site_cache_silent(struct site_cache *c, uint32_t server_id, int64_t now)
{
    if (!c)
        return false;
    bool silent = false;
    pthread_mutex_lock(&c->mu);
    for (int i = 0; i < HDL_SITE_MAX_SERVERS && !silent; i++)
        silent = c->silent[i].until > now && c->silent[i].server_id == server_id;
    pthread_mutex_unlock(&c->mu);
    return silent;
}

uint32_t site_cache_entries(struct site_cache *c)
{
    pthread_mutex_lock(&c->mu);
    uint32_t n = c->entries;
    pthread_mutex_unlock(&c->mu);
    return n;
}

size_t site_cache_bytes(struct site_cache *c)
{
    pthread_mutex_lock(&c->mu);
    size_t n = c->bytes;
    pthread_mutex_unlock(&c->mu);
    return n;
}
