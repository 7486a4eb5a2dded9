#include "resolver/http/http_proxy_redirect.h"

#include <sys/queue.h>

#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "resolver/http/http_proxy_loc.h"

#define MAX_LOCATT 32

/* A value of type t or of a subtype of t ("URL.sub"), ASCII case-insensitively. */
bool http_proxy_has_type(const struct hdl_value *v, const char *t)
{
    size_t n = strlen(t);
    return v->type.len >= n && strncasecmp((const char *)v->type.ptr, t, n) == 0 &&
           (v->type.len == n || v->type.ptr[n] == '.');
}

static bool is_url(const struct hdl_value *v)
{
    return http_proxy_has_type(v, "URL") || http_proxy_has_type(v, "0.TYPE/URL");
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
static size_t gather_locatt(const struct http_proxy_req *p, const char **out, char *buf, size_t cap)
{
    size_t n = 0;
    struct evkeyval *kv;
    TAILQ_FOREACH(kv, p->c->query, next)
    {
        if (strcmp(kv->key, "locatt") == 0 && n < MAX_LOCATT)
            out[n++] = kv->value;
    }
    const char *al = http_proxy_header(p, "Accept-Language");
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
static void add_legacy(struct http_proxy_req *p, struct http_loc_set *locs,
                       const struct hdl_value *values, size_t count, bool weighted)
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
        http_proxy_note_ttl(p, &values[i]);
        bool heavy = weighted && (!plain || is_plain_url(&values[i]));
        http_loc_add_url(locs, s, n, heavy ? "1.0" : "0.0");
    }
}

static bool truthy(const char *v)
{
    return v && (strcasecmp(v, "true") == 0 || strcasecmp(v, "yes") == 0 || strcmp(v, "1") == 0);
}

/* Chooses among locs and redirects there; false when no location has an href. */
static bool redirect_to_choice(struct http_proxy_req *p, const struct http_loc_set *locs,
                               bool loc_status)
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
    http_proxy_send_redirect(p, loc_status ? http_loc_status(locs, chosen) : 302, href,
                             strlen(href));
    return true;
}

/* 10320/loc: each value's locations, each preceded by the URL values unless its <locations> says
 * no_legacy; when none of them can be used, the URL values alone. */
static bool redirect_by_locations(struct http_proxy_req *p, const struct hdl_value *values,
                                  size_t count)
{
    struct http_loc_set *locs = malloc(sizeof *locs);
    if (!locs)
        return false;
    http_loc_init(locs);
    bool parsed = false;
    for (size_t i = 0; i < count; i++) {
        if (!http_proxy_has_type(&values[i], "10320/loc"))
            continue;
        http_proxy_note_ttl(p, &values[i]);
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
bool http_proxy_redirect(struct http_proxy_req *p, const struct hdl_value *values, size_t count)
{
    for (size_t i = 0; i < count; i++)
        if (http_proxy_has_type(&values[i], "10320/loc"))
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
    http_proxy_note_ttl(p, pick);
    const char *s;
    size_t n;
    trimmed(pick, &s, &n);
    http_proxy_send_redirect(p, 302, s, n);
    return true;
}
