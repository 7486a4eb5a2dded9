/*
 * HTTP/2 on the node's HTTP ports (RFC 9113), through nghttp2: over HTTPS when the client's ALPN
 * offers "h2" (every browser does), and over plain HTTP from a client that starts with the
 * HTTP/2 connection preface ("prior knowledge", as curl --http2-prior-knowledge and h2load do).
 * http.http2 = false keeps both ports at HTTP/1.1.
 *
 * evhttp keeps every connection, as it keeps the lean front end's (http_lean.h): its accept,
 * guard, timeouts and close. Once a connection is known to speak HTTP/2, its bufferevent's
 * callbacks are put aside and the session reads and writes through the bufferevent (so TLS is
 * the bufferevent's). Each stream's request becomes an evhttp_request that no evhttp_connection
 * holds (http2_stream.h), and goes to the route table like any other: every route answers over
 * HTTP/2 as it does over HTTP/1.1, and an answer that comes later (an admin job, a recursion)
 * goes out on its stream when it comes. A connection that ends, or that evhttp times out, is
 * closed through evhttp's own callback, and http2_closed frees what the session kept.
 */
#ifndef NODE_HTTP2_H
#define NODE_HTTP2_H

#include <event2/bufferevent.h>
#include <stdbool.h>
#include <stddef.h>

#include "resolver/http/http_state.h"

/* Whether the bytes a plain connection began with are HTTP/2's connection preface. */
enum http2_preface { HTTP2_PREFACE_NO, HTTP2_PREFACE_YES, HTTP2_PREFACE_PARTIAL };
enum http2_preface http2_preface(const char *data, size_t len);

/* Makes bev an HTTP/2 connection: saved are evhttp's callbacks, what waits in its input is the
 * session's first bytes. Without memory the connection is closed. */
void http2_adopt(struct http_server *h, struct bufferevent *bev,
                 const struct http_evhttp_cbs *saved, bool tls);
/* An HTTPS connection just admitted: once its handshake is done it is HTTP/2's if ALPN chose
 * "h2", else the lean front end's (h->tls_http1) unless it showed a client certificate, else
 * evhttp's. */
void http2_watch_tls(struct http_server *h, struct bufferevent *bev);
/* evhttp is closing bev's connection: an HTTP/2 session on it, and its requests, are freed. */
void http2_closed(struct bufferevent *bev);

#endif
