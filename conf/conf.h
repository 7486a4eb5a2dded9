/*
 * Node configuration: defaults, the file (libconfig syntax, see pazhou.conf), and command-line
 * overrides applied by the caller afterwards. Relative paths are taken from the working
 * directory, as the README's commands run from the project root.
 */
#ifndef CONF_H
#define CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/errcode.h" /* CONF_OK, CONF_ERR_* */
#include "conf/conf_replication.h"

#define CONF_MAX_LISTEN 8
#define CONF_MAX_ADMINS 16
#define CONF_PATH_MAX 1024
#define CONF_ADDR_MAX 128
#define CONF_MAX_NETS 16
#define CONF_MAX_ROOTS 16
#define CONF_MAX_DNS 8
#define CONF_HOST_MAX 256
#define CONF_MAX_SITE_SERVERS 32 /* HDL_SITE_MAX_SERVERS */
#define CONF_SITE_KEY_MAX 1200   /* a server's public key in the HS_SITE layout */

/* One listening endpoint, "ADDR:PORT" or "[V6ADDR]:PORT"; UDP and TCP share it. */
struct conf_endpoint {
    char host[CONF_ADDR_MAX]; /* numeric address: 127.0.0.1, ::1, 0.0.0.0 */
    uint16_t port;
};

/* A peer "HOST:PORT" / "[V6ADDR]:PORT": HOST a DNS name or a numeric address, resolved when
 * used (c-ares on the worker's loop), never at load. */
struct conf_hostport {
    char host[CONF_HOST_MAX];
    uint16_t port;
};

/* A network "ADDR/LEN": family AF_INET or AF_INET6, the address bytes (4 or 16 used), and the
 * number of leading bits that name it. */
struct conf_net {
    int family;
    uint8_t addr[16];
    uint8_t bits;
};

/* An administrator identity "index:handle" (registration work uses these). */
struct conf_identity {
    uint32_t index;
    char handle[256];
};

/* One server of a multi-server site (site.servers, conf/conf_site_servers.c). The entry of this
 * server (conf.site_self) may leave address, ports and key out: the node's own listeners and key
 * stand in for them (conf_site_self_* below give the values in force). */
struct conf_site_server {
    uint32_t id;                         /* serverId in HS_SITE, unique in the site */
    char address[CONF_ADDR_MAX];         /* numeric IPv4 or IPv6; "" only for this server's entry */
    uint16_t port;                       /* TCP and UDP; 0 only for this server's entry */
    uint16_t http_port;                  /* native messages over HTTP; 0 = none (others) or the
                                            node's first HTTP listener (this server) */
    char public_key_file[CONF_PATH_MAX]; /* PEM public (or private) key; "" only for this
                                            server's entry */
    uint8_t public_key[CONF_SITE_KEY_MAX]; /* the key in the HS_SITE layout (docs/protocol.md
                                              §9.3), read at load; empty when no file */
    size_t public_key_len;
    int line; /* the entry's line in the file, for later messages */
};

struct conf {
    /* server */
    char data_dir[CONF_PATH_MAX]; /* registry directory; default "var/registry" */
    /* files server administrators may have the node import (POST /api/imports) live here;
     * default "var/import"; "" turns such imports off */
    char import_dir[CONF_PATH_MAX];
    int threads; /* worker threads; 0 = one per core */
    struct conf_endpoint listen[CONF_MAX_LISTEN];
    int listen_count;               /* default one: 127.0.0.1:2641 */
    bool udp;                       /* serve UDP; default true */
    bool tcp;                       /* serve TCP; default true */
    uint32_t tcp_idle_timeout_s;    /* default 60 */
    uint32_t tcp_max_connections;   /* whole node; default 10000 */
    uint32_t max_message_bytes;     /* largest accepted request; default 262144 */
    uint32_t tcp_max_per_source;    /* open connections from one address; default 256 */
    uint32_t tcp_message_timeout_s; /* a message must arrive whole within this; default 30 */
    char log_level[16];             /* "error" | "warn" | "info" | "debug"; default "info" */
    char log_file[CONF_PATH_MAX];   /* the log's file, reopened on SIGUSR1; default "":
                                       standard error */
    char user[64];                  /* started as root, serve as this user; default "" */
    char group[64];                 /* ... and this group; default "": the user's own */

