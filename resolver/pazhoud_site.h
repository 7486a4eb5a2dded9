/* The site pazhoud serves, and --check-config. */
#ifndef PAZHOUD_SITE_H
#define PAZHOUD_SITE_H

#include "conf/conf.h"
#include "resolver/node.h"

/* The node's HS_SITE from the configuration as overridden by the command line (listeners,
 * data directory): what GET_SITE_INFO answers. A name in site.address is looked up now
 * (c-ares, dns.servers). Loads or makes the server key, which node keeps: it signs certified
 * answers. Returns 0, or -1 after logging why. */
int pazhoud_build_site(const struct conf *c, struct node *node);

/* Prefix handles stored here whose HS_SITE is not the site the node serves send clients
 * elsewhere: said at start (a warning each), left for `pazhou site update` to rewrite. */
void pazhoud_audit_stored_sites(const struct node *node);

/* pazhoud --check-config on the file at path (NULL: there is none): every problem on stderr.
 * The file is checked as the node reads it (the command line's overrides are not applied),
 * then the prefix handles the registry stores against the site the node would serve. Returns
 * 0 when there is no problem, 1 when there are, 2 without a file. */
int pazhoud_check_config(const char *path);

#endif
