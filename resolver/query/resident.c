#include "resolver/query/resident.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "registry/reg_db.h"

/* An entry in the arena, 8-byte aligned: the key, then the stored record. */
struct resident_entry {
    _Atomic uint32_t version;
    uint16_t key_len;
    uint16_t spare;
    uint32_t len;
    uint8_t bytes[];
};

#define ENTRY_HEAD offsetof(struct resident_entry, bytes)
#define PROBES 64 /* a key is looked for in at most this many slots */
#define MIN_BUDGET (1u << 20)

/*
 * An index slot: 0 when empty, else the top 16 bits of the key's mixed hash (a miss compares
 * entries only for keys that share them) above the entry's arena offset in 8-byte units. Offset
 * 0 is never used, so a taken slot is never 0.
 */
#define SLOT_TAG(h) ((h)&0xffff000000000000ull)
#define SLOT_OFF(s) ((size_t)((s)&0x0000ffffffffffffull) * 8u)

/* The index: replaced by one twice its size when it is 85% full; the old one stays (readers
 * may hold it) until the table is freed. */
struct index {
    size_t mask, max_records, bytes;
    _Atomic uint64_t *slots;
    struct index *older;
};

struct resident {
    _Atomic(struct index *) index;
    pthread_mutex_t mu; /* held by every addition: one writer at a time, readers never wait */
    size_t budget, index_bytes; /* all indexes' bytes, counted against the budget */
    bool expanded;              /* records as the registry hands them out, not as stored */
    uint8_t *arena;
    size_t capacity;
    _Atomic size_t used;
    _Atomic uint64_t records;
    _Atomic bool full;
    /* Set once by the load (resident_load_end). */
    _Atomic(uint32_t *) versions;
    _Atomic bool complete, load_done;
    _Atomic uint64_t loaded, load_ms;
};

/* Spreads FNV's bits (its low bits vary little between keys that differ in a last digit). */
static uint64_t mix(uint64_t h)
{
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ull;
    h ^= h >> 33;
    return h;
}

static void *reserve(size_t bytes)
{
    void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                   -1, 0);
    if (p == MAP_FAILED)
        return NULL;
#ifdef MADV_HUGEPAGE
    /* Random reads over hundreds of MiB: 2 MiB pages spare most TLB misses. */
    madvise(p, bytes, MADV_HUGEPAGE);
#endif
    return p;
}

static struct index *index_new(size_t slots)
{
    struct index *x = calloc(1, sizeof *x);
    if (!x)
        return NULL;
    x->bytes = slots * sizeof(uint64_t);
    x->slots = reserve(x->bytes);
    if (!x->slots) {
        free(x);
        return NULL;
    }
    x->mask = slots - 1;
    x->max_records = slots / 100 * 85;
    return x;
}

static void index_free(struct index *x)
{
    while (x) {
        struct index *older = x->older;
        munmap((void *)x->slots, x->bytes);
        free(x);
        x = older;
    }
}

bool resident_expanded(const struct resident *r)
{
    return r->expanded;
}

struct resident *resident_new(size_t budget, uint64_t expected, bool expanded)
{
    if (budget < MIN_BUDGET)
        return NULL;
    uint64_t want = expected + expected / 4 + 4096;
    size_t slots = 4096;
    /* Slots for want keys at a load of at most 62.5%, within a quarter of the budget; the index
     * doubles as handles are added. */
    while (slots < want + want * 3 / 5 && (slots * 2) * sizeof(uint64_t) <= budget / 4)
        slots *= 2;
    struct resident *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    pthread_mutex_init(&r->mu, NULL);
    r->budget = budget;
    r->expanded = expanded;
    struct index *x = index_new(slots);
    atomic_init(&r->index, x);
    if (x) {
        r->index_bytes = x->bytes;
        r->capacity = (budget - x->bytes) & ~(size_t)4095;
        /* A reservation the system refuses whole is tried again at half, down to the minimum. */
        while (!(r->arena = reserve(r->capacity)) && r->capacity > MIN_BUDGET)
            r->capacity /= 2;
    }
    if (!x || !r->arena) {
        resident_free(r);
        return NULL;
    }
    atomic_init(&r->used, 8); /* offset 0 stays unused */
    return r;
}

void resident_free(struct resident *r)
{
    if (!r)
        return;
    index_free(atomic_load(&r->index));
    if (r->arena)
        munmap(r->arena, r->capacity);
    free(atomic_load(&r->versions));
    pthread_mutex_destroy(&r->mu);
    free(r);
}

static struct resident_entry *entry_at(const struct resident *r, uint64_t slot)
{
    return (struct resident_entry *)(r->arena + SLOT_OFF(slot));
}

static bool same_key(const struct resident_entry *e, const uint8_t *key, size_t klen)
{
    return e->key_len == klen && memcmp(e->bytes, key, klen) == 0;
}

