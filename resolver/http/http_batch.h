/*
 * POST /api/batch: many registration operations in one JSON body, each applied atomically on its
 * own handle through ops.h, in order, answered with one result per operation:
 *
 *   {"operations": [
 *     {"op": "create", "handle": "88.100.1/A", "values": [...], "overwrite": false,
 *      "mintNewSuffix": false},
 *     {"op": "add",    "handle": "88.100.1/A", "values": [...], "overwrite": false},
 *     {"op": "modify", "handle": "88.100.1/A", "values": [...]},
 *     {"op": "remove", "handle": "88.100.1/A", "indexes": [2, 3]},
 *     {"op": "delete", "handle": "88.100.1/A"}]}
 *   -> {"responseCode": 1, "succeeded": n, "failed": m,
 *       "results": [{"responseCode": 1, "handle": "88.100.1/A"[, "message": ".."]}, ...]}
 *
 * Re-sending a batch after a timeout is safe for creates and adds: a handle that already holds
 * exactly the requested values (timestamps aside) counts as created, and values already present
 * as added ("message": "Unchanged: ..."); different ones are 101 / 201 conflicts.
 */
#ifndef NODE_HTTP_BATCH_H
#define NODE_HTTP_BATCH_H

#include <stdbool.h>
#include <stddef.h>

#include "proto/hdl_value.h"
#include "resolver/admin/identity.h"
#include "resolver/http/http_job.h"
#include "resolver/node.h"

#define HTTP_BATCH_MAX_OPS 10000

/* Runs the batch in body as who and fills r (blocking: an admin thread). */
void http_batch_run(struct node *node, const struct identity *who, const char *body, size_t len,
                    struct http_reply *r);

/* Parses a JSON array of values (docs/protocol.md §15) into out (room for HDL_MAX_VALUES), their bytes
 * in store. 0, or -1 with a message naming the value in err. */
int http_values_from_json(const json_t *arr, struct hdl_writer *store, struct hdl_value *out,
                          size_t *n, char *err, size_t errlen);

/* Whether the stored record of handle holds every value of values (n) with the same index, type,
 * data, permissions, TTL and references; with exact, also nothing else. Blocking. */
bool http_batch_same_values(struct node *node, const uint8_t *handle, size_t len,
                            const struct hdl_value *values, size_t n, bool exact);

#endif
