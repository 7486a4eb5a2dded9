/* The tables of conf_keys.h: every key of the configuration file. */
#include "conf/conf_keys.h"

#include "conf/conf.h"

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

const struct key conf_replication_keys[] = {
    {.name = "from", .kind = K_REPL_FROM, .min = 1, .max = CONF_MAX_REPL_SOURCES},
    {.name = "admin", .kind = K_IDENTITY},
    {.name = "key_file", .kind = K_STR, FIELD(replication.key_file), .min = 1},
    {.name = "interval_ms",
     .kind = K_U32,
     FIELD(replication.interval_ms),
     .min = 10,
     .max = 86400000},
    {.name = "timeout_ms",
     .kind = K_U32,
     FIELD(replication.timeout_ms),
     .min = 100,
     .max = 3600000},
    {.name = "mode", .kind = K_CHOICE, FIELD(replication.mode), .min = 1, .choices = repl_modes},
    {0},
};

const struct key conf_root_keys[] = {
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
    {.name = "replication", .kind = K_GROUP, .group = conf_replication_keys},
    {.name = "replication_admins", .kind = K_REPL_ADMINS, .min = 0, .max = CONF_MAX_ADMINS},
    {0},
};
