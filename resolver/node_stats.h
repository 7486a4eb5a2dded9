/*
 * Per-worker counters: each worker writes only its own, through node_count (no locked
 * instruction); readers sum them with node_stats_add and accept a slightly stale total.
 */
#ifndef NODE_STATS_H
#define NODE_STATS_H

#include <stddef.h>
#include <stdint.h>

#include "resolver/node_counter.h"

enum node_transport { NODE_UDP = 0, NODE_TCP = 1, NODE_HTTP = 2, NODE_TRANSPORTS };

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
#define NODE_ANSWER_DROPPED NODE_RC_BUCKETS
#define NODE_ANSWER_BUCKETS (NODE_RC_BUCKETS + 1)

/* Operations, counted by name for the metrics. */
enum node_op_bucket {
    NODE_OP_RESOLUTION = 0,
    NODE_OP_GET_SITE_INFO,
    NODE_OP_CREATE_HANDLE,
    NODE_OP_DELETE_HANDLE,
    NODE_OP_ADD_VALUE,
    NODE_OP_REMOVE_VALUE,
    NODE_OP_MODIFY_VALUE,
    NODE_OP_LIST_HANDLES,
    NODE_OP_CHALLENGE_RESPONSE,
    NODE_OP_HOME_NA,
    NODE_OP_SESSION,
    NODE_OP_OTHER,
    NODE_OP_BUCKETS,
};

#define NODE_LATENCY_BUCKETS 16

/* Why a recursive request got an error answer instead of another site's. */
enum node_rec_failure {
    NODE_REC_TIMEOUT = 0, /* resolver.timeout_ms passed */
    NODE_REC_UNREACHABLE, /* no server of the sites answered */
    NODE_REC_TOO_DEEP,    /* resolver.max_recursion hops (referral or service loops included) */
    NODE_REC_DNS,         /* a root's name did not resolve */
    NODE_REC_BUSY,        /* resolver.max_upstream outstanding: SERVER_TOO_BUSY */
    NODE_REC_NO_SITE,     /* the prefix handle names no usable site */
    NODE_REC_FAILURES,
};

/* Recursion: what was asked of other sites and how it went. */
struct node_rec_stats {
    uint64_t requests;      /* recursive requests (REC, prefix not homed, recursion on) */
    uint64_t cache_hits;    /* answered from the recursion cache */
    uint64_t cache_misses;  /* needed other sites */
    uint64_t coalesced;     /* joined an identical request already asking */
    uint64_t upstream;      /* queries sent to other servers */
    uint64_t upstream_dropped; /* answers dropped: malformed, wrong id, too large */
    uint64_t failures[NODE_REC_FAILURES];
    uint64_t latency[NODE_LATENCY_BUCKETS]; /* of the requests that needed other sites */
    uint64_t latency_sum_ns;
};
#define NODE_HTTP_ROUTES 11

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
    uint64_t tcp_refused_source; /* over tcp.max_connections_per_source */
    uint64_t tcp_slow;           /* closed: a message did not arrive within tcp.message_timeout */
    uint64_t rrl_slipped;        /* UDP answers replaced by a "retry over TCP" answer */
    uint64_t rrl_dropped;        /* UDP answers not sent: over the source network's budget */
    uint64_t udp_truncated;      /* UDP answers too large for limits.udp_max_amplification */
    uint64_t resident_hits;      /* records found current in the resident registry */
    uint64_t resident_absent;    /* handles it knew not to exist */

    /* By front end, operation and answer (NODE_ANSWER_DROPPED: none was sent), and how long
     * the answer took (node_stats_record). */
    uint64_t answers[NODE_TRANSPORTS][NODE_OP_BUCKETS][NODE_ANSWER_BUCKETS];
    uint64_t latency[NODE_TRANSPORTS][NODE_LATENCY_BUCKETS];
    uint64_t latency_sum_ns[NODE_TRANSPORTS];
    /* HTTP responses by route (enum http_route) and status class (1xx .. 5xx). */
    uint64_t http_responses[NODE_HTTP_ROUTES][5];
    uint64_t http_accepted;
    uint64_t http_lean;           /* responses of the lean front end (http_lean.h), also above */
    uint64_t http2_conns;         /* connections that speak HTTP/2 (http2.h) */
    uint64_t http2_streams;       /* their requests given to the routes */
    uint64_t http_refused_source; /* over http.max_connections_per_source */
    uint64_t http_timeouts;       /* closed: no whole request within http.request_timeout */
    struct node_rec_stats rec;
};

enum node_rc_bucket node_rc_bucket_of(uint32_t response_code);
/* Adds the counters of s, which its worker may be writing, to sum (the caller's own). */
void node_stats_add(struct node_stats *sum, const struct node_stats *s);

enum node_op_bucket node_op_bucket_of(uint32_t opcode);

/* Counts an answer message sent on behalf of the admin threads, from its own header; a message
 * of a continuing stream (CN set) is not the end of its request and is not counted. */
void node_stats_answered(struct node_stats *s, enum node_transport t, const uint8_t *msg,
                         size_t len, uint64_t started_ns);
/* Prometheus label values of the buckets. */
extern const char *const node_op_names[NODE_OP_BUCKETS];
extern const char *const node_answer_names[NODE_ANSWER_BUCKETS];
extern const char *const node_transport_names[NODE_TRANSPORTS];
/* Upper bounds of the latency buckets, in microseconds; the last bucket is unbounded. */
extern const char *const node_rec_failure_names[NODE_REC_FAILURES];
/* Records the time a recursive request took in its histogram. */
void node_rec_latency(struct node_stats *s, uint64_t elapsed_ns);
extern const uint32_t node_latency_bounds_us[NODE_LATENCY_BUCKETS - 1];

/* Counts one request: its opcode, its answer (a node_rc_bucket, or NODE_ANSWER_DROPPED) and the
 * time it took. */
void node_stats_record(struct node_stats *s, enum node_transport t, uint32_t opcode, int answer,
                       uint64_t elapsed_ns);
/* CLOCK_MONOTONIC in nanoseconds. */
uint64_t node_now_ns(void);

#endif
