/*
 * How a handler answers an HTTP request: a JSON body (with the "pretty" and "callback"
 * parameters honoured), raw bytes, or a Handle response code, with the reply counted in the
 * worker's figures.
 */
#ifndef NODE_HTTP_SEND_H
#define NODE_HTTP_SEND_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "resolver/http/http_call.h"

/* Sends a JSON body (taking the reference to body) with status, honouring the "pretty" and
 * "callback" (JSONP) parameters. */
void http_send_json(struct http_call *c, int status, json_t *body);
/* Sends body bytes with status and content type. */
void http_send_bytes(struct http_call *c, int status, const char *content_type, const void *body,
                     size_t len);
/* {"responseCode":rc[,"handle":handle][,"message":message]} with the status rc maps to. */
void http_send_rc(struct http_call *c, uint32_t rc, const char *handle, const char *message);
/* The object http_send_rc sends; NULL without memory. */
json_t *http_rc_object(uint32_t rc, const char *handle, const char *message);
/* The reason phrase of a status ("Not Found"). */
const char *http_reason(int status);
/* Counts a response in w's figures: by route (enum http_route) and status class, and, for a
 * Handle operation (opcode >= 0), its response code and the time since started_ns. */
void http_count_response(struct worker *w, int route, int status, int64_t opcode, uint32_t rc,
                         uint64_t started_ns);
/* The HTTP status of a Handle response code (docs/protocol.md §15). */
int http_status_of_rc(uint32_t rc, bool tls);
/* The HTTP status that answers a request which failed with err, a code of common/errcode.h (0
 * gives 200): the one mapping of error codes to statuses. It is the status of the response code
 * the error maps to (hdl_rc_of_error), except where the REST API says more than the Handle
 * protocol can. */
int http_status_of_error(int err, bool tls);

#endif