enum resident_found resident_get(struct resident *r, const uint8_t *key, size_t klen, uint64_t hash,
                                 uint32_t version, const uint8_t **stored, size_t *len,
                                 struct resident_entry **entry)
{
    const struct index *x = atomic_load_explicit(&r->index, memory_order_acquire);
    uint64_t h = mix(hash);
    size_t i = h & x->mask;
    for (int p = 0; p < PROBES; p++, i = (i + 1) & x->mask) {
        uint64_t s = atomic_load_explicit(&x->slots[i], memory_order_acquire);
        if (!s)
            break;
        if (SLOT_TAG(s) != SLOT_TAG(h))
            continue;
        struct resident_entry *e = entry_at(r, s);
        if (!same_key(e, key, klen))
            continue;
        if (atomic_load_explicit(&e->version, memory_order_relaxed) != version) {
            *entry = e;
            return RESIDENT_STALE;
        }
        *stored = e->bytes + klen;
        *len = e->len;
        return RESIDENT_HIT;
    }
    /* Not here: absent for sure when the whole registry was loaded and nothing has been written
     * under this key's version slot since. */
    if (atomic_load_explicit(&r->complete, memory_order_acquire)) {
        const uint32_t *v = atomic_load_explicit(&r->versions, memory_order_relaxed);
        if (v[hash % REG_VERSION_SLOTS] == version)
            return RESIDENT_ABSENT;
    }
    return RESIDENT_MISS;
}

void resident_prefetch(const struct resident *r, uint64_t hash)
{
    const struct index *x = atomic_load_explicit(&r->index, memory_order_acquire);
    __builtin_prefetch(&x->slots[mix(hash) & x->mask]);
}

/* How much of an entry is asked for: the head, the key and a typical record (four lines). */
#define PREFETCH_ENTRY_BYTES 256

void resident_prefetch_entry(const struct resident *r, uint64_t hash)
{
    const struct index *x = atomic_load_explicit(&r->index, memory_order_acquire);
    uint64_t h = mix(hash);
    uint64_t s = atomic_load_explicit(&x->slots[h & x->mask], memory_order_relaxed);
    if (!s || SLOT_TAG(s) != SLOT_TAG(h))
        return;
    const uint8_t *e = (const uint8_t *)entry_at(r, s);
    for (size_t off = 0; off < PREFETCH_ENTRY_BYTES; off += 64)
        __builtin_prefetch(e + off);
}

static void set_full(struct resident *r)
{
    atomic_store_explicit(&r->full, true, memory_order_relaxed);
}

/* A new entry at the arena's end, or NULL when it is full. Under mu. */
static struct resident_entry *entry_new(struct resident *r, const uint8_t *key, size_t klen,
                                        uint32_t version, const uint8_t *stored, size_t len)
{
    size_t size = (ENTRY_HEAD + klen + len + 7) & ~(size_t)7;
    size_t off = atomic_load_explicit(&r->used, memory_order_relaxed);
    if (klen > UINT16_MAX || len > UINT32_MAX || size > r->capacity - off) {
        set_full(r);
        return NULL;
    }
    struct resident_entry *e = (struct resident_entry *)(r->arena + off);
    atomic_init(&e->version, version);
    e->key_len = (uint16_t)klen;
    e->spare = 0;
    e->len = (uint32_t)len;
    memcpy(e->bytes, key, klen);
    memcpy(e->bytes + klen, stored, len);
    atomic_store_explicit(&r->used, off + size, memory_order_relaxed);
    return e;
}

static uint64_t slot_of(const struct resident *r, uint64_t h, const struct resident_entry *e)
{
    return SLOT_TAG(h) | ((uint64_t)((const uint8_t *)e - r->arena) / 8u);
}

/* Where key is in x, or the empty slot it would take; NULL when neither is within reach. */
static _Atomic uint64_t *find_slot(const struct resident *r, const struct index *x, uint64_t h,
                                   const uint8_t *key, size_t klen)
{
    size_t i = h & x->mask;
    for (int p = 0; p < PROBES; p++, i = (i + 1) & x->mask) {
        uint64_t s = atomic_load_explicit(&x->slots[i], memory_order_relaxed);
        if (!s || (SLOT_TAG(s) == SLOT_TAG(h) && same_key(entry_at(r, s), key, klen)))
            return &x->slots[i];
    }
    return NULL;
}

/* The index twice as large, every key of x placed again, published; x stays for readers that
 * hold it. false when the budget has no room for it. Under mu. */
static bool grow(struct resident *r, struct index *x)
{
    size_t bytes = x->bytes * 2;
    if (r->index_bytes + bytes + atomic_load_explicit(&r->used, memory_order_relaxed) > r->budget)
        return false;
    struct index *y = index_new((x->mask + 1) * 2);
    if (!y)
        return false;
    for (size_t i = 0; i <= x->mask; i++) {
        uint64_t s = atomic_load_explicit(&x->slots[i], memory_order_relaxed);
        if (!s)
            continue;
        const struct resident_entry *e = entry_at(r, s);
        uint64_t h = mix(reg_key_hash(e->bytes, e->key_len));
        _Atomic uint64_t *to = find_slot(r, y, h, e->bytes, e->key_len);
        if (!to) { /* PROBES collisions in a table this empty: give up the growth */
            index_free(y);
            return false;
        }
        atomic_store_explicit(to, s, memory_order_relaxed);
    }
    y->older = x;
    r->index_bytes += y->bytes;
    atomic_store_explicit(&r->index, y, memory_order_release);
    return true;
}

