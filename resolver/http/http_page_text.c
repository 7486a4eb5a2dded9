#include "resolver/http/http_page_text.h"

#include <event2/buffer.h>
#include <string.h>

#include "common/percent.h"
#include "common/utf8.h"

static const char replacement[] = "\xef\xbf\xbd";

/* The entity for c, NULL when c goes out as it is. */
static const char *entity(uint8_t c)
{
    switch (c) {
    case '<':
        return "&lt;";
    case '>':
        return "&gt;";
    case '&':
        return "&amp;";
    case '"':
        return "&quot;";
    case '\'':
        return "&#39;";
    default:
        return NULL;
    }
}

void http_html_text(struct evbuffer *out, const uint8_t *p, size_t n)
{
    size_t run = 0; /* start of the pending run of bytes that go out unchanged */
    size_t i = 0;
    while (i < n) {
        uint8_t c = p[i];
        if (c >= 0x20 && c < 0x7f && !entity(c)) {
            i++;
            continue;
        }
        if (c >= 0x80) {
            size_t len = utf8_seq_len(p + i, n - i);
            if (len > 0) {
                i += len;
                continue;
            }
        }
        if (c == '\t' || c == '\n') {
            i++;
            continue;
        }
        evbuffer_add(out, p + run, i - run);
        const char *e = entity(c);
        if (e)
            evbuffer_add(out, e, strlen(e));
        else if (c != '\r')
            evbuffer_add(out, replacement, sizeof replacement - 1);
        run = ++i;
    }
    evbuffer_add(out, p + run, n - run);
}

void http_html_str(struct evbuffer *out, const char *s)
{
    http_html_text(out, (const uint8_t *)s, strlen(s));
}

void http_url_encode(struct evbuffer *out, const uint8_t *s, size_t n, const char *keep)
{
    struct evbuffer_iovec v;
    size_t len = pct_encoded_len(s, n, keep);
    if (len == 0 || evbuffer_reserve_space(out, (ev_ssize_t)len, &v, 1) != 1)
        return;
    v.iov_len = pct_encode(v.iov_base, s, n, keep);
    evbuffer_commit_space(out, &v, 1);
}

void http_url_path(struct evbuffer *out, const uint8_t *p, size_t n)
{
    http_url_encode(out, p, n, PCT_UNRESERVED "/");
}
