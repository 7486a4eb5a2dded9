#include "resolver/node_stats.h"

#include <time.h>

#include "proto/hdl_const.h"

enum node_rc_bucket node_rc_bucket_of(uint32_t rc)
{
    switch (rc) {
    case HDL_RC_SUCCESS:
        return NODE_RC_SUCCESS;
    case HDL_RC_HANDLE_NOT_FOUND:
        return NODE_RC_HANDLE_NOT_FOUND;
    case HDL_RC_VALUES_NOT_FOUND:
        return NODE_RC_VALUES_NOT_FOUND;
    case HDL_RC_SERVER_NOT_RESP:
        return NODE_RC_NOT_HOMED;
    case HDL_RC_PROTOCOL_ERROR:
        return NODE_RC_PROTOCOL_ERROR;
    case HDL_RC_OPERATION_NOT_SUPPORTED:
        return NODE_RC_NOT_SUPPORTED;
    default:
        return NODE_RC_OTHER;
    }
}

/* sum[i] += s[i] for n counters the owning worker may be writing. */
static void add(uint64_t *sum, const uint64_t *s, int n)
{
    for (int i = 0; i < n; i++)
        sum[i] += node_counter_read(&s[i]);
}

void node_stats_add(struct node_stats *sum, const struct node_stats *s)
{
    add(sum->requests, s->requests, NODE_TRANSPORTS);
    add(sum->responses, s->responses, NODE_RC_BUCKETS);
    add(&sum->heartbeats, &s->heartbeats, 1);
    add(&sum->malformed, &s->malformed, 1);
    add(&sum->dropped, &s->dropped, 1);
    add(&sum->udp_send_errors, &s->udp_send_errors, 1);
    add(&sum->tcp_accepted, &s->tcp_accepted, 1);
    add(&sum->tcp_refused, &s->tcp_refused, 1);
    add(&sum->tcp_timeouts, &s->tcp_timeouts, 1);
    add(&sum->tcp_refused_source, &s->tcp_refused_source, 1);
    add(&sum->tcp_slow, &s->tcp_slow, 1);
    add(&sum->rrl_slipped, &s->rrl_slipped, 1);
    add(&sum->rrl_dropped, &s->rrl_dropped, 1);
    add(&sum->udp_truncated, &s->udp_truncated, 1);
    add(&sum->resident_hits, &s->resident_hits, 1);
    add(&sum->resident_absent, &s->resident_absent, 1);
    for (int t = 0; t < NODE_TRANSPORTS; t++) {
        for (int o = 0; o < NODE_OP_BUCKETS; o++)
            add(sum->answers[t][o], s->answers[t][o], NODE_ANSWER_BUCKETS);
        add(sum->latency[t], s->latency[t], NODE_LATENCY_BUCKETS);
    }
    add(sum->latency_sum_ns, s->latency_sum_ns, NODE_TRANSPORTS);
    for (int r = 0; r < NODE_HTTP_ROUTES; r++)
        add(sum->http_responses[r], s->http_responses[r], 5);
    add(&sum->http_accepted, &s->http_accepted, 1);
    add(&sum->http_lean, &s->http_lean, 1);
    add(&sum->http2_conns, &s->http2_conns, 1);
    add(&sum->http2_streams, &s->http2_streams, 1);
    add(&sum->http_refused_source, &s->http_refused_source, 1);
    add(&sum->http_timeouts, &s->http_timeouts, 1);
    add(&sum->rec.requests, &s->rec.requests, 1);
    add(&sum->rec.cache_hits, &s->rec.cache_hits, 1);
    add(&sum->rec.cache_misses, &s->rec.cache_misses, 1);
    add(&sum->rec.coalesced, &s->rec.coalesced, 1);
    add(&sum->rec.upstream, &s->rec.upstream, 1);
    add(&sum->rec.upstream_dropped, &s->rec.upstream_dropped, 1);
    add(sum->rec.failures, s->rec.failures, NODE_REC_FAILURES);
    add(sum->rec.latency, s->rec.latency, NODE_LATENCY_BUCKETS);
    add(&sum->rec.latency_sum_ns, &s->rec.latency_sum_ns, 1);
}

const char *const node_rec_failure_names[NODE_REC_FAILURES] = {
    "timeout", "unreachable", "too_deep", "dns", "busy", "no_site",
};

