/*
 * This node's HS_SITE as the tools build it (site export, site update, init): the
 * configuration, the listeners given on the command line as pazhoud takes them (--listen,
 * --http), the server key, and site.address looked up when it is a host name, so that what the
 * tools write is what pazhoud serves when started the same way.
 */
#ifndef TOOLS_SITE_LOCAL_H
#define TOOLS_SITE_LOCAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conf/conf.h"

/* The command line's say over the configuration. */
struct site_local {
    const char *conf_path; /* -c; NULL: OFFLINE_DEFAULT_CONF when it exists */
    const char *data_dir;  /* --data; NULL: data_dir of the configuration */
    const char *listen[CONF_MAX_LISTEN];
    int listen_count; /* --listen: replaces listen */
    const char *http[CONF_MAX_LISTEN];
    int http_count; /* --http: replaces http.listen; "off" alone for none */
};

/* Records a --listen (is_http 0) or --http (1) argument; -1 with a message when there are too
 * many. */
int site_local_add(struct site_local *o, int is_http, const char *arg);

/* Loads the configuration into c and applies o over it (the server key placed after, as
 * pazhoud does). Prints the reason and returns -1 on failure. */
int site_local_conf(const struct site_local *o, struct conf *c);

/* The HS_SITE bytes of c into *site (malloc'd, the caller frees): the server key read, or made
 * as pazhoud makes it when missing (said on stderr when say_new_key), site.address looked up
 * when a name. Prints the reason and returns -1 on failure. */
int site_local_bytes(const struct conf *c, bool say_new_key, uint8_t **site, size_t *len);

#endif
