/*
 * One request of the HTTP proxy (http_proxy.h) while it is answered, and how its answers go out:
 * its parameters and headers, the expiry its values allow (Expires, Cache-Control), redirects.
 */
#ifndef RESOLVER_HTTP_PROXY_REQ_H
#define RESOLVER_HTTP_PROXY_REQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "proto/hdl_const.h"
#include "proto/hdl_value.h"
#include "resolver/http/http_call.h"
#include "resolver/http/http_page.h"

/* One proxy request while it is answered. */
struct http_proxy_req {
    struct http_call *c;
    char handle[HDL_MAX_HANDLE_LEN + 1];
    size_t len;
    bool post;
    enum http_lang lang;
    time_t now;
    int64_t expires; /* INT64_MAX: nothing said when the answer expires */
};

/* The parameter name of the query (and of a posted form), or NULL. */
const char *http_proxy_param(const struct http_proxy_req *p, const char *name);
/* The request header name, or NULL. */
const char *http_proxy_header(const struct http_proxy_req *p, const char *name);
/* Brings p's expiry forward to what v's TTL allows (at most two days, as the reference). */
void http_proxy_note_ttl(struct http_proxy_req *p, const struct hdl_value *v);
/* Sends body (len bytes, copied) with status and content type, and Expires and Cache-Control when
 * the values noted said when they expire; a HEAD answer keeps its Content-Length. */
void http_proxy_send(struct http_proxy_req *p, int status, const char *type, const void *body,
                     size_t len);
/* Redirects with status to url (len bytes) plus the urlappend parameter, made a URI as the
 * reference makes it, with a short HTML body for clients that do not follow. */
void http_proxy_send_redirect(struct http_proxy_req *p, int status, const char *url, size_t len);

#endif
