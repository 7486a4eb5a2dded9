#include "resolver/http/http_proxy_att.h"

#include <sys/queue.h>

#include <event2/keyvalq_struct.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_ENTRIES 32

/* One entry of an Accept-style header: its value (lower case, trimmed) and its quality. */
struct entry {
    const char *value;
    double q;
};

struct sink {
    const char **out;
    size_t n, max;
    char *buf;
    size_t used, cap;
};

/* Appends prefix + value as one locatt string. */
static void put(struct sink *s, const char *prefix, const char *value)
{
    size_t pl = strlen(prefix), vl = strlen(value);
    if (s->n >= s->max || s->used + pl + vl + 1 > s->cap)
        return;
    char *dst = s->buf + s->used;
    memcpy(dst, prefix, pl);
    memcpy(dst + pl, value, vl + 1);
    s->used += pl + vl + 1;
    s->out[s->n++] = dst;
}

/* Splits header at ',' into entries with their q (1 unless given), values lowered and stored in
 * s's buffer; returns how many. */
static size_t parse_entries(struct sink *s, const char *header, struct entry *e)
{
    size_t count = 0;
    while (header && *header && count < MAX_ENTRIES) {
        size_t len = strcspn(header, ",");
        size_t vlen = strcspn(header, ";,");
        const char *v = header;
        while (vlen && (unsigned char)*v <= ' ') {
            v++;
            vlen--;
        }
        while (vlen && (unsigned char)v[vlen - 1] <= ' ')
            vlen--;
        double q = 1;
        for (const char *f = memchr(header, ';', len); f && f < header + len;
             f = memchr(f + 1, ';', (size_t)(header + len - f - 1))) {
            const char *a = f + 1;
            while (*a == ' ' || *a == '\t')
                a++;
            if (a[0] == 'q' && a[1] == '=') {
                char *end;
                double d = strtod(a + 2, &end);
                if (end != a + 2)
                    q = d;
            }
        }
        if (s->used + vlen + 1 <= s->cap) {
            char *dst = s->buf + s->used;
            for (size_t i = 0; i < vlen; i++)
                dst[i] = (char)(v[i] >= 'A' && v[i] <= 'Z' ? v[i] + 32 : v[i]);
            dst[vlen] = '\0';
            s->used += vlen + 1;
            e[count].value = dst;
            e[count].q = q;
            count++;
        }
        header += len + (header[len] == ',');
    }
    return count;
}

/* Best first, ties in the client's order (Java's stable sort). */
static void sort_by_quality(struct entry *e, size_t n)
{
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && e[j].q > e[j - 1].q; j--) {
            struct entry t = e[j];
            e[j] = e[j - 1];
            e[j - 1] = t;
        }
}

/* What a browser shows itself: HTML and its kin, pictures, sound, video, or a wildcard. */
static bool browser_content(const char *v)
{
    static const char *const kinds[] = {"text/html",
                                        "text/xhtml",
                                        "application/xhtml+xml",
                                        "application/pdf",
                                        "application/vnd.wap.xhtml+xml",
                                        "text/vnd.wap.wml"};
    if (strchr(v, '*'))
        return true;
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        if (strcmp(v, kinds[i]) == 0)
            return true;
    return strncmp(v, "image/", 6) == 0 || strncmp(v, "audio/", 6) == 0 ||
           strncmp(v, "video/", 6) == 0;
}

static void from_accept(struct sink *s, const char *accept, const char *user_agent)
{
    struct entry e[MAX_ENTRIES];
    size_t n = parse_entries(s, accept, e);
    bool star_only = true;
    for (size_t i = 0; i < n; i++)
        star_only = star_only && strcmp(e[i].value, "*/*") == 0;
    if (star_only) {
        /* No preference: a browser by its User-Agent, else a client without negotiation. */
        const char *ua = user_agent;
        while (ua && (unsigned char)*ua <= ' ' && *ua)
            ua++;
        if (ua && (strncasecmp(ua, "mozilla/", 8) == 0 || strncasecmp(ua, "opera/", 6) == 0)) {
            put(s, "http_role:", "browser");
            put(s, "ctype:", "text/html");
            put(s, "media-type:", "text/html");
        } else {
            put(s, "http_role:", "no_conneg");
        }
        return;
    }
    double html = 0, best = 0;
    for (size_t i = 0; i < n; i++) {
        if (e[i].q > best)
            best = e[i].q;
        if (e[i].q > html && browser_content(e[i].value))
            html = e[i].q;
    }
    if (html < best) {
        /* Something other than a page is preferred: ask the locations for it. */
        sort_by_quality(e, n);
        for (size_t i = 0; i < n && !strchr(e[i].value, '*'); i++) {
            put(s, "ctype:", e[i].value);
            put(s, "media-type:", e[i].value);
        }
        put(s, "http_role:", "conneg");
        return;
    }
    put(s, "http_role:", "browser");
    for (size_t i = 0; i < n; i++)
        if (strcmp(e[i].value, "text/html") == 0 || strcmp(e[i].value, "text/*") == 0 ||
            strcmp(e[i].value, "*/*") == 0) {
            put(s, "ctype:", "text/html");
            put(s, "media-type:", "text/html");
            break;
        }
}

size_t http_proxy_locatt(const struct evkeyvalq *query, const char *accept, const char *user_agent,
                         const char *accept_language, const char **out, size_t max, char *buf,
                         size_t cap)
{
    struct sink s = {.out = out, .max = max, .buf = buf, .cap = cap};
    const struct evkeyval *kv;
    if (query)
        TAILQ_FOREACH(kv, query, next)
        {
            if (strcmp(kv->key, "locatt") == 0 && s.n < s.max)
                out[s.n++] = kv->value;
        }
    from_accept(&s, accept, user_agent);
    struct entry e[MAX_ENTRIES];
    size_t n = parse_entries(&s, accept_language, e);
    sort_by_quality(e, n);
    for (size_t i = 0; i < n; i++)
        put(&s, "language:", e[i].value);
    return s.n;
}
