/*
 * Defaults and the loader. The file's layout is described by tables of keys, one per group, so
 * that walking them rejects every key this version does not know, with its line, instead of
 * silently ignoring a typo.
 */
#include "conf/conf.h"

#include <errno.h>
#include <inttypes.h>
#include <libconfig.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "common/handle_name.h"
#include "proto/hdl_site.h"

void conf_defaults(struct conf *c)
{
    memset(c, 0, sizeof *c);
    snprintf(c->data_dir, sizeof c->data_dir, "%s", "var/registry");
    snprintf(c->import_dir, sizeof c->import_dir, "%s", "var/import");
    c->threads = 0;
    snprintf(c->listen[0].host, sizeof c->listen[0].host, "%s", "127.0.0.1");
    c->listen[0].port = 2641;
    c->listen_count = 1;
    c->udp = true;
    c->tcp = true;
    c->tcp_idle_timeout_s = 60;
    c->tcp_max_connections = 10000;
    c->max_message_bytes = 262144;
    c->tcp_max_per_source = 256;
    c->tcp_message_timeout_s = 30;
    snprintf(c->log_level, sizeof c->log_level, "%s", "info");
    c->access_log_sample = 1;
    snprintf(c->bottommost_compression, sizeof c->bottommost_compression, "%s", "lz4");
    snprintf(c->block_cache_type, sizeof c->block_cache_type, "%s", "clock");
    snprintf(c->index_layout, sizeof c->index_layout, "%s", "whole");

    c->block_cache_mb = 256;
    c->bloom_bits_per_key = 10;
    c->block_size_kb = 16;
    c->answer_cache_mb = 16;
    c->resident_mb = -1;
    c->case_sensitive = false;
    c->sync_writes = true;

    c->server_id = 1;
    c->site_serial = 1;
    snprintf(c->site_description, sizeof c->site_description, "%s",
             "Pazhou identifier resolution node");
    snprintf(c->server_key_file, sizeof c->server_key_file, "%s", "var/server_key.pem");
    c->advertise_address[0] = '\0';
    c->site_primary = true;
    c->site_multi_primary = false;
    c->site_hash = HDL_HASH_BY_PREFIX;
    c->site_server_count = 0;
    c->site_self = -1;

    snprintf(c->http_listen[0].host, sizeof c->http_listen[0].host, "%s", "127.0.0.1");
    c->http_listen[0].port = 8000;
    c->http_listen_count = 1;
    c->https_listen_count = 0;
    snprintf(c->tls_cert, sizeof c->tls_cert, "%s", "var/tls_cert.pem");
    snprintf(c->tls_key, sizeof c->tls_key, "%s", "var/tls_key.pem");
    c->http_max_header_bytes = 8192;
    c->http_max_body_bytes = 262164;
    c->http_timeout_s = 30;
    c->http2 = true;
    c->http_batch_max_body_bytes = 16u << 20;
    c->http_session_timeout_s = 1800;
    c->http_max_per_source = 256;
    c->http_request_timeout_s = 60;

    c->rrl_per_second = 1000;
    c->rrl_slip = 2;
    c->rrl_ipv4_prefix = 24;
    c->rrl_ipv6_prefix = 56;
    c->rrl_table_size = 16384;
    conf_parse_net("127.0.0.0/8", &c->udp_exempt[0]);
    conf_parse_net("::1/128", &c->udp_exempt[1]);
    c->udp_exempt_count = 2;
    c->udp_max_amplification = 10;
    c->max_sessions = 65536;
    c->max_admin_jobs = 4096;
    c->auth_max_failures = 5;
    c->auth_failure_window_s = 60;
    c->auth_lockout_s = 60;
    c->auth_failure_delay_ms = 1000;

    c->recursion = false;
    c->root_count = 0;
    c->max_recursion = 8;
    c->recursion_timeout_ms = 3000;
    c->upstream_timeout_ms = 500;
    c->max_upstream = 1024;
    c->recursion_cache_mb = 16;
    c->negative_ttl_s = 10;
    c->max_ttl_s = 86400;
    c->dns_server_count = 0;
    c->dns_timeout_ms = 1000;

    c->admin_count = 0;
    conf_replication_defaults(&c->replication);
    c->repl_admin_count = 0;
}

