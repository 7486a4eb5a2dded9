#include "resolver/http/http_proxy_redirect.h"

#include <sys/queue.h>

#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "resolver/http/http_proxy_att.h"
#include "resolver/http/http_proxy_loc.h"

#define MAX_LOCATT 64

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
    char buf[2048];
    char addr[64];
    http_peer_address(p->c->req, addr, sizeof addr);
    struct http_loc_request req = {
        .locatt = locatt,
        .locatt_count = http_proxy_locatt(
            p->c->query, http_proxy_header(p, "Accept"), http_proxy_header(p, "User-Agent"),
            http_proxy_header(p, "Accept-Language"), locatt, MAX_LOCATT, buf, sizeof buf),
        .client_address = addr[0] ? addr : NULL,
        .draw = (double)random() / ((double)RAND_MAX + 1.0),
    };
    /* An answer that depends on Accept says so to caches. */
    for (unsigned i = 0; i < locs->count; i++) {
        const char *role = http_loc_attr(locs, &locs->locs[i], "http_role", false);
        if (role && strstr(role, "conneg")) {
            evhttp_add_header(evhttp_request_get_output_headers(p->c->req), "Vary", "Accept");
            break;
        }
    }
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
const struct hdl_value *http_proxy_url_value(const struct hdl_value *values, size_t count,
                                             const char **url, size_t *len)
{
    const struct hdl_value *pick = NULL;
    for (size_t i = 0; i < count && !pick; i++)
        if (is_plain_url(&values[i]))
            pick = &values[i];
    for (size_t i = 0; i < count && !pick; i++)
        if (is_url(&values[i]))
            pick = &values[i];
    if (pick)
        trimmed(pick, url, len);
    return pick;
}

bool http_proxy_redirect(struct http_proxy_req *p, const struct hdl_value *values, size_t count)
{
    for (size_t i = 0; i < count; i++)
        if (http_proxy_has_type(&values[i], "10320/loc"))
            return redirect_by_locations(p, values, count);
    const char *s;
    size_t n;
    const struct hdl_value *pick = http_proxy_url_value(values, count, &s, &n);
    if (!pick)
        return false;
    http_proxy_note_ttl(p, pick);
    http_proxy_send_redirect(p, 302, s, n);
    return true;
}
