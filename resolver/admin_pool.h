/*
 * Threads for the work that must not run on an event loop: authenticated administration with
 * synced registry writes, signatures, PBKDF2. A worker submits a request and gets the answers
 * back on its own event base, in its own thread; concurrent jobs make concurrent synced writes,
 * which RocksDB groups into one WAL sync (group commit).
 */
#ifndef NODE_ADMIN_POOL_H
#define NODE_ADMIN_POOL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "node.h"
#include "node_stats.h"

struct admin_pool;
struct admin_job;
struct event_base;

/* Called on the submitting worker's thread. deliver gets each answer message and returns 0, or
 * 1 to pause delivery until admin_job_resume (the client is slow to read); done comes last. */
struct admin_owner {
    void *ctx;
    int (*deliver)(void *ctx, const uint8_t *msg, size_t len);
    void (*done)(void *ctx);
};

struct admin_pool *admin_pool_new(struct node *node, int threads);
/* Finishes the queued jobs and joins the threads. */
void admin_pool_free(struct admin_pool *p);

/* Queues req (copied) from peer (NULL: unknown) for admin_answer. NULL when the queue is full or
 * memory short: the caller answers SERVER_TOO_BUSY. */
struct admin_job *admin_submit(struct admin_pool *p, struct event_base *base,
                               enum node_transport transport, const struct sockaddr *peer,
                               const uint8_t *req, size_t len, const struct admin_owner *owner);
/* The same for any blocking work: fn runs on an admin thread with arg and emits its answers
 * through sink (they reach owner->deliver on the worker, as above); free_arg, if given, releases
 * arg afterwards on that thread. The HTTP API sends its writes this way. */
struct admin_sink;
struct admin_job *admin_submit_fn(struct admin_pool *p, struct event_base *base,
                                  void (*fn)(void *arg, const struct admin_sink *sink), void *arg,
                                  void (*free_arg)(void *arg), const struct admin_owner *owner);

/* The owner is gone: nothing more is delivered; the job frees itself when its thread is done. */
void admin_job_cancel(struct admin_job *job);
/* Delivery may continue after a pause. */
void admin_job_resume(struct admin_job *job);

#endif
