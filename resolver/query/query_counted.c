#include "resolver/query/query_counted.h"

#include "proto/hdl_buf.h"
#include "proto/hdl_const.h"
#include "resolver/access_log.h"

enum query_result query_answer_timed(struct query_ctx *q, enum node_transport transport,
                                     const uint8_t *req, size_t len, uint8_t *out, size_t *out_len,
                                     uint64_t *clock)
{
    uint64_t t0 = *clock;
    enum query_result r = query_answer(q, transport, req, len, out, out_len);
    *clock = node_now_ns();
    if (r == QUERY_DEFER || r == QUERY_RECURSE)
        return r; /* counted when the answer is sent (node_stats_answered) */
    uint32_t opcode =
        len >= HDL_OPCODE_AT + 4 ? hdl_load_u32(req + HDL_OPCODE_AT) : HDL_OC_RESERVED;
    int answer = NODE_ANSWER_DROPPED;
    if (r == QUERY_REPLY && *out_len >= HDL_RC_AT + 4)
        answer = (int)node_rc_bucket_of(hdl_load_u32(out + HDL_RC_AT));
    uint64_t elapsed = *clock - t0;
    node_stats_record(q->stats, transport, opcode, answer, elapsed);
    if (access_log_enabled && opcode == HDL_OC_RESOLUTION)
        access_log_resolution(transport, q->peer, req, len, r == QUERY_REPLY ? out : NULL,
                              r == QUERY_REPLY ? *out_len : 0, elapsed);
    return r;
}

enum query_result query_answer_counted(struct query_ctx *q, enum node_transport transport,
                                       const uint8_t *req, size_t len, uint8_t *out,
                                       size_t *out_len)
{
    uint64_t clock = node_now_ns();
    return query_answer_timed(q, transport, req, len, out, out_len, &clock);
}
