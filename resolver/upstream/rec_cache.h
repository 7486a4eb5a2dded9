/*
 * The recursion cache of one worker: answers from other sites, keyed by the question (handle
 * with its prefix upper-cased, index list, type list, flags that change the answer) and kept
 * until they expire (their values' TTL, or the negative TTL), the least recently used leaving
 * first when the cache is over its size. Only its worker touches it: no locks.
 */
#ifndef UPSTREAM_REC_CACHE_H
#define UPSTREAM_REC_CACHE_H

#include <stddef.h>
#include <stdint.h>

struct rec_cache;

/* An answer as kept: the response code, the op flags and the body (no request digest). */
struct rec_cached {
    uint32_t response_code;
    uint32_t op_flags;
    uint16_t site_serial;
    const uint8_t *body; /* valid until the next change to the cache */
    size_t body_len;
};

/* A cache of at most max_bytes (keys, bodies and bookkeeping); NULL when max_bytes is 0 or
 * memory is short. */
struct rec_cache *rec_cache_new(size_t max_bytes);
void rec_cache_free(struct rec_cache *c);

/* Finds the answer for key that has not expired at now_ns (monotonic); 1 found, 0 not (an
 * expired entry is removed). */
int rec_cache_get(struct rec_cache *c, const uint8_t *key, size_t key_len, uint64_t now_ns,
                  struct rec_cached *out);
/* Keeps a copy of the answer for key until expires_ns, replacing an older one. An answer larger
 * than an eighth of the cache is not kept. Returns 0, or PZ_ERR_NOMEM. */
int rec_cache_put(struct rec_cache *c, const uint8_t *key, size_t key_len, uint64_t expires_ns,
                  const struct rec_cached *answer);

/* Entries and bytes held, for tests and /metrics. */
size_t rec_cache_count(const struct rec_cache *c);
size_t rec_cache_bytes(const struct rec_cache *c);

/* FNV-1a of key: the hash of this cache and of the worker's table of questions in flight. */
uint32_t rec_hash(const uint8_t *key, size_t len);

#endif
