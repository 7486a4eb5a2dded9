#include "bench/bench_gen.h"

#include <string.h>

#include "common/handle_name.h"

/* SplitMix64's finalizer: a bijection of 64-bit values that spreads every input bit. */
static uint64_t mix(uint64_t x)
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ull;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebull;
    x ^= x >> 31;
    return x;
}

int bench_gen_init(struct bench_gen *g, uint64_t seed, const char *prefixes)
{
    memset(g, 0, sizeof *g);
    g->seed = seed;
    const char *p = prefixes && *prefixes ? prefixes : BENCH_GEN_DEFAULT_PREFIXES;
    while (*p) {
        size_t n = strcspn(p, ",");
        if (n == 0 || n >= sizeof g->prefixes[0] || g->nprefixes == BENCH_GEN_MAX_PREFIXES ||
            memchr(p, '/', n) || memchr(p, '"', n) || memchr(p, '\\', n)) {
            fprintf(stderr,
                    "pazhou-bench: --prefixes takes up to %d prefixes such as "
                    "88.100.1,88.118.8\n",
                    BENCH_GEN_MAX_PREFIXES);
            return -1;
        }
        memcpy(g->prefixes[g->nprefixes++], p, n);
        p += n + (p[n] == ',');
    }
    return g->nprefixes ? 0 : -1;
}

/* Which prefix identifier i goes under, and its hash. */
static int prefix_of(const struct bench_gen *g, uint64_t i, uint64_t *h)
{
    *h = mix(g->seed * 0x9e3779b97f4a7c15ull + i);
    return (int)(*h % (uint64_t)g->nprefixes);
}

size_t bench_gen_key(const struct bench_gen *g, uint64_t i, char *out, size_t cap)
{
    static const char crockford[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    uint64_t h;
    int p = prefix_of(g, i, &h);
    int n;
    switch (p % 3) {
    case 0:
        n = snprintf(out, cap, "%s/LOT-%04u-%09llu", g->prefixes[p], 2019 + (unsigned)(h >> 8) % 8,
                     (unsigned long long)i);
        break;
    case 1: {
        char sn[14];
        uint64_t x = mix(i ^ g->seed);
        for (int k = 12; k >= 0; k--, x >>= 5)
            sn[k] = crockford[x & 31];
        sn[13] = '\0';
        n = snprintf(out, cap, "%s/SN%s", g->prefixes[p], sn);
        break;
    }
    default:
        n = snprintf(out, cap, "%s/MDL%03u-%010llu", g->prefixes[p], (unsigned)(h >> 16) % 1000,
                     (unsigned long long)i);
        break;
    }
    return n < 0 ? 0 : (size_t)n >= cap ? cap - 1 : (size_t)n;
}

/* The metadata document, as JSON text. */
static void meta(uint64_t h, char *out, size_t cap)
{
    snprintf(out, cap, "{\"sku\":\"A%04u\",\"lot\":\"B%03u\",\"mfg\":\"2026-%02u-%02u\"}",
             (unsigned)(h >> 20) % 10000, (unsigned)(h >> 36) % 1000, 1 + (unsigned)(h >> 44) % 12,
             1 + (unsigned)(h >> 50) % 28);
}

void bench_gen_jsonl(const struct bench_gen *g, uint64_t i, FILE *out)
{
    char key[128], doc[128];
    uint64_t h;
    int p = prefix_of(g, i, &h);
    bench_gen_key(g, i, key, sizeof key);
    meta(h, doc, sizeof doc);
    fprintf(out, "{\"handle\":\"%s\",\"values\":[", key);
    fprintf(out, "{\"index\":1,\"type\":\"URL\",\"data\":\"https://id.example.com/%s\"},", key);
    fputs("{\"index\":2,\"type\":\"META\",\"data\":\"", out);
    for (const char *c = doc; *c; c++) {
        if (*c == '"')
            putc('\\', out);
        putc(*c, out);
    }
    fprintf(out,
            "\"},{\"index\":100,\"type\":\"HS_ADMIN\",\"data\":{\"format\":\"admin\",\"value\":"
            "{\"handle\":\"" HNAME_NA_PREFIX
            "%s\",\"index\":300,\"permissions\":\"111111111111\"}}}]}\n",
            g->prefixes[p]);
}

void bench_gen_csv(const struct bench_gen *g, uint64_t i, FILE *out)
{
    char key[128], doc[128];
    uint64_t h;
    int p = prefix_of(g, i, &h);
    bench_gen_key(g, i, key, sizeof key);
    meta(h, doc, sizeof doc);
    fprintf(out, "%s,1,URL,https://id.example.com/%s\n%s,2,META,\"", key, key, key);
    for (const char *c = doc; *c; c++) {
        if (*c == '"')
            putc('"', out);
        putc(*c, out);
    }
    fprintf(out, "\"\n%s,100,HS_ADMIN,admin:300:" HNAME_NA_PREFIX "%s:111111111111\n", key,
            g->prefixes[p]);
}
