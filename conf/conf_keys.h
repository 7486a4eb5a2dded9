/* The configuration file's layout, which conf_load.c walks: for each group, a table of the keys
 * it may hold, each with its kind, the field of struct conf it fills and the range it accepts.
 * A key that is in no table is rejected with its line. */
#ifndef CONF_KEYS_H
#define CONF_KEYS_H

#include <stddef.h>
#include <stdint.h>

enum key_kind {
    K_INT,         /* int field, integer in [min, max] */
    K_U16,         /* uint16_t field */
    K_U32,         /* uint32_t field */
    K_BOOL,        /* bool field */
    K_STR,         /* char[size] field; min is the shortest length accepted */
    K_CHOICE,      /* char[size] field, one of choices */
    K_ADDRESS,     /* char[size] field, a numeric address, a host name or empty */
    K_URL,         /* char[size] field, an http(s) URL or empty */
    K_LISTEN,      /* the listen array */
    K_HTTP,        /* http.listen: endpoints, may be empty */
    K_HTTPS,       /* http.https_listen: endpoints, may be empty */
    K_ADMINS,      /* the server_admins array */
    K_REPL_ADMINS, /* the replication_admins array */
    K_NETS,        /* limits.udp_exempt: networks, may be empty */
    K_ROOTS,       /* resolver.root: "HOST:PORT" peers, may be empty */
    K_DNS,         /* dns.servers: numeric endpoints, may be empty */
    K_HASH,        /* site.hash (conf_site_servers.c) */
    K_SERVERS,     /* site.servers (conf_site_servers.c) */
    K_GROUP,       /* a nested group described by keys */
    K_REPL_FROM,   /* replication.from: "HOST:PORT" peers, at least one */
    K_IDENTITY,    /* one "index:handle" (replication.admin) */
};

struct key {
    const char *name;
    enum key_kind kind;
    size_t off;
    size_t size;
    int64_t min, max; /* a number's range, a string's shortest length, a list's entries */
    const struct key *group;
    const char *const *choices; /* K_CHOICE: the names accepted, NULL-terminated */
};

/* The top level of the file; a K_GROUP key points to its group's table. Each table ends with a
 * key whose name is NULL. */
extern const struct key conf_root_keys[];
/* The replication group, which conf_load.c checks as a whole once it is read. */
extern const struct key conf_replication_keys[];

#endif
