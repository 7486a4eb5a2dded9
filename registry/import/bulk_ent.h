/*
 * An import's entry: a canonical key, its record and the input line it came from, laid out as
 *   u64 line | u32 record length | u16 key length | key | record   (native order)
 * in the parsers' arenas, the sorted chunks and the run files. Its accessors and its order.
 */
#ifndef BULK_ENT_H
#define BULK_ENT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define BULK_ENT_HDR 14

static inline uint64_t bulk_ent_line(const uint8_t *e)
{
    uint64_t v;
    memcpy(&v, e, 8);
    return v;
}
static inline uint32_t bulk_ent_rlen(const uint8_t *e)
{
    uint32_t v;
    memcpy(&v, e + 8, 4);
    return v;
}
static inline uint16_t bulk_ent_klen(const uint8_t *e)
{
    uint16_t v;
    memcpy(&v, e + 12, 2);
    return v;
}
static inline const uint8_t *bulk_ent_key(const uint8_t *e)
{
    return e + BULK_ENT_HDR;
}
static inline const uint8_t *bulk_ent_record(const uint8_t *e)
{
    return e + BULK_ENT_HDR + bulk_ent_klen(e);
}
static inline size_t bulk_ent_size(const uint8_t *e)
{
    return BULK_ENT_HDR + bulk_ent_klen(e) + bulk_ent_rlen(e);
}

/* Orders entries by key, then by line (so the first occurrence of a key comes first). */
static inline int bulk_ent_cmp(const uint8_t *a, const uint8_t *b)
{
    size_t la = bulk_ent_klen(a), lb = bulk_ent_klen(b);
    int c = memcmp(a + BULK_ENT_HDR, b + BULK_ENT_HDR, la < lb ? la : lb);
    if (c)
        return c;
    if (la != lb)
        return la < lb ? -1 : 1;
    uint64_t xa = bulk_ent_line(a), xb = bulk_ent_line(b);
    return xa < xb ? -1 : xa > xb;
}

#endif
