/*
 * One recursive-descent reader serves both the check and the rendering: with out == NULL it
 * only validates, so a value is never half rendered, and nothing is allocated.
 */
#include "resolver/http/http_page_json.h"

#include <event2/buffer.h>
#include <string.h>
#include <strings.h>

#include "resolver/http/http_page_text.h"

struct json_reader {
    const uint8_t *p;
    size_t n;
    size_t pos;
    struct evbuffer *out; /* NULL while validating */
};

static bool value(struct json_reader *r, int depth);

static void blanks(struct json_reader *r)
{
    while (r->pos < r->n && (r->p[r->pos] == ' ' || r->p[r->pos] == '\t' || r->p[r->pos] == '\n' ||
                             r->p[r->pos] == '\r'))
        r->pos++;
}

static bool take(struct json_reader *r, char c)
{
    blanks(r);
    if (r->pos < r->n && r->p[r->pos] == c) {
        r->pos++;
        return true;
    }
    return false;
}

static void put(struct json_reader *r, const char *s)
{
    if (r->out)
        evbuffer_add(r->out, s, strlen(s));
}

static int hex_digit(uint8_t c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c |= 0x20;
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Four hex digits at r->pos into *u. */
static bool hex4(struct json_reader *r, unsigned *u)
{
    if (r->n - r->pos < 4)
        return false;
    *u = 0;
    for (int i = 0; i < 4; i++) {
        int d = hex_digit(r->p[r->pos++]);
        if (d < 0)
            return false;
        *u = *u << 4 | (unsigned)d;
    }
    return true;
}

/* Code point u as UTF-8 into buf; its length. Lone surrogates come in as U+FFFD. */
static size_t utf8_put(unsigned u, uint8_t buf[4])
{
    if (u < 0x80) {
        buf[0] = (uint8_t)u;
        return 1;
    }
    if (u < 0x800) {
        buf[0] = (uint8_t)(0xc0 | u >> 6);
        buf[1] = (uint8_t)(0x80 | (u & 0x3f));
        return 2;
    }
    if (u < 0x10000) {
        buf[0] = (uint8_t)(0xe0 | u >> 12);
        buf[1] = (uint8_t)(0x80 | (u >> 6 & 0x3f));
        buf[2] = (uint8_t)(0x80 | (u & 0x3f));
        return 3;
    }
    buf[0] = (uint8_t)(0xf0 | u >> 18);
    buf[1] = (uint8_t)(0x80 | (u >> 12 & 0x3f));
    buf[2] = (uint8_t)(0x80 | (u >> 6 & 0x3f));
    buf[3] = (uint8_t)(0x80 | (u & 0x3f));
    return 4;
}

/* One escape after the backslash, decoded into buf; its length, 0 when malformed. */
static size_t escape(struct json_reader *r, uint8_t buf[4])
{
    if (r->pos >= r->n)
        return 0;
    uint8_t c = r->p[r->pos++];
    static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
    const char *hit = c ? strchr(from, c) : NULL;
    if (hit) {
        buf[0] = (uint8_t)to[hit - from];
        return 1;
    }
    unsigned u;
    if (c != 'u' || !hex4(r, &u))
        return 0;
    if (u >= 0xd800 && u < 0xdc00 && r->n - r->pos >= 6 && r->p[r->pos] == '\\' &&
        r->p[r->pos + 1] == 'u') {
        size_t back = r->pos;
        unsigned low;
        r->pos += 2;
        if (hex4(r, &low) && low >= 0xdc00 && low < 0xe000)
            return utf8_put(0x10000 + ((u - 0xd800) << 10) + (low - 0xdc00), buf);
        r->pos = back;
    }
    if (u >= 0xd800 && u < 0xe000)
        u = 0xfffd;
    return utf8_put(u, buf);
}

/* Whether the raw string [s, s+n) is an http or https URL, worth a link. */
static bool is_web_url(const uint8_t *s, size_t n)
{
    return (n > 7 && strncasecmp((const char *)s, "http://", 7) == 0) ||
           (n > 8 && strncasecmp((const char *)s, "https://", 8) == 0);
}

/* A string at r->pos (after blanks), rendered as text; decoded escapes go through the same
 * escaping as the plain runs between them. */
static bool string(struct json_reader *r)
{
    if (!take(r, '"'))
        return false;
    size_t start = r->pos;
    size_t run = start;
    bool plain = true;
    while (r->pos < r->n && r->p[r->pos] != '"') {
        uint8_t c = r->p[r->pos];
        if (c < 0x20)
            return false;
        if (c != '\\') {
            r->pos++;
            continue;
        }
        plain = false;
        if (r->out)
            http_html_text(r->out, r->p + run, r->pos - run);
        r->pos++;
        uint8_t buf[4];
        size_t len = escape(r, buf);
        if (len == 0)
            return false;
        if (r->out)
            http_html_text(r->out, buf, len);
        run = r->pos;
    }
    if (r->pos >= r->n)
        return false;
    if (r->out && plain && is_web_url(r->p + start, r->pos - start)) {
        put(r, "<a rel=\"nofollow noopener noreferrer\" href=\"");
        http_html_text(r->out, r->p + start, r->pos - start);
        put(r, "\">");
        http_html_text(r->out, r->p + start, r->pos - start);
        put(r, "</a>");
    } else if (r->out) {
        http_html_text(r->out, r->p + run, r->pos - run);
    }
    r->pos++;
    return true;
}

/* A number, true, false or null: checked for its grammar, shown as written. */
static bool scalar(struct json_reader *r)
{
    blanks(r);
    size_t start = r->pos;
    static const char *const words[] = {"true", "false", "null"};
    for (size_t i = 0; i < 3; i++) {
        size_t len = strlen(words[i]);
        if (r->n - r->pos >= len && memcmp(r->p + r->pos, words[i], len) == 0) {
            r->pos += len;
            goto shown;
        }
    }
    if (r->pos < r->n && r->p[r->pos] == '-')
        r->pos++;
    size_t digits = r->pos;
    while (r->pos < r->n && r->p[r->pos] >= '0' && r->p[r->pos] <= '9')
        r->pos++;
    if (r->pos == digits || (r->p[digits] == '0' && r->pos - digits > 1))
        return false;
    if (r->pos < r->n && r->p[r->pos] == '.') {
        size_t frac = ++r->pos;
        while (r->pos < r->n && r->p[r->pos] >= '0' && r->p[r->pos] <= '9')
            r->pos++;
        if (r->pos == frac)
            return false;
    }
    if (r->pos < r->n && (r->p[r->pos] == 'e' || r->p[r->pos] == 'E')) {
        r->pos++;
        if (r->pos < r->n && (r->p[r->pos] == '+' || r->p[r->pos] == '-'))
            r->pos++;
        size_t exp = r->pos;
        while (r->pos < r->n && r->p[r->pos] >= '0' && r->p[r->pos] <= '9')
            r->pos++;
        if (r->pos == exp)
            return false;
    }
shown:
    if (r->out)
        http_html_text(r->out, r->p + start, r->pos - start);
    return true;
}

static bool object(struct json_reader *r, int depth)
{
    r->pos++;
    if (take(r, '}')) {
        put(r, "{}");
        return true;
    }
    put(r, "<table class=\"j\">");
    do {
        put(r, "<tr><th>");
        if (!string(r) || !take(r, ':'))
            return false;
        put(r, "</th><td>");
        if (!value(r, depth + 1))
            return false;
        put(r, "</td></tr>");
    } while (take(r, ','));
    put(r, "</table>");
    return take(r, '}');
}

static bool array(struct json_reader *r, int depth)
{
    r->pos++;
    if (take(r, ']')) {
        put(r, "[]");
        return true;
    }
    put(r, "<ol class=\"j\">");
    do {
        put(r, "<li>");
        if (!value(r, depth + 1))
            return false;
        put(r, "</li>");
    } while (take(r, ','));
    put(r, "</ol>");
    return take(r, ']');
}

static bool value(struct json_reader *r, int depth)
{
    blanks(r);
    if (r->pos >= r->n)
        return false;
    switch (r->p[r->pos]) {
    case '{':
        return depth <= HTTP_PAGE_JSON_DEPTH && object(r, depth);
    case '[':
        return depth <= HTTP_PAGE_JSON_DEPTH && array(r, depth);
    case '"':
        return string(r);
    default:
        return scalar(r);
    }
}

static bool document(struct json_reader *r)
{
    blanks(r);
    if (r->pos >= r->n || (r->p[r->pos] != '{' && r->p[r->pos] != '['))
        return false;
    if (!value(r, 1))
        return false;
    blanks(r);
    return r->pos == r->n;
}

bool http_page_is_json(const uint8_t *p, size_t n)
{
    struct json_reader r = {p, n, 0, NULL};
    return document(&r);
}

void http_page_json(struct evbuffer *out, const uint8_t *p, size_t n)
{
    struct json_reader r = {p, n, 0, out};
    document(&r);
}
