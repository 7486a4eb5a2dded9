/*
 * What a configuration read again (pazhoud's SIGHUP) changes that the running node cannot take
 * without a restart: listeners, threads, the registry, the site, the HTTP front end's shape,
 * recursion's roots and DNS. What it can take (TLS certificate and key, log level,
 * server_admins, most limits, answer-cache size, recursion timings) is not named here.
 */
#ifndef CONF_RELOAD_H
#define CONF_RELOAD_H

#include "conf/conf.h"

/* Gives report the name of each key that takes a restart (as the file spells it: "listen",
 * "registry.block_cache_mb", "http.https_listen") whose value differs between was and now, in
 * the file's order. Returns how many differ. */
int conf_restart_changes(const struct conf *was, const struct conf *now, conf_report_fn report,
                         void *ctx);

#endif
