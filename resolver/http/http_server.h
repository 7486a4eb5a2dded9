/*
 * The HTTP front end of a worker: an evhttp on the worker's base for plain HTTP and another for
 * HTTPS (OpenSSL bufferevents over the context of http_tls.h), each with its own SO_REUSEPORT
 * listener on every configured endpoint, so the kernel spreads connections over workers as it
 * does for TCP. Requests go to the route table (http_router.h); connections are counted and
 * watched by http_conn.h; what the front end keeps is in http_state.h.
 */
#ifndef NODE_HTTP_SERVER_H
#define NODE_HTTP_SERVER_H

#include <stddef.h>

struct worker;

/* Binds the worker's HTTP and HTTPS listeners (none when the configuration has none) and
 * starts its heartbeat. 0, or -1 with a message in err. */
int http_server_init(struct worker *w, char *err, size_t errlen);
/* Stops accepting; open connections finish their request. */
void http_server_stop(struct worker *w);
/* Closes every connection and frees the front end; before the worker's base is freed. */
void http_server_free(struct worker *w);

#endif
