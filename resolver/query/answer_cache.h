/*
 * A worker's cache of the records of hot handles (and of handles found missing), so a popular
 * identifier is answered without a registry lookup. Fixed slots of 512 bytes in one allocation
 * made at start-up: nothing is allocated per request. An entry is current while the registry's
 * change version of its key (reg_change_version) is the one read before the record was fetched,
 * so every write invalidates it at once. Owned by one worker: no locks.
 */
#ifndef NODE_ANSWER_CACHE_H
#define NODE_ANSWER_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ANSWER_CACHE_SLOT 512u

struct answer_cache;

struct answer_cache_counts {
    uint64_t hits, misses, admitted;
};

/* A cache of about bytes (rounded down to a power-of-two number of slots); NULL for 0. */
struct answer_cache *answer_cache_new(size_t bytes);
void answer_cache_free(struct answer_cache *c);

/*
 * Looks up a canonical key. On a current hit returns true, with *record and *len the stored record
 * (len 0: the handle was not found). The pointer stays valid until the next answer_cache_put.
 */
bool answer_cache_get(struct answer_cache *c, const uint8_t *key, size_t key_len, uint64_t hash,
                      uint32_t version, const uint8_t **record, size_t *len);
/* Offers a record (or, with len 0, the news that the handle is missing) read under version: it
 * is kept from the key's second miss on, if it fits a slot. */
void answer_cache_put(struct answer_cache *c, const uint8_t *key, size_t key_len, uint64_t hash,
                      uint32_t version, const uint8_t *record, size_t len);

/* What the cache did so far (its worker's figures, for metrics and benchmarks); any thread may
 * read them while the worker writes (node_counter.h). */
void answer_cache_counts(const struct answer_cache *c, struct answer_cache_counts *out);

/* Starts to's counts where from's stand, so the figures go on rising across a resize (a
 * reload); from is left as it is. Called by the worker that owns both, before to is shared. */
void answer_cache_carry_counts(struct answer_cache *to, const struct answer_cache *from);

#endif
