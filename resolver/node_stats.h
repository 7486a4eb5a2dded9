/*
 * Per-worker counters: each worker writes only its own, without atomics; readers sum them and
 * accept a slightly stale total.
 */
#ifndef NODE_STATS_H
#define NODE_STATS_H

#include <stdint.h>

enum node_transport { NODE_UDP = 0, NODE_TCP = 1, NODE_TRANSPORTS };

/* Response codes are counted in a few buckets that cover what a resolution node answers. */
enum node_rc_bucket {
    NODE_RC_SUCCESS = 0,
    NODE_RC_HANDLE_NOT_FOUND,
    NODE_RC_VALUES_NOT_FOUND,
    NODE_RC_NOT_HOMED,
    NODE_RC_PROTOCOL_ERROR,
    NODE_RC_NOT_SUPPORTED,
    NODE_RC_OTHER,
    NODE_RC_BUCKETS,
};

struct node_stats {
    uint64_t requests[NODE_TRANSPORTS];
    uint64_t responses[NODE_RC_BUCKETS];
    uint64_t heartbeats;
    uint64_t malformed; /* requests that failed to decode (answered or dropped) */
    uint64_t dropped;   /* not answerable: no envelope, or no way to reply */
    uint64_t udp_send_errors;
    uint64_t tcp_accepted;
    uint64_t tcp_refused; /* over the connection cap */
    uint64_t tcp_timeouts;
};

enum node_rc_bucket node_rc_bucket_of(uint32_t response_code);
void node_stats_add(struct node_stats *sum, const struct node_stats *s);

#endif
