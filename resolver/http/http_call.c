#include "resolver/http/http_call.h"

#include <stdio.h>

#include "resolver/http/http_req.h"

void http_peer_address(struct evhttp_request *req, char *buf, size_t cap)
{
    struct evhttp_connection *evcon = http_req_connection(req);
    char *host = NULL;
    ev_uint16_t port = 0;
    if (evcon)
        evhttp_connection_get_peer(evcon, &host, &port);
    snprintf(buf, cap, "%s", host ? host : "");
}
