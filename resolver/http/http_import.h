/*
 * The REST face of the node's own imports (node_import.h), for server administrators over HTTPS:
 *
 *   POST   /api/imports  {"path": "factory-7.csv", "format": "csv"|"jsonl",
 *                         "existing": "overwrite"|"skip"|"fail", "onError": "skip"|"abort",
 *                         "threads": N, "memoryMB": N, "nice": 0-19}   (all but path optional;
 *                         nice defaults to 10: resolution takes the CPU first)
 *          -> 202 {"responseCode": 1, "id": ID}, Location: /api/imports/ID
 *   GET    /api/imports/ID  -> {"state": "running", "phase", "fraction", "handles", ...} or,
 *          once finished, "done" | "aborted" | "failed" | "cancelled" with the counts
 *          (handles, loaded, created, replaced, kept, bad, existingRefused), txnId and the
 *          bad lines' messages ("NAME:LINE: reason").
 *   DELETE /api/imports/ID  -> cancels a running import; nothing of it lands.
 */
#ifndef NODE_HTTP_IMPORT_H
#define NODE_HTTP_IMPORT_H

#include <stddef.h>

#include "resolver/admin/identity.h"
#include "resolver/http/http_job.h"
#include "resolver/node.h"

#define HTTP_IMPORTS_PATH "/api/imports"

/* On an admin thread, as who (authenticated). */
void http_import_start(struct node *node, const struct identity *who, const char *body, size_t len,
                       struct http_reply *r);
void http_import_status(struct node *node, const struct identity *who, const char *id,
                        struct http_reply *r);
void http_import_cancel(struct node *node, const struct identity *who, const char *id,
                        struct http_reply *r);

#endif
