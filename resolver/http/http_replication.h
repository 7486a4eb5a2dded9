/*
 * A mirror's replication as the HTTP side shows it (resolver/replication/mirror.h): its
 * /metrics lines, its part of GET /api/status, and the refusal of REST API writes.
 */
#ifndef HTTP_REPLICATION_H
#define HTTP_REPLICATION_H

#include <stdbool.h>

#include <event2/buffer.h>
#include <jansson.h>

#include "resolver/http/http_call.h"
#include "resolver/node.h"

/* The pazhou_replication_* lines, one series per source server; nothing on a primary. */
void http_replication_metrics(struct evbuffer *b, struct node *node);

/* {"configured":false,"lag_seconds":null} on a primary; on a mirror "configured":true,
 * "role":"mirror", "sources":[{"source","state","error","last_txn_id",...}] and lag_seconds,
 * the largest of the sources'. */
json_t *http_replication_status(struct node *node);

/* On a mirror, answers a write of the REST API (PUT/DELETE /api/handles/..., POST /api/batch,
 * POST /api/imports) with 403 and responseCode 301 "Not a primary server", and returns true;
 * otherwise returns false and sends nothing. */
bool http_replication_refuse_write(struct http_call *c, unsigned method, const char *route_path);

#endif
