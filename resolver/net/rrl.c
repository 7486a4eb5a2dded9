#include "resolver/net/rrl.h"

#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

/* Tokens are counted in thousandths, so a budget refills smoothly by the millisecond. */
#define MILLI 1000u

struct rrl_bucket {
    uint8_t net[17]; /* family byte, then the masked address */
    bool used;
    uint32_t limited;  /* answers limited since the bucket last had tokens, for the slip */
    uint64_t tokens;   /* thousandths of an answer, at most a second's budget */
    uint64_t stamp_ms; /* last refill */
};

struct rrl_table {
    struct rrl_settings s;
    uint64_t seed;
    uint32_t mask;
    struct rrl_bucket *b;
};

void rrl_settings_of(const struct conf *c, struct rrl_settings *out)
{
    out->per_second = c->rrl_per_second;
    out->slip = c->rrl_slip;
    out->ipv4_prefix = (uint8_t)c->rrl_ipv4_prefix;
    out->ipv6_prefix = (uint8_t)c->rrl_ipv6_prefix;
    out->buckets = c->rrl_table_size;
    out->exempt = c->udp_exempt;
    out->exempt_count = c->udp_exempt_count;
}

struct rrl_table *rrl_new(const struct rrl_settings *s, uint64_t seed)
{
    struct rrl_table *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    uint32_t n = 64;
    while (n < s->buckets && n < (1u << 20))
        n <<= 1;
    t->b = calloc(n, sizeof *t->b);
    if (!t->b) {
        free(t);
        return NULL;
    }
    t->s = *s;
    t->seed = seed;
    t->mask = n - 1;
    return t;
}

void rrl_free(struct rrl_table *t)
{
    if (!t)
        return;
    free(t->b);
    free(t);
}

/* The address bytes of sa and their count; 0 for another family. */
static size_t addr_of(const struct sockaddr *sa, const uint8_t **bytes)
{
    if (sa->sa_family == AF_INET) {
        *bytes = (const uint8_t *)&((const struct sockaddr_in *)sa)->sin_addr;
        return 4;
    }
    if (sa->sa_family == AF_INET6) {
        *bytes = ((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr;
        return 16;
    }
    return 0;
}

static bool prefix_equal(const uint8_t *a, const uint8_t *b, unsigned bits)
{
    unsigned whole = bits / 8, rest = bits % 8;
    if (memcmp(a, b, whole) != 0)
        return false;
    if (!rest)
        return true;
    uint8_t m = (uint8_t)(0xff << (8 - rest));
    return (a[whole] & m) == (b[whole] & m);
}

bool rrl_net_contains(const struct conf_net *net, const struct sockaddr *sa)
{
    const uint8_t *a;
    size_t n = addr_of(sa, &a);
    if (!n || (n == 4) != (net->family == AF_INET))
        return false;
    return prefix_equal(a, net->addr, net->bits);
}

/* FNV-1a over the seed and the network: cheap, and keyed so that colliding networks cannot be
 * picked from outside. */
static uint64_t hash_net(uint64_t seed, const uint8_t *net, size_t len)
{
    uint64_t h = 0xcbf29ce484222325u ^ seed;
    for (size_t i = 0; i < len; i++) {
        h ^= net[i];
        h *= 0x100000001b3u;
    }
    return h ^ (h >> 29);
}

static void refill(const struct rrl_table *t, struct rrl_bucket *b, uint64_t now_ms)
{
    uint64_t full = (uint64_t)t->s.per_second * MILLI;
    if (now_ms > b->stamp_ms) {
        uint64_t add = (now_ms - b->stamp_ms) * t->s.per_second;
        b->tokens = add >= full - b->tokens ? full : b->tokens + add;
        b->stamp_ms = now_ms;
    }
}

enum rrl_verdict rrl_check(struct rrl_table *t, const struct sockaddr *sa, uint64_t now_ms)
{
    if (!t || !t->s.per_second)
        return RRL_PASS;
    const uint8_t *a;
    size_t n = addr_of(sa, &a);
    if (!n)
        return RRL_PASS;
    for (int i = 0; i < t->s.exempt_count; i++)
        if (rrl_net_contains(&t->s.exempt[i], sa))
            return RRL_PASS;

    uint8_t key[17] = {0};
    unsigned bits = n == 4 ? t->s.ipv4_prefix : t->s.ipv6_prefix;
    key[0] = (uint8_t)n;
    memcpy(key + 1, a, bits / 8);
    if (bits % 8)
        key[1 + bits / 8] = (uint8_t)(a[bits / 8] & (0xff << (8 - bits % 8)));

    uint64_t h = hash_net(t->seed, key, sizeof key);
    struct rrl_bucket *c0 = &t->b[h & t->mask];
    struct rrl_bucket *c1 = &t->b[(h >> 32) & t->mask];
    struct rrl_bucket *b = NULL;
    if (c0->used && memcmp(c0->net, key, sizeof key) == 0)
        b = c0;
    else if (c1->used && memcmp(c1->net, key, sizeof key) == 0)
        b = c1;
    if (!b) {
        /* A new network takes a free bucket, else the one refilled longest ago. */
        b = !c0->used ? c0 : !c1->used ? c1 : c0->stamp_ms <= c1->stamp_ms ? c0 : c1;
        memcpy(b->net, key, sizeof key);
        b->used = true;
        b->limited = 0;
        b->tokens = (uint64_t)t->s.per_second * MILLI;
        b->stamp_ms = now_ms;
    }
    refill(t, b, now_ms);
    if (b->tokens >= MILLI) {
        b->tokens -= MILLI;
        b->limited = 0;
        return RRL_PASS;
    }
    b->limited++;
    if (t->s.slip && b->limited % t->s.slip == 0)
        return RRL_SLIP;
    return RRL_DROP;
}
