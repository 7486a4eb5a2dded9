/*
 * The resident registry: the records of the registry, in the form RocksDB stores them
 * (reg_stored.h), held in memory once for all workers, the way Knot loads a zone before it
 * serves. It is filled at start-up by a scan of the registry (resident_load.h) and kept current by
 * the readers themselves:
 *
 *  - An entry is current while the registry's change version of its key (reg_change_version) is
 *    the one the entry carries, exactly as in a worker's answer cache (answer_cache.h): every
 *    write makes it stale at once.
 *  - A reader that finds an entry stale reads the registry and offers what it read: the same
 *    bytes (the version moved for another key of the same version slot) mark the entry current
 *    again; other bytes (the handle was written) go into a new entry that takes the key's place.
 *    A handle created since the load is added the same way on its first read.
 *  - Once a load has taken in the whole registry, a key that is not in the table and whose
 *    version slot has not moved since the load began is known not to exist: the miss is answered
 *    without the registry.
 *
 * Readers take no lock and write nothing shared: an index of 64-bit slots (linear probing, never
 * emptied) over an arena that only grows. Additions, which follow a registry read and are rare
 * once the table is loaded, take one mutex; a full index is replaced by one twice its size, the
 * old one kept for readers that may still hold it. Replaced entries stay in the arena, so a record
 * found stays readable for the table's lifetime (the node's). The arena is reserved once for the
 * budget and costs memory only as it fills. When the budget is used up, nothing more is added and
 * the worker's answer cache (answer_cache.h) serves what the table does not hold. Records that do
 * not exist are never added, so lookups of random names cannot fill it.
 */
#ifndef NODE_RESIDENT_H
#define NODE_RESIDENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct resident;
struct resident_entry;

/* What the table holds, for /metrics, /api/status and the start-up log. */
struct resident_figures {
    uint64_t records;     /* entries that take a key's place (replaced ones not counted) */
    uint64_t bytes;       /* arena bytes taken (replaced entries included) */
    uint64_t capacity;    /* arena bytes reserved: the budget less the index */
    uint64_t index_slots; /* index size; it doubles at 85% full */
    uint64_t loaded;      /* records the start-up load took in so far */
    uint64_t load_ms;     /* how long the load took; 0 while it runs */
    bool load_done;       /* the load has ended (whole, stopped or failed) */
    bool complete;        /* the load took in every record: misses are answered here */
    bool full;            /* an addition found arena or index full */
};

/*
 * A table within budget bytes (indexes and records together), its index first sized for expected
 * records and a quarter more, keeping records expanded or as stored. NULL when budget is too small
 * for a useful table (below 1 MiB) or memory cannot be reserved.
 */
struct resident *resident_new(size_t budget, uint64_t expected, bool expanded);

/* Whether the table keeps records expanded (as the registry hands them out, reg_record.h) rather
 * than as stored: what is offered and added must be in that form. Expanded records are answered
 * without a pass over their values (about a third of a cached answer's instructions) and take
 * about 60% more memory. */
bool resident_expanded(const struct resident *r);
/* Frees the table; nothing may read it any more. NULL is allowed. */
void resident_free(struct resident *r);

enum resident_found {
    RESIDENT_MISS = 0, /* not in the table: ask the registry, then resident_offer */
    RESIDENT_HIT,      /* *stored, *len: the current stored record */
    RESIDENT_ABSENT,   /* the handle does not exist (see above) */
    RESIDENT_STALE,    /* in the table, but older than version: ask the registry, offer it */
};

/*
 * Looks up a canonical key, with hash = reg_key_hash(key) and version = the key's change version
 * read before this call. On RESIDENT_HIT the stored bytes stay valid while the table exists. On
 * RESIDENT_STALE *entry is the entry found, for resident_offer.
 */
enum resident_found resident_get(struct resident *r, const uint8_t *key, size_t klen, uint64_t hash,
                                 uint32_t version, const uint8_t **stored, size_t *len,
                                 struct resident_entry **entry);

/*
 * Hints for a batch of lookups (query_prefetch.h): resident_prefetch asks the memory system for
 * the key's index slot; resident_prefetch_entry, once that slot has come, for the start of the
 * entry it points to when the slot's tag matches. Nothing is read that a lookup depends on.
 */
void resident_prefetch(const struct resident *r, uint64_t hash);
void resident_prefetch_entry(const struct resident *r, uint64_t hash);

/*
 * Offers the stored record read from the registry (after reading version) for key: marks a stale
 * entry (from resident_get, or NULL) current when its bytes are the same, otherwise adds a new
 * entry in the key's place if there is room. Returns true when the table now answers for the key
 * at version.
 */
bool resident_offer(struct resident *r, const uint8_t *key, size_t klen, uint64_t hash,
                    uint32_t version, struct resident_entry *entry, const uint8_t *stored,
                    size_t len);

/*
 * Adds a record found by the start-up load, unless the key is already there (a reader added a
 * newer one). version is the key's change version as it stood before the load's scan began.
 * Returns false when arena or index is full.
 */
bool resident_add_loaded(struct resident *r, const uint8_t *key, size_t klen, uint64_t hash,
                         uint32_t version, const uint8_t *stored, size_t len);

/* The load's bookkeeping (resident_load.c): versions is the copy of every change version taken
 * before the scan (REG_VERSION_SLOTS of them; the table keeps the pointer), published with
 * complete when the scan took in every record. */
void resident_load_progress(struct resident *r, uint64_t loaded);
void resident_load_end(struct resident *r, uint32_t *versions, bool complete, uint64_t ms);

void resident_figures(const struct resident *r, struct resident_figures *out);

#endif