    /* registry */
    uint32_t block_cache_mb;        /* default 256 */
    uint32_t bloom_bits_per_key;    /* default 10 */
    uint32_t block_size_kb;         /* data blocks of the table files written; default 16 */
    uint32_t answer_cache_mb;       /* per worker: records of hot handles; 0 = off; default 16 */
    int resident_mb;                /* the registry kept in memory, all workers' (resident.h);
                                       0 = off; default -1: a quarter of MemAvailable */
    bool resident_expanded;         /* ... its records expanded rather than as stored */
    bool case_sensitive;            /* default false: handles fold ASCII case */
    bool sync_writes;               /* default true: fsync before acknowledging a write */
    bool registry_statistics;       /* RocksDB statistics for /metrics; default false */
    char bottommost_compression[8]; /* "lz4" | "zstd" | "none"; default "lz4" */
    char block_cache_type[8];       /* "clock" | "lru"; default "clock" */
    char index_layout[16];          /* "whole" | "partitioned"; default "whole" */

    /* site: what OC_GET_SITE_INFO answers */
    uint32_t server_id;                    /* default 1 */
    uint16_t site_serial;                  /* default 1 */
    char site_description[256];            /* default "Pazhou identifier resolution node" */
    char server_key_file[CONF_PATH_MAX];   /* PEM private key; created at first start if missing;
                                              default "server_key.pem" beside the registry
                                              directory (conf_place_server_key) */
    bool server_key_named;                 /* site.key_file was given in the file */
    char advertise_address[CONF_ADDR_MAX]; /* address in HS_SITE; default: first listen host */
    bool site_primary;                     /* default true */
    bool site_multi_primary;               /* default false */
    /* site.hash: which part of a handle picks its server (HDL_HASH_BY_PREFIX, _SUFFIX,
     * _HANDLE of proto/hdl_site.h); "prefix", "suffix" or "handle"; default "prefix" */
    uint8_t site_hash;
    /* site.servers: every server of the site, this one included (conf/conf_site_servers.c);
     * count 0 (the default) is a one-server site built from the node's own listeners and key */
    struct conf_site_server site_servers[CONF_MAX_SITE_SERVERS];
    int site_server_count;
    int site_self; /* index in site_servers of the entry whose id is server_id; -1 without
                      servers */

    /* http: the REST API, native messages over HTTP, /metrics and /healthz */
    struct conf_endpoint http_listen[CONF_MAX_LISTEN];
    int http_listen_count; /* default one: 127.0.0.1:8000; 0 = no plain HTTP */
    struct conf_endpoint https_listen[CONF_MAX_LISTEN];
    int https_listen_count;         /* default 0: no HTTPS */
    char tls_cert[CONF_PATH_MAX];   /* PEM certificate chain; default "var/tls_cert.pem" */
    char tls_key[CONF_PATH_MAX];    /* PEM private key; default "var/tls_key.pem" */
    uint32_t http_max_header_bytes; /* request line and headers; default 8192 */
    uint32_t http_max_body_bytes;   /* request body; default 262164 (envelope + message) */
    uint32_t http_timeout_s;        /* read, write and keep-alive idle timeout; default 30 */
    bool http2; /* HTTP/2 over HTTPS by ALPN and over HTTP with prior knowledge; default true */

    uint32_t http_batch_max_body_bytes; /* POST /api/batch body, over HTTPS; default 16 MiB */
    uint32_t http_session_timeout_s;    /* idle life of a REST API session; default 1800 */
    uint32_t http_max_per_source;       /* open connections from one address; default 256 */
    uint32_t http_request_timeout_s;    /* a whole request (headers, body) must arrive within
                                           this of the connection or the previous answer;
                                           default 60 */
    /* What the QR codes of GET /qr/{handle} and `pazhou qr` point at: this node's proxy as the
     * world reaches it, "http[s]://host[:port][/path]"; "" = http:// and the first HTTP listen
     * address (conf_public_url) */
    char http_public_url[CONF_PATH_MAX];

