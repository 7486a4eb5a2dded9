/* What the offline commands (init, import) share: the node's configuration and opening a
 * registry directory for writing with the node's table settings. */
#ifndef TOOLS_OFFLINE_H
#define TOOLS_OFFLINE_H

#include <stdbool.h>

#include "conf/conf.h"
#include "registry/reg_db.h"

/* The configuration file offline commands read when -c is not given (if it exists). */
#define OFFLINE_DEFAULT_CONF "conf/pazhou.conf"

/* Fills c with the defaults and, when path is given (or OFFLINE_DEFAULT_CONF exists), the file.
 * Prints the error and returns -1 when the file cannot be loaded. */
int offline_conf(struct conf *c, const char *path);

/* Opens the registry at dir for writing (creating it when create is set) with the table settings
 * of c (compression, index layout, filter bits), so that what it writes (bulk loads,
 * compactions) reads like what the node writes; prints the reason and returns NULL on failure.
 * Writes are not synced one by one: offline loads flush at close. */
struct reg_db *offline_open(const char *dir, bool create, bool case_sensitive,
                            const struct conf *c);

#endif
