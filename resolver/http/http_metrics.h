/* GET /metrics (Prometheus text format 0.0.4) and GET /healthz. */
#ifndef NODE_HTTP_METRICS_H
#define NODE_HTTP_METRICS_H

#include "resolver/http/http_call.h"

/* The node's figures: every worker's counters summed at scrape time, connections, registry and
 * process figures. */
void http_metrics_scrape(struct http_call *c);
/* 200 {"status":"ok",...} when the registry answers and every worker's loop has beaten within
 * the last few seconds; 503 with the reason otherwise. */
void http_metrics_health(struct http_call *c);

#endif
