#include "registry/import/bulk_sort.h"

#include <stdlib.h>
#include <string.h>

#include "registry/import/bulk_ent.h"

/* Runs this long are sorted by insertion before merging. */
#define RUN 16

static void insertion_sort(uint8_t **a, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        uint8_t *v = a[i];
        size_t j = i;
        for (; j > 0 && bulk_ent_cmp(a[j - 1], v) > 0; j--)
            a[j] = a[j - 1];
        a[j] = v;
    }
}

/* Bottom-up merge sort: stable, n log n compares, and already-sorted input (common in exports)
 * costs one compare per merge step. */
void bulk_sort(uint8_t **ents, size_t n)
{
    for (size_t i = 0; i < n; i += RUN)
        insertion_sort(ents + i, n - i < RUN ? n - i : RUN);
    if (n <= RUN)
        return;
    uint8_t **tmp = malloc(n * sizeof *tmp);
    if (!tmp) {
        insertion_sort(ents, n);
        return;
    }
    uint8_t **src = ents, **dst = tmp;
    for (size_t width = RUN; width < n; width *= 2) {
        for (size_t lo = 0; lo < n; lo += 2 * width) {
            size_t mid = lo + width < n ? lo + width : n;
            size_t hi = lo + 2 * width < n ? lo + 2 * width : n;
            size_t i = lo, j = mid, k = lo;
            if (mid < hi && bulk_ent_cmp(src[mid - 1], src[mid]) <= 0) {
                memcpy(dst + lo, src + lo, (hi - lo) * sizeof *dst);
                continue;
            }
            while (i < mid && j < hi)
                dst[k++] = bulk_ent_cmp(src[j], src[i]) < 0 ? src[j++] : src[i++];
            while (i < mid)
                dst[k++] = src[i++];
            while (j < hi)
                dst[k++] = src[j++];
        }
        uint8_t **t = src;
        src = dst;
        dst = t;
    }
    if (src != ents)
        memcpy(ents, src, n * sizeof *ents);
    free(tmp);
}

/* An entry with 24 bytes of its key, as three big-endian integers. */
struct keyed {
    uint64_t k[3];
    uint8_t *e;
};

/* Keys that differ in the 24 bytes compare as those bytes do (a shorter key's zero padding
 * sorts before any byte, or ties with a zero byte and falls through): bulk_ent_cmp's order. */
static inline int keyed_cmp(const struct keyed *a, const struct keyed *b)
{
    for (int i = 0; i < 3; i++)
        if (a->k[i] != b->k[i])
            return a->k[i] < b->k[i] ? -1 : 1;
    return bulk_ent_cmp(a->e, b->e);
}

static void keyed_insertion_sort(struct keyed *a, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        struct keyed v = a[i];
        size_t j = i;
        for (; j > 0 && keyed_cmp(&a[j - 1], &v) > 0; j--)
            a[j] = a[j - 1];
        a[j] = v;
    }
}

/* The length of the prefix every entry's key shares. */
static size_t shared_prefix(uint8_t *const *ents, size_t n)
{
    const uint8_t *first = bulk_ent_key(ents[0]);
    size_t len = bulk_ent_klen(ents[0]);
    for (size_t i = 1; i < n && len > 0; i++) {
        const uint8_t *k = bulk_ent_key(ents[i]);
        size_t klen = bulk_ent_klen(ents[i]), j = 0;
        size_t max = klen < len ? klen : len;
        while (j < max && k[j] == first[j])
            j++;
        len = j;
    }
    return len;
}

static void load_key(struct keyed *out, uint8_t *e, size_t skip)
{
    uint8_t b[24] = {0};
    size_t klen = bulk_ent_klen(e);
    if (klen > skip)
        memcpy(b, bulk_ent_key(e) + skip, klen - skip < 24 ? klen - skip : 24);
    for (int i = 0; i < 3; i++) {
        uint64_t v = 0;
        for (int j = 0; j < 8; j++)
            v = v << 8 | b[i * 8 + j];
        out->k[i] = v;
    }
    out->e = e;
}

void bulk_sort_keyed(uint8_t **ents, size_t n, void **scratch, size_t *cap)
{
    if (n <= 1)
        return;
    size_t need = 2 * n * sizeof(struct keyed);
    if (*cap < need) {
        void *grown = realloc(*scratch, need);
        if (!grown) {
            bulk_sort(ents, n);
            return;
        }
        *scratch = grown;
        *cap = need;
    }
    struct keyed *src = *scratch, *dst = src + n;
    size_t skip = shared_prefix(ents, n);
    for (size_t i = 0; i < n; i++)
        load_key(&src[i], ents[i], skip);
    for (size_t i = 0; i < n; i += RUN)
        keyed_insertion_sort(src + i, n - i < RUN ? n - i : RUN);
    for (size_t width = RUN; width < n; width *= 2) {
        for (size_t lo = 0; lo < n; lo += 2 * width) {
            size_t mid = lo + width < n ? lo + width : n;
            size_t hi = lo + 2 * width < n ? lo + 2 * width : n;
            size_t i = lo, j = mid, k = lo;
            if (mid < hi && keyed_cmp(&src[mid - 1], &src[mid]) <= 0) {
                memcpy(dst + lo, src + lo, (hi - lo) * sizeof *dst);
                continue;
            }
            while (i < mid && j < hi)
                dst[k++] = keyed_cmp(&src[j], &src[i]) < 0 ? src[j++] : src[i++];
            while (i < mid)
                dst[k++] = src[i++];
            while (j < hi)
                dst[k++] = src[j++];
        }
        struct keyed *t = src;
        src = dst;
        dst = t;
    }
    for (size_t i = 0; i < n; i++)
        ents[i] = src[i].e;
}
