#include "resolver/http/http_proxy_req.h"

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/http_struct.h>
#include <stdio.h>
#include <string.h>

#include "common/http_date.h"
#include "resolver/http/http_body_cache.h"
#include "resolver/http/http_page_text.h"
#include "resolver/http/http_proxy_url.h"
#include "resolver/http/http_send.h"
#include "resolver/http/http_state.h"
#include "resolver/net/worker.h"

/* TTLs beyond two days are not taken at their word (the reference's MAX_RECOGNIZED_TTL). */
#define MAX_RECOGNIZED_TTL 172800
#define HTML_TYPE "text/html; charset=utf-8"

const char *http_proxy_param(const struct http_proxy_req *p, const char *name)
{
    return p->c->query ? evhttp_find_header(p->c->query, name) : NULL;
}

const char *http_proxy_header(const struct http_proxy_req *p, const char *name)
{
    return evhttp_find_header(evhttp_request_get_input_headers(p->c->req), name);
}

/* The expiry the reference gives an answer built at now from a value's TTL: at most two days. */
static int64_t expiry_of(time_t now, uint8_t ttl_type, uint32_t ttl)
{
    int64_t at = ttl_type == HDL_TTL_ABSOLUTE ? (int64_t)ttl : (int64_t)now + ttl;
    if (at > (int64_t)now + MAX_RECOGNIZED_TTL)
        at = (int64_t)now + MAX_RECOGNIZED_TTL;
    return at;
}

/* Cache-Control's max-age for expires at now. */
static long long max_age(int64_t expires, time_t now)
{
    int64_t age = expires - (int64_t)now;
    return (long long)(age > 0 ? age : 0);
}

void http_proxy_note_ttl(struct http_proxy_req *p, const struct hdl_value *v)
{
    int64_t at = expiry_of(p->now, v->ttl_type, v->ttl);
    if (at < p->expires)
        p->expires = at;
    p->ttl_type = v->ttl_type;
    p->ttl = v->ttl;
}

/* Expires and Cache-Control of an answer whose values said when it expires. */
static void put_cache_headers(struct http_proxy_req *p)
{
    if (p->expires == INT64_MAX)
        return;
    struct evkeyvalq *h = evhttp_request_get_output_headers(p->c->req);
    char date[HTTP_DATE_MAX];
    if (http_date_format(p->expires, date))
        evhttp_add_header(h, "Expires", date);
    char cc[48];
    snprintf(cc, sizeof cc, "max-age=%lld", max_age(p->expires, p->now));
    evhttp_add_header(h, "Cache-Control", cc);
}

/* Sends body with status; a HEAD answer keeps the length its GET would have (libevent leaves it
 * out when no body follows). */
void http_proxy_send(struct http_proxy_req *p, int status, const char *type, const void *body,
                     size_t len)
{
    struct http_call *c = p->c;
    put_cache_headers(p);
    if (evhttp_request_get_command(c->req) == EVHTTP_REQ_HEAD) {
        char n[24];
        snprintf(n, sizeof n, "%zu", len);
        evhttp_add_header(evhttp_request_get_output_headers(c->req), "Content-Length", n);
    }
    http_send_bytes(c, status, type, body, len);
}

/* A kept redirect: the TTL it expires by (type, then value), the length of its Location, then
 * Location and the body, in the slot of the handle's answers. */
#define KEPT_HEAD 7

