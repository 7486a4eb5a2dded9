#include "resolver/http/http_proxy.h"

#include <sys/queue.h>

#include <event2/buffer.h>
#include <event2/http_struct.h>
#include <event2/keyvalq_struct.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "common/utf8.h"
#include "proto/hdl_const.h"
#include "proto/hdl_error.h"
#include "proto/hdl_resolution.h"
#include "proto/hdl_value.h"
#include "registry/reg_record.h"
#include "resolver/http/http_api.h"
#include "resolver/http/http_page.h"
#include "resolver/http/http_proxy_redirect.h"
#include "resolver/http/http_proxy_req.h"
#include "resolver/http/http_proxy_url.h"
#include "resolver/http/http_recurse.h"
#include "resolver/http/http_send.h"
#include "resolver/net/worker.h"
#include "resolver/query/query_lookup.h"

#define FORM_TYPE "application/x-www-form-urlencoded"
#define HTML_TYPE "text/html; charset=utf-8"
/* The reference follows at most this many aliases before it calls the chain a loop. */
#define MAX_ALIASES 20
/* The longest path that can name a handle: every byte of the longest handle percent-encoded. */
#define MAX_PATH_LEN (1 + 3 * HDL_MAX_HANDLE_LEN)

static void send_html(struct http_proxy_req *p, int status, struct evbuffer *body)
{
    struct evkeyvalq *h = evhttp_request_get_output_headers(p->c->req);
    evhttp_add_header(h, "Content-Security-Policy", HTTP_PAGE_CSP);
    size_t len = evbuffer_get_length(body);
    http_proxy_send(p, status, HTML_TYPE, len ? evbuffer_pullup(body, -1) : (const void *)"", len);
}

static void send_error_page(struct http_proxy_req *p, int status, uint32_t rc, const char *message)
{
    p->c->rc = rc;
    p->expires = INT64_MAX; /* an error is not kept for the TTL of an alias on the way */
    struct evbuffer *body = evbuffer_new();
    if (!body) {
        http_send_bytes(p->c, 500, "text/plain", "Out of memory\n", 14);
        return;
    }
    http_page_error(body, p->lang, status, p->len ? p->handle : NULL, message);
    send_html(p, status, body);
    evbuffer_free(body);
}

static void send_values_page(struct http_proxy_req *p, const struct hdl_value *values, size_t count)
{
    struct evbuffer *body = evbuffer_new();
    if (!body) {
        http_send_bytes(p->c, 500, "text/plain", "Out of memory\n", 14);
        return;
    }
    http_page_values(body, p->lang, p->handle, values, count);
    send_html(p, 200, body);
    evbuffer_free(body);
}

/* A decimal number up to 2^31-1, the whole string (Java's Integer.parseInt, signs aside). */
static bool parse_index(const char *s, uint32_t *out)
{
    uint64_t v = 0;
    if (!*s)
        return false;
    for (; *s; s++) {
        if (*s < '0' || *s > '9' || (v = v * 10 + (uint64_t)(*s - '0')) > INT32_MAX)
            return false;
    }
    *out = (uint32_t)v;
    return true;
}

/* The index and type parameters as the lists of a resolution request, in buf (cap bytes). Like
 * the reference, an index list holding anything but numbers is dropped as a whole. */
static void selection(const struct http_proxy_req *p, uint8_t *buf, size_t cap,
                      struct hdl_resolution_request *rr)
{
    struct hdl_writer w;
    hdl_writer_init(&w, buf, cap);
    struct evkeyval *kv;
    bool bad = false;
    TAILQ_FOREACH(kv, p->c->query, next)
    {
        uint32_t index = 0;
        if (strcmp(kv->key, "index") != 0)
            continue;
        if (!parse_index(kv->value, &index))
            bad = true;
        hdl_put_u32(&w, index);
        rr->index_count++;
    }
    if (bad) {
        w.len = 0;
        rr->index_count = 0;
    }
    size_t types_at = w.len;
    TAILQ_FOREACH(kv, p->c->query, next)
    {
        if (strcmp(kv->key, "type") != 0)
            continue;
        hdl_put_bytes(&w, kv->value, strlen(kv->value));
        rr->type_count++;
    }
    if (hdl_writer_status(&w) != HDL_OK) {
        rr->index_count = rr->type_count = 0;
        w.len = types_at = 0;
    }
    rr->indexes = (struct hdl_slice){buf, (uint32_t)types_at};
    rr->types = (struct hdl_slice){buf + types_at, (uint32_t)(w.len - types_at)};
}

