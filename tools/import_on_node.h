/*
 * pazhou import --server ... --on-node FILE: has the node import a file of its own machine (under
 * its import_dir) through its bulk pipeline (POST /api/imports), then follows the import
 * (GET /api/imports/ID) with a progress line on a terminal until it ends, and prints its bad
 * lines and summary. Interrupting the command (Ctrl-C) cancels the import (DELETE).
 */
#ifndef TOOLS_IMPORT_ON_NODE_H
#define TOOLS_IMPORT_ON_NODE_H

#include "client/https_client.h"

struct on_node_opts {
    const char *path;     /* as the node sees it: relative to its import_dir, or absolute */
    const char *format;   /* "jsonl", "csv" or NULL (from the name) */
    const char *existing; /* "overwrite", "skip", "fail" */
    bool abort_on_error;
    int threads; /* 0: the node's default */
    int nice;    /* -1: the node's default (10) */
    bool quiet;
};

/* Returns the exit status: 0 loaded, 1 aborted with nothing written (or refused), 2 error. */
int import_on_node(struct https_conn *conn, const char *auth_header, const struct on_node_opts *o);

#endif
