/*
 * The registry's block cache. RocksDB's C API builds only LRU caches; the HyperClockCache, which
 * looks blocks up without a lock and keeps no LRU list to reorder on every hit, has a C++
 * constructor only, so it is made here.
 */
#ifndef REGISTRY_REG_CACHE_H
#define REGISTRY_REG_CACHE_H

#include <rocksdb/c.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A HyperClockCache of capacity bytes whose entries are about entry_bytes each (the block
 * size); NULL when it cannot be made. Destroyed with rocksdb_cache_destroy. */
rocksdb_cache_t *reg_cache_create_clock(size_t capacity, size_t entry_bytes);

#ifdef __cplusplus
}
#endif

#endif