/* What settle did: answered, or moved p to the handle an alias names. */
enum step { STEP_ANSWERED, STEP_ALIAS };

/* Answers with values (count of them selected, of the total the handle has) found for p's handle
 * after aliases hops: a redirect or the values page, or the next hop when one is an alias. */
static enum step settle(struct http_proxy_req *p, const struct hdl_value *values, size_t count,
                        uint32_t total, int aliases)
{
    struct http_call *c = p->c;
    const char *action = http_proxy_param(p, "action");
    bool show =
        action ? strcasecmp(action, "showvalues") == 0 : http_proxy_param(p, "noredirect") != NULL;
    bool follow = http_proxy_param(p, "ignore_aliases") == NULL;
    const struct hdl_value *alias = NULL;
    for (size_t i = 0; follow && i < count && !alias; i++)
        if (http_proxy_has_type(&values[i], "HS_ALIAS"))
            alias = &values[i];
    if (alias && aliases < MAX_ALIASES && alias->data.len > 0 &&
        alias->data.len <= HDL_MAX_HANDLE_LEN) {
        http_proxy_note_ttl(p, alias);
        memcpy(p->handle, alias->data.ptr, alias->data.len);
        p->len = alias->data.len;
        p->handle[p->len] = '\0';
        return STEP_ALIAS;
    }
    if (alias && aliases >= MAX_ALIASES) {
        send_error_page(p, 404, HDL_RC_ERROR, "Alias chain too long");
        return STEP_ANSWERED;
    }
    c->rc = count == 0 && total > 0 ? HDL_RC_VALUES_NOT_FOUND : HDL_RC_SUCCESS;
    unsigned method = (unsigned)evhttp_request_get_command(c->req);
    if (show || c->rc == HDL_RC_VALUES_NOT_FOUND) {
        for (size_t i = 0; i < count; i++)
            http_proxy_note_ttl(p, &values[i]);
        send_values_page(p, values, count);
    } else if (aliases > 0 && method != EVHTTP_REQ_POST) {
        /* The end of an alias chain moved for good: to the proxy's own URL of the target. */
        struct evbuffer *to = evbuffer_new();
        if (to && http_url_for_handle(to, c->req, c->tls, p->handle, p->len) == 0) {
            const char *qs = evhttp_uri_get_query(evhttp_request_get_evhttp_uri(c->req));
            if (qs)
                evbuffer_add_printf(to, "?%s", qs);
            c->rc = HDL_RC_SUCCESS;
            http_proxy_send_redirect(p, 301, (const char *)evbuffer_pullup(to, -1),
                                     evbuffer_get_length(to));
        } else {
            send_error_page(p, 500, HDL_RC_ERROR, "Out of memory");
        }
        if (to)
            evbuffer_free(to);
    } else if (!http_proxy_redirect(p, values, count)) {
        p->expires = INT64_MAX;
        for (size_t i = 0; i < count; i++)
            http_proxy_note_ttl(p, &values[i]);
        send_values_page(p, values, count);
    }
    return STEP_ANSWERED;
}

static void resolve(struct http_proxy_req *p, int aliases);

/* A proxy request waiting for another site's answer. */
struct proxy_wait {
    struct http_proxy_req p;
    int aliases;
};