const char *const node_transport_names[NODE_TRANSPORTS] = {"udp", "tcp", "http"};

const char *const node_op_names[NODE_OP_BUCKETS] = {
    "resolution",         "get_site_info", "create_handle", "delete_handle",
    "add_value",          "remove_value",  "modify_value",  "list_handles",
    "challenge_response", "home_na",       "session",       "other",
};

const char *const node_answer_names[NODE_ANSWER_BUCKETS] = {
    "success",         "handle_not_found", "values_not_found",
    "server_not_resp", "protocol_error",   "not_supported",
    "other",           "dropped",
};

/* Roughly three buckets a decade from 10 µs to 1 s: a cached resolution answers in tens of
 * microseconds, one that reads the disk in about a millisecond. */
const uint32_t node_latency_bounds_us[NODE_LATENCY_BUCKETS - 1] = {
    10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000, 1000000,
};

enum node_op_bucket node_op_bucket_of(uint32_t opcode)
{
    switch (opcode) {
    case HDL_OC_RESOLUTION:
        return NODE_OP_RESOLUTION;
    case HDL_OC_GET_SITE_INFO:
        return NODE_OP_GET_SITE_INFO;
    case HDL_OC_CREATE_HANDLE:
        return NODE_OP_CREATE_HANDLE;
    case HDL_OC_DELETE_HANDLE:
        return NODE_OP_DELETE_HANDLE;
    case HDL_OC_ADD_VALUE:
        return NODE_OP_ADD_VALUE;
    case HDL_OC_REMOVE_VALUE:
        return NODE_OP_REMOVE_VALUE;
    case HDL_OC_MODIFY_VALUE:
        return NODE_OP_MODIFY_VALUE;
    case HDL_OC_LIST_HANDLES:
        return NODE_OP_LIST_HANDLES;
    case HDL_OC_CHALLENGE_RESPONSE:
        return NODE_OP_CHALLENGE_RESPONSE;
    case HDL_OC_HOME_NA:
    case HDL_OC_UNHOME_NA:
    case HDL_OC_LIST_HOMED_NAS:
        return NODE_OP_HOME_NA;
    case HDL_OC_SESSION_SETUP:
    case HDL_OC_SESSION_TERMINATE:
    case HDL_OC_SESSION_EXCHANGEKEY:
        return NODE_OP_SESSION;
    default:
        return NODE_OP_OTHER;
    }
}

void node_stats_record(struct node_stats *s, enum node_transport t, uint32_t opcode, int answer,
                       uint64_t elapsed_ns)
{
    node_count(&s->answers[t][node_op_bucket_of(opcode)][answer], 1);
    uint64_t us = elapsed_ns / 1000;
    int b = 0;
    while (b < NODE_LATENCY_BUCKETS - 1 && us > node_latency_bounds_us[b])
        b++;
    node_count(&s->latency[t][b], 1);
    node_count(&s->latency_sum_ns[t], elapsed_ns);
}

void node_rec_latency(struct node_stats *s, uint64_t elapsed_ns)
{
    uint64_t us = elapsed_ns / 1000;
    int b = 0;
    while (b < NODE_LATENCY_BUCKETS - 1 && us > node_latency_bounds_us[b])
        b++;
    node_count(&s->rec.latency[b], 1);
    node_count(&s->rec.latency_sum_ns, elapsed_ns);
}

uint64_t node_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void node_stats_answered(struct node_stats *s, enum node_transport t, const uint8_t *msg,
                         size_t len, uint64_t started_ns)
{
    if (len < HDL_ENVELOPE_LEN + HDL_HEADER_LEN)
        return;
    const uint8_t *h = msg + HDL_ENVELOPE_LEN;
    uint32_t flags = (uint32_t)h[8] << 24 | (uint32_t)h[9] << 16 | (uint32_t)h[10] << 8 | h[11];
    if (flags & HDL_FLAG_CN)
        return;
    uint32_t opcode = (uint32_t)h[0] << 24 | (uint32_t)h[1] << 16 | (uint32_t)h[2] << 8 | h[3];
    uint32_t rc = (uint32_t)h[4] << 24 | (uint32_t)h[5] << 16 | (uint32_t)h[6] << 8 | h[7];
    enum node_rc_bucket b = node_rc_bucket_of(rc);
    node_count(&s->responses[b], 1);
    node_stats_record(s, t, opcode, (int)b, node_now_ns() - started_ns);
}
