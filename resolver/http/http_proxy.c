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

#include "proto/hdl_const.h"
#include "proto/hdl_resolution.h"
#include "proto/hdl_value.h"
#include "registry/reg_record.h"
#include "resolver/http/http_api.h"
#include "resolver/http/http_page.h"
#include "resolver/http/http_proxy_loc.h"
#include "resolver/http/http_proxy_url.h"
#include "resolver/http/http_send.h"
#include "resolver/net/worker.h"
#include "resolver/query/query_lookup.h"

#define FORM_TYPE "application/x-www-form-urlencoded"
#define HTML_TYPE "text/html; charset=utf-8"
/* The reference follows at most this many aliases before it calls the chain a loop. */
#define MAX_ALIASES 20
/* TTLs beyond two days are not taken at their word (the reference's MAX_RECOGNIZED_TTL). */
#define MAX_RECOGNIZED_TTL 172800
/* The longest path that can name a handle: every byte of the longest handle percent-encoded. */
#define MAX_PATH_LEN (1 + 3 * HDL_MAX_HANDLE_LEN)
#define MAX_LOCATT 32

/* One proxy request while it is answered. */
struct proxy {
    struct http_call *c;
    char handle[HDL_MAX_HANDLE_LEN + 1];
    size_t len;
    bool post;
    enum http_lang lang;
    time_t now;
    int64_t expires; /* INT64_MAX: nothing said when the answer expires */
};

static const char *param(const struct proxy *p, const char *name)
{
    return p->c->query ? evhttp_find_header(p->c->query, name) : NULL;
}

static const char *header(const struct proxy *p, const char *name)
{
    return evhttp_find_header(evhttp_request_get_input_headers(p->c->req), name);
}

/* The expiry the reference gives an answer built from v: its TTL, at most two days. */
static void note_ttl(struct proxy *p, const struct hdl_value *v)
{
    int64_t at = v->ttl_type == HDL_TTL_ABSOLUTE ? (int64_t)v->ttl : (int64_t)p->now + v->ttl;
    if (at > (int64_t)p->now + MAX_RECOGNIZED_TTL)
        at = (int64_t)p->now + MAX_RECOGNIZED_TTL;
    if (at < p->expires)
        p->expires = at;
}

