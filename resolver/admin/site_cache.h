/*
 * The values of handles held by another server of this node's site, kept for a short time after
 * they were fetched (site_values.h), as the reference server keeps what its resolver fetched: an
 * administrator's key, a prefix handle's HS_ADMIN values, an admin group's HS_VLIST. Bounded in
 * entries and bytes (no growth under a flood of identities), each entry living until its expiry;
 * an entry is dropped at once when this server writes that handle. It also remembers, for a few
 * seconds, which servers did not answer. One mutex: only the admin threads use it, never a
 * worker's resolution path.
 */
#ifndef NODE_SITE_CACHE_H
#define NODE_SITE_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct site_cache;

/* A cache of at most max_entries handles whose values take at most max_bytes together; NULL
 * when memory is short or a bound is 0. */
struct site_cache *site_cache_new(uint32_t max_entries, size_t max_bytes);
void site_cache_free(struct site_cache *c);

/* On a hit (handle cached, ASCII case ignored, and now < its expiry) copies the values into a
 * buffer the caller frees (*values; NULL when values_len is 0), sets *values_len and *count and
 * returns true. An expired entry is dropped and misses. c may be NULL (always a miss). */
bool site_cache_get(struct site_cache *c, const uint8_t *handle, size_t len, int64_t now,
                    uint8_t **values, size_t *values_len, uint32_t *count);

/* Keeps count values (values_len bytes, copied) for handle until expires, replacing what was
 * kept for it. Makes room by dropping expired entries, then those expiring soonest. Returns
 * false (nothing kept) when c is NULL, the handle is empty or longer than HDL_MAX_HANDLE_LEN,
 * the values alone exceed an eighth of max_bytes, or memory is short. */
bool site_cache_put(struct site_cache *c, const uint8_t *handle, size_t len, const uint8_t *values,
                    size_t values_len, uint32_t count, int64_t expires);

/* Drops what is kept for handle (ASCII case ignored); c may be NULL. */
void site_cache_forget(struct site_cache *c, const uint8_t *handle, size_t len);

/* A server of the site that let a fetch time out is not asked again until until: the writes that
 * need it fail at once instead of each holding an admin thread for the whole deadline. A later
 * note replaces an earlier one (until 0 clears it). Keeps up to HDL_SITE_MAX_SERVERS servers;
 * c may be NULL (nothing kept). */
void site_cache_note_silent(struct site_cache *c, uint32_t server_id, int64_t until);
/* Whether server_id was noted silent until a time after now. */
bool site_cache_silent(struct site_cache *c, uint32_t server_id, int64_t now);

/* Entries and value bytes held (tests, metrics). */
uint32_t site_cache_entries(struct site_cache *c);
size_t site_cache_bytes(struct site_cache *c);

#endif