/*
 * Adds key's record read at version: into the place of an entry of the same key (unless
 * only_new), or of an empty slot. Returns true when the table then holds the key.
 */
static bool add(struct resident *r, const uint8_t *key, size_t klen, uint64_t hash,
                uint32_t version, const uint8_t *stored, size_t len, bool only_new)
{
    uint64_t h = mix(hash);
    bool held = false;
    pthread_mutex_lock(&r->mu);
    struct index *x = atomic_load_explicit(&r->index, memory_order_relaxed);
    _Atomic uint64_t *slot = find_slot(r, x, h, key, klen);
    uint64_t s = slot ? atomic_load_explicit(slot, memory_order_relaxed) : 0;
    if (slot && s) {
        held = true;
        if (!only_new) {
            struct resident_entry *e = entry_new(r, key, klen, version, stored, len);
            if (e)
                atomic_store_explicit(slot, slot_of(r, h, e), memory_order_release);
            held = e != NULL;
        }
        goto out;
    }
    if (atomic_load_explicit(&r->records, memory_order_relaxed) + 1 > x->max_records || !slot) {
        if (!grow(r, x)) {
            set_full(r);
            goto out;
        }
        x = atomic_load_explicit(&r->index, memory_order_relaxed);
        slot = find_slot(r, x, h, key, klen);
        if (!slot) {
            set_full(r);
            goto out;
        }
    }
    struct resident_entry *e = entry_new(r, key, klen, version, stored, len);
    if (e) {
        atomic_store_explicit(slot, slot_of(r, h, e), memory_order_release);
        atomic_store_explicit(&r->records,
                              atomic_load_explicit(&r->records, memory_order_relaxed) + 1,
                              memory_order_relaxed);
        held = true;
    }
out:
    pthread_mutex_unlock(&r->mu);
    return held;
}

bool resident_offer(struct resident *r, const uint8_t *key, size_t klen, uint64_t hash,
                    uint32_t version, struct resident_entry *entry, const uint8_t *stored,
                    size_t len)
{
    if (entry && entry->len == len && memcmp(entry->bytes + klen, stored, len) == 0) {
        /* The same record: it was current when version was read, so it is current at it. */
        atomic_store_explicit(&entry->version, version, memory_order_relaxed);
        return true;
    }
    /* A full table adds nothing more: reads beyond it do not queue on its lock. */
    if (atomic_load_explicit(&r->full, memory_order_relaxed))
        return false;
    return add(r, key, klen, hash, version, stored, len, false);
}

bool resident_add_loaded(struct resident *r, const uint8_t *key, size_t klen, uint64_t hash,
                         uint32_t version, const uint8_t *stored, size_t len)
{
    /* A key already there was added by a reader, from a read later than the scan's: kept. */
    return add(r, key, klen, hash, version, stored, len, true);
}

void resident_load_progress(struct resident *r, uint64_t loaded)
{
    atomic_store_explicit(&r->loaded, loaded, memory_order_relaxed);
}

void resident_load_end(struct resident *r, uint32_t *versions, bool complete, uint64_t ms)
{
    atomic_store_explicit(&r->load_ms, ms ? ms : 1, memory_order_relaxed);
    if (versions && complete) {
        atomic_store_explicit(&r->versions, versions, memory_order_relaxed);
        atomic_store_explicit(&r->complete, true, memory_order_release);
    } else {
        free(versions);
    }
    atomic_store_explicit(&r->load_done, true, memory_order_release);
}

void resident_figures(const struct resident *r, struct resident_figures *out)
{
    memset(out, 0, sizeof *out);
    if (!r)
        return;
    size_t used = atomic_load_explicit(&r->used, memory_order_relaxed);
    out->records = atomic_load_explicit(&r->records, memory_order_relaxed);
    out->bytes = used < r->capacity ? used : r->capacity;
    out->capacity = r->capacity;
    out->index_slots = atomic_load_explicit(&r->index, memory_order_acquire)->mask + 1;
    out->loaded = atomic_load_explicit(&r->loaded, memory_order_relaxed);
    out->load_done = atomic_load_explicit(&r->load_done, memory_order_acquire);
    out->load_ms = out->load_done ? atomic_load_explicit(&r->load_ms, memory_order_relaxed) : 0;
    out->complete = atomic_load_explicit(&r->complete, memory_order_acquire);
    out->full = atomic_load_explicit(&r->full, memory_order_relaxed);
}
