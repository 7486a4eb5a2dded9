/* The node's HS_SITE record (docs/protocol.md §9.2), built once from the configuration. */
#ifndef NODE_SITE_H
#define NODE_SITE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "conf/conf.h"

/* Encodes the site: one server (server_id, the advertised address, the public half of key),
 * answering queries on UDP and queries and administration on TCP at the first listen port, and
 * on HTTP at the first HTTP listen port. The caller applies command-line overrides of the
 * listeners to c first, so that the site names the ports the node really serves. A wildcard
 * advertised address (0.0.0.0, ::: a wildcard listen host without site.address) is refused.
 * On success *out is malloc'd (the caller frees it). Returns 0, or -1 with a message in err. */
int conf_site_build(const struct conf *c, EVP_PKEY *key, uint8_t **out, size_t *len, char *err,
               size_t errlen);

/* True when host is a numeric wildcard address (0.0.0.0, ::), which no client can reach. */
bool conf_wildcard_address(const char *host);

#endif
