/*
 * What a bulk import takes (struct bulk_opts) and what it reports (struct bulk_summary); the
 * import itself is bulk_import.h. Apart so that the pipeline's own files can share them without
 * reaching back up to the entry point.
 */
#ifndef BULK_OPTS_H
#define BULK_OPTS_H

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
    /* A multi-server site's partition: part_of gives the index of the server that holds a
     * canonical key (len bytes), or -1 when it cannot tell. With it, only the keys of part are
     * written, the others counted in bulk_summary.other_part (a key it cannot place is written
     * as if it were of part). NULL: every key is written. */
    int (*part_of)(void *ctx, const uint8_t *key, size_t len);
    void *part_ctx;
    int part;
};

struct bulk_summary {
    uint64_t handles;          /* handles parsed without error */
    uint64_t bad;              /* bad lines (rows) reported, duplicates included */
    uint64_t loaded;           /* handles written to the registry */
    uint64_t created;          /* of which new */
    uint64_t replaced;         /* of which replaced an existing handle */
    uint64_t kept;             /* existing handles left as they were (--existing skip) */
    uint64_t existing_refused; /* existing handles found with --existing fail */
    uint64_t other_part;       /* handles of other servers' parts, not written (part_of) */
    uint64_t table_bytes;
    uint64_t runs; /* run files spilled */
    double seconds;
    double parse_seconds, write_seconds, ingest_seconds; /* the three phases */
    double read_seconds; /* of parse_seconds, the reading thread's time in read(2) and cutting */
    bool aborted;        /* nothing was written because of bad input or --existing fail */
    uint64_t txn_id;     /* the import's txlog entry, when it landed */
    int status;          /* this registry's outcome, as bulk_import returns it */
};

#endif
