/* The configuration check (pazhoud --check-config): the loader's checks on every key, then what
 * the node would find at start-up in the files the configuration names. */
#ifndef CONF_CHECK_H
#define CONF_CHECK_H

#include "conf/conf.h"

/* Checks the file at path: every bad key or value (conf_load_all), then the registry directory,
 * the server key, the TLS certificate and key when HTTPS is on, and the user and group to run
 * as. Each problem goes to report as "file:line: message", or "file: message" when the setting
 * at fault is a default the file does not set. Returns the number of problems; c holds the
 * configuration read (defaults where the file is silent or wrong). */
int conf_check(struct conf *c, const char *path, conf_report_fn report, void *ctx);

#endif
