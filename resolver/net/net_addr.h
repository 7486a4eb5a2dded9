/* Socket addresses from configured endpoints. */
#ifndef NODE_NET_ADDR_H
#define NODE_NET_ADDR_H

#include <sys/socket.h>

#include "conf/conf.h"

/* Fills ss from a numeric endpoint; returns the address length, 0 for a bad address. */
socklen_t net_addr_from_endpoint(const struct conf_endpoint *ep, struct sockaddr_storage *ss);

#endif
