#include "node_stats.h"

#include "hdl_const.h"

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

void node_stats_add(struct node_stats *sum, const struct node_stats *s)
{
    for (int i = 0; i < NODE_TRANSPORTS; i++)
        sum->requests[i] += s->requests[i];
    for (int i = 0; i < NODE_RC_BUCKETS; i++)
        sum->responses[i] += s->responses[i];
    sum->heartbeats += s->heartbeats;
    sum->malformed += s->malformed;
    sum->dropped += s->dropped;
    sum->udp_send_errors += s->udp_send_errors;
    sum->tcp_accepted += s->tcp_accepted;
    sum->tcp_refused += s->tcp_refused;
    sum->tcp_timeouts += s->tcp_timeouts;
}
