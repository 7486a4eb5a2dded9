/*
 * Offline bulk import: streams JSON Lines or CSV into prepared table files and ingests them.
 *
 *   1. The calling thread reads the input in blocks and cuts them at line (JSON) or handle-run
 *      (CSV) boundaries into chunks; worker threads parse each chunk into entries (canonical key,
 *      record, line) and sort it. Sorted chunks are kept in memory up to a budget, beyond which
 *      they are merged into a sorted run file in the staging directory.
 *   2. A k-way merge of the runs and chunks yields every entry in key order; a key given twice is
 *      a bad line (the first occurrence stands). Writer threads take consecutive slices of the
 *      merged stream, check which keys the registry holds already (--existing), count the new
 *      ones per prefix and write one table file per slice: the files are sorted and disjoint.
 *   3. The directory is sealed with the count deltas and ingested in one atomic step
 *      (reg_bulk.h), which also logs the import in the txlog.
 * Nothing reaches the registry before step 3, so an abort (bad line with --on-error abort, an
 * existing handle with --existing fail, an error, a cancel) leaves it untouched.
 *
 * Steps 2 and 3 hold the registry's handle writes (reg_hold_writes), so a node importing while it
 * serves keeps exact counts; its lookups go on throughout. One process may run several imports
 * at once only into different registries (each stages under its own data_dir).
 */
#ifndef BULK_IMPORT_H
#define BULK_IMPORT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "registry/import/bulk_parse.h"
#include "registry/reg_db.h"
#include "registry/reg_prefix.h"

enum bulk_existing { BULK_OVERWRITE, BULK_SKIP, BULK_FAIL };

struct bulk_opts {
    struct reg_db *db;
    const struct reg_prefix_set *prefixes;
    const char *data_dir; /* the registry directory: staging goes under it */
    int fd;               /* the input */
    const char *name;     /* its name in messages */
    uint64_t size;        /* its size when known (progress), else 0 */
    enum bulk_format format;
    enum bulk_existing existing;
    bool abort_on_error;
    size_t memory_bytes; /* sorted chunks kept in memory before a run is spilled */
    int threads;         /* parser and writer threads */
    bool progress;       /* a progress line on stderr (a terminal) */
    FILE *messages;      /* bad lines and errors, one a line; NULL: stderr, "pazhou: " first */
    /* Called at most five times a second with the phase ("reading", "writing", "ingesting"), the
     * fraction done (-1 when unknown) and the handles so far; may be NULL. */
    void (*on_progress)(void *ctx, const char *phase, double fraction, uint64_t handles);
    void *progress_ctx;
    const _Atomic bool *cancel; /* when it turns true the import stops, writing nothing */
    int nice; /* > 0: every thread of the import, the caller's included, runs at this niceness,
                 so a serving node's workers take the CPU first */
};

struct bulk_summary {
    uint64_t handles;          /* handles parsed without error */
    uint64_t bad;              /* bad lines (rows) reported, duplicates included */
    uint64_t loaded;           /* handles written to the registry */
    uint64_t created;          /* of which new */
    uint64_t replaced;         /* of which replaced an existing handle */
    uint64_t kept;             /* existing handles left as they were (--existing skip) */
    uint64_t existing_refused; /* existing handles found with --existing fail */
    uint64_t table_bytes;
    uint64_t runs; /* run files spilled */
    double seconds;
    double parse_seconds, write_seconds, ingest_seconds; /* the three phases */
    bool aborted;    /* nothing was written because of bad input or --existing fail */
    uint64_t txn_id; /* the import's txlog entry, when it landed */
};

/* Runs the import. 0 when it completed (bad lines may have been skipped), 1 when it was aborted
 * with nothing written, 2 on an error (also nothing written). */
int bulk_import(const struct bulk_opts *o, struct bulk_summary *s);

#endif
