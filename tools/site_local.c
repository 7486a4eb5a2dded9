/* The node's site as the tools build it: configuration, command-line listeners, key, lookup. */
#include "tools/site_local.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "client/host_lookup.h"
#include "conf/conf_site.h"
#include "crypto/key.h"
#include "crypto/server_key.h"
#include "tools/offline.h"

int site_local_add(struct site_local *o, int is_http, const char *arg)
{
    int *count = is_http ? &o->http_count : &o->listen_count;
    if (*count == CONF_MAX_LISTEN) {
        fprintf(stderr, "pazhou: at most %d --%s endpoints\n", CONF_MAX_LISTEN,
                is_http ? "http" : "listen");
        return -1;
    }
    (is_http ? o->http : o->listen)[(*count)++] = arg;
    return 0;
}

static int override(const char *flag, const char *const *args, int n,
                    struct conf_endpoint *eps, int *count)
{
    int bad = 0;
    if (conf_override_endpoints(args, n, eps, count, &bad) == 0)
        return 0;
    fprintf(stderr, "pazhou: %s %s: expected ADDR:PORT or [ADDR]:PORT\n", flag,
            bad < n ? args[bad] : "(too many)");
    return -1;
}

int site_local_conf(const struct site_local *o, struct conf *c)
{
    if (offline_conf(c, o->conf_path) != 0)
        return -1;
    if (o->data_dir)
        snprintf(c->data_dir, sizeof c->data_dir, "%s", o->data_dir);
    conf_place_server_key(c);
    if (o->listen_count == 1 && strcmp(o->listen[0], "off") == 0) {
        fprintf(stderr, "pazhou: --listen needs ADDR:PORT\n");
        return -1;
    }
    if (override("--listen", o->listen, o->listen_count, c->listen, &c->listen_count) != 0 ||
        override("--http", o->http, o->http_count, c->http_listen, &c->http_listen_count) != 0)
        return -1;
    return 0;
}

int site_local_bytes(const struct conf *conf, bool say_new_key, uint8_t **site, size_t *len)
{
    static struct conf c;
    c = *conf;
    char err[512];
    bool existed = access(c.server_key_file, F_OK) == 0;
    EVP_PKEY *key = NULL;
    if (server_key_load_or_create(c.server_key_file, &key, err, sizeof err) != 0) {
        fprintf(stderr, "pazhou: %s\n", err);
        return -1;
    }
    if (!existed && say_new_key)
        fprintf(stderr, "pazhou: made the server key %s (pazhoud will use it)\n",
                c.server_key_file);
    if (!conf_valid_address(conf_advertise_address(&c))) {
        /* A name in site.address: the record holds the address it has now, as pazhoud does. */
        char servers[1024], addr[CONF_ADDR_MAX];
        conf_dns_servers_csv(&c, servers, sizeof servers);
        int e =
            host_lookup_text(c.advertise_address, servers, c.dns_timeout_ms * 3, addr, sizeof addr);
        if (e != 0) {
            fprintf(stderr, "pazhou: site.address %s: %s\n", c.advertise_address, pz_strerror(e));
            cry_key_free(key);
            return -1;
        }
        snprintf(c.advertise_address, sizeof c.advertise_address, "%s", addr);
    }
    int rc = conf_site_build(&c, key, site, len, err, sizeof err);
    cry_key_free(key);
    if (rc != 0) {
        fprintf(stderr, "pazhou: %s\n", err);
        return -1;
    }
    return 0;
}
