#include "registry/reg_cache.h"

#include <new>
#include <rocksdb/cache.h>

/* How RocksDB's C API wraps a cache (db/c.cc): rocksdb_cache_destroy deletes this struct and
 * every rocksdb_*_set_block_cache takes its rep. RocksDB 8 exports the same constructor as
 * rocksdb_cache_create_hyper_clock. */
struct rocksdb_cache_t {
    std::shared_ptr<rocksdb::Cache> rep;
};

extern "C" rocksdb_cache_t *reg_cache_create_clock(size_t capacity, size_t entry_bytes)
{
    rocksdb::HyperClockCacheOptions opts(capacity, entry_bytes);
    std::shared_ptr<rocksdb::Cache> cache = opts.MakeSharedCache();
    if (!cache)
        return nullptr;
    return new (std::nothrow) rocksdb_cache_t{cache};
}
