/*
 * One HTTP request as the route table (http_router.h) hands it to a handler: the request, its
 * worker, its parsed target and what the counters need when the answer goes out.
 */
#ifndef NODE_HTTP_CALL_H
#define NODE_HTTP_CALL_H

#include <event2/http.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct worker;

/* What a route's handler gets: the request, its worker and its parsed target. */
struct http_call {
    struct worker *w;
    struct evhttp_request *req;
    bool tls;
    const char *path;        /* still percent-encoded */
    struct evkeyvalq *query; /* decoded query parameters, repeated keys kept in order */
    int route;               /* enum http_route, for the counters */
    uint64_t started_ns;
    /* A Handle operation the request stands for (counted with the other front ends when the
     * response goes out); -1 for none. */
    int64_t opcode;
    uint32_t rc;
};

enum http_route {
    HTTP_ROUTE_HANDLE = 0, /* /api/handles/{handle} */
    HTTP_ROUTE_LIST,       /* /api/handles?prefix= */
    HTTP_ROUTE_PREFIXES,
    HTTP_ROUTE_SITE,
    HTTP_ROUTE_SESSIONS,
    HTTP_ROUTE_NATIVE, /* POST /{handle}, application/x-hdl-message */
    HTTP_ROUTE_METRICS,
    HTTP_ROUTE_HEALTHZ,
    HTTP_ROUTE_QR,     /* GET /qr/{handle} */
    HTTP_ROUTE_STATUS, /* GET /api/status */
    HTTP_ROUTE_OTHER,
};

/* The client's address of req as text ("" when unknown), for logs and the failure throttle. */
void http_peer_address(struct evhttp_request *req, char *buf, size_t cap);

#endif
