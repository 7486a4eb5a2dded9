/*
 * The node: what every worker shares, read-only after start-up except where noted. The registry
 * is the only shared thing touched per request; everything else a request needs is built once.
 */
#ifndef NODE_H
#define NODE_H

#include <stdatomic.h>
#include <stdint.h>

#include "conf.h"
#include "reg_db.h"
#include "reg_prefix.h"

struct node {
    const struct conf *conf;
    struct reg_db *db;
    /* Swapped whole when prefixes are homed or unhomed; workers load it per request. */
    _Atomic(struct reg_prefix_set *) prefixes;
    uint8_t *site; /* encoded HS_SITE: the GET_SITE_INFO body */
    size_t site_len;
    uint16_t site_serial;
    atomic_uint tcp_connections; /* whole node, for the connection cap (checked at accept) */
};

#endif