    /* limits against abuse (docs/security.md) */
    uint32_t rrl_per_second;  /* UDP answers a second per source network, per worker; 0 = off;
                                 default 1000 */
    uint32_t rrl_slip;        /* every Nth limited answer goes out as a "retry over TCP"
                                 answer, the rest are dropped; 0 = drop all; default 2 */
    uint32_t rrl_ipv4_prefix; /* bits of an IPv4 source that name its network; default 24 */
    uint32_t rrl_ipv6_prefix; /* bits of an IPv6 source; default 56 */
    uint32_t rrl_table_size;  /* networks tracked per worker; default 16384 */
    struct conf_net udp_exempt[CONF_MAX_NETS];
    int udp_exempt_count; /* neither rate limited nor bounded; default 127.0.0.0/8, ::1/128 */
    uint32_t udp_max_amplification; /* UDP answer bytes at most this times the request's; 0 =
                                       off; default 10 */
    uint32_t max_sessions;          /* open sessions, binary and REST each; default 65536 */
    uint32_t max_admin_jobs;        /* administrative jobs queued or running; default 4096 */
    uint32_t auth_max_failures;     /* failures per identity or source before a lockout; 0 = off;
                                       default 5 */
    uint32_t auth_failure_window_s; /* ... counted over this many seconds; default 60 */
    uint32_t auth_lockout_s;        /* how long a lockout lasts; default 60 */
    uint32_t auth_failure_delay_ms; /* a failed authentication is answered this late; default
                                       1000 */

    /* resolver: recursion for clients that set REC, for prefixes not homed here */
    bool recursion;                              /* default false */
    struct conf_hostport roots[CONF_MAX_ROOTS];  /* where prefix handles 0.NA/P are asked */
    int root_count;                              /* default 0 */
    uint32_t max_recursion;          /* hops (recursionCount) before RC 6; default 8 */
    uint32_t recursion_timeout_ms;   /* whole recursive request; default 3000 */
    uint32_t upstream_timeout_ms;    /* first wait for one upstream UDP answer; default 500 */
    uint32_t max_upstream;           /* upstream queries outstanding per worker; default 1024 */
    uint32_t recursion_cache_mb;     /* per worker: answers from other sites; 0 = off; default 16 */
    uint32_t negative_ttl_s;         /* how long 100 and 301 answers are kept; default 10 */
    uint32_t max_ttl_s;              /* no answer is kept longer than this; default 86400 */

    /* dns: how host names (resolver.root, site.address, peers) are looked up */
    struct conf_endpoint dns_servers[CONF_MAX_DNS]; /* default none: /etc/resolv.conf */
    int dns_server_count;
    uint32_t dns_timeout_ms; /* first wait for one DNS answer; default 1000 */

    /* access_log: JSON Lines of resolutions and administrative changes */
    char access_log_file[CONF_PATH_MAX]; /* reopened on SIGUSR1; default "": off */
    uint32_t access_log_sample;          /* log 1 of every N resolutions (changes: all);
                                            default 1 */

    /* administrators with full access (identities "index:handle") */
    struct conf_identity admins[CONF_MAX_ADMINS];
    int admin_count;

    /* replication: present on a mirror (conf/conf_replication.h) */
    struct conf_replication replication;
    /* identities that may pull the transaction log and dumps as mirrors (DUMP_HANDLES,
       RETRIEVE_TXN_LOG; docs/replication.md), besides server_admins; read at start */
    struct conf_identity repl_admins[CONF_MAX_ADMINS];
    int repl_admin_count;
};

/* Fills every field with its default. */
void conf_defaults(struct conf *c);

/* Loads path over the current contents of c (call conf_defaults first). On failure returns a
 * conf_err and writes "file:line: message" into err. Unknown keys and bad values are errors.
 * A list in the file (listen, server_admins) replaces the current one; on failure c is left
 * unchanged. Without site.key_file the key is placed beside data_dir (conf_place_server_key). */
int conf_load(struct conf *c, const char *path, char *err, size_t errlen);

/* Called with each problem found, as "file:line: message". */
typedef void (*conf_report_fn)(void *ctx, const char *problem);

/* Like conf_load, but goes on past a bad key or value (a read or syntax error still ends the
 * read), giving each problem to report; c takes the good keys, bad ones keep their values.
 * Returns the number of problems (0: conf_load would succeed). */
int conf_load_all(struct conf *c, const char *path, conf_report_fn report, void *ctx);

/* When the file did not name site.key_file, points server_key_file at "server_key.pem" in the
 * directory holding data_dir (data_dir "var/registry" gives "var/server_key.pem"), so the key
 * follows a data directory given on the command line. Call after the command-line overrides. */
void conf_place_server_key(struct conf *c);

