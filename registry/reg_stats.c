#include "registry/reg_stats.h"

#include <stdlib.h>
#include <string.h>

#include "registry/reg_internal.h"

/* The property summed over every column family. */
static uint64_t sum_property(struct reg_db *db, const char *name)
{
    uint64_t sum = 0;
    for (int i = 0; i < REG_CF_COUNT; i++) {
        uint64_t v = 0;
        if (db->cf[i] && rocksdb_property_int_cf(db->rdb, db->cf[i], name, &v) == 0)
            sum += v;
    }
    return sum;
}

/* The value of the entry whose name starts with name in RocksDB's "name=value; name=value"
 * property text ("index block size (user-key? ...)=N" names vary with the format), or 0. */
static uint64_t field(const char *text, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = text; (p = strstr(p, name)); p += n) {
        if (p != text && p[-1] != ' ')
            continue;
        const char *eq = strchr(p, '='), *end = strchr(p, ';');
        if (eq && (!end || eq < end) && (p[n] == '=' || p[n] == ' '))
            return strtoull(eq + 1, NULL, 10);
    }
    return 0;
}

void reg_get_table_stats(struct reg_db *db, struct reg_table_stats *ts)
{
    memset(ts, 0, sizeof *ts);
    char *text = rocksdb_property_value_cf(db->rdb, db->cf[REG_CF_HANDLES],
                                           "rocksdb.aggregated-table-properties");
    if (!text)
        return;
    ts->entries = field(text, "# entries");
    ts->data_blocks = field(text, "# data blocks");
    ts->data_bytes = field(text, "data block size");
    ts->raw_key_bytes = field(text, "raw key size");
    ts->raw_value_bytes = field(text, "raw value size");
    ts->index_bytes = field(text, "index block size");
    ts->index_partitions = field(text, "# index partitions");
    ts->filter_bytes = field(text, "filter block size");
    rocksdb_free(text);
}

void reg_get_stats(struct reg_db *db, struct reg_stats *st)
{
    memset(st, 0, sizeof *st);
    st->handles_estimate = reg_estimate_handles(db);
    st->live_data_bytes = sum_property(db, "rocksdb.estimate-live-data-size");
    st->sst_files_bytes = sum_property(db, "rocksdb.total-sst-files-size");
    st->memtable_bytes = sum_property(db, "rocksdb.cur-size-all-mem-tables");
    st->write_failures_nospace = atomic_load_explicit(&db->nospace_failures, memory_order_relaxed);
    st->write_failures_other = atomic_load_explicit(&db->other_failures, memory_order_relaxed);
    st->write_resumes = atomic_load_explicit(&db->resumes, memory_order_relaxed);
    st->pending_compaction_bytes = sum_property(db, "rocksdb.estimate-pending-compaction-bytes");
    uint64_t v = 0;
    if (rocksdb_property_int(db->rdb, "rocksdb.num-running-compactions", &v) == 0)
        st->running_compactions = v;
    if (db->cache) {
        st->block_cache_usage = rocksdb_cache_get_usage(db->cache);
        st->block_cache_pinned = rocksdb_cache_get_pinned_usage(db->cache);
        st->block_cache_capacity = rocksdb_cache_get_capacity(db->cache);
    }
    if (db->stats_opts) {
        /* The C API gives the statistics only as text: "rocksdb.block.cache.hit COUNT : N". */
        char *text = rocksdb_options_statistics_get_string(db->stats_opts);
        if (text) {
            const char *h = strstr(text, "rocksdb.block.cache.hit COUNT : ");
            const char *m = strstr(text, "rocksdb.block.cache.miss COUNT : ");
            if (h && m) {
                st->block_cache_hits = strtoull(h + 32, NULL, 10);
                st->block_cache_misses = strtoull(m + 33, NULL, 10);
                st->have_hits = 1;
            }
            rocksdb_free(text);
        }
    }
}
