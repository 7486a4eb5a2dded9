/*
 * A worker's cache of finished HTTP answers to plain resolutions (the REST JSON of
 * GET /api/handles/{handle}, the proxy's redirect of GET /{handle}), so a hot handle is answered
 * without decoding its record or building a document again. Fixed slots in one allocation made
 * on first use: nothing is allocated per request. An entry is keyed by the handle exactly as it
 * was asked (the answer echoes it) and is current while the registry's change version of the
 * handle's canonical key (reg_change_version) is the one read before the record was fetched, so
 * every write invalidates it at once. Owned by one worker: no locks.
 */
#ifndef RESOLVER_HTTP_BODY_CACHE_H
#define RESOLVER_HTTP_BODY_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Bytes a slot holds: the asked handle and the answer together. */
#define HTTP_BODY_CACHE_SLOT 1024u

/* The routes whose answers are kept. */
enum { HTTP_BODY_REST = 1, HTTP_BODY_PROXY = 2 };

/* Slots of a worker's cache: 2 MiB. */
#define HTTP_BODY_CACHE_SLOTS 2048u

struct http_body_cache;

/* A cache of slots slots (rounded down to a power of two, at least 1); NULL without memory. */
struct http_body_cache *http_body_cache_new(size_t slots);
void http_body_cache_free(struct http_body_cache *c);

/*
 * The answer kept for (kind, handle) read under version of the key whose hash is hash; true with
 * *body and *len pointing into the slot (valid until the next put), false when there is none or
 * a write has since changed the key. kind separates the answers of different routes.
 */
bool http_body_cache_get(struct http_body_cache *c, unsigned kind, const char *handle,
                         size_t handle_len, uint64_t hash, uint32_t version, const void **body,
                         size_t *len);
/* Keeps body (len bytes, copied) as the answer for (kind, handle) read under version; false (and
 * nothing kept) when handle and body do not fit a slot. */
bool http_body_cache_put(struct http_body_cache *c, unsigned kind, const char *handle,
                         size_t handle_len, uint64_t hash, uint32_t version, const void *body,
                         size_t len);

#endif
