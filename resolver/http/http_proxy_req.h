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
#include "proto/hdl_resolution.h"
#include "proto/hdl_value.h"
#include "resolver/http/http_call.h"
#include "resolver/http/http_page.h"

struct worker;

/* One proxy request while it is answered. */
struct http_proxy_req {
    struct http_call *c;
    char handle[HDL_MAX_HANDLE_LEN + 1];
    size_t len;
    bool post;
    enum http_lang lang;
    time_t now;
    int64_t expires; /* INT64_MAX: nothing said when the answer expires */
    /* The TTL last noted (http_proxy_note_ttl), kept with a redirect's answer. */
    uint8_t ttl_type;
    uint32_t ttl;
    /* A redirect sent while keep is set is kept (http_body_cache.h) for the handle under this
     * key hash and change version. */
    bool keep;
    uint64_t keep_hash;
    uint32_t keep_version;
};

/* The parameter name of the query (and of a posted form), or NULL. */
const char *http_proxy_param(const struct http_proxy_req *p, const char *name);
/* The request header name, or NULL. */
const char *http_proxy_header(const struct http_proxy_req *p, const char *name);
/* The public values of a value run (value_count of them), selected by rr, into a new array
 * (*out, to free; *count of them); false when memory is short or the run does not decode, with
 * what decoded before kept. */
bool http_proxy_public_values(struct hdl_slice run, uint32_t value_count,
                              const struct hdl_resolution_request *rr, struct hdl_value **out,
                              size_t *count);
/* Brings p's expiry forward to what v's TTL allows (at most two days, as the reference). */
void http_proxy_note_ttl(struct http_proxy_req *p, const struct hdl_value *v);
/* Sends body (len bytes, copied) with status and content type, and Expires and Cache-Control when
 * the values noted said when they expire; a HEAD answer keeps its Content-Length. */
void http_proxy_send(struct http_proxy_req *p, int status, const char *type, const void *body,
                     size_t len);
/* Redirects with status to url (len bytes) plus the urlappend parameter, made a URI as the
 * reference makes it, with a short HTML body for clients that do not follow; kept for the next
 * request when p->keep says so. */
void http_proxy_send_redirect(struct http_proxy_req *p, int status, const char *url, size_t len);
/* Sends the redirect kept for p's handle under p->keep_hash and p->keep_version, with the
 * expiry its TTL gives now; false when none is kept. */
bool http_proxy_send_kept(struct http_proxy_req *p);
/* The redirect kept for GET /{handle} of the worker w without parameters, under hash and version
 * (query_key_version), for the lean front end (http_proxy_get_plain) to send as
 * http_proxy_send_kept would at now: the headers that come before Content-Type (Location,
 * Expires, Cache-Control) written into head (cap bytes, *head_len), and the body (in the kept
 * slot: valid until the worker keeps another answer). False when none is kept or head is too
 * small. */
bool http_proxy_plain_kept(struct worker *w, const char *handle, size_t len, uint64_t hash,
                           uint32_t version, time_t now, char *head, size_t cap, size_t *head_len,
                           const void **body, size_t *body_len);
/* Keeps the redirect of a plain GET /{handle} to url (url_len bytes, from the value v, whose TTL
 * it expires by) under hash and version, as http_proxy_send_redirect keeps it; false without
 * memory. */
bool http_proxy_keep_plain(struct worker *w, const char *handle, size_t len, uint64_t hash,
                           uint32_t version, const struct hdl_value *v, const char *url,
                           size_t url_len);

#endif
