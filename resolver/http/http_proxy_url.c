#include "resolver/http/http_proxy_url.h"

#include <event2/buffer.h>
#include <event2/http.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static bool alnum(unsigned char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9');
}

/* The reference's sets: unreserved, "!$()*,", ":@/" and ";=" everywhere; "+&'?#[]" and '%' only
 * in a whole URI. */
static bool safe(unsigned char ch, bool whole_uri)
{
    if (alnum(ch) || (ch && strchr("-._~!$()*,:@/;=", ch)))
        return true;
    return whole_uri && ch && strchr("+&'?#[]%", ch);
}

static void encode(struct evbuffer *out, const char *s, size_t n, bool whole_uri)
{
    static const char hex[] = "0123456789ABCDEF";
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (safe(ch, whole_uri)) {
            evbuffer_add(out, &s[i], 1);
        } else {
            char esc[3] = {'%', hex[ch >> 4], hex[ch & 15]};
            evbuffer_add(out, esc, 3);
        }
    }
}

void http_url_encode_uri(struct evbuffer *out, const char *s, size_t n)
{
    encode(out, s, n, true);
}

void http_url_encode_path(struct evbuffer *out, const char *s, size_t n)
{
    encode(out, s, n, false);
}

int http_url_for_handle(struct evbuffer *out, struct evhttp_request *req, bool tls,
                        const char *handle, size_t len)
{
    const char *host = evhttp_find_header(evhttp_request_get_input_headers(req), "Host");
    if (!host || !*host)
        host = "localhost";
    size_t hl = strlen(host);
    const char *dflt = tls ? ":443" : ":80";
    size_t dl = strlen(dflt);
    if (hl > dl && strcmp(host + hl - dl, dflt) == 0)
        hl -= dl;
    if (evbuffer_add(out, tls ? "https://" : "http://", tls ? 8 : 7) != 0 ||
        evbuffer_add(out, host, hl) != 0 || evbuffer_add(out, "/", 1) != 0)
        return -1;
    encode(out, handle, len, false);
    return 0;
}

void http_url_escape_html(struct evbuffer *out, const char *s, size_t n)
{
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        const char *ref = NULL;
        switch (s[i]) {
        case '<':
            ref = "&lt;";
            break;
        case '>':
            ref = "&gt;";
            break;
        case '"':
            ref = "&quot;";
            break;
        case '&':
            ref = "&amp;";
            break;
        case '\'':
            ref = "&#39;";
            break;
        default:
            continue;
        }
        evbuffer_add(out, s + run, i - run);
        evbuffer_add(out, ref, strlen(ref));
        run = i + 1;
    }
    evbuffer_add(out, s + run, n - run);
}

bool http_url_is_utf8(const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    for (size_t i = 0; i < n;) {
        unsigned char c = u[i];
        size_t more;
        uint32_t cp;
        if (c < 0x80) {
            i++;
            continue;
        } else if (c >= 0xC2 && c <= 0xDF) {
            more = 1;
            cp = c & 0x1F;
        } else if (c >= 0xE0 && c <= 0xEF) {
            more = 2;
            cp = c & 0x0F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            more = 3;
            cp = c & 0x07;
        } else {
            return false;
        }
        if (n - i <= more)
            return false;
        for (size_t k = 1; k <= more; k++) {
            if ((u[i + k] & 0xC0) != 0x80)
                return false;
            cp = (cp << 6) | (u[i + k] & 0x3F);
        }
        /* overlong forms, surrogates and code points past U+10FFFF */
        if ((more == 2 && cp < 0x800) || (more == 3 && cp < 0x10000) ||
            (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
            return false;
        i += more + 1;
    }
    return true;
}

int http_url_parse_form(const char *body, struct evkeyvalq *out)
{
    while (*body) {
        size_t n = strcspn(body, "&");
        const char *eq = memchr(body, '=', n);
        size_t klen = eq ? (size_t)(eq - body) : n;
        char *raw_key = strndup(body, klen);
        char *raw_val = eq ? strndup(eq + 1, n - klen - 1) : strdup("");
        char *key = raw_key ? evhttp_uridecode(raw_key, 1, NULL) : NULL;
        char *val = raw_val ? evhttp_uridecode(raw_val, 1, NULL) : NULL;
        int rc = key && val ? (*key ? evhttp_add_header(out, key, val) : 0) : -1;
        free(raw_key);
        free(raw_val);
        free(key);
        free(val);
        if (rc != 0)
            return -1;
        body += n;
        if (*body == '&')
            body++;
    }
    return 0;
}