/* Parses "ADDR:PORT" / "[ADDR]:PORT" into an endpoint; 0 on success, -1 on a bad form. */
int conf_parse_endpoint(const char *text, struct conf_endpoint *ep);

/* Parses "HOST:PORT" / "[V6ADDR]:PORT", HOST a DNS name (letters, digits, '-', '.', '_') or a
 * numeric address; 0 on success, -1 on a bad form. */
int conf_parse_hostport(const char *text, struct conf_hostport *hp);

/* Command-line endpoint flags over a list of the file: n entries replace eps/count, "off" alone
 * empties it, none leaves it. Returns 0, or -1 with *bad the index of an entry that does not
 * parse (the list unchanged). */
int conf_override_endpoints(const char *const *args, int n, struct conf_endpoint *eps, int *count,
                            int *bad);

/* Parses "ADDR/LEN" (or a bare address: all its bits); 0 on success, -1 on a bad form. */
int conf_parse_net(const char *text, struct conf_net *net);

/* Parses "index:handle"; 0 on success, -1 on a bad form. */
int conf_parse_identity(const char *text, struct conf_identity *id);

/* 1 when text is a numeric IPv4 or IPv6 address (no brackets, no port), else 0. */
int conf_valid_address(const char *text);
/* 1 when text is a DNS host name (labels of letters, digits, '-' and '_'), else 0. */
int conf_valid_hostname(const char *text);

/* dns.servers as c-ares takes them, "ADDR:PORT,[V6]:PORT" into buf (cap bytes); "" when the
 * list is empty (/etc/resolv.conf). Returns the length. */
size_t conf_dns_servers_csv(const struct conf *c, char *buf, size_t cap);

/* The address HS_SITE advertises: advertise_address, or when empty the first listen host (a
 * wildcard listen host such as 0.0.0.0 therefore needs an explicit site.address). */
const char *conf_advertise_address(const struct conf *c);

/* This server's entry in a multi-server site, as HS_SITE lists it: the entry's address or else
 * conf_advertise_address; its port or else the first listen port; its http_port or else the
 * first HTTP listen port (0: none). Meaningful without site.servers too (then from the
 * listeners alone). */
const char *conf_site_self_address(const struct conf *c);
uint16_t conf_site_self_port(const struct conf *c);
uint16_t conf_site_self_http_port(const struct conf *c);

/* The loader's hooks for the keys of a multi-server site (conf/conf_site_servers.c). */
struct config_setting_t; /* libconfig */
/* Reports msg at setting s as "file:line: msg" (the loader's way) and returns code. */
typedef int (*conf_fail_fn)(void *ctx, const struct config_setting_t *s, int code, const char *msg);

/* site.hash = "prefix" | "suffix" | "handle" into c->site_hash. Returns CONF_OK or what fail
 * returned (c unchanged). */
int conf_site_hash_load(const struct config_setting_t *s, struct conf *c, conf_fail_fn fail,
                        void *ctx);

/* site.servers = ( { id = N; address = "..."; port = N; http_port = N; public_key = "FILE"; },
 * ... ) into c->site_servers, reading each public key file. The list is taken whole or not at
 * all. Returns CONF_OK or what fail returned for the first problem. */
int conf_site_servers_load(const struct config_setting_t *s, struct conf *c, conf_fail_fn fail,
                           void *ctx);

/* After the whole file: sets c->site_self, and with site.servers checks that site.server_id is
 * one of the ids and that this server's entry agrees with the listeners (conf_site_self_check).
 * servers is the site.servers setting, problems being reported at its lines (when the file has
 * none, a setting of the file to report at). Returns CONF_OK or what fail returned. */
int conf_site_servers_finish(const struct config_setting_t *servers, struct conf *c,
                             conf_fail_fn fail, void *ctx);

/* The name of a hash option ("prefix", "suffix", "handle"), "?" for another value. */
const char *conf_site_hash_name(uint8_t hash);

/* The public URL of the node's proxy into buf (cap bytes): http.public_url when set, else
 * "http://" and the first HTTP listen address ("[...]" around IPv6), else "https://" and the
 * first HTTPS one, else "". Returns the length, 0 when there is none or it does not fit. */
size_t conf_public_url(const struct conf *c, char *buf, size_t cap);

/* Whether text can be http.public_url: "http://" or "https://", a host, and printable ASCII
 * without spaces, '?', '#' or '%'. */
int conf_valid_public_url(const char *text);

#endif