static void keep_redirect(struct worker *w, const char *handle, size_t len, uint64_t hash,
                          uint32_t version, uint8_t ttl_type, uint32_t ttl, struct evbuffer *loc,
                          struct evbuffer *body)
{
    uint8_t buf[HTTP_BODY_CACHE_SLOT];
    size_t loc_len = evbuffer_get_length(loc) - 1; /* without its NUL */
    size_t body_len = evbuffer_get_length(body);
    if (loc_len > UINT16_MAX || KEPT_HEAD + loc_len + body_len > sizeof buf)
        return;
    buf[0] = ttl_type;
    buf[1] = (uint8_t)(ttl >> 24);
    buf[2] = (uint8_t)(ttl >> 16);
    buf[3] = (uint8_t)(ttl >> 8);
    buf[4] = (uint8_t)ttl;
    buf[5] = (uint8_t)(loc_len >> 8);
    buf[6] = (uint8_t)loc_len;
    evbuffer_copyout(loc, buf + KEPT_HEAD, loc_len);
    evbuffer_copyout(body, buf + KEPT_HEAD + loc_len, body_len);
    http_body_cache_put(w->http->bodies, HTTP_BODY_PROXY, handle, len, hash, version, buf,
                        KEPT_HEAD + loc_len + body_len);
}

static void free_buffers(struct evbuffer *target, struct evbuffer *loc, struct evbuffer *body)
{
    if (target)
        evbuffer_free(target);
    if (loc)
        evbuffer_free(loc);
    if (body)
        evbuffer_free(body);
}

/* A redirect to target's URL: Location (made a URI as the reference makes it, NUL-terminated)
 * and the short page for clients that do not follow. 0, or -1 without memory. */
static int redirect_parts(struct evbuffer *target, struct evbuffer *loc, struct evbuffer *body)
{
    size_t n = evbuffer_get_length(target);
    const char *full = (const char *)evbuffer_pullup(target, -1);
    if (n && !full)
        return -1;
    http_url_encode_uri(loc, full, n);
    evbuffer_add(loc, "", 1);
    evbuffer_add_printf(body, "<html><head><title>Handle Redirect</title></head>\n"
                              "<body><a href=\"");
    http_html_text(body, (const uint8_t *)full, n);
    evbuffer_add_printf(body, "\">");
    http_html_text(body, (const uint8_t *)full, n);
    evbuffer_add_printf(body, "</a></body></html>");
    return 0;
}

/* A kept redirect, in its slot. */
struct kept_redirect {
    uint8_t ttl_type;
    uint32_t ttl;
    const char *loc; /* not NUL-terminated */
    size_t loc_len;
    const uint8_t *body;
    size_t body_len;
};

static bool kept_find(struct worker *w, const char *handle, size_t len, uint64_t hash,
                      uint32_t version, struct kept_redirect *k)
{
    const void *kept;
    size_t n;
    if (!http_body_cache_get(w->http->bodies, HTTP_BODY_PROXY, handle, len, hash, version, &kept,
                             &n) ||
        n < KEPT_HEAD)
        return false;
    const uint8_t *b = kept;
    k->loc_len = (size_t)b[5] << 8 | b[6];
    if (KEPT_HEAD + k->loc_len > n)
        return false;
    k->ttl_type = b[0];
    k->ttl = (uint32_t)b[1] << 24 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 8 | b[4];
    k->loc = (const char *)b + KEPT_HEAD;
    k->body = b + KEPT_HEAD + k->loc_len;
    k->body_len = n - KEPT_HEAD - k->loc_len;
    return true;
}

bool http_proxy_send_kept(struct http_proxy_req *p)
{
    struct kept_redirect k;
    if (!kept_find(p->c->w, p->handle, p->len, p->keep_hash, p->keep_version, &k))
        return false;
    /* Location is a header value: NUL-terminated. */
    char loc[HTTP_BODY_CACHE_SLOT];
    memcpy(loc, k.loc, k.loc_len);
    loc[k.loc_len] = '\0';
    struct hdl_value v = {.ttl_type = k.ttl_type, .ttl = k.ttl};
    http_proxy_note_ttl(p, &v);
    evhttp_add_header(evhttp_request_get_output_headers(p->c->req), "Location", loc);
    p->c->rc = HDL_RC_SUCCESS;
    http_proxy_send(p, 302, HTML_TYPE, k.body, k.body_len);
    return true;
}

