#include "resolver/http/http_body_cache.h"

#include <stdlib.h>
#include <string.h>

struct slot {
    uint64_t hash;
    uint32_t version;
    uint16_t handle_len; /* 0: empty */
    uint16_t body_len;
    uint8_t kind;
    char bytes[HTTP_BODY_CACHE_SLOT]; /* the handle, then the body */
};

struct http_body_cache {
    size_t mask;
    struct slot slots[];
};

struct http_body_cache *http_body_cache_new(size_t slots)
{
    size_t n = 1;
    while (n * 2 <= slots)
        n *= 2;
    struct http_body_cache *c = calloc(1, sizeof *c + n * sizeof c->slots[0]);
    if (c)
        c->mask = n - 1;
    return c;
}

void http_body_cache_free(struct http_body_cache *c)
{
    free(c);
}

/* The canonical hash places the entry; the kind moves it so one handle's answers of two routes
 * do not evict each other. */
static struct slot *slot_of(struct http_body_cache *c, unsigned kind, uint64_t hash)
{
    return &c->slots[(hash ^ (hash >> 29) ^ ((uint64_t)kind * 0x9e3779b97f4a7c15u)) & c->mask];
}

bool http_body_cache_get(struct http_body_cache *c, unsigned kind, const char *handle,
                         size_t handle_len, uint64_t hash, uint32_t version, const void **body,
                         size_t *len)
{
    struct slot *s = slot_of(c, kind, hash);
    if (s->handle_len == 0 || s->handle_len != handle_len || s->hash != hash ||
        s->version != version || s->kind != kind || memcmp(s->bytes, handle, handle_len) != 0)
        return false;
    *body = s->bytes + handle_len;
    *len = s->body_len;
    return true;
}

bool http_body_cache_put(struct http_body_cache *c, unsigned kind, const char *handle,
                         size_t handle_len, uint64_t hash, uint32_t version, const void *body,
                         size_t len)
{
    if (handle_len == 0 || kind > UINT8_MAX || handle_len > HTTP_BODY_CACHE_SLOT ||
        len > HTTP_BODY_CACHE_SLOT - handle_len)
        return false;
    struct slot *s = slot_of(c, kind, hash);
    s->hash = hash;
    s->version = version;
    s->kind = (uint8_t)kind;
    s->handle_len = (uint16_t)handle_len;
    s->body_len = (uint16_t)len;
    memcpy(s->bytes, handle, handle_len);
    memcpy(s->bytes + handle_len, body, len);
    return true;
}