/* Another site's answer for p's handle (recursion), taken as the registry's would be. */
static void answer_from_elsewhere(struct http_call *c, void *ctx, const struct rmsg_answer *a)
{
    struct proxy_wait *pw = ctx;
    struct http_proxy_req *p = &pw->p;
    p->c = c;
    c->opcode = HDL_OC_RESOLUTION;
    if (!a || a->kind == RMSG_OTHER || a->kind == RMSG_REFERRAL) {
        send_error_page(p, 500, HDL_RC_ERROR, "The handle's site gave no answer that can be read");
    } else if (a->kind == RMSG_SUCCESS) {
        /* The site selected the values already. */
        struct hdl_resolution_request all = {0};
        struct hdl_value *values = NULL;
        size_t count = 0;
        if (!http_proxy_public_values(a->values, a->value_count, &all, &values, &count))
            send_error_page(p, 500, HDL_RC_ERROR,
                            "The handle's site gave no answer that can be read");
        else if (settle(p, values, count, a->value_count, pw->aliases) == STEP_ALIAS)
            resolve(p, pw->aliases + 1);
        free(values);
    } else if (a->response_code == HDL_RC_VALUES_NOT_FOUND) {
        settle(p, NULL, 0, 1, pw->aliases);
    } else {
        char *message = strndup((const char *)a->message.ptr, a->message.len);
        send_error_page(p, http_status_of_rc(a->response_code, c->tls), a->response_code,
                        message && *message ? message : NULL);
        free(message);
    }
    free(pw);
}

/* p's handle has a prefix not homed here and recursion is on: its site answers. */
static void ask_elsewhere(struct http_proxy_req *p, int aliases,
                          const struct hdl_resolution_request *rr)
{
    struct proxy_wait *pw = malloc(sizeof *pw);
    if (pw) {
        pw->p = *p;
        pw->aliases = aliases;
    }
    if (!pw ||
        !http_recurse_resolve(p->c, p->handle, p->len, rr, answer_from_elsewhere, pw, free)) {
        free(pw);
        send_error_page(p, 503, HDL_RC_SERVER_TOO_BUSY, "Server too busy");
    }
}

/* Answers for p->handle, aliases hops down a chain: the lookup, aliases, then a redirect or the
 * values page. */
static void resolve(struct http_proxy_req *p, int aliases)
{
    struct http_call *c = p->c;
    c->opcode = HDL_OC_RESOLUTION;
    struct hdl_resolution_request rr = {0};
    selection(p, c->w->out, QUERY_OUT_MAX, &rr);

    /* Without parameters a redirect may have been given already, since the last write. */
    p->keep = aliases == 0 && !p->post && c->query && TAILQ_EMPTY(c->query) &&
              !memchr(p->handle, '\0', p->len) &&
              query_key_version(c->w->node, (const uint8_t *)p->handle, p->len, &p->keep_hash,
                                &p->keep_version);
    if (p->keep && http_proxy_send_kept(p))
        return;

    for (;; aliases++) {
        if (memchr(p->handle, '\0', p->len)) {
            send_error_page(p, 400, HDL_RC_INVALID_HANDLE, "Invalid handle");
            return;
        }
        struct reg_pin pin;
        int err = REG_OK;
        switch (query_lookup(&c->w->query, (const uint8_t *)p->handle, p->len, &pin, &err)) {
        case QUERY_LOOKUP_FOUND:
            break;
        case QUERY_LOOKUP_INVALID:
            send_error_page(p, 400, HDL_RC_INVALID_HANDLE, "Invalid handle");
            return;
        case QUERY_LOOKUP_NOT_HOMED:
            if (http_recurse_on(c)) {
                ask_elsewhere(p, aliases, &rr);
                return;
            }
            send_error_page(p, 400, HDL_RC_SERVER_NOT_RESP, "That prefix doesn't live here");
            return;
        case QUERY_LOOKUP_NOT_FOUND:
            send_error_page(p, 404, HDL_RC_HANDLE_NOT_FOUND, NULL);
            return;
        default:
            send_error_page(p, http_status_of_error(err, c->tls), hdl_rc_of_error(err),
                            "Registry read failed");
            return;
        }
        struct reg_record_view rec;
        struct hdl_value *values = NULL;
        size_t count = 0;
        bool ok = reg_record_parse(pin.data, pin.len, 0, &rec) == HDL_OK;
        /* Records are validated when written; a bad tail ends the values rather than the answer. */
        if (ok)
            ok = http_proxy_public_values(rec.values, rec.value_count, &rr, &values, &count) || values;
        /* Only the redirect to a URL value is kept: aliases and 10320/loc depend on more. */
        for (size_t i = 0; p->keep && i < count; i++)
            if (http_proxy_has_type(&values[i], "HS_ALIAS") ||
                http_proxy_has_type(&values[i], "10320/loc"))
                p->keep = false;
        enum step step = STEP_ANSWERED;
        if (!ok)
            send_error_page(p, 500, HDL_RC_ERROR, "Stored record is damaged");
        else
            step = settle(p, values, count, rec.value_count, aliases);
        reg_pin_release(&pin);
        free(values);
        if (step == STEP_ANSWERED)
            return;
        p->keep = false;
    }
}

