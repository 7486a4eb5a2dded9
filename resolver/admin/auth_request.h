/*
 * The binary protocol's requests that need authentication or blocking work: administration
 * (create, delete, add, modify, remove, list, home, unhome), challenge answers, sessions,
 * certified (signed) answers and reads of values without public read. Runs in an admin thread;
 * the front ends hand such requests over (query.c says which) and send what comes back.
 */
#ifndef NODE_ADMIN_H
#define NODE_ADMIN_H

#include <stddef.h>
#include <stdint.h>

#include "resolver/node.h"
#include "resolver/node_stats.h"

/* Receives each response message; LIST_HANDLES answers with several (all but the last carry
 * the continuous flag). Returns non-zero to stop a stream early (the client went away). */
struct auth_request_sink {
    int (*emit)(void *ctx, const uint8_t *msg, size_t len);
    void *ctx;
};

void auth_request_answer(struct node *node, enum node_transport transport, const char *source,
                  const uint8_t *req, size_t len, const struct auth_request_sink *sink);

#endif
