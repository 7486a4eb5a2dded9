/*
 * The lean front end of plain HTTP: what answers the hot keep-alive GETs before evhttp sees them.
 *
 * evhttp costs some 22 µs of CPU per request whatever the request (docs/benchmarks.md): a request
 * object, a header list, buffers, write events armed and disarmed, printf of the status line.
 * evhttp keeps every connection (its accept, timeouts, guard, close), but once a plain HTTP
 * connection is admitted (http_guard.h) the lean front end puts its own callbacks on its
 * bufferevent, keeping evhttp's, and reads the socket itself. Each complete request that arrives
 * and is a keep-alive HTTP/1.1 GET without parameters, percent-encoding or body
 * (http_lean_parse.h) is answered: /api/handles/{handle} from http_api_get_plain, the proxy's
 * /{handle} from http_proxy_get_plain, with the answers to one read written in one send(2) and
 * the headers evhttp would send, byte for byte. The first request that is anything else, or whose
 * answer the general path must give, puts evhttp's callbacks and reading back and evhttp reads it
 * and all that follows: the connection is evhttp's from then on, so answers never overtake each
 * other and whatever evhttp does (errors, closing after an HTTP/1.0 answer) it does as without the
 * lean front end. An answer the client does not read waits in the bufferevent's output; past
 * LEAN_PENDING_MAX reading stops until it drains.
 *
 * A connection that begins with HTTP/2's preface is HTTP/2's (http2.h). An HTTPS connection that
 * speaks HTTP/1.1 and shows no client certificate is taken once its handshake is done
 * (http_lean_adopt_tls): its requests are read and its answers written through the bufferevent,
 * which holds the TLS, and a request with an Authorization header is evhttp's (the routes may
 * show it more).
 */
#ifndef NODE_HTTP_LEAN_H
#define NODE_HTTP_LEAN_H

#include <event2/bufferevent.h>
#include <stdbool.h>

struct http_server;
struct http_lean;

/* A worker's lean front end (its answer buffer and Date line); NULL without memory. */
struct http_lean *http_lean_new(void);
void http_lean_free(struct http_lean *l);

/* Takes the requests of bev, a plain HTTP connection evhttp has just set up (its callbacks and
 * socket set, nothing read), until one is evhttp's. Without memory evhttp keeps them all. */
void http_lean_adopt(struct http_server *h, struct bufferevent *bev);
/* The same for an HTTPS connection whose handshake is done, without a client certificate, that
 * speaks HTTP/1.1 (http2.c decides): what its bufferevent holds already is read at once. False
 * when evhttp keeps it (without memory), its input unread. */
bool http_lean_adopt_tls(struct http_server *h, struct bufferevent *bev);
/* evhttp is closing bev's connection: what the lean front end kept of it is freed. */
void http_lean_closed(struct bufferevent *bev);

#endif
