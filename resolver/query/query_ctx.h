/*
 * A worker's context for answering requests: its node, counters and caches, the client being
 * answered. Apart from query.h so that what the query layer's parts share (query_lookup.h) needs
 * no more than this.
 */
#ifndef NODE_QUERY_CTX_H
#define NODE_QUERY_CTX_H

#include <stdatomic.h>

#include "resolver/node.h"
#include "resolver/node_stats.h"

struct answer_cache;
struct query_key;
struct recursor;
struct sockaddr;

struct query_ctx {
    struct node *node;
    struct node_stats *stats;
    /* the worker's, or NULL; only its worker stores it (a reload resizes the cache), other
     * workers load it to read its counts (metrics) */
    _Atomic(struct answer_cache *) cache;
    struct recursor *rec;        /* the worker's when resolver.recursion is on, else NULL */
    const struct sockaddr *peer; /* the client of the request being answered, for the access
                                    log; the front end sets it before each query_answer */
    /* The key query_prefetch_key derived for the request being answered, or NULL: the front end
     * sets it before query_answer and clears it after. The lookup uses it only when it was
     * derived from the very bytes it looks up (query_lookup.c), so a stale one costs nothing. */
    const struct query_key *key_hint;
};

#endif
