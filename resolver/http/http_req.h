/*
 * What the routes ask of a request's connection, whichever front end the request came by: an
 * HTTP/1.x request's is evhttp's, an HTTP/2 stream's request has none of its own and answers
 * with that of its HTTP/2 connection (http2_stream.h).
 */
#ifndef NODE_HTTP_REQ_H
#define NODE_HTTP_REQ_H

#include <event2/http.h>

/* The connection req came on (its peer, its TLS); NULL once evhttp has let it go. */
struct evhttp_connection *http_req_connection(struct evhttp_request *req);
/* For a request whose wait was cancelled because its connection closed: frees it when evhttp let
 * it go; one evhttp still holds goes with its connection, an HTTP/2 one with its stream. */
void http_req_release(struct evhttp_request *req);

#endif
