/*
 * The TCP front end of a worker: a SO_REUSEPORT listener per endpoint and one bufferevent per
 * connection. Requests on a connection, pipelined or not, are answered in order; idle
 * connections time out; the node caps connections and message sizes.
 */
#ifndef NODE_TCP_HANDLER_H
#define NODE_TCP_HANDLER_H

#include <stddef.h>

#include "conf/conf.h"

struct worker;
struct tcp_listener;

struct tcp_listener *tcp_listener_new(struct worker *w, const struct conf_endpoint *ep, char *err,
                                      size_t errlen);
void tcp_listener_free(struct tcp_listener *l);

/* At shutdown: closes idle connections, lets the others finish sending and then close. */
void tcp_conns_shutdown(struct worker *w);
/* Closes every connection of the worker at once. */
void tcp_conns_close_all(struct worker *w);

#endif
