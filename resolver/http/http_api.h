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
struct worker;

/* GET /api/handles/{handle}?index=&type=: the public values, selected as a resolution selects
 * them (index and type lists OR-ed), as {"responseCode","handle","values"}. */
void http_api_get_handle(struct http_call *c);
/* The same answer for handle (len bytes, percent-decoded, UTF-8), named by the caller rather
 * than by c's path: the proxy's JSON answer. */
void http_api_get_named(struct http_call *c, const char *handle, size_t len);
/* The answer to GET /api/handles/{handle} without parameters, worked out without a request (the
 * lean front end, http_lean.h, answers from it): for a handle (len bytes, decoded, UTF-8,
 * NUL-terminated) homed here that is found, from the worker's kept answers when it can, or that
 * is missing. Anything else (another site's, recursion, no public values, a failed read) is
 * HTTP_PLAIN_ROUTE: the request goes the general way. */
enum http_plain_result { HTTP_PLAIN_ANSWERED, HTTP_PLAIN_ROUTE };
struct http_plain {
    int status;
    uint32_t rc;
    const void *body; /* in a kept answer (valid until the worker's next) or in owned */
    size_t len;
    char *owned; /* free() it */
};
enum http_plain_result http_api_get_plain(struct worker *w, const char *handle, size_t len,
                                          struct http_plain *out);
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