/* Expires and Cache-Control of an answer whose values said when it expires. */
static void put_cache_headers(struct proxy *p)
{
    if (p->expires == INT64_MAX)
        return;
    struct evkeyvalq *h = evhttp_request_get_output_headers(p->c->req);
    time_t at = (time_t)p->expires;
    struct tm tm;
    char date[64];
    if (gmtime_r(&at, &tm) && strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S GMT", &tm))
        evhttp_add_header(h, "Expires", date);
    char cc[48];
    int64_t age = p->expires - (int64_t)p->now;
    snprintf(cc, sizeof cc, "max-age=%lld", (long long)(age > 0 ? age : 0));
    evhttp_add_header(h, "Cache-Control", cc);
}

/* Sends body with status; a HEAD answer keeps the length its GET would have (libevent leaves it
 * out when no body follows). */
static void send_body(struct http_call *c, int status, const char *type, const void *body,
                      size_t len)
{
    if (evhttp_request_get_command(c->req) == EVHTTP_REQ_HEAD) {
        char n[24];
        snprintf(n, sizeof n, "%zu", len);
        evhttp_add_header(evhttp_request_get_output_headers(c->req), "Content-Length", n);
    }
    http_send_bytes(c, status, type, body, len);
}

static void send_html(struct proxy *p, int status, struct evbuffer *body)
{
    struct evkeyvalq *h = evhttp_request_get_output_headers(p->c->req);
    evhttp_add_header(h, "Content-Security-Policy", HTTP_PAGE_CSP);
    size_t len = evbuffer_get_length(body);
    send_body(p->c, status, HTML_TYPE, len ? evbuffer_pullup(body, -1) : (const void *)"", len);
}

static void send_error_page(struct proxy *p, int status, uint32_t rc, const char *message)
{
    p->c->rc = rc;
    struct evbuffer *body = evbuffer_new();
    if (!body) {
        http_send_bytes(p->c, 500, "text/plain", "Out of memory\n", 14);
        return;
    }
    http_page_error(body, p->lang, status, p->len ? p->handle : NULL, message);
    send_html(p, status, body);
    evbuffer_free(body);
}

static void send_values_page(struct proxy *p, const struct hdl_value *values, size_t count)
{
    struct evbuffer *body = evbuffer_new();
    if (!body) {
        http_send_bytes(p->c, 500, "text/plain", "Out of memory\n", 14);
        return;
    }
    http_page_values(body, p->lang, p->handle, values, count);
    put_cache_headers(p);
    send_html(p, 200, body);
    evbuffer_free(body);
}

/* A redirect to url (len bytes) plus the urlappend parameter: status and Location (made a URI as
 * the reference makes it), with the short page the reference sends beside it for clients that do
 * not follow. */
static void send_redirect(struct proxy *p, int status, const char *url, size_t len)
{
    struct http_call *c = p->c;
    /* An HTTP/1.0 client knows 301 and 302 only. */
    if (c->req->major == 1 && c->req->minor == 0 && status != 301)
        status = 302;
    struct evbuffer *target = evbuffer_new();
    struct evbuffer *loc = evbuffer_new();
    struct evbuffer *body = evbuffer_new();
    const char *append = param(p, "urlappend");
    if (!target || !loc || !body || evbuffer_add(target, url, len) != 0 ||
        (append && evbuffer_add(target, append, strlen(append)) != 0)) {
        http_send_bytes(c, 500, "text/plain", "Out of memory\n", 14);
    } else {
        size_t n = evbuffer_get_length(target);
        const char *full = (const char *)evbuffer_pullup(target, -1);
        http_url_encode_uri(loc, full, n);
        evbuffer_add(loc, "", 1);
        evhttp_add_header(evhttp_request_get_output_headers(c->req), "Location",
                          (const char *)evbuffer_pullup(loc, -1));
        put_cache_headers(p);
        evbuffer_add_printf(body, "<html><head><title>Handle Redirect</title></head>\n"
                                  "<body><a href=\"");
        http_url_escape_html(body, full, n);
        evbuffer_add_printf(body, "\">");
        http_url_escape_html(body, full, n);
        evbuffer_add_printf(body, "</a></body></html>");
        c->rc = HDL_RC_SUCCESS;
        send_body(c, status, HTML_TYPE, evbuffer_pullup(body, -1), evbuffer_get_length(body));
    }
    if (target)
        evbuffer_free(target);
    if (loc)
        evbuffer_free(loc);
    if (body)
        evbuffer_free(body);
}

/* A value of type t or of a subtype of t ("URL.sub"), ASCII case-insensitively. */
static bool has_type(const struct hdl_value *v, const char *t)
{
    size_t n = strlen(t);
    return v->type.len >= n && strncasecmp((const char *)v->type.ptr, t, n) == 0 &&
           (v->type.len == n || v->type.ptr[n] == '.');
}

static bool is_url(const struct hdl_value *v)
{
    return has_type(v, "URL") || has_type(v, "0.TYPE/URL");
}

static bool is_plain_url(const struct hdl_value *v)
{
    return hdl_slice_eq_ci(v->type, "URL") || hdl_slice_eq_ci(v->type, "0.TYPE/URL");
}

/* The value data without the white space Java's trim() removes. */
static void trimmed(const struct hdl_value *v, const char **s, size_t *n)
{
    const char *d = (const char *)v->data.ptr;
    size_t len = v->data.len;
    while (len && (unsigned char)d[0] <= ' ') {
        d++;
        len--;
    }
    while (len && (unsigned char)d[len - 1] <= ' ')
        len--;
    *s = d;
    *n = len;
}

/* The locatt list of the request: its own locatt parameters, then language:<tag> for each
 * language the client accepts, best first, as the reference adds them. The strings are views
 * into the query and into buf (cap bytes). */
static size_t gather_locatt(const struct proxy *p, const char **out, char *buf, size_t cap)
{
    size_t n = 0;
    struct evkeyval *kv;
    TAILQ_FOREACH(kv, p->c->query, next)
    {
        if (strcmp(kv->key, "locatt") == 0 && n < MAX_LOCATT)
            out[n++] = kv->value;
    }
    const char *al = header(p, "Accept-Language");
    const char *tags[MAX_LOCATT];
    double qs[MAX_LOCATT];
    size_t count = 0, used = 0;
    while (al && *al && count < MAX_LOCATT) {
        size_t len = strcspn(al, ",");
        size_t tag_len = strcspn(al, ";,");
        const char *t = al;
        while (tag_len && (unsigned char)*t <= ' ') {
            t++;
            tag_len--;
        }
        while (tag_len && (unsigned char)t[tag_len - 1] <= ' ')
            tag_len--;
        double q = 1;
        const char *semi = memchr(al, ';', len);
        for (const char *f = semi; f && f < al + len;
             f = memchr(f + 1, ';', (size_t)(al + len - f - 1))) {
            const char *v = f + 1;
            while (*v == ' ')
                v++;
            if (v[0] == 'q' && v[1] == '=')
                q = strtod(v + 2, NULL);
        }
        if (used + 9 + tag_len + 1 <= cap) {
            char *dst = buf + used;
            memcpy(dst, "language:", 9);
            for (size_t i = 0; i < tag_len; i++)
                dst[9 + i] = (char)(t[i] >= 'A' && t[i] <= 'Z' ? t[i] + 32 : t[i]);
            dst[9 + tag_len] = '\0';
            used += 9 + tag_len + 1;
            tags[count] = dst;
            qs[count] = q;
            count++;
        }
        al += len + (al[len] == ',');
    }
    /* Best first, ties in the client's order (Java's stable sort). */
    for (size_t i = 1; i < count; i++)
        for (size_t j = i; j > 0 && qs[j] > qs[j - 1]; j--) {
            const char *t = tags[j];
            double q = qs[j];
            tags[j] = tags[j - 1];
            qs[j] = qs[j - 1];
            tags[j - 1] = t;
            qs[j - 1] = q;
        }
    for (size_t i = 0; i < count && n < MAX_LOCATT; i++)
        out[n++] = tags[i];
    return n;
}

/* The URL values as legacy locations: all weightless beside 10320/loc locations; on their own,
 * plain URL values weigh 1 and URL subtypes 0 (1 when there is no plain one). */
static void add_legacy(struct proxy *p, struct http_loc_set *locs, const struct hdl_value *values,
                       size_t count, bool weighted)
{
    bool plain = false;
    for (size_t i = 0; i < count; i++)
        plain = plain || is_plain_url(&values[i]);
    for (size_t i = 0; i < count; i++) {
        if (!is_url(&values[i]))
            continue;
        const char *s;
        size_t n;
        trimmed(&values[i], &s, &n);
        note_ttl(p, &values[i]);
        bool heavy = weighted && (!plain || is_plain_url(&values[i]));
        http_loc_add_url(locs, s, n, heavy ? "1.0" : "0.0");
    }
}

static bool truthy(const char *v)
{
    return v && (strcasecmp(v, "true") == 0 || strcasecmp(v, "yes") == 0 || strcmp(v, "1") == 0);
}

/* Chooses among locs and redirects there; false when no location has an href. */
static bool redirect_to_choice(struct proxy *p, const struct http_loc_set *locs, bool loc_status)
{
    const char *locatt[MAX_LOCATT];
    char buf[1024];
    char addr[64];
    http_peer_address(p->c->req, addr, sizeof addr);
    struct http_loc_request req = {
        .locatt = locatt,
        .locatt_count = gather_locatt(p, locatt, buf, sizeof buf),
        .client_address = addr[0] ? addr : NULL,
        .draw = (double)random() / ((double)RAND_MAX + 1.0),
    };
    const struct http_loc *chosen = http_loc_choose(locs, &req);
    const char *href = chosen ? http_loc_attr(locs, chosen, "href", false) : NULL;
    if (!href)
        return false;
    send_redirect(p, loc_status ? http_loc_status(locs, chosen) : 302, href, strlen(href));
    return true;
}

/* 10320/loc: each value's locations, each preceded by the URL values unless its <locations> says
 * no_legacy; when none of them can be used, the URL values alone. */
static bool redirect_by_locations(struct proxy *p, const struct hdl_value *values, size_t count)
{
    struct http_loc_set *locs = malloc(sizeof *locs);
    if (!locs)
        return false;
    http_loc_init(locs);
    bool parsed = false;
    for (size_t i = 0; i < count; i++) {
        if (!has_type(&values[i], "10320/loc"))
            continue;
        note_ttl(p, &values[i]);
        unsigned mark = locs->count, top_mark = locs->top_count;
        if (!http_loc_parse(locs, (const char *)values[i].data.ptr, values[i].data.len))
            continue;
        parsed = true;
        bool no_legacy = false;
        for (unsigned a = top_mark; a < locs->top_count; a++)
            if (strcmp(locs->top[a].name, "no_legacy") == 0)
                no_legacy = truthy(locs->top[a].value);
        if (no_legacy)
            continue;
        unsigned own = locs->count - mark;
        struct http_loc *saved = own ? malloc(own * sizeof *saved) : NULL;
        if (own && !saved)
            continue;
        if (own)
            memcpy(saved, &locs->locs[mark], own * sizeof *saved);
        locs->count = mark;
        add_legacy(p, locs, values, count, false);
        for (unsigned k = 0; k < own && locs->count < HTTP_LOC_MAX; k++)
            locs->locs[locs->count++] = saved[k];
        free(saved);
    }
    bool done = parsed && redirect_to_choice(p, locs, true);
    if (!done) {
        http_loc_init(locs);
        add_legacy(p, locs, values, count, true);
        done = redirect_to_choice(p, locs, false);
    }
    free(locs);
    return done;
}

/* The redirect the reference gives for values: by 10320/loc when there is one, else to the first
 * plain URL value, else to the first URL subtype. False when there is nowhere to go. */
static bool redirect_from(struct proxy *p, const struct hdl_value *values, size_t count)
{
    for (size_t i = 0; i < count; i++)
        if (has_type(&values[i], "10320/loc"))
            return redirect_by_locations(p, values, count);
    const struct hdl_value *pick = NULL;
    for (size_t i = 0; i < count && !pick; i++)
        if (is_plain_url(&values[i]))
            pick = &values[i];
    for (size_t i = 0; i < count && !pick; i++)
        if (is_url(&values[i]))
            pick = &values[i];
    if (!pick)
        return false;
    note_ttl(p, pick);
    const char *s;
    size_t n;
    trimmed(pick, &s, &n);
    send_redirect(p, 302, s, n);
    return true;
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
static void selection(const struct proxy *p, uint8_t *buf, size_t cap,
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

/* Answers for p->handle: the lookup, aliases, then a redirect or the values page. */
static void resolve(struct proxy *p)
{
    struct http_call *c = p->c;
    c->opcode = HDL_OC_RESOLUTION;
    struct hdl_resolution_request rr = {0};
    selection(p, c->w->out, QUERY_OUT_MAX, &rr);
    const char *action = param(p, "action");
    bool show = action ? strcasecmp(action, "showvalues") == 0 : param(p, "noredirect") != NULL;
    bool follow = param(p, "ignore_aliases") == NULL;

    for (int aliases = 0;; aliases++) {
        if (memchr(p->handle, '\0', p->len)) {
            send_error_page(p, 400, HDL_RC_INVALID_HANDLE, "Invalid handle");
            return;
        }
        struct reg_pin pin;
        switch (
            query_lookup(c->w->node, c->w->query.cache, (const uint8_t *)p->handle, p->len, &pin)) {
        case QUERY_LOOKUP_FOUND:
            break;
        case QUERY_LOOKUP_INVALID:
            send_error_page(p, 400, HDL_RC_INVALID_HANDLE, "Invalid handle");
            return;
        case QUERY_LOOKUP_NOT_HOMED:
            send_error_page(p, 400, HDL_RC_SERVER_NOT_RESP, "That prefix doesn't live here");
            return;
        case QUERY_LOOKUP_NOT_FOUND:
            send_error_page(p, 404, HDL_RC_HANDLE_NOT_FOUND, NULL);
            return;
        default:
            send_error_page(p, 500, HDL_RC_ERROR, "Registry read failed");
            return;
        }
        struct reg_record_view rec;
        struct hdl_value *values = NULL;
        size_t count = 0;
        bool ok = reg_record_parse(pin.data, pin.len, 0, &rec) == HDL_OK;
        if (ok && rec.value_count) {
            values = malloc(rec.value_count * sizeof *values);
            ok = values != NULL;
        }
        struct hdl_reader r;
        if (ok)
            hdl_reader_init(&r, rec.values.ptr, rec.values.len);
        for (uint32_t i = 0; ok && i < rec.value_count; i++) {
            struct hdl_value v;
            if (hdl_value_decode(&r, &v) != HDL_OK)
                break; /* records are validated when written; stop rather than trust a bad tail */
            /* Only values with public read leave the node without authentication. */
            if ((v.perms & HDL_PERM_PUBLIC_READ) && hdl_resolution_selects(&rr, v.index, v.type))
                values[count++] = v;
        }
        if (!ok) {
            reg_pin_release(&pin);
            free(values);
            send_error_page(p, 500, HDL_RC_ERROR, "Stored record is damaged");
            return;
        }
        const struct hdl_value *alias = NULL;
        for (size_t i = 0; follow && i < count && !alias; i++)
            if (has_type(&values[i], "HS_ALIAS"))
                alias = &values[i];
        if (alias && aliases < MAX_ALIASES && alias->data.len > 0 &&
            alias->data.len <= HDL_MAX_HANDLE_LEN) {
            note_ttl(p, alias);
            memcpy(p->handle, alias->data.ptr, alias->data.len);
            p->len = alias->data.len;
            p->handle[p->len] = '\0';
            reg_pin_release(&pin);
            free(values);
            continue;
        }
        if (alias && aliases >= MAX_ALIASES) {
            reg_pin_release(&pin);
            free(values);
            send_error_page(p, 404, HDL_RC_ERROR, "Alias chain too long");
            return;
        }
        c->rc = count == 0 && rec.value_count > 0 ? HDL_RC_VALUES_NOT_FOUND : HDL_RC_SUCCESS;
        unsigned method = (unsigned)evhttp_request_get_command(c->req);
        if (show || c->rc == HDL_RC_VALUES_NOT_FOUND) {
            for (size_t i = 0; i < count; i++)
                note_ttl(p, &values[i]);
            send_values_page(p, values, count);
        } else if (aliases > 0 && method != EVHTTP_REQ_POST) {
            /* The end of an alias chain moved for good: to the proxy's own URL of the target. */
            struct evbuffer *to = evbuffer_new();
            if (to && http_url_for_handle(to, c->req, c->tls, p->handle, p->len) == 0) {
                const char *qs = evhttp_uri_get_query(evhttp_request_get_evhttp_uri(c->req));
                if (qs)
                    evbuffer_add_printf(to, "?%s", qs);
                c->rc = HDL_RC_SUCCESS;
                send_redirect(p, 301, (const char *)evbuffer_pullup(to, -1),
                              evbuffer_get_length(to));
            } else {
                send_error_page(p, 500, HDL_RC_ERROR, "Out of memory");
            }
            if (to)
                evbuffer_free(to);
        } else if (!redirect_from(p, values, count)) {
            p->expires = INT64_MAX;
            for (size_t i = 0; i < count; i++)
                note_ttl(p, &values[i]);
            send_values_page(p, values, count);
        }
        reg_pin_release(&pin);
        free(values);
        return;
    }
}

/* Whether the client asked for JSON before HTML: application/json with a quality above 0 and
 * not below that of text/html. */
static bool wants_json(const struct proxy *p)
{
    const char *accept = header(p, "Accept");
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
static void normalize(struct proxy *p)
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
static bool set_handle(struct proxy *p, const char *s, size_t n)
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

static void proxy_init(struct proxy *p, struct http_call *c, bool post)
{
    p->c = c;
    p->len = 0;
    p->handle[0] = '\0';
    p->post = post;
    p->now = time(NULL);
    p->expires = INT64_MAX;
    p->lang = http_page_lang(param(p, "lang"), header(p, "Accept-Language"));
}

static void send_form(struct proxy *p)
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
static void answer(struct proxy *p)
{
    if (p->len == 0) {
        send_form(p);
        return;
    }
    normalize(p);
    /* The handle is shown in pages and JSON, which carry UTF-8 only. */
    if (p->len == 0 || !http_url_is_utf8(p->handle, p->len)) {
        p->c->opcode = HDL_OC_RESOLUTION;
        p->len = 0; /* not shown: the page is UTF-8 */
        send_error_page(p, 400, HDL_RC_INVALID_HANDLE, "Invalid handle");
        return;
    }
    if (wants_json(p)) {
        http_api_get_named(p->c, p->handle, p->len);
        return;
    }
    resolve(p);
}

void http_proxy_get(struct http_call *c)
{
    struct proxy *p = malloc(sizeof *p);
    if (!p) {
        http_send_bytes(c, 500, "text/plain", "Out of memory\n", 14);
        return;
    }
    proxy_init(p, c, false);
    if (strlen(c->path) > MAX_PATH_LEN) {
        send_error_page(p, 414, HDL_RC_INVALID_HANDLE, "The path is too long for a handle");
        free(p);
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
    free(p);
}

bool http_proxy_is_form(const struct http_call *c)
{
    const char *type = evhttp_find_header(evhttp_request_get_input_headers(c->req), "Content-Type");
    return type && strncasecmp(type, FORM_TYPE, sizeof FORM_TYPE - 1) == 0;
}

void http_proxy_post(struct http_call *c)
{
    struct proxy *p = malloc(sizeof *p);
    if (!p) {
        http_send_bytes(c, 500, "text/plain", "Out of memory\n", 14);
        return;
    }
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
        free(p);
        return;
    }
    p->lang = http_page_lang(param(p, "lang"), header(p, "Accept-Language"));
    const char *hdl = param(p, "hdl");
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
    free(p);
}
