/*
 * The REST API (docs/protocol.md §15) read side and the native protocol over HTTP: handlers that
 * the HTTP front end's route table (http_router.c) calls with a parsed request. With
 * resolver.recursion on, handles of prefixes not homed here are resolved at their site
 * (http_recurse.h) and answered as local ones are.
 */
#ifndef NODE_HTTP_API_H
#define NODE_HTTP_API_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/hdl_resolution.h"
#include "registry/reg_record.h"
#include "resolver/http/http_call.h"

struct node;

/* GET /api/handles/{handle}?index=&type=: the public values, selected as a resolution selects
 * them (index and type lists OR-ed), as {"responseCode","handle","values"}. */
void http_api_get_handle(struct http_call *c);
/* The same answer for handle (len bytes, percent-decoded, UTF-8), named by the caller rather
 * than by c's path: the proxy's JSON answer. */
void http_api_get_named(struct http_call *c, const char *handle, size_t len);
/* The index and type parameters of c as the wire lists of a resolution request, written into
 * buf (cap bytes) and viewed by rr, so that values are selected by exactly the code a resolution
 * uses. NULL, or a message for a bad parameter. */
const char *http_api_selection(const struct http_call *c, uint8_t *buf, size_t cap,
                               struct hdl_resolution_request *rr);
/* The values of rec that rr selects, those without public read only when private_ok, as a JSON
 * array; NULL on allocation failure. */
json_t *http_api_values(const struct reg_record_view *rec, const struct hdl_resolution_request *rr,
                        bool private_ok);
/* GET /api/site: the node's HS_SITE as siteinfo.json. */
void http_api_site(struct http_call *c);
/* POST /{handle} with application/x-hdl-message: an envelope and message in, the answer out. */
void http_api_native(struct http_call *c);

#endif
