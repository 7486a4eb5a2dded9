#include "resolver/http/http_req.h"

#include "resolver/http/http2_stream.h"

struct evhttp_connection *http_req_connection(struct evhttp_request *req)
{
    return http2_owns(req) ? http2_connection(req) : evhttp_request_get_connection(req);
}

void http_req_release(struct evhttp_request *req)
{
    if (!http2_owns(req) && !evhttp_request_get_connection(req))
        evhttp_request_free(req);
}
