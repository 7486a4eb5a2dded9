/* Figures about the registry for monitoring: RocksDB properties and the block cache. */
#ifndef REG_STATS_H
#define REG_STATS_H

#include <stdint.h>

#include "registry/reg_db.h"

struct reg_stats {
    uint64_t handles_estimate;         /* estimate-num-keys of "handles" */
    uint64_t live_data_bytes;          /* estimate-live-data-size, every column family */
    uint64_t sst_files_bytes;          /* total-sst-files-size, every column family */
    uint64_t memtable_bytes;           /* cur-size-all-mem-tables, every column family */
    uint64_t pending_compaction_bytes; /* estimate-pending-compaction-bytes, every family */
    uint64_t running_compactions;      /* num-running-compactions */
    uint64_t block_cache_usage;        /* bytes held by the shared block cache */
    uint64_t block_cache_pinned;       /* of which pinned (index and filter tops, open reads) */
    uint64_t block_cache_capacity;
    int have_hits; /* statistics on: the two counters below are real */
    uint64_t block_cache_hits;
    uint64_t block_cache_misses;
    uint64_t write_failures_nospace; /* writes refused because the disk was full */
    uint64_t write_failures_other;   /* writes that failed for any other reason */
    uint64_t write_resumes;          /* times writes were let through again after a failure */
};

/* Reads the figures; a property RocksDB cannot give is left at 0. Thread-safe and cheap (no
 * I/O): fit for every scrape. */
void reg_get_stats(struct reg_db *db, struct reg_stats *st);

/* What the table files of the "handles" family hold, summed over the files: the figures for
 * sizing memory (index and filter bytes per handle) and checking the index layout. */
struct reg_table_stats {
    uint64_t entries;
    uint64_t data_blocks;
    uint64_t data_bytes;       /* compressed, as stored */
    uint64_t raw_key_bytes;    /* uncompressed */
    uint64_t raw_value_bytes;  /* uncompressed */
    uint64_t index_bytes;      /* index blocks (partitions and top level) */
    uint64_t index_partitions; /* 0 for whole-file indexes */
    uint64_t filter_bytes;
};

/* Reads them from RocksDB's table properties (held in memory: no I/O); 0 for what it lacks. */
void reg_get_table_stats(struct reg_db *db, struct reg_table_stats *ts);

#endif
