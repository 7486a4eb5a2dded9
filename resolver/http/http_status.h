/*
 * GET /api/status: what `pazhou status` shows, as one JSON object — version, start time and
 * uptime, health (the checks of /healthz), homed prefixes with their exact handle counts, Handle
 * requests by front end, the answer and recursion caches' hits and misses, open connections and
 * replication (none exists yet: "configured": false). Counters only: the caller samples twice to
 * get rates. Public like /healthz and /metrics; docs/operations.md lists the fields.
 */
#ifndef NODE_HTTP_STATUS_H
#define NODE_HTTP_STATUS_H

#include "resolver/http/http_call.h"

/* Answers c with the status object: 200 when healthy, 503 (same object) when not. */
void http_status_get(struct http_call *c);

#endif
