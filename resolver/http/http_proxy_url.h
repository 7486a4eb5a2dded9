/*
 * The text handling of the HTTP proxy: URLs made URIs as the reference proxy makes them, the
 * proxy's own URL of a handle, HTML escaping, UTF-8 checks and form bodies.
 */
#ifndef RESOLVER_HTTP_PROXY_URL_H
#define RESOLVER_HTTP_PROXY_URL_H

#include <stdbool.h>
#include <stddef.h>

struct evbuffer;
struct evhttp_request;
struct evkeyvalq;

/* Appends s (n bytes) to out with every byte that may not stand in a URI percent-encoded
 * (uppercase hex); '%' and the reserved characters are kept, as the reference's Location. */
void http_url_encode_uri(struct evbuffer *out, const char *s, size_t n);

/* Appends s (n bytes) encoded as a URI path segment run: as http_url_encode_uri, but '?', '#',
 * '[', ']', '+', '&' and '\'' are encoded too. */
void http_url_encode_path(struct evbuffer *out, const char *s, size_t n);

/* Appends the proxy's URL of handle (len bytes) to out: the scheme req came by (https when tls),
 * its Host (the default port dropped), "/", the encoded handle. 0, or -1 on allocation failure. */
int http_url_for_handle(struct evbuffer *out, struct evhttp_request *req, bool tls,
                        const char *handle, size_t len);

/* Adds the fields of an application/x-www-form-urlencoded body or a query string (a C string)
 * to out, names and values plus- and percent-decoded; a field without '=' has the value ""
 * (unlike evhttp_parse_query_str, "?pretty" is accepted), one with an empty name is passed
 * over. 0, or -1 when a field cannot be decoded. */
int http_url_parse_form(const char *body, struct evkeyvalq *out);

#endif
