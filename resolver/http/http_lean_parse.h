/*
 * Which requests the lean front end of plain HTTP answers (http_lean.h), read with http_parser:
 * a whole keep-alive HTTP/1.1 GET without a body or an Expect header, its request line as
 * evhttp reads it, of /api/handles/{handle} (REST) or of /{handle} whose first character is a
 * digit and with no Accept naming JSON (the proxy); the handle without a query, a fragment or
 * percent-encoding, at most HDL_MAX_HANDLE_LEN bytes of the characters a path segment holds as
 * they are. Pure: no I/O, no state kept between calls.
 */
#ifndef NODE_HTTP_LEAN_PARSE_H
#define NODE_HTTP_LEAN_PARSE_H

#include <stdbool.h>
#include <stddef.h>

enum http_lean_parsed {
    HTTP_LEAN_FAST,    /* answered by the lean front end */
    HTTP_LEAN_OTHER,   /* evhttp's: another request, or one evhttp refuses */
    HTTP_LEAN_PARTIAL, /* not all arrived: it may yet be either */
};

enum http_lean_route {
    HTTP_LEAN_REST,  /* GET /api/handles/{handle} */
    HTTP_LEAN_PROXY, /* GET /{handle} */
};

/* A request the lean front end answers; the strings lie in what was parsed, not NUL-terminated. */
struct http_lean_request {
    enum http_lean_route route;
    const char *handle;
    size_t handle_len;
    const char *language; /* its first Accept-Language, NULL for none */
    size_t language_len;
    bool authorization; /* it has an Authorization header */
};

/* Whether a GET's target (url_len bytes, not NUL-terminated) is one the lean front end answers
 * (accept_json: an Accept header names JSON): its route, and where the handle starts in it. */
bool http_lean_target(const char *url, size_t url_len, bool accept_json,
                      enum http_lean_route *route, size_t *skip);

/* The request at the start of data (len bytes). HTTP_LEAN_FAST sets *used to its length and
 * *out. */
enum http_lean_parsed http_lean_parse(const char *data, size_t len, size_t *used,
                                      struct http_lean_request *out);

#endif
