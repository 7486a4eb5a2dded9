/*
 * JSON values (METADATA and the like) as a readable table: objects as two-column tables of
 * names and values, arrays as numbered lists, strings as text, nested up to a fixed depth.
 * Read straight from the value's bytes, without building a tree.
 */
#ifndef RESOLVER_HTTP_PAGE_JSON_H
#define RESOLVER_HTTP_PAGE_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct evbuffer;

/* Nesting deeper than this is shown as text rather than as tables. */
#define HTTP_PAGE_JSON_DEPTH 8

/* Whether p[0..n) is a JSON object or array (RFC 8259, blanks around it allowed) no deeper than
 * HTTP_PAGE_JSON_DEPTH: only then does http_page_json render it. */
bool http_page_is_json(const uint8_t *p, size_t n);

/* Appends the table of the JSON p[0..n), which http_page_is_json accepted; every string is
 * HTML-escaped and only http and https strings become links. */
void http_page_json(struct evbuffer *out, const uint8_t *p, size_t n);

#endif
