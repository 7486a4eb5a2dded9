/*
 * The replication group of the configuration: with it the node is a mirror that copies a
 * primary site and follows its transaction log (docs/replication.md, "Running a mirror").
 *
 *     replication = { from = [ "127.0.0.1:2641" ]; admin = "300:0.NA/88.100.1";
 *                     key_file = "repl_key.pem"; interval_ms = 200; };
 */
#ifndef CONF_REPLICATION_H
#define CONF_REPLICATION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CONF_MAX_REPL_SOURCES 8
#define CONF_REPL_HOST_MAX 256
#define CONF_REPL_PATH_MAX 1024

struct conf_repl_source {
    char host[CONF_REPL_HOST_MAX]; /* numeric address or DNS name */
    uint16_t port;
};

/* How the primary is asked to send its stream: TLS 1.2 (asking with protocol 2.10, what
 * HANDLE.NET 9 mirrors do) or signed blocks in the clear (asking with 2.7). */
enum conf_repl_mode { CONF_REPL_TLS = 0, CONF_REPL_PK = 1 };

struct conf_replication {
    bool enabled; /* the group is present: the node is a mirror */
    /* The servers of the source (primary) site, each followed with a position of its own. */
    struct conf_repl_source from[CONF_MAX_REPL_SOURCES];
    int from_count;
    uint32_t admin_index; /* the replication administrator, "index:handle" */
    char admin_handle[256];
    char key_file[CONF_REPL_PATH_MAX]; /* its PEM private key */
    uint32_t interval_ms;              /* between polls; default 1000 */
    uint32_t timeout_ms;               /* one exchange, dump streams excepted; default 30000 */
    enum conf_repl_mode mode;          /* "tls" (default) or "pk" */
};

/* The defaults: not a mirror. */
void conf_replication_defaults(struct conf_replication *r);

/* Loads the libconfig group s (a config_setting_t) into r. Returns CONF_OK, or CONF_ERR_UNKNOWN
 * / CONF_ERR_VALUE with the message in err and *where the setting at fault (for its line); r is
 * changed only on success. from and admin are required. */
int conf_replication_load(const void *s, struct conf_replication *r, char *err, size_t errlen,
                          const void **where);

#endif
