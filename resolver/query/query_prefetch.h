/*
 * Prefetching for a batch of requests. A resolution answered from the resident registry waits on
 * memory three times, each read depending on the one before: the key's change version and its
 * slot in the index, then the entry the slot points to. One request at a time, those misses
 * follow one another (about a quarter of the hot path's time with 100,000 records, more with
 * millions). A transport that holds a batch (a recvmmsg's datagrams) asks for them first:
 * query_prefetch for every request (version and index slot), then query_prefetch_entry for every
 * one (the entry, its slot having come meanwhile), then answers them, so the misses overlap.
 * Only hints: no answer depends on them. The handle is read at the offsets every plain resolution
 * request has it at, not parsed (the parse is the answer's); a request that is not one is left
 * alone, and one it misreads costs a wasted hint.
 */
#ifndef NODE_QUERY_PREFETCH_H
#define NODE_QUERY_PREFETCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "resolver/query/query_ctx.h"
#include "resolver/query/query_lookup.h"

/* Whether prefetching can help this worker: there is a resident registry. */
bool query_prefetch_useful(const struct query_ctx *q);

/* For a resolution request of a handle homed here: asks for its version and index slot,
 * sets *hash for query_prefetch_entry and returns true; otherwise false, nothing asked. */
bool query_prefetch(struct query_ctx *q, const uint8_t *req, size_t len, uint64_t *hash);
void query_prefetch_entry(struct query_ctx *q, uint64_t hash);

/* query_prefetch keeping all it derived in *k (its hash is k->hash): a front end that holds the
 * request where it was until it is answered sets q->key_hint = k for that answer, which then does
 * not derive the key again (a tenth of a batched resolution's instructions). */
bool query_prefetch_key(struct query_ctx *q, const uint8_t *req, size_t len, struct query_key *k);

#endif