enum key_kind {
    K_INT,     /* int field, integer in [min, max] */
    K_U16,     /* uint16_t field */
    K_U32,     /* uint32_t field */
    K_BOOL,    /* bool field */
    K_STR,     /* char[size] field; min is the shortest length accepted */
    K_CHOICE,  /* char[size] field, one of choices */
    K_ADDRESS, /* char[size] field, a numeric address, a host name or empty */
    K_URL,     /* char[size] field, an http(s) URL or empty */
    K_LISTEN,  /* the listen array */
    K_HTTP,    /* http.listen: endpoints, may be empty */
    K_HTTPS,   /* http.https_listen: endpoints, may be empty */
    K_ADMINS,  /* the server_admins array */
    K_REPL_ADMINS, /* the replication_admins array */
    K_NETS,    /* limits.udp_exempt: networks, may be empty */
    K_ROOTS,   /* resolver.root: "HOST:PORT" peers, may be empty */
    K_DNS,     /* dns.servers: numeric endpoints, may be empty */
    K_HASH,    /* site.hash (conf_site_servers.c) */
    K_SERVERS, /* site.servers (conf_site_servers.c) */
    K_GROUP,   /* a nested group described by keys */
    K_REPL_FROM, /* replication.from: "HOST:PORT" peers, at least one */
    K_IDENTITY,  /* one "index:handle" (replication.admin) */
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

static const char *const log_levels[] = {"error", "warn", "info", "debug", NULL};
static const char *const compressions[] = {"lz4", "zstd", "none", NULL};
static const char *const cache_types[] = {"clock", "lru", NULL};
static const char *const index_layouts[] = {"whole", "partitioned", NULL};

#define FIELD(f) .off = offsetof(struct conf, f), .size = sizeof(((struct conf *)0)->f)

static const struct key transport_keys[] = {
    {.name = "udp", .kind = K_BOOL, FIELD(udp)},
    {.name = "tcp", .kind = K_BOOL, FIELD(tcp)},
    {0},
};

static const struct key tcp_keys[] = {
    {.name = "idle_timeout", .kind = K_U32, FIELD(tcp_idle_timeout_s), .min = 1, .max = 86400},
    {.name = "max_connections",
     .kind = K_U32,
     FIELD(tcp_max_connections),
     .min = 1,
     .max = 1000000},
    {.name = "max_message_bytes",
     .kind = K_U32,
     FIELD(max_message_bytes),
     .min = 1024,
     .max = 67108864},
    {.name = "max_connections_per_source",
     .kind = K_U32,
     FIELD(tcp_max_per_source),
     .min = 1,
     .max = 1000000},
    {.name = "message_timeout",
     .kind = K_U32,
     FIELD(tcp_message_timeout_s),
     .min = 1,
     .max = 86400},
    {0},
};

static const struct key registry_keys[] = {
    {.name = "block_cache_mb", .kind = K_U32, FIELD(block_cache_mb), .min = 0, .max = 1048576},
    {.name = "bloom_bits_per_key", .kind = K_U32, FIELD(bloom_bits_per_key), .min = 0, .max = 64},
    {.name = "block_size_kb", .kind = K_U32, FIELD(block_size_kb), .min = 1, .max = 1024},
    {.name = "answer_cache_mb", .kind = K_U32, FIELD(answer_cache_mb), .min = 0, .max = 65536},
    {.name = "resident_mb", .kind = K_INT, FIELD(resident_mb), .min = -1, .max = 4194304},
    {.name = "resident_expanded", .kind = K_BOOL, FIELD(resident_expanded)},
    {.name = "case_sensitive", .kind = K_BOOL, FIELD(case_sensitive)},
    {.name = "sync", .kind = K_BOOL, FIELD(sync_writes)},
    {.name = "statistics", .kind = K_BOOL, FIELD(registry_statistics)},
    {.name = "block_cache_type",
     .kind = K_CHOICE,
     FIELD(block_cache_type),
     .min = 1,
     .choices = cache_types},
    {.name = "index_layout",
     .kind = K_CHOICE,
     FIELD(index_layout),
     .min = 1,
     .choices = index_layouts},
    {.name = "bottommost_compression",
     .kind = K_CHOICE,
     FIELD(bottommost_compression),
     .min = 1,
     .choices = compressions},
    {0},
};

static const struct key site_keys[] = {
    {.name = "server_id", .kind = K_U32, FIELD(server_id), .min = 0, .max = UINT32_MAX},
    {.name = "serial", .kind = K_U16, FIELD(site_serial), .min = 0, .max = UINT16_MAX},
    {.name = "description", .kind = K_STR, FIELD(site_description), .min = 0},
    {.name = "key_file", .kind = K_STR, FIELD(server_key_file), .min = 1},
    {.name = "address", .kind = K_ADDRESS, FIELD(advertise_address), .min = 0},
    {.name = "primary", .kind = K_BOOL, FIELD(site_primary)},
    {.name = "multi_primary", .kind = K_BOOL, FIELD(site_multi_primary)},
    {.name = "hash", .kind = K_HASH},
    {.name = "servers", .kind = K_SERVERS},
    {0},
};

static const struct key http_keys[] = {
    {.name = "listen", .kind = K_HTTP, .min = 0, .max = CONF_MAX_LISTEN},
    {.name = "https_listen", .kind = K_HTTPS, .min = 0, .max = CONF_MAX_LISTEN},
    {.name = "tls_cert", .kind = K_STR, FIELD(tls_cert), .min = 1},
    {.name = "tls_key", .kind = K_STR, FIELD(tls_key), .min = 1},
    {.name = "max_header_bytes",
     .kind = K_U32,
     FIELD(http_max_header_bytes),
     .min = 1024,
     .max = 1048576},
    {.name = "max_body_bytes",
     .kind = K_U32,
     FIELD(http_max_body_bytes),
     .min = 1024,
     .max = 67108864},
    {.name = "timeout", .kind = K_U32, FIELD(http_timeout_s), .min = 1, .max = 86400},
    {.name = "http2", .kind = K_BOOL, FIELD(http2)},
    {.name = "batch_max_body_bytes",
     .kind = K_U32,
     FIELD(http_batch_max_body_bytes),
     .min = 1024,
     .max = 268435456},
    {.name = "session_timeout",
     .kind = K_U32,
     FIELD(http_session_timeout_s),
     .min = 10,
     .max = 604800},
    {.name = "max_connections_per_source",
     .kind = K_U32,
     FIELD(http_max_per_source),
     .min = 1,
     .max = 1000000},
    {.name = "request_timeout",
     .kind = K_U32,
     FIELD(http_request_timeout_s),
     .min = 1,
     .max = 86400},
    {.name = "public_url", .kind = K_URL, FIELD(http_public_url), .min = 0},
    {0},
};

static const struct key limits_keys[] = {
    {.name = "udp_rrl_per_second", .kind = K_U32, FIELD(rrl_per_second), .min = 0, .max = 10000000},
    {.name = "udp_rrl_slip", .kind = K_U32, FIELD(rrl_slip), .min = 0, .max = 100},
    {.name = "udp_rrl_ipv4_prefix", .kind = K_U32, FIELD(rrl_ipv4_prefix), .min = 8, .max = 32},
    {.name = "udp_rrl_ipv6_prefix", .kind = K_U32, FIELD(rrl_ipv6_prefix), .min = 16, .max = 128},
    {.name = "udp_rrl_table_size", .kind = K_U32, FIELD(rrl_table_size), .min = 64, .max = 1048576},
    {.name = "udp_exempt", .kind = K_NETS, .min = 0, .max = CONF_MAX_NETS},
    {.name = "udp_max_amplification",
     .kind = K_U32,
     FIELD(udp_max_amplification),
     .min = 0,
     .max = 1000},
    {.name = "max_sessions", .kind = K_U32, FIELD(max_sessions), .min = 1, .max = 1048576},
    {.name = "max_admin_jobs", .kind = K_U32, FIELD(max_admin_jobs), .min = 1, .max = 1048576},
    {.name = "auth_max_failures", .kind = K_U32, FIELD(auth_max_failures), .min = 0, .max = 1000},
    {.name = "auth_failure_window",
     .kind = K_U32,
     FIELD(auth_failure_window_s),
     .min = 1,
     .max = 86400},
    {.name = "auth_lockout", .kind = K_U32, FIELD(auth_lockout_s), .min = 1, .max = 86400},
    {.name = "auth_failure_delay_ms",
     .kind = K_U32,
     FIELD(auth_failure_delay_ms),
     .min = 0,
     .max = 10000},
    {0},
};

static const struct key resolver_keys[] = {
    {.name = "recursion", .kind = K_BOOL, FIELD(recursion)},
    {.name = "root", .kind = K_ROOTS, .min = 0, .max = CONF_MAX_ROOTS},
    {.name = "max_recursion", .kind = K_U32, FIELD(max_recursion), .min = 1, .max = 64},
    {.name = "timeout_ms", .kind = K_U32, FIELD(recursion_timeout_ms), .min = 10, .max = 600000},
    {.name = "upstream_timeout_ms",
     .kind = K_U32,
     FIELD(upstream_timeout_ms),
     .min = 10,
     .max = 60000},
    {.name = "max_upstream", .kind = K_U32, FIELD(max_upstream), .min = 1, .max = 1048576},
    {.name = "cache_mb", .kind = K_U32, FIELD(recursion_cache_mb), .min = 0, .max = 65536},
    {.name = "negative_ttl", .kind = K_U32, FIELD(negative_ttl_s), .min = 0, .max = 86400},
    {.name = "max_ttl", .kind = K_U32, FIELD(max_ttl_s), .min = 0, .max = 31536000},
    {0},
};

static const struct key dns_keys[] = {
    {.name = "servers", .kind = K_DNS, .min = 0, .max = CONF_MAX_DNS},
    {.name = "timeout_ms", .kind = K_U32, FIELD(dns_timeout_ms), .min = 10, .max = 60000},
    {0},
};

static const struct key access_log_keys[] = {
    {.name = "file", .kind = K_STR, FIELD(access_log_file), .min = 0},
    {.name = "sample", .kind = K_U32, FIELD(access_log_sample), .min = 1, .max = 1000000000},
    {0},
};

static const char *const repl_modes[] = {"tls", "pk", NULL};

static const struct key replication_keys[] = {
    {.name = "from", .kind = K_REPL_FROM, .min = 1, .max = CONF_MAX_REPL_SOURCES},
    {.name = "admin", .kind = K_IDENTITY},
    {.name = "key_file", .kind = K_STR, FIELD(replication.key_file), .min = 1},
    {.name = "interval_ms", .kind = K_U32, FIELD(replication.interval_ms), .min = 10,
     .max = 86400000},
    {.name = "timeout_ms", .kind = K_U32, FIELD(replication.timeout_ms), .min = 100,
     .max = 3600000},
    {.name = "mode", .kind = K_CHOICE, FIELD(replication.mode), .min = 1, .choices = repl_modes},
    {0},
};

static const struct key root_keys[] = {
    {.name = "data_dir", .kind = K_STR, FIELD(data_dir), .min = 1},
    {.name = "import_dir", .kind = K_STR, FIELD(import_dir), .min = 0},
    {.name = "threads", .kind = K_INT, FIELD(threads), .min = 0, .max = 1024},
    {.name = "listen", .kind = K_LISTEN, .min = 1, .max = CONF_MAX_LISTEN},
    {.name = "log_level", .kind = K_CHOICE, FIELD(log_level), .min = 1, .choices = log_levels},
    {.name = "log_file", .kind = K_STR, FIELD(log_file), .min = 0},
    {.name = "access_log", .kind = K_GROUP, .group = access_log_keys},
    {.name = "user", .kind = K_STR, FIELD(user), .min = 0},
    {.name = "group", .kind = K_STR, FIELD(group), .min = 0},
    {.name = "transport", .kind = K_GROUP, .group = transport_keys},
    {.name = "tcp", .kind = K_GROUP, .group = tcp_keys},
    {.name = "registry", .kind = K_GROUP, .group = registry_keys},
    {.name = "site", .kind = K_GROUP, .group = site_keys},
    {.name = "http", .kind = K_GROUP, .group = http_keys},
    {.name = "limits", .kind = K_GROUP, .group = limits_keys},
    {.name = "resolver", .kind = K_GROUP, .group = resolver_keys},
    {.name = "dns", .kind = K_GROUP, .group = dns_keys},
    {.name = "server_admins", .kind = K_ADMINS, .min = 0, .max = CONF_MAX_ADMINS},
    {.name = "replication", .kind = K_GROUP, .group = replication_keys},
    {.name = "replication_admins", .kind = K_REPL_ADMINS, .min = 0, .max = CONF_MAX_ADMINS},
    {0},
};

struct loader {
    struct conf *c;
    const char *path;
    char *err;
    size_t errlen;
    conf_report_fn report; /* set: every problem goes there and the walk goes on */
    void *ctx;
    int problems;
};

static int fail_at(struct loader *L, const config_setting_t *s, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int fail_at(struct loader *L, const config_setting_t *s, int code, const char *fmt, ...)
{
    const char *file = config_setting_source_file(s);
    int n = snprintf(L->err, L->errlen, "%s:%u: ", file ? file : L->path,
                     (unsigned)config_setting_source_line(s));
    if (n >= 0 && (size_t)n < L->errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(L->err + n, L->errlen - (size_t)n, fmt, ap);
        va_end(ap);
    }
    if (L->report) {
        L->report(L->ctx, L->err);
        L->problems++;
    }
    return code;
}

/* conf_fail_fn over fail_at, for conf_site_servers.c. */
static int fail_msg(void *ctx, const config_setting_t *s, int code, const char *msg)
{
    return fail_at(ctx, s, code, "%s", msg);
}

static void *field(struct loader *L, const struct key *k)
{
    return (char *)L->c + k->off;
}

static int load_number(struct loader *L, const config_setting_t *s, const struct key *k,
                       const char *name)
{
    int type = config_setting_type(s);
    if (type != CONFIG_TYPE_INT && type != CONFIG_TYPE_INT64)
        return fail_at(L, s, CONF_ERR_VALUE, "%s must be an integer from %" PRId64 " to %" PRId64,
                       name, k->min, k->max);
    long long v = config_setting_get_int64(s);
    if (v < k->min || v > k->max)
        return fail_at(L, s, CONF_ERR_VALUE,
                       "%s = %lld is out of range (%" PRId64 " to %" PRId64 ")", name, v, k->min,
                       k->max);
    if (k->kind == K_INT)
        *(int *)field(L, k) = (int)v;
    else if (k->kind == K_U16)
        *(uint16_t *)field(L, k) = (uint16_t)v;
    else
        *(uint32_t *)field(L, k) = (uint32_t)v;
    return CONF_OK;
}

static int load_string(struct loader *L, const config_setting_t *s, const struct key *k,
                       const char *name)
{
    if (config_setting_type(s) != CONFIG_TYPE_STRING)
        return fail_at(L, s, CONF_ERR_VALUE, "%s must be a string", name);
    const char *v = config_setting_get_string(s);
    size_t n = strlen(v);
    if (n < (size_t)k->min)
        return fail_at(L, s, CONF_ERR_VALUE, "%s must not be empty", name);
    if (n >= k->size)
        return fail_at(L, s, CONF_ERR_VALUE, "%s is too long (at most %zu bytes)", name,
                       k->size - 1);

    if (k->kind == K_CHOICE) {
        size_t i = 0;
        char all[128] = "";
        while (k->choices[i] && strcmp(v, k->choices[i]) != 0) {
            size_t used = strlen(all);
            snprintf(all + used, sizeof all - used, "%s%s", used ? ", " : "", k->choices[i]);
            i++;
        }
        if (!k->choices[i])
            return fail_at(L, s, CONF_ERR_VALUE, "%s '%s' is not one of %s", name, v, all);
    }
    if (k->kind == K_ADDRESS && n > 0 && !conf_valid_address(v) && !conf_valid_hostname(v))
        return fail_at(L, s, CONF_ERR_VALUE,
                       "%s '%s' is neither a numeric IPv4 or IPv6 address nor a host name",
                       name, v);
    if (k->kind == K_URL && n > 0 && !conf_valid_public_url(v))
        return fail_at(L, s, CONF_ERR_VALUE,
                       "%s '%s' is not a URL \"http://host[:port][/path]\" or \"https://...\" "
                       "(printable ASCII, no spaces, '?', '#' or '%%')",
                       name, v);
    memcpy(field(L, k), v, n + 1);
    return CONF_OK;
}

/*
 * listen, server_admins and replication_admins: an array of strings. An entry's error carries the array's line and
 * the entry's position: libconfig stamps an element with the line of the token after it (it
 * looks ahead for adjacent strings to concatenate), which is the next line for the last one.
 */
static int load_list(struct loader *L, const config_setting_t *s, const struct key *k,
                     const char *name)
{
    int type = config_setting_type(s);
    if (type != CONFIG_TYPE_ARRAY && type != CONFIG_TYPE_LIST)
        return fail_at(L, s, CONF_ERR_VALUE, "%s must be an array of strings [ \"...\", ... ]",
                       name);
    int n = config_setting_length(s);
    if (n < k->min)
        return fail_at(L, s, CONF_ERR_VALUE, "%s needs at least %" PRId64 " entry", name, k->min);
    if (n > k->max)
        return fail_at(L, s, CONF_ERR_VALUE, "%s has %d entries; at most %" PRId64 " are allowed",
                       name, n, k->max);

    /* Parsed into scratch space so that a bad entry leaves the current list alone. */
    struct conf_endpoint eps[CONF_MAX_LISTEN];
    struct conf_identity ids[CONF_MAX_ADMINS];
    struct conf_net nets[CONF_MAX_NETS];
    struct conf_hostport hps[CONF_MAX_ROOTS];
    for (int i = 0; i < n; i++) {
        const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
        if (config_setting_type(e) != CONFIG_TYPE_STRING)
            return fail_at(L, s, CONF_ERR_VALUE, "%s[%d] must be a string", name, i);
        const char *v = config_setting_get_string(e);
        if (k->kind == K_NETS && conf_parse_net(v, &nets[i]) != 0)
            return fail_at(L, s, CONF_ERR_VALUE,
                           "%s[%d] '%s' is not a network \"ADDR/LEN\" (e.g. \"192.0.2.0/24\", "
                           "\"2001:db8::/32\")",
                           name, i, v);
        if ((k->kind == K_ROOTS || k->kind == K_REPL_FROM) &&
            conf_parse_hostport(v, &hps[i]) != 0)
            return fail_at(L, s, CONF_ERR_VALUE,
                           "%s[%d] '%s' is not \"HOST:PORT\" or \"[IPV6ADDR]:PORT\" with a DNS "
                           "name or numeric address and a port from 1 to 65535",
                           name, i, v);
        bool admins = k->kind == K_ADMINS || k->kind == K_REPL_ADMINS;
        if (!admins && k->kind != K_NETS && k->kind != K_ROOTS && k->kind != K_REPL_FROM &&
            conf_parse_endpoint(v, &eps[i]) != 0)
            return fail_at(L, s, CONF_ERR_VALUE,
                           "%s[%d] '%s' is not \"ADDR:PORT\" or \"[IPV6ADDR]:PORT\" with a "
                           "numeric address and a port from 1 to 65535 (host names are not "
                           "resolved)",
                           name, i, v);
        if (admins && conf_parse_identity(v, &ids[i]) != 0)
            return fail_at(L, s, CONF_ERR_VALUE,
                           "%s[%d] '%s' is not \"index:handle\" (e.g. \"300:" HNAME_NA_PREFIX
                           "88.100.1\")",
                           name, i, v);
    }
    if (k->kind == K_LISTEN) {
        memcpy(L->c->listen, eps, (size_t)n * sizeof eps[0]);
        L->c->listen_count = n;
    } else if (k->kind == K_HTTP) {
        memcpy(L->c->http_listen, eps, (size_t)n * sizeof eps[0]);
        L->c->http_listen_count = n;
    } else if (k->kind == K_HTTPS) {
        memcpy(L->c->https_listen, eps, (size_t)n * sizeof eps[0]);
        L->c->https_listen_count = n;
    } else if (k->kind == K_NETS) {
        memcpy(L->c->udp_exempt, nets, (size_t)n * sizeof nets[0]);
        L->c->udp_exempt_count = n;
    } else if (k->kind == K_ROOTS) {
        memcpy(L->c->roots, hps, (size_t)n * sizeof hps[0]);
        L->c->root_count = n;
    } else if (k->kind == K_REPL_FROM) {
        for (int i = 0; i < n; i++) {
            /* snprintf: the bytes after the name stay zero, so a reload compares whole
             * entries (conf_reload.c). */
            snprintf(L->c->replication.from[i].host, sizeof L->c->replication.from[i].host, "%s",
                     hps[i].host);
            L->c->replication.from[i].port = hps[i].port;
        }
        L->c->replication.from_count = n;
    } else if (k->kind == K_DNS) {
        memcpy(L->c->dns_servers, eps, (size_t)n * sizeof eps[0]);
        L->c->dns_server_count = n;
    } else if (k->kind == K_REPL_ADMINS) {
        memcpy(L->c->repl_admins, ids, (size_t)n * sizeof ids[0]);
        L->c->repl_admin_count = n;
    } else {
        memcpy(L->c->admins, ids, (size_t)n * sizeof ids[0]);
        L->c->admin_count = n;
    }
    return CONF_OK;
}

/* Stops at the first problem, or with a report function walks on and returns the first one. */
static int load_group(struct loader *L, const config_setting_t *group, const struct key *keys,
                      const char *prefix)
{
    int first = CONF_OK;
    int n = config_setting_length(group);
    for (int i = 0; i < n; i++) {
        const config_setting_t *s = config_setting_get_elem(group, (unsigned)i);
        const char *leaf = config_setting_name(s);
        char name[128];
        snprintf(name, sizeof name, "%s%s%s", prefix, *prefix ? "." : "", leaf ? leaf : "?");

        const struct key *k = keys;
        while (k->name && (!leaf || strcmp(k->name, leaf) != 0))
            k++;
        int err;
        if (!k->name) {
            err = fail_at(L, s, CONF_ERR_UNKNOWN, "unknown key '%s'", name);
        } else {
            switch (k->kind) {
            case K_INT:
            case K_U16:
            case K_U32:
                err = load_number(L, s, k, name);
                break;
            case K_BOOL:
                if (config_setting_type(s) != CONFIG_TYPE_BOOL) {
                    err = fail_at(L, s, CONF_ERR_VALUE, "%s must be true or false", name);
                    break;
                }
                *(bool *)field(L, k) = config_setting_get_bool(s) != 0;
                err = CONF_OK;
                break;
            case K_STR:
            case K_CHOICE:
            case K_ADDRESS:
            case K_URL:
                err = load_string(L, s, k, name);
                break;
            case K_LISTEN:
            case K_HTTP:
            case K_HTTPS:
            case K_ADMINS:
            case K_REPL_ADMINS:
            case K_NETS:
            case K_ROOTS:
            case K_DNS:
            case K_REPL_FROM:
                err = load_list(L, s, k, name);
                break;
            case K_HASH:
                err = conf_site_hash_load(s, L->c, fail_msg, L);
                break;
            case K_SERVERS:
                err = conf_site_servers_load(s, L->c, fail_msg, L);
                break;
            case K_IDENTITY: {
                struct conf_identity id;
                const char *v = config_setting_type(s) == CONFIG_TYPE_STRING
                                    ? config_setting_get_string(s)
                                    : NULL;
                if (!v || conf_parse_identity(v, &id) != 0) {
                    err = fail_at(L, s, CONF_ERR_VALUE,
                                  "%s '%s' is not \"index:handle\" (e.g. \"300:" HNAME_NA_PREFIX
                                  "88.100.1\")",
                                  name, v ? v : "(not a string)");
                    break;
                }
                L->c->replication.admin_index = id.index;
                memcpy(L->c->replication.admin_handle, id.handle, sizeof id.handle);
                err = CONF_OK;
                break;
            }
            case K_GROUP:
            default:
                if (config_setting_type(s) != CONFIG_TYPE_GROUP) {
                    err = fail_at(L, s, CONF_ERR_VALUE, "%s must be a group: %s { ... };", name,
                                  name);
                    break;
                }
                err = load_group(L, s, k->group, name);
                if (err == CONF_OK && k->group == replication_keys) {
                    char msg[256];
                    if (conf_replication_finish(&L->c->replication, msg, sizeof msg) != 0)
                        err = fail_at(L, s, CONF_ERR_VALUE, "%s", msg);
                }
                break;
            }
        }
        if (err && !L->report)
            return err;
        if (err && !first)
            first = err;
    }
    return first;
}

/* Reads path; on a read or syntax error returns its code with the message in err (and given to
 * report), else walks the keys into a copy of c that replaces c when no key failed (with
 * report: always, bad keys keeping their current values). */
static int load_file(struct conf *c, const char *path, char *err, size_t errlen,
                     conf_report_fn report, void *ctx, int *problems)
{
    config_t cfg;
    config_init(&cfg);
    if (config_read_file(&cfg, path) != CONFIG_TRUE) {
        int saved_errno = errno;
        int code;
        if (config_error_type(&cfg) == CONFIG_ERR_FILE_IO) {
            snprintf(err, errlen, "%s: cannot read: %s", path, strerror(saved_errno));
            code = CONF_ERR_IO;
        } else {
            const char *file = config_error_file(&cfg);
            snprintf(err, errlen, "%s:%d: %s", file ? file : path, config_error_line(&cfg),
                     config_error_text(&cfg));
            code = CONF_ERR_SYNTAX;
        }
        config_destroy(&cfg);
        if (report) {
            report(ctx, err);
            (*problems)++;
        }
        return code;
    }

    struct conf next = *c;
    struct loader L = {&next, path, err, errlen, report, ctx, 0};
    int code = load_group(&L, config_root_setting(&cfg), root_keys, "");
    if (code == CONF_OK || report) {
        const config_setting_t *servers = config_lookup(&cfg, "site.servers");
        int site = conf_site_servers_finish(servers ? servers : config_root_setting(&cfg), &next,
                                            fail_msg, &L);
        if (code == CONF_OK)
            code = site;
    }
    *problems += L.problems;
    if (config_lookup(&cfg, "site.key_file"))
        next.server_key_named = true;
    config_destroy(&cfg);
    if (code == CONF_OK || report) {
        *c = next;
        conf_place_server_key(c);
    }
    return code;
}

int conf_load(struct conf *c, const char *path, char *err, size_t errlen)
{
    int problems = 0;
    return load_file(c, path, err, errlen, NULL, NULL, &problems);
}

int conf_load_all(struct conf *c, const char *path, conf_report_fn report, void *ctx)
{
    char err[1024];
    int problems = 0;
    load_file(c, path, err, sizeof err, report, ctx, &problems);
    return problems;
}

void conf_place_server_key(struct conf *c)
{
    if (c->server_key_named)
        return;
    /* The directory part of data_dir, trailing slashes ("var/registry/") ignored. */
    size_t end = strlen(c->data_dir);
    while (end > 1 && c->data_dir[end - 1] == '/')
        end--;
    while (end > 0 && c->data_dir[end - 1] != '/')
        end--;
    while (end > 1 && c->data_dir[end - 1] == '/')
        end--;
    if (end == 0)
        snprintf(c->server_key_file, sizeof c->server_key_file, "server_key.pem");
    else if (end == 1 && c->data_dir[0] == '/')
        snprintf(c->server_key_file, sizeof c->server_key_file, "/server_key.pem");
    else
        snprintf(c->server_key_file, sizeof c->server_key_file, "%.*s/server_key.pem", (int)end,
                 c->data_dir);
}