/* Whether the client asked for JSON before HTML: application/json with a quality above 0 and
 * not below that of text/html. */
static bool wants_json(const struct http_proxy_req *p)
{
    const char *accept = http_proxy_header(p, "Accept");
    double json = -1, html = -1;
    while (accept && *accept) {
        size_t len = strcspn(accept, ",");
        const char *t = accept;
        while (*t == ' ' || *t == '\t')
            t++;
        size_t tl = strcspn(t, ";, \t");
        double q = 1;
        const char *semi = memchr(t, ';', (size_t)(accept + len - t));
        if (semi) {
            const char *qp = strstr(semi, "q=");
            if (qp && qp < accept + len)
                q = strtod(qp + 2, NULL);
        }
        if (tl == 16 && strncasecmp(t, "application/json", 16) == 0 && q > json)
            json = q;
        if (tl == 9 && strncasecmp(t, "text/html", 9) == 0 && q > html)
            html = q;
        accept += len + (accept[len] == ',');
    }
    return json > 0 && json >= html;
}

/* Drops what the reference drops before a handle: "hdl:", "doi:", "info:hdl/", "info:doi/",
 * and "urn:hdl:", "urn:doi:", "urn:eidr:" (whose first colon stands for the slash). */
static void normalize(struct http_proxy_req *p)
{
    static const char *const plain[] = {"info:doi/", "info:hdl/", "hdl:", "doi:"};
    for (size_t i = 0; i < sizeof plain / sizeof plain[0]; i++) {
        size_t n = strlen(plain[i]);
        if (p->len >= n && strncasecmp(p->handle, plain[i], n) == 0) {
            memmove(p->handle, p->handle + n, p->len - n + 1);
            p->len -= n;
            return;
        }
    }
    static const char *const urn[] = {"urn:hdl:", "urn:doi:", "urn:eidr:"};
    for (size_t i = 0; i < sizeof urn / sizeof urn[0]; i++) {
        size_t n = strlen(urn[i]);
        if (p->len >= n && strncasecmp(p->handle, urn[i], n) == 0) {
            memmove(p->handle, p->handle + n, p->len - n + 1);
            p->len -= n;
            char *colon = memchr(p->handle, ':', p->len);
            char *slash = memchr(p->handle, '/', p->len);
            if (colon && (!slash || slash > colon))
                *colon = '/';
            return;
        }
    }
}

/* Sets p's handle to s (n bytes) without the white space around it; false when too long. */
static bool set_handle(struct http_proxy_req *p, const char *s, size_t n)
{
    while (n && (unsigned char)*s <= ' ') {
        s++;
        n--;
    }
    while (n && (unsigned char)s[n - 1] <= ' ')
        n--;
    if (n > HDL_MAX_HANDLE_LEN)
        return false;
    memcpy(p->handle, s, n);
    p->handle[n] = '\0';
    p->len = n;
    return true;
}

static void proxy_init(struct http_proxy_req *p, struct http_call *c, bool post)
{
    p->c = c;
    p->len = 0;
    p->handle[0] = '\0';
    p->post = post;
    p->now = time(NULL);
    p->expires = INT64_MAX;
    p->ttl_type = 0;
    p->ttl = 0;
    p->keep = false;
    p->lang = http_page_lang(http_proxy_param(p, "lang"), http_proxy_header(p, "Accept-Language"));
}

