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

#include "resolver/http/http_call.h"

/* GET (and HEAD) of any path outside /api/: the form for "/", else the handle the path names. */
void http_proxy_get(struct http_call *c);

/* Whether the POST c is a filled-in form (application/x-www-form-urlencoded) rather than a
 * native message. */
bool http_proxy_is_form(const struct http_call *c);

/* POST of a form: the handle of its field hdl (else of the path), other fields taken as
 * parameters. */
void http_proxy_post(struct http_call *c);

#endif
