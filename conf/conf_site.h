/* The node's HS_SITE record (docs/protocol.md §9.2), built once from the configuration. */
#ifndef NODE_SITE_H
#define NODE_SITE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "conf/conf.h"

/* Encodes the site, with site.hash as its hashOption: without site.servers one server
 * (server_id, the advertised address, the public half of key), answering queries on UDP and
 * queries and administration on TCP at the first listen port, and on HTTP at the first HTTP
 * listen port; with site.servers every server in the order of the list (the order is the
 * partition: a handle goes to the server at the index its hash picks), this one as above (its
 * entry's address and ports when given) and the others from their entries (TCP and UDP at port,
 * HTTP at http_port when given). This server's entry must agree with the node
 * (conf_site_self_check). The caller applies command-line overrides of the
 * listeners to c first, so that the site names the ports the node really serves. A wildcard
 * advertised address (0.0.0.0, ::: a wildcard listen host without site.address) is refused.
 * On success *out is malloc'd (the caller frees it). Returns 0, or -1 with a message in err. */
int conf_site_build(const struct conf *c, EVP_PKEY *key, uint8_t **out, size_t *len, char *err,
               size_t errlen);

/* True when host is a numeric wildcard address (0.0.0.0, ::), which no client can reach. */
bool conf_wildcard_address(const char *host);

#endif
