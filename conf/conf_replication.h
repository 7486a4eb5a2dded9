/*
 * The replication group of the configuration: with it the node is a mirror that copies a
 * primary site and follows its transaction log (docs/replication.md, "Running a mirror").
 *
 *     replication = { from = [ "127.0.0.1:2641" ]; admin = "300:0.NA/88.100.1";
 *                     key_file = "repl_key.pem"; interval_ms = 200; };
 *
 * conf_load.c reads the keys; this file holds the group's defaults and the checks of the whole.
 */
#ifndef CONF_REPLICATION_H
#define CONF_REPLICATION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CONF_MAX_REPL_SOURCES 8

struct conf_repl_source {
    char host[256]; /* numeric address or DNS name */
    uint16_t port;
};

struct conf_replication {
    bool enabled; /* the group is present: the node is a mirror */
    /* The servers of the source (primary) site, each followed with a position of its own. */
    struct conf_repl_source from[CONF_MAX_REPL_SOURCES];
    int from_count;
    uint32_t admin_index; /* the replication administrator, "index:handle" */
    char admin_handle[256];
    char key_file[1024];  /* its PEM private key */
    uint32_t interval_ms; /* between polls; default 1000 */
    uint32_t timeout_ms;  /* one exchange, each read of a stream; default 30000 */
    /* How the primary is asked to send its stream: "tls" (default: TLS 1.2, asking with protocol
     * 2.10 as HANDLE.NET 9 mirrors do) or "pk" (signed blocks in the clear, asking with 2.7). */
    char mode[8];
};

/* The defaults: not a mirror. */
void conf_replication_defaults(struct conf_replication *r);

/* After the group was read: marks r enabled and checks that from, admin and key_file were
 * given. Returns 0, or -1 with a message in err. */
int conf_replication_finish(struct conf_replication *r, char *err, size_t errlen);

/* Whether the stream is asked for in PK mode. */
bool conf_replication_pk(const struct conf_replication *r);

#endif
