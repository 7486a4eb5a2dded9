/*
 * The HTTP proxy's answers that need no request object, for the lean front end of plain HTTP
 * (http_lean.h): a plain GET /{handle}'s redirect, kept as the proxy keeps it (http_proxy.h), and
 * a missing handle's page.
 */
#ifndef RESOLVER_HTTP_PROXY_PLAIN_H
#define RESOLVER_HTTP_PROXY_PLAIN_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "resolver/http/http_api.h"
#include "resolver/http/http_body_cache.h"

struct worker;

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

#endif
