/*
 * Imports the node runs itself (POST /api/imports): a JSON Lines or CSV file under the
 * configuration's import_dir goes through the pipeline of `pazhou import` (bulk_import.h) on a
 * thread of its own, into the registry the node serves: sorted table files are written beside
 * the registry and ingested in one atomic step, which the transaction log records, so mirrors
 * follow. Workers resolve throughout (cached answers of replaced handles are invalidated); handle
 * writes wait while the import checks which handles exist and ingests. One import runs at a time;
 * the outcomes of the last few stay readable (GET /api/imports/{id}).
 */
#ifndef NODE_IMPORT_H
#define NODE_IMPORT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "common/errcode.h"
#include "registry/import/bulk_import.h"
#include "resolver/node.h"

/* By default an import's threads run at this niceness: the workers take the CPU first, and the
 * import gets what resolution leaves. */
#define NODE_IMPORT_NICE 10

struct node_import_request {
    char path[4096]; /* relative to import_dir, or absolute and inside it */
    enum bulk_format format;
    bool format_given; /* else from the name: ".csv" is CSV, anything else JSON Lines */
    enum bulk_existing existing;
    bool abort_on_error;
    int threads;         /* parser and writer threads; 0: one per core */
    size_t memory_bytes; /* sorted input kept in memory before runs spill; 0: 1 GiB */
    int nice;            /* the import's threads' niceness, 0 to 19 (NODE_IMPORT_NICE) */
    char by[300];        /* who asked, for the log */
};

struct node_imports;

struct node_imports *node_imports_new(struct node *node);
/* Asks a running import to stop (nothing of it lands), without waiting: at shutdown, before the
 * admin threads are joined, since their writes may be waiting for the import. */
void node_imports_cancel_all(struct node_imports *im);
/* Cancels a running import and waits for it; NULL is ignored. */
void node_imports_free(struct node_imports *im);

/* Starts an import; id (at least 32 bytes) gets its id. NODE_IMPORT_STARTED, or a NODE_IMPORT_*
 * code (common/errcode.h) and err says why. */
int node_import_start(struct node_imports *im, const struct node_import_request *req, char *id,
                      size_t idlen, char *err, size_t errlen);

/* The state of import id as the REST API shows it (a new reference); NULL when unknown. */
json_t *node_import_status(struct node_imports *im, const char *id);

/* Asks a running import to stop, writing nothing: 0, or -1 when id is unknown, 1 when it has
 * finished already. */
int node_import_cancel(struct node_imports *im, const char *id);

#endif
