/*
 * Threads for the work that must not run on an event loop: authenticated administration with
 * synced registry writes, signatures, PBKDF2. A worker submits a request and gets the answers
 * back on its own event base, in its own thread. Binary-protocol requests queued together are
 * run by one thread as a group whose writes share one WAL sync, their answers handed back after
 * it (job_pool.c, struct group); the HTTP API's jobs run one to a thread, concurrent synced
 * writes that RocksDB groups into one sync itself.
 */
#ifndef RESOLVER_JOB_POOL_H
#define RESOLVER_JOB_POOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "resolver/node.h"
#include "resolver/node_stats.h"

struct job_pool;
struct job;
struct event_base;

/* Called on the submitting worker's thread. deliver gets each answer message and returns 0, or
 * 1 to pause delivery until job_resume (the client is slow to read); done comes last. */
struct admin_owner {
    void *ctx;
    int (*deliver)(void *ctx, const uint8_t *msg, size_t len);
    void (*done)(void *ctx);
};

struct job_pool *job_pool_new(struct node *node, int threads);
/* Finishes the queued jobs and joins the threads. */
void job_pool_free(struct job_pool *p);

/* Queues req (copied) from peer (NULL: unknown) for auth_request_answer. NULL when the queue is full or
 * memory short: the caller answers SERVER_TOO_BUSY. */
struct job *job_submit(struct job_pool *p, struct event_base *base,
                               enum node_transport transport, const struct sockaddr *peer,
                               const uint8_t *req, size_t len, const struct admin_owner *owner);
/* The same for a request on a TCP connection: the job keeps a duplicate of its socket fd, which
 * an operation that streams may read from while the connection's reads are paused (replication's
 * TLS handshake, auth_stream_fd); a change in a session, which never streams, gets none. */
struct job *job_submit_conn(struct job_pool *p, struct event_base *base,
                            const struct sockaddr *peer, int fd, const uint8_t *req, size_t len,
                            const struct admin_owner *owner);
/* Whether j holds its connection's socket (job_submit_conn): while it runs, only it may read. */
bool job_uses_socket(const struct job *j);
/* The same for any blocking work: fn runs on an admin thread with arg and emits its answers
 * through sink (they reach owner->deliver on the worker, as above); free_arg, if given, releases
 * arg afterwards on that thread. The HTTP API sends its writes this way; peer (NULL: unknown) is
 * the client the access log names for the changes fn makes. */
struct auth_request_sink;
struct job *job_submit_fn(struct job_pool *p, struct event_base *base,
                                  void (*fn)(void *arg, const struct auth_request_sink *sink), void *arg,
                                  void (*free_arg)(void *arg), const struct sockaddr *peer,
                                  const struct admin_owner *owner);

/* The owner is gone: nothing more is delivered; the job frees itself when its thread is done. */
void job_cancel(struct job *job);
/* Delivery may continue after a pause. */
void job_resume(struct job *job);

#endif
