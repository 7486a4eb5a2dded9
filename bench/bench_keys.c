#include "bench/bench_keys.h"

#include "bench/bench_gen.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int bench_keys_load(struct bench_keys *k, const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        perror(path);
        return -1;
    }
    size_t cap = 1024;
    k->list = malloc(cap * sizeof *k->list);
    k->count = 0;
    bool short_of_memory = !k->list;
    char *line = NULL;
    size_t lcap = 0;
    ssize_t n;
    while (!short_of_memory && (n = getline(&line, &lcap, f)) >= 0) {
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
            line[--n] = '\0';
        if (n == 0)
            continue;
        if (k->count == cap) {
            char **grown = realloc(k->list, 2 * cap * sizeof *k->list);
            if ((short_of_memory = !grown))
                break;
            k->list = grown;
            cap *= 2;
        }
        if ((short_of_memory = !(k->list[k->count] = strdup(line))))
            break;
        k->count++;
    }
    free(line);
    fclose(f);
    if (short_of_memory) { /* a load over part of the keys would not be the load asked for */
        fprintf(stderr, "%s: out of memory after %zu keys\n", path, k->count);
        while (k->count)
            free(k->list[--k->count]);
        free(k->list);
        k->list = NULL;
        return -1;
    }
    if (k->count == 0) {
        fprintf(stderr, "%s: no keys\n", path);
        return -1;
    }
    return 0;
}

int bench_keys_pattern(struct bench_keys *k, const char *pattern, size_t count)
{
    /* One conversion %[0][width][l](u|d); anything else is refused rather than passed to
     * printf. */
    const char *p = strchr(pattern, '%');
    size_t head = p ? (size_t)(p - pattern) : 0;
    const char *q = p ? p + 1 : NULL;
    int width = 0;
    if (q && *q == '0')
        q++;
    while (q && *q >= '0' && *q <= '9')
        width = width * 10 + (*q++ - '0');
    if (q && *q == 'l')
        q++;
    if (!q || (*q != 'u' && *q != 'd') || strchr(q, '%') || count == 0 || head >= sizeof k->head ||
        strlen(q + 1) >= sizeof k->tail || width > 20) {
        fprintf(stderr, "key pattern needs exactly one %%lu-style conversion, e.g. "
                        "88.100.1/DEMO-%%06lu\n");
        return -1;
    }
    memcpy(k->head, pattern, head);
    k->head[head] = '\0';
    snprintf(k->tail, sizeof k->tail, "%s", q + 1);
    k->width = width;
    k->count = count;
    return 0;
}

int bench_keys_generated(struct bench_keys *k, const struct bench_gen *gen, size_t count)
{
    if (count == 0)
        return -1;
    k->gen = gen;
    k->count = count;
    return 0;
}

int bench_keys_zipf(struct bench_keys *k, double s)
{
    k->zipf_s = s;
    k->zipf_cdf = malloc(k->count * sizeof *k->zipf_cdf);
    if (!k->zipf_cdf)
        return -1;
    double sum = 0;
    for (size_t i = 0; i < k->count; i++) {
        sum += 1.0 / pow((double)(i + 1), s);
        k->zipf_cdf[i] = sum;
    }
    for (size_t i = 0; i < k->count; i++)
        k->zipf_cdf[i] /= sum;
    return 0;
}

void bench_keys_free(struct bench_keys *k)
{
    for (size_t i = 0; k->list && i < k->count; i++)
        free(k->list[i]);
    free(k->list);
    free(k->zipf_cdf);
    memset(k, 0, sizeof *k);
}

void bench_rng_init(struct bench_rng *r, uint64_t seed, unsigned stream)
{
    /* splitmix64 of the pair: well-spread, and never 0 in practice (0 is replaced). */
    uint64_t z = seed + 0x9E3779B97F4A7C15ull * ((uint64_t)stream + 1);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    r->s = z ? z : 0x2545F4914F6CDD1Dull;
}

uint64_t bench_rng_next(struct bench_rng *r)
{
    uint64_t x = r->s;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return r->s = x;
}

double bench_rng_unit(struct bench_rng *r)
{
    return (double)(bench_rng_next(r) >> 11) * (1.0 / 9007199254740992.0);
}

static size_t pick_rank(const struct bench_keys *k, struct bench_rng *r)
{
    if (k->zipf_s <= 0)
        return (size_t)(bench_rng_next(r) % k->count);
    double u = bench_rng_unit(r);
    size_t lo = 0, hi = k->count - 1;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (k->zipf_cdf[mid] < u)
            lo = mid + 1;
        else
            hi = mid;
    }
    /* Spread popular ranks over the key space so hot keys are not all neighbours on disk. */
    return (size_t)((lo * 2654435761ull) % k->count);
}

size_t bench_keys_pick(const struct bench_keys *k, struct bench_rng *r, char *out, size_t cap)
{
    bool miss = k->miss_ratio > 0 && bench_rng_unit(r) < k->miss_ratio;
    size_t rank = pick_rank(k, r);
    int n;
    if (k->list)
        n = snprintf(out, cap, "%s%s", k->list[rank], miss ? "-MISS" : "");
    else if (k->gen) {
        n = (int)bench_gen_key(k->gen, rank, out, cap);
        if (miss && (size_t)n + 5 < cap)
            n += snprintf(out + n, cap - (size_t)n, "-MISS");
    } else {
        n = snprintf(out, cap, "%s%0*lu%s", k->head, k->width, (unsigned long)(rank + 1), k->tail);
        if (miss && n > 0 && (size_t)n + 5 < cap)
            n += snprintf(out + n, cap - (size_t)n, "-MISS");
    }
    return n < 0 ? 0 : ((size_t)n >= cap ? cap - 1 : (size_t)n);
}
