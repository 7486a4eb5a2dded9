/* query_answer with the per-worker figures the metrics report: requests by front end, opcode
 * and answer, and a latency histogram per front end (node_stats.h). */
#ifndef NODE_QUERY_COUNTED_H
#define NODE_QUERY_COUNTED_H

#include "resolver/query/query.h"

enum query_result query_answer_counted(struct query_ctx *q, enum node_transport transport,
                                       const uint8_t *req, size_t len, uint8_t *out,
                                       size_t *out_len);

/* The same for a transport that answers requests one after another and reads the clock itself:
 * *clock (node_now_ns) is when this request's turn began, and becomes when it ended, the next
 * one's start. One clock read a request instead of two: at a few hundred thousand answers a
 * second, the reads cost a few percent of a core. */
enum query_result query_answer_timed(struct query_ctx *q, enum node_transport transport,
                                     const uint8_t *req, size_t len, uint8_t *out, size_t *out_len,
                                     uint64_t *clock);

#endif
