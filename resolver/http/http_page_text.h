/*
 * Text into the proxy's HTML pages: every byte that reaches a page from a handle, a value or a
 * request goes through here, so that escaping is done in one place.
 */
#ifndef RESOLVER_HTTP_PAGE_TEXT_H
#define RESOLVER_HTTP_PAGE_TEXT_H

#include <stddef.h>
#include <stdint.h>

struct evbuffer;

/* Appends p[0..n) to out as HTML text, also safe inside a quoted attribute: & < > " ' become
 * entities, ill-formed UTF-8 and control bytes other than tab and LF become U+FFFD (CR is
 * dropped). Runs of plain bytes are added in one piece. */
void http_html_text(struct evbuffer *out, const uint8_t *p, size_t n);

/* http_html_text of a NUL-terminated string. */
void http_html_str(struct evbuffer *out, const char *s);

/* Appends s[0..n) percent-encoded (common/percent.h) with letters, digits and the bytes in keep
 * left as they are. */
void http_url_encode(struct evbuffer *out, const uint8_t *s, size_t n, const char *keep);

/* Appends p[0..n) percent-encoded for a URL path (RFC 3986 unreserved bytes and '/' as they are,
 * every other byte as %XX), which is also safe in a quoted attribute. */
void http_url_path(struct evbuffer *out, const uint8_t *p, size_t n);

#endif
