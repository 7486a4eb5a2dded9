/* Which keys of a configuration read again take a restart, and whether they changed. */
#include "conf/conf_reload.h"

#include <stddef.h>
#include <string.h>

enum kind {
    NUM,   /* a number or a flag: compared by value */
    STR,   /* a string */
    EPS,   /* an endpoint list (count_off: its int count) */
    NETS,  /* a network list */
    ROOTS, /* a HOST:PORT list */
    SITE,  /* site.servers */
};

struct restart_key {
    const char *name;
    enum kind kind;
    size_t off, size, count_off;
};

#define AT(f) .off = offsetof(struct conf, f), .size = sizeof(((struct conf *)0)->f)
#define LIST(f, n) AT(f), .count_off = offsetof(struct conf, n)

static const struct restart_key keys[] = {
    {"data_dir", STR, AT(data_dir)},
    {"import_dir", STR, AT(import_dir)},
    {"threads", NUM, AT(threads)},
    {"listen", EPS, LIST(listen, listen_count)},
    {"user", STR, AT(user)},
    {"group", STR, AT(group)},
    {"transport.udp", NUM, AT(udp)},
    {"transport.tcp", NUM, AT(tcp)},
    {"tcp.idle_timeout", NUM, AT(tcp_idle_timeout_s)},
    {"tcp.max_connections", NUM, AT(tcp_max_connections)},
    {"tcp.max_message_bytes", NUM, AT(max_message_bytes)},
    {"tcp.max_connections_per_source", NUM, AT(tcp_max_per_source)},
    {"tcp.message_timeout", NUM, AT(tcp_message_timeout_s)},
    {"registry.block_cache_mb", NUM, AT(block_cache_mb)},
    {"registry.resident_mb", NUM, AT(resident_mb)},
    {"registry.resident_expanded", NUM, AT(resident_expanded)},
    {"registry.bloom_bits_per_key", NUM, AT(bloom_bits_per_key)},
    {"registry.block_size_kb", NUM, AT(block_size_kb)},
    {"registry.case_sensitive", NUM, AT(case_sensitive)},
    {"registry.sync", NUM, AT(sync_writes)},
    {"registry.statistics", NUM, AT(registry_statistics)},
    {"registry.block_cache_type", STR, AT(block_cache_type)},
    {"registry.index_layout", STR, AT(index_layout)},
    {"registry.bottommost_compression", STR, AT(bottommost_compression)},
    {"site.server_id", NUM, AT(server_id)},
    {"site.serial", NUM, AT(site_serial)},
    {"site.description", STR, AT(site_description)},
    {"site.key_file", STR, AT(server_key_file)},
    {"site.address", STR, AT(advertise_address)},
    {"site.primary", NUM, AT(site_primary)},
    {"site.multi_primary", NUM, AT(site_multi_primary)},
    {"site.hash", NUM, AT(site_hash)},
    {"site.servers", SITE, LIST(site_servers, site_server_count)},
    {"http.listen", EPS, LIST(http_listen, http_listen_count)},
    {"http.https_listen", EPS, LIST(https_listen, https_listen_count)},
    {"http.max_header_bytes", NUM, AT(http_max_header_bytes)},
    {"http.max_body_bytes", NUM, AT(http_max_body_bytes)},
    {"http.timeout", NUM, AT(http_timeout_s)},
    {"http.http2", NUM, AT(http2)},
    {"http.batch_max_body_bytes", NUM, AT(http_batch_max_body_bytes)},
    {"http.max_connections_per_source", NUM, AT(http_max_per_source)},
    {"http.request_timeout", NUM, AT(http_request_timeout_s)},
    {"http.public_url", STR, AT(http_public_url)},
    {"limits.udp_exempt", NETS, LIST(udp_exempt, udp_exempt_count)},
    {"resolver.recursion", NUM, AT(recursion)},
    {"resolver.root", ROOTS, LIST(roots, root_count)},
    {"resolver.cache_mb", NUM, AT(recursion_cache_mb)},
    {"dns.servers", EPS, LIST(dns_servers, dns_server_count)},
    {"dns.timeout_ms", NUM, AT(dns_timeout_ms)},
    {"log_file", STR, AT(log_file)},
    {"access_log.file", STR, AT(access_log_file)},
    {"access_log.sample", NUM, AT(access_log_sample)},
    {"replication", NUM, AT(replication.enabled)},
    {"replication.from", NUM, AT(replication.from)},
    {"replication.admin index", NUM, AT(replication.admin_index)},
    {"replication.admin", STR, AT(replication.admin_handle)},
    {"replication.key_file", STR, AT(replication.key_file)},
    {"replication.interval_ms", NUM, AT(replication.interval_ms)},
    {"replication.timeout_ms", NUM, AT(replication.timeout_ms)},
    {"replication.mode", STR, AT(replication.mode)},
};

/* Lists are compared entry by entry and field by field: padding bytes carry no meaning. */
static bool same_list(const struct restart_key *k, const char *a, const char *b)
{
    int n = *(const int *)(a + k->count_off);
    if (n != *(const int *)(b + k->count_off))
        return false;
    for (int i = 0; i < n; i++) {
        if (k->kind == EPS) {
            const struct conf_endpoint *x = (const struct conf_endpoint *)(a + k->off) + i;
            const struct conf_endpoint *y = (const struct conf_endpoint *)(b + k->off) + i;
            if (x->port != y->port || strcmp(x->host, y->host) != 0)
                return false;
        } else if (k->kind == ROOTS) {
            const struct conf_hostport *x = (const struct conf_hostport *)(a + k->off) + i;
            const struct conf_hostport *y = (const struct conf_hostport *)(b + k->off) + i;
            if (x->port != y->port || strcmp(x->host, y->host) != 0)
                return false;
        } else if (k->kind == SITE) {
            const struct conf_site_server *x = (const struct conf_site_server *)(a + k->off) + i;
            const struct conf_site_server *y = (const struct conf_site_server *)(b + k->off) + i;
            if (x->id != y->id || x->port != y->port || x->http_port != y->http_port ||
                strcmp(x->address, y->address) != 0 || x->public_key_len != y->public_key_len ||
                memcmp(x->public_key, y->public_key, x->public_key_len) != 0)
                return false;
        } else {
            const struct conf_net *x = (const struct conf_net *)(a + k->off) + i;
            const struct conf_net *y = (const struct conf_net *)(b + k->off) + i;
            if (x->family != y->family || x->bits != y->bits ||
                memcmp(x->addr, y->addr, sizeof x->addr) != 0)
                return false;
        }
    }
    return true;
}

static bool same(const struct restart_key *k, const struct conf *was, const struct conf *now)
{
    const char *a = (const char *)was, *b = (const char *)now;
    switch (k->kind) {
    case NUM:
        return memcmp(a + k->off, b + k->off, k->size) == 0;
    case STR:
        return strncmp(a + k->off, b + k->off, k->size) == 0;
    default:
        return same_list(k, a, b);
    }
}

int conf_restart_changes(const struct conf *was, const struct conf *now, conf_report_fn report,
                         void *ctx)
{
    int changed = 0;
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        if (!same(&keys[i], was, now)) {
            report(ctx, keys[i].name);
            changed++;
        }
    }
    return changed;
}
