/*
 * The HTTP proxy: the HTTP port as people meet it, through a link (http://node/88.100.1/X) or a
 * scanned QR code. GET /{handle} redirects to the handle's location (URL values, 10320/loc,
 * aliases followed) or shows its public values, with the reference proxy's statuses and
 * parameters (noredirect, type, index, locatt, ignore_aliases, action, urlappend); GET / is the
 * search form and POST / its answer. Lookups take the path of every public read
 * (query_lookup.h, the worker's answer cache included).
 */
#ifndef RESOLVER_HTTP_PROXY_H
#define RESOLVER_HTTP_PROXY_H

#include <stdbool.h>

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "resolver/http/http_api.h"
#include "resolver/http/http_body_cache.h"
#include "resolver/http/http_call.h"

/* GET (and HEAD) of any path outside /api/: the form for "/", else the handle the path names. */
void http_proxy_get(struct http_call *c);

/* Whether the POST c is a filled-in form (application/x-www-form-urlencoded) rather than a
 * native message. */
bool http_proxy_is_form(const struct http_call *c);

/* The proxy's answer to GET /{handle} without parameters or a JSON Accept, worked out without a
 * request object (the lean front end, http_lean.h, sends it): the redirect to a handle homed here
 * whose values are no alias, no 10320/loc and a URL (kept, as http_proxy_get keeps it), or a
 * missing handle's page in the language of accept_language (NUL-terminated, or NULL). Anything
 * else is HTTP_PLAIN_ROUTE: the request goes the general way. */
struct http_proxy_plain {
    int status;
    uint32_t rc;
    char head[HTTP_BODY_CACHE_SLOT + 256]; /* the headers before Content-Type */
    size_t head_len;
    const void *body; /* in a kept answer (valid until the worker keeps another) or in owned */
    size_t len;
    char *owned; /* free() it */
};
enum http_plain_result http_proxy_get_plain(struct worker *w, const char *handle, size_t len,
                                            const char *accept_language, time_t now,
                                            struct http_proxy_plain *out);

/* POST of a form: the handle of its field hdl (else of the path), other fields taken as
 * parameters. */
void http_proxy_post(struct http_call *c);

#endif