static void send_form(struct http_proxy_req *p)
{
    struct evbuffer *body = evbuffer_new();
    if (!body) {
        http_send_bytes(p->c, 500, "text/plain", "Out of memory\n", 14);
        return;
    }
    http_page_form(body, p->lang);
    send_html(p, 200, body);
    evbuffer_free(body);
}

/* The handle is in place: the form when there is none, JSON when asked, else the resolution. */
static void answer(struct http_proxy_req *p)
{
    if (p->len == 0) {
        send_form(p);
        return;
    }
    normalize(p);
    /* The handle is shown in pages and JSON, which carry UTF-8 only. */
    if (p->len == 0 || !utf8_is_valid((const uint8_t *)p->handle, p->len)) {
        p->c->opcode = HDL_OC_RESOLUTION;
        p->len = 0; /* not shown: the page is UTF-8 */
        send_error_page(p, 400, HDL_RC_INVALID_HANDLE, "Invalid handle");
        return;
    }
    if (wants_json(p)) {
        http_api_get_named(p->c, p->handle, p->len);
        return;
    }
    resolve(p, 0);
}

void http_proxy_get(struct http_call *c)
{
    struct http_proxy_req req, *p = &req;
    proxy_init(p, c, false);
    if (strncmp(c->path, "/robots.txt", 11) == 0) {
        /* The reference answers crawlers before any handle, with this default. */
        static const char robots[] = "User-agent: *\nCrawl-delay: 1\nRequest-rate: 1/1\n";
        http_proxy_send(p, 200, "text/plain", robots, sizeof robots - 1);
        return;
    }
    if (strlen(c->path) > MAX_PATH_LEN) {
        send_error_page(p, 414, HDL_RC_INVALID_HANDLE, "The path is too long for a handle");
        return;
    }
    size_t len = 0;
    char *decoded = evhttp_uridecode(c->path, 0, &len);
    const char *s = decoded;
    /* Leading slashes, and the white space around what follows them, are not the handle. */
    while (s && len && (*s == '/' || (unsigned char)*s <= ' ')) {
        s++;
        len--;
    }
    if (!decoded)
        send_error_page(p, 500, HDL_RC_ERROR, "Out of memory");
    else if (!set_handle(p, s, len))
        send_error_page(p, 414, HDL_RC_INVALID_HANDLE, "The handle is too long");
    else
        answer(p);
    free(decoded);
}

bool http_proxy_is_form(const struct http_call *c)
{
    const char *type = evhttp_find_header(evhttp_request_get_input_headers(c->req), "Content-Type");
    return type && strncasecmp(type, FORM_TYPE, sizeof FORM_TYPE - 1) == 0;
}

void http_proxy_post(struct http_call *c)
{
    struct http_proxy_req req, *p = &req;
    proxy_init(p, c, true);
    /* The form's fields join the query's, as a servlet's parameters do. */
    struct evbuffer *in = evhttp_request_get_input_buffer(c->req);
    size_t n = evbuffer_get_length(in);
    char *body = malloc(n + 1);
    bool ok = body && c->query;
    if (ok) {
        evbuffer_copyout(in, body, n);
        body[n] = '\0';
        ok = http_url_parse_form(body, c->query) == 0;
    }
    free(body);
    if (!ok) {
        send_error_page(p, 400, HDL_RC_ERROR, "Malformed form");
        return;
    }
    p->lang = http_page_lang(http_proxy_param(p, "lang"), http_proxy_header(p, "Accept-Language"));
    const char *hdl = http_proxy_param(p, "hdl");
    size_t len = 0;
    char *decoded = hdl ? NULL : evhttp_uridecode(c->path, 0, &len);
    const char *s = hdl ? hdl : decoded;
    if (hdl)
        len = strlen(hdl);
    while (s && len && (*s == '/' || (unsigned char)*s <= ' ') && !hdl) {
        s++;
        len--;
    }
    if (!s)
        send_error_page(p, 500, HDL_RC_ERROR, "Out of memory");
    else if (!set_handle(p, s, len))
        send_error_page(p, 414, HDL_RC_INVALID_HANDLE, "The handle is too long");
    else
        answer(p);
    free(decoded);
}
