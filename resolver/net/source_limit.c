#include "resolver/net/source_limit.h"

#include <netinet/in.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#define SOURCE_SLOTS 65536u

struct source_limit {
    uint32_t cap;
    uint64_t seed;
    atomic_uint open[SOURCE_SLOTS];
};

struct source_limit *source_limit_new(uint32_t cap, uint64_t seed)
{
    struct source_limit *l = calloc(1, sizeof *l);
    if (!l)
        return NULL;
    l->cap = cap;
    l->seed = seed;
    return l;
}

void source_limit_free(struct source_limit *l)
{
    free(l);
}

static uint32_t slot_of(const struct source_limit *l, const struct sockaddr *sa)
{
    const uint8_t *a = NULL;
    size_t n = 0;
    if (sa->sa_family == AF_INET) {
        a = (const uint8_t *)&((const struct sockaddr_in *)sa)->sin_addr;
        n = 4;
    } else if (sa->sa_family == AF_INET6) {
        a = ((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr;
        n = 16;
    }
    uint64_t h = 0xcbf29ce484222325u ^ l->seed;
    for (size_t i = 0; i < n; i++) {
        h ^= a[i];
        h *= 0x100000001b3u;
    }
    return (uint32_t)(h ^ (h >> 32)) & (SOURCE_SLOTS - 1);
}

bool source_limit_take(struct source_limit *l, const struct sockaddr *sa, uint32_t *slot)
{
    uint32_t i = slot_of(l, sa);
    unsigned before = atomic_fetch_add_explicit(&l->open[i], 1, memory_order_relaxed);
    if (before >= l->cap) {
        atomic_fetch_sub_explicit(&l->open[i], 1, memory_order_relaxed);
        return false;
    }
    *slot = i;
    return true;
}

void source_limit_release(struct source_limit *l, uint32_t slot)
{
    atomic_fetch_sub_explicit(&l->open[slot], 1, memory_order_relaxed);
}
