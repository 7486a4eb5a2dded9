/*
 * Request processing, apart from any transport: one whole request message in, one whole response
 * message out (or nothing). Like a DNS server's query layer, it is called by the UDP and TCP
 * handlers with per-worker buffers and counters, and allocates nothing.
 */
#ifndef NODE_QUERY_H
#define NODE_QUERY_H

#include <stddef.h>
#include <stdatomic.h>
#include <stdint.h>

#include "resolver/node.h"
#include "resolver/node_stats.h"
#include "resolver/query/query_ctx.h"

enum query_result {
    QUERY_REPLY = 0, /* out holds a response of *out_len bytes */
    QUERY_DROP,      /* nothing can or should be sent back */
    QUERY_DEFER,     /* needs authentication or blocking work: hand it to auth_request_answer */
    QUERY_RECURSE,   /* to be resolved at other sites: hand it to recursor_submit */
};

/* Answers the request message req (envelope + header + body + credential). out must hold at
 * least QUERY_OUT_MAX bytes. */
enum query_result query_answer(struct query_ctx *q, enum node_transport transport,
                               const uint8_t *req, size_t len, uint8_t *out, size_t *out_len);

/* Answers the request message req with an error (rc, message), e.g. when it cannot be handed
 * over. Returns QUERY_REPLY, or QUERY_DROP when req has no whole envelope. */
enum query_result query_error(struct query_ctx *q, const uint8_t *req, size_t len, uint32_t rc,
                              const char *message, uint8_t *out, size_t *out_len);

/* The largest response: an envelope and a maximal message. */
#define QUERY_OUT_MAX (20u + 262144u)

#endif
