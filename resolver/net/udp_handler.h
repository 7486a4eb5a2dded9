/*
 * The UDP front end of a worker: drains its SO_REUSEPORT socket with recvmmsg, answers with
 * sendmmsg, splits long answers into 512-byte datagrams and reassembles multi-datagram requests.
 */
#ifndef NODE_UDP_HANDLER_H
#define NODE_UDP_HANDLER_H

#include <stddef.h>

#include "conf/conf.h"

struct worker;
struct udp_handler;

/* Binds a socket on ep for worker w and registers it with the worker's base. NULL on failure,
 * with a message in err. */
struct udp_handler *udp_handler_new(struct worker *w, const struct conf_endpoint *ep, char *err,
                                    size_t errlen);
void udp_handler_free(struct udp_handler *u);

#endif
