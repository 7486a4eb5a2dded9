#include "resolver/http/http_req.h"

#include <event2/http_struct.h> /* the callback fields that tell the requests apart */

/* The callback of the requests http_req_new makes: never called, it tells them apart. */
static void owned_mark(struct evhttp_request *req, void *arg)
{
    (void)req;
    (void)arg;
}

struct evhttp_request *http_req_new(const struct http_req_owner *const *ctx)
{
    return evhttp_request_new(owned_mark, (void *)ctx);
}

void *http_req_context(const struct evhttp_request *req)
{
    return req && req->cb == owned_mark ? req->cb_arg : NULL;
}

static const struct http_req_owner *owner_of(const struct evhttp_request *req)
{
    const struct http_req_owner *const *ctx = http_req_context(req);
    return ctx ? *ctx : NULL;
}

struct evhttp_connection *http_req_connection(struct evhttp_request *req)
{
    const struct http_req_owner *o = owner_of(req);
    return o ? o->connection(req) : evhttp_request_get_connection(req);
}

void http_req_send(struct evhttp_request *req, int status, const char *reason,
                   struct evbuffer *body)
{
    const struct http_req_owner *o = owner_of(req);
    if (o)
        o->reply(req, status, body);
    else
        evhttp_send_reply(req, status, reason, body);
}

void http_req_release(struct evhttp_request *req)
{
    if (!owner_of(req) && !evhttp_request_get_connection(req))
        evhttp_request_free(req);
}
