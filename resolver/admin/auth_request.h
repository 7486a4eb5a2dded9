/*
 * The binary protocol's requests that need authentication or blocking work: administration
 * (create, delete, add, modify, remove, list, home, unhome), challenge answers, sessions,
 * certified (signed) answers and reads of values without public read. Runs in an admin thread;
 * the front ends hand such requests over (query.c says which) and send what comes back.
 */
#ifndef NODE_ADMIN_H
#define NODE_ADMIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "resolver/node.h"
#include "resolver/node_stats.h"

/* Receives each response message; LIST_HANDLES answers with several (all but the last carry
 * the continuous flag). Returns non-zero to stop a stream early (the client went away). */
struct auth_request_sink {
    int (*emit)(void *ctx, const uint8_t *msg, size_t len);
    void *ctx;
    int fd; /* a TCP request: a duplicate of the connection's socket, which an operation that
               streams (replication's TLS mode) may read from; -1 otherwise */
    /* Sends what emit has kept back so far (answers waiting on a group's sync: job_pool.h),
     * before an operation waits on the client through fd; NULL when nothing is kept back. */
    void (*flush)(void *ctx);
};

/*
 * Operations another room answers (replication: GET_NEXT_TXN_ID, RETRIEVE_TXN_LOG,
 * DUMP_HANDLES), once the session and challenge-response machinery here has settled who asks.
 * The handler runs on the admin thread with the operation's message and the requester, and
 * answers through the auth_stream_* functions.
 */
struct auth_stream;
struct identity;
struct hdl_message;
typedef void (*auth_stream_fn)(struct auth_stream *s, struct node *node,
                               const struct hdl_message *op, const struct identity *who);
/* Routes opcodes first..last to fn. With needs_identity, an unauthenticated request is
 * challenged first (and refused over UDP). Call once before the workers start. */
void auth_request_route(uint32_t first, uint32_t last, bool needs_identity, auth_stream_fn fn);

/* The answer to the operation: rc with body (len bytes), the same envelope and credential as
 * every admin answer. Returns 0, or non-zero when the client has gone. */
int auth_stream_reply(struct auth_stream *s, uint32_t rc, const uint8_t *body, size_t len);
/* An error answer with a message. */
int auth_stream_error(struct auth_stream *s, uint32_t rc, const char *message);
/* Marks the start of raw bytes after the answer: they go out unframed and uncounted, and the
 * connection closes once the operation has returned and they are sent. Non-zero: client gone. */
int auth_stream_begin_raw(struct auth_stream *s);
/* Raw bytes of the stream (after auth_stream_begin_raw); waits while the client is slow to
 * read. Non-zero when the client has gone. */
int auth_stream_write(struct auth_stream *s, const uint8_t *p, size_t len);
/* The connection's socket to read from (a duplicate), or -1 (not TCP). */
int auth_stream_fd(const struct auth_stream *s);
/* The requester's session id (0: none). */
uint32_t auth_stream_session(const struct auth_stream *s);

void auth_request_answer(struct node *node, enum node_transport transport, const char *source,
                  const uint8_t *req, size_t len, const struct auth_request_sink *sink);
/* Answers req with the error rc and message, in its session as auth_request_answer would,
 * without carrying it out: for a request whose answer was made but whose writes did not become
 * durable (its group's WAL sync failed). */
void auth_request_refuse(struct node *node, enum node_transport transport, const uint8_t *req,
                         size_t len, uint32_t rc, const char *message,
                         const struct auth_request_sink *sink);

#endif
