/*
 * The one way a handle's stored record is found for a public read, shared by the native
 * resolution (query.c) and the HTTP readers (REST GET, the proxy): the homed-prefix check, then
 * the resident registry (resident.h), the worker's answer cache, then the registry. Allocates
 * nothing (but for a record too large to expand into the pin).
 */
#ifndef NODE_QUERY_LOOKUP_H
#define NODE_QUERY_LOOKUP_H

#include <stddef.h>
#include <stdint.h>

#include "registry/reg_db.h"
#include "resolver/query/query_ctx.h"

struct reg_prefix_set;

enum query_lookup {
    QUERY_LOOKUP_FOUND = 0, /* pin holds the record */
    QUERY_LOOKUP_NOT_FOUND, /* the prefix lives here, the handle does not */
    QUERY_LOOKUP_NOT_HOMED, /* the prefix does not live here */
    QUERY_LOOKUP_INVALID,   /* the name cannot be looked up */
    QUERY_LOOKUP_FAILED,    /* the registry read failed */
};

/* Finds the record of handle (len bytes, as the client spelled it) for a worker's query context
 * (its node, answer cache and counters). On QUERY_LOOKUP_FOUND the caller releases pin with
 * reg_pin_release; on every other result pin holds nothing. On QUERY_LOOKUP_FAILED *err is the
 * registry's error. */
/* The key hash and change version (reg_change_version) of handle (len bytes, as the client spelled
 * it), for what is kept above the registry under them (http_body_cache.h); false when it names no
 * handle homed here. The version is read now: read it before the record whose answer is kept. */
bool query_key_version(struct node *node, const uint8_t *handle, size_t len, uint64_t *hash,
                       uint32_t *version);

/* The key hash alone, without reading anything the hash indexes (query_prefetch.h); false when
 * handle names no handle homed here. */
bool query_key_hash(struct node *node, const uint8_t *handle, size_t len, uint64_t *hash);

/* What a lookup derives from the handle a request names before it reads anything: the registry's
 * key and its hash, under the homed prefixes then current. */
struct query_key {
    const uint8_t *handle; /* the request's bytes it was derived from, and their length */
    size_t handle_len;
    const struct reg_prefix_set *prefixes;
    uint64_t hash;
    size_t key_len;
    uint8_t key[REG_MAX_KEY];
};

/* Derives k for handle (len bytes, as the client spelled it): QUERY_LOOKUP_FOUND when it names a
 * handle homed here, else QUERY_LOOKUP_INVALID or QUERY_LOOKUP_NOT_HOMED. */
enum query_lookup query_key_derive(struct node *node, const uint8_t *handle, size_t len,
                                   struct query_key *k);

enum query_lookup query_lookup(struct query_ctx *q, const uint8_t *handle, size_t len,
                               struct reg_pin *pin, int *err);

#endif
