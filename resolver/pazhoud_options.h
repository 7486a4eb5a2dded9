/* pazhoud's command line, and the configuration it reads with the command line over it. */
#ifndef PAZHOUD_OPTIONS_H
#define PAZHOUD_OPTIONS_H

#include <stdbool.h>

#include "conf/conf.h"

/* The most worker threads --threads and threads = 0 (one per core) give. */
#define PAZHOUD_MAX_WORKERS 256

struct pazhoud_options {
    const char *conf_path;
    const char *data_dir;
    const char *listen[CONF_MAX_LISTEN];
    int listen_count;
    int threads;
    bool foreground;
    const char *log_level;
    const char *pid_file;
    const char *http[CONF_MAX_LISTEN];
    int http_count;
    const char *https[CONF_MAX_LISTEN];
    int https_count;
    const char *tls_cert;
    const char *tls_key;
    bool check_config;
};

/* Reads the command line into o. Returns 0, or 2 after saying what is wrong on stderr; --help
 * and --version print and exit. */
int pazhoud_parse_args(int argc, char **argv, struct pazhoud_options *o);

/* The configuration file the node reads: -c FILE, else conf/pazhou.conf when it exists, else
 * NULL (the defaults alone). */
const char *pazhoud_conf_file(const struct pazhoud_options *o);

/* The command line over the file: at start and again at each reload, so a reload compares
 * like with like. threads = 0 becomes one per core. Returns 0, or -1 after saying why on
 * stderr. */
int pazhoud_apply_overrides(const struct pazhoud_options *o, struct conf *c);

/* The defaults, the file over them, the command line over both; sets the log level. Returns 0,
 * or -1 after saying why on stderr. */
int pazhoud_load_conf(const struct pazhoud_options *o, struct conf *c);

#endif
