/*
 * The k-way merge of sorted entries (bulk_ent.h) from sorted chunks in memory and run
 * files: a source per chunk or run, a binary heap of sources keyed by their current entry.
 */
#ifndef BULK_MERGE_H
#define BULK_MERGE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "registry/import/bulk_parse.h"

/* The read buffer of a run file source (and the write buffer of a run file). */
#define BULK_RUN_BUFFER (1u << 20)

/* Where a merge reads entries from: a sorted chunk in memory or a run file, up to a key. */
struct bulk_source {
    const uint8_t *cur; /* the current entry, NULL at the end */
    struct bulk_chunk *chunk;
    size_t i, end;
    FILE *f;
    uint8_t *buf;
    size_t len, pos;
    const uint8_t *hi; /* runs: stop at the first key >= hi (when not NULL) */
    size_t hi_len;
};

/* Compares two canonical keys bytewise, the shorter first on a tie: RocksDB's order. */
int bulk_key_cmp(const uint8_t *a, size_t al, const uint8_t *b, size_t bl);
/* Moves s to its next entry (s->cur, NULL at the end of its chunk range, of its file or at
 * s->hi). A run source reads through s->f into s->buf (BULK_RUN_BUFFER bytes, the caller's). */
void bulk_source_next(struct bulk_source *s);
/* Builds in h (n slots, the caller's) a heap of the primed sources of src that have an entry;
 * returns its size. */
size_t bulk_heap_init(struct bulk_source **h, struct bulk_source *src, size_t n);
/* Advances the top source h[0] past its entry; returns the heap's new size. */
size_t bulk_heap_pop(struct bulk_source **h, size_t n);

#endif
