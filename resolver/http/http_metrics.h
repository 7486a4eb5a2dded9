/* GET /metrics (Prometheus text format 0.0.4) and GET /healthz. */
#ifndef NODE_HTTP_METRICS_H
#define NODE_HTTP_METRICS_H

#include <stdbool.h>
#include <stddef.h>

#include "resolver/http/http_call.h"

struct node;

/* The node's figures: every worker's counters summed at scrape time, connections, registry and
 * process figures. */
void http_metrics_scrape(struct http_call *c);
/* 200 {"status":"ok",...} when the registry answers and every worker's loop has beaten within
 * the last few seconds; 503 with the reason otherwise. */
void http_metrics_health(struct http_call *c);
/* The checks of /healthz: true when the registry answers a read and every worker's loop has
 * beaten within the last few seconds; otherwise false with the first failure's reason in
 * reason (cap bytes, NUL-terminated). Reads the registry, so called from a worker like a scrape. */
bool http_metrics_check_health(const struct node *node, char *reason, size_t cap);

#endif
