/*
 * Recursion: resolving, for a client that set REC, a handle whose prefix is not homed here, as
 * the reference server does with allow_recursion (docs/hierarchy.md). One recursor per worker,
 * on the worker's event loop: the prefix handle 0.NA/<prefix> is asked of the root servers
 * (resolver.root, names looked up through c-ares), referrals (302, 303) and HS_SERV are
 * followed, the server of the site is chosen by the site's hash, and its answer goes back to the
 * client, and into the recursion cache for its values' TTL. Identical questions in flight share
 * one upstream query; each request has a deadline, a bound on hops and a place in the worker's
 * bound on outstanding requests.
 */
#ifndef UPSTREAM_RECURSOR_H
#define UPSTREAM_RECURSOR_H

#include <stddef.h>
#include <stdint.h>

#include "proto/hdl_message.h"
#include "proto/hdl_resolution.h"
#include "resolver/node.h"
#include "resolver/node_stats.h"

/* The largest answer: an envelope and a maximal message. */
#define REC_OUT_MAX (20u + 262144u)

struct event_base;
struct recursor;
struct rec_request;

/* Who waits for an answer: deliver gets the one response message (its return value is not
 * used), then done. Both are called on the worker's thread, from its loop, never from inside
 * recursor_submit. */
struct rec_owner {
    void *ctx;
    int (*deliver)(void *ctx, const uint8_t *msg, size_t len);
    void (*done)(void *ctx);
};

/* The worker's recursor, counting into stats; NULL when recursion is off (resolver.recursion)
 * or memory is short. */
struct recursor *recursor_new(struct event_base *base, struct node *node, struct node_stats *stats);
/* Ends every request without calling its owner (the front ends have let go of theirs) and
 * frees. */
void recursor_free(struct recursor *r);

/* For the query layer, on a resolution request req (body rr) with REC set whose prefix is not
 * homed here: writes the answer into out (cap bytes) and returns 1 when the recursion cache
 * holds it, else 0 (the front end then submits it). Counts the request. */
int recursor_answer_cached(struct recursor *r, const struct hdl_message *req,
                           const struct hdl_resolution_request *rr, uint8_t *out, size_t cap,
                           size_t *out_len);

/* Resolves the request message req (copied) at other sites for owner. NULL when the worker has
 * resolver.max_upstream requests outstanding or memory is short: the caller answers
 * SERVER_TOO_BUSY. */
struct rec_request *recursor_submit(struct recursor *r, const uint8_t *req, size_t len,
                                    const struct rec_owner *owner);
/* The owner is gone: nothing is delivered to it. */
void recursor_cancel(struct rec_request *q);

/* Requests outstanding on this worker (tests, /metrics). */
unsigned recursor_outstanding(const struct recursor *r);

#endif