bool http_proxy_keep_plain(struct worker *w, const char *handle, size_t len, uint64_t hash,
                           uint32_t version, const struct hdl_value *v, const char *url,
                           size_t url_len)
{
    struct evbuffer *target = evbuffer_new();
    struct evbuffer *loc = evbuffer_new();
    struct evbuffer *body = evbuffer_new();
    bool ok = target && loc && body && evbuffer_add(target, url, url_len) == 0 &&
              redirect_parts(target, loc, body) == 0;
    if (ok)
        keep_redirect(w, handle, len, hash, version, v->ttl_type, v->ttl, loc, body);
    free_buffers(target, loc, body);
    return ok;
}

bool http_proxy_plain_kept(struct worker *w, const char *handle, size_t len, uint64_t hash,
                           uint32_t version, time_t now, char *head, size_t cap, size_t *head_len,
                           const void **body, size_t *body_len)
{
    struct kept_redirect k;
    if (!kept_find(w, handle, len, hash, version, &k))
        return false;
    int64_t expires = expiry_of(now, k.ttl_type, k.ttl);
    char date[HTTP_DATE_MAX];
    if (!http_date_format(expires, date))
        return false;
    int n = snprintf(head, cap, "Location: %.*s\r\nExpires: %s\r\nCache-Control: max-age=%lld\r\n",
                     (int)k.loc_len, k.loc, date, max_age(expires, now));
    if (n < 0 || (size_t)n >= cap)
        return false;
    *head_len = (size_t)n;
    *body = k.body;
    *body_len = k.body_len;
    return true;
}

/* A redirect to url (len bytes) plus the urlappend parameter: status and Location (made a URI as
 * the reference makes it), with the short page the reference sends beside it for clients that do
 * not follow. */
void http_proxy_send_redirect(struct http_proxy_req *p, int status, const char *url, size_t len)
{
    struct http_call *c = p->c;
    /* An HTTP/1.0 client knows 301 and 302 only. */
    if (c->req->major == 1 && c->req->minor == 0 && status != 301)
        status = 302;
    struct evbuffer *target = evbuffer_new();
    struct evbuffer *loc = evbuffer_new();
    struct evbuffer *body = evbuffer_new();
    const char *append = http_proxy_param(p, "urlappend");
    if (!target || !loc || !body || evbuffer_add(target, url, len) != 0 ||
        (append && evbuffer_add(target, append, strlen(append)) != 0)) {
        http_send_bytes(c, 500, "text/plain", "Out of memory\n", 14);
    } else {
        redirect_parts(target, loc, body);
        evhttp_add_header(evhttp_request_get_output_headers(c->req), "Location",
                          (const char *)evbuffer_pullup(loc, -1));
        c->rc = HDL_RC_SUCCESS;
        if (p->keep && status == 302)
            keep_redirect(c->w, p->handle, p->len, p->keep_hash, p->keep_version, p->ttl_type,
                          p->ttl, loc, body);
        http_proxy_send(p, status, HTML_TYPE, evbuffer_pullup(body, -1), evbuffer_get_length(body));
    }
    free_buffers(target, loc, body);
}

bool http_proxy_public_values(struct hdl_slice run, uint32_t value_count,
                          const struct hdl_resolution_request *rr, struct hdl_value **out,
                          size_t *count)
{
    *out = NULL;
    *count = 0;
    if (value_count && !(*out = malloc(value_count * sizeof **out)))
        return false;
    struct hdl_reader r;
    hdl_reader_init(&r, run.ptr, run.len);
    for (uint32_t i = 0; i < value_count; i++) {
        struct hdl_value v;
        if (hdl_value_decode(&r, &v) != HDL_OK)
            return false;
        /* Only values with public read leave the node without authentication. */
        if ((v.perms & HDL_PERM_PUBLIC_READ) && hdl_resolution_selects(rr, v.index, v.type))
            (*out)[(*count)++] = v;
    }
    return true;
}
