/*
 * A multi-server site's check against the node's own key (the loader's hooks for site.hash and
 * site.servers, and the values they fill, are in conf/conf.h).
 */
#ifndef CONF_SITE_SERVERS_H
#define CONF_SITE_SERVERS_H

#include <stddef.h>

#include <openssl/evp.h>

#include "conf/conf.h"

/* Whether this server's entry (c->site_self) agrees with the node: an address given must be
 * site.address, or with no site.address one of the listen hosts (or a wildcard listen host); a
 * port given one of the listen ports; an http_port given one of the HTTP listen ports; a public
 * key given (when key is not NULL) the public half of key. Without site.servers there is
 * nothing to disagree. Returns 0, or -1 with a message in err. */
int conf_site_self_check(const struct conf *c, EVP_PKEY *key, char *err, size_t errlen);

#endif
