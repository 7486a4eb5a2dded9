/* query_answer with the per-worker figures the metrics report: requests by front end, opcode
 * and answer, and a latency histogram per front end (node_stats.h). */
#ifndef NODE_QUERY_COUNTED_H
#define NODE_QUERY_COUNTED_H

#include "resolver/query/query.h"

enum query_result query_answer_counted(struct query_ctx *q, enum node_transport transport,
                                       const uint8_t *req, size_t len, uint8_t *out,
                                       size_t *out_len);

#endif
