/*
 * The hot GETs of HTTP/2 streams answered without the route table, as the lean front end answers
 * them over HTTP/1.1 (http_lean.h): GET /api/handles/{handle} from http_api_get_plain and the
 * proxy's GET /{handle} from http_proxy_get_plain, for a target that http_lean_target takes. A
 * request over HTTPS that carries credentials (an Authorization header, a client certificate)
 * is not asked here: the routes may show it more.
 */
#ifndef NODE_HTTP2_PLAIN_H
#define NODE_HTTP2_PLAIN_H

#include <event2/http.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "resolver/http/http_proxy_plain.h"

struct worker;

/* One answer: status, the header lines before Content-Type ("Name: value\r\n" each), the
 * type, the body. */
struct http2_plain {
    int status;
    uint32_t rc;
    const char *type;
    const char *head;
    size_t head_len;
    const void *body; /* valid until the worker's next answer, or in owned */
    size_t len;
    char *owned;                   /* free() it */
    struct http_proxy_plain proxy; /* where a proxy answer is made */
};

/* Answers req (a GET; its target and input headers as filled in by http2_stream.c) into out if
 * it is one of the hot GETs; false for the routes to answer. */
bool http2_plain_get(struct worker *w, struct evhttp_request *req, time_t now,
                     struct http2_plain *out);

#endif
