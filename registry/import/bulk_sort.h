/*
 * Sorting a chunk's entries (bulk_ent.h) by bulk_ent_cmp: by key, then by line.
 */
#ifndef BULK_SORT_H
#define BULK_SORT_H

#include <stddef.h>
#include <stdint.h>

/* Sorts n entries with bulk_ent_cmp: bottom-up merge sort of the pointers. */
void bulk_sort(uint8_t **ents, size_t n);

/* The same order, faster: each entry is sorted with 24 bytes of its key read once, those after
 * the prefix all keys of the chunk share (big-endian, zero-padded), compared as three integers;
 * only entries equal there are compared through bulk_ent_cmp. The pointer array and the entries
 * stay where they are, so there are no cache misses on the entries in most comparisons.
 * *scratch (*cap bytes, the caller's, grown with realloc, freed by the caller) holds the keyed
 * copies; without the memory for them it sorts as bulk_sort. */
void bulk_sort_keyed(uint8_t **ents, size_t n, void **scratch, size_t *cap);

#endif
