/*
 * A site of several servers in the configuration: site.hash, site.servers and the checks that
 * tie the list to this node (site.server_id, its listeners, its key). What HS_SITE makes of them
 * is conf_site.c's business.
 */
#include "conf/conf_site_servers.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libconfig.h>

#include "crypto/key.h"
#include "proto/hdl_buf.h"
#include "proto/hdl_site.h"

static const struct {
    const char *name;
    uint8_t hash;
} hashes[] = {
    {"prefix", HDL_HASH_BY_PREFIX},
    {"suffix", HDL_HASH_BY_SUFFIX},
    {"handle", HDL_HASH_BY_HANDLE},
};

const char *conf_site_hash_name(uint8_t hash)
{
    for (size_t i = 0; i < sizeof hashes / sizeof hashes[0]; i++)
        if (hashes[i].hash == hash)
            return hashes[i].name;
    return "?";
}

int conf_site_hash_load(const config_setting_t *s, struct conf *c, conf_fail_fn fail, void *ctx)
{
    const char *v =
        config_setting_type(s) == CONFIG_TYPE_STRING ? config_setting_get_string(s) : NULL;
    for (size_t i = 0; v && i < sizeof hashes / sizeof hashes[0]; i++) {
        if (strcmp(v, hashes[i].name) == 0) {
            c->site_hash = hashes[i].hash;
            return CONF_OK;
        }
    }
    return fail(ctx, s, CONF_ERR_VALUE,
                "site.hash must be \"prefix\", \"suffix\" or \"handle\" (which part of a handle "
                "picks its server)");
}

/* The same numeric address (IPv4 and IPv6 spelt any way); false when either does not parse. */
static bool same_address(const char *a, const char *b)
{
    uint8_t x[16], y[16];
    int fa = strchr(a, ':') ? AF_INET6 : AF_INET, fb = strchr(b, ':') ? AF_INET6 : AF_INET;
    return fa == fb && inet_pton(fa, a, x) == 1 && inet_pton(fb, b, y) == 1 &&
           memcmp(x, y, fa == AF_INET ? 4 : 16) == 0;
}

/* The key in the file at path (PEM public key or certificate, the binary layout, or a PEM
 * private key) in the HS_SITE layout into srv. Returns 0, or -1 with a message in msg. */
static int read_public_key(struct conf_site_server *srv, char *msg, size_t msglen)
{
    const char *path = srv->public_key_file;
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(msg, msglen, "cannot read the public key %s: %s", path, strerror(errno));
        return -1;
    }
    uint8_t raw[16384];
    size_t n = fread(raw, 1, sizeof raw, f);
    bool whole = feof(f) && !ferror(f);
    fclose(f);
    if (!whole) {
        snprintf(msg, msglen, "the public key %s is too large or unreadable", path);
        return -1;
    }
    EVP_PKEY *key = cry_pubkey_load(raw, n);
    if (!key) {
        char ignored[256];
        cry_private_key_load(path, NULL, &key, ignored, sizeof ignored);
    }
    if (!key) {
        snprintf(msg, msglen,
                 "%s holds no public key (PEM \"PUBLIC KEY\", a certificate, or a PEM private "
                 "key)",
                 path);
        return -1;
    }
    struct hdl_writer w;
    hdl_writer_init(&w, srv->public_key, sizeof srv->public_key);
    int rc = cry_pubkey_from_evp(&w, key);
    cry_key_free(key);
    if (rc != HDL_OK || hdl_writer_status(&w) != HDL_OK) {
        snprintf(msg, msglen,
                 "the key in %s is not an RSA or DSA key of at most %d bytes, which HS_SITE can "
                 "carry",
                 path, CONF_SITE_KEY_MAX);
        return -1;
    }
    srv->public_key_len = w.len;
    return 0;
}

/* An integer member in [min, max] into *out. Returns 0, or -1 with a message. */
static int member_int(const config_setting_t *m, const char *name, long long min, long long max,
                      long long *out, char *msg, size_t msglen)
{
    int t = config_setting_type(m);
    long long v =
        (t == CONFIG_TYPE_INT || t == CONFIG_TYPE_INT64) ? config_setting_get_int64(m) : min - 1;
    if (v < min || v > max) {
        snprintf(msg, msglen, "site.servers: %s must be an integer from %lld to %lld", name, min,
                 max);
        return -1;
    }
    *out = v;
    return 0;
}

/* A string member into buf (cap bytes), not empty. Returns 0, or -1 with a message. */
static int member_string(const config_setting_t *m, const char *name, char *buf, size_t cap,
                         char *msg, size_t msglen)
{
    const char *v =
        config_setting_type(m) == CONFIG_TYPE_STRING ? config_setting_get_string(m) : NULL;
    if (!v || !*v || strlen(v) >= cap) {
        snprintf(msg, msglen, "site.servers: %s must be a string of 1 to %zu bytes", name, cap - 1);
        return -1;
    }
    memcpy(buf, v, strlen(v) + 1);
    return 0;
}

/* One entry { ... } into srv; *at is the setting a problem is reported at. */
static int load_entry(const config_setting_t *e, struct conf_site_server *srv,
                      const config_setting_t **at, char *msg, size_t msglen)
{
    memset(srv, 0, sizeof *srv);
    srv->line = (int)config_setting_source_line(e);
    *at = e;
    if (config_setting_type(e) != CONFIG_TYPE_GROUP) {
        snprintf(msg, msglen,
                 "site.servers entries must be groups { id = N; address = \"...\"; port = N; "
                 "... }");
        return -1;
    }
    bool have_id = false;
    for (int i = 0; i < config_setting_length(e); i++) {
        const config_setting_t *m = config_setting_get_elem(e, (unsigned)i);
        const char *name = config_setting_name(m);
        long long v;
        *at = m;
        if (!name) {
            snprintf(msg, msglen, "site.servers: an entry member has no name");
            return -1;
        } else if (strcmp(name, "id") == 0) {
            if (member_int(m, name, 0, UINT32_MAX, &v, msg, msglen))
                return -1;
            srv->id = (uint32_t)v;
            have_id = true;
        } else if (strcmp(name, "address") == 0) {
            if (member_string(m, name, srv->address, sizeof srv->address, msg, msglen))
                return -1;
            if (!conf_valid_address(srv->address)) {
                snprintf(msg, msglen,
                         "site.servers: address '%s' is not a numeric IPv4 or IPv6 address "
                         "(HS_SITE carries addresses, not names)",
                         srv->address);
                return -1;
            }
        } else if (strcmp(name, "port") == 0) {
            if (member_int(m, name, 1, 65535, &v, msg, msglen))
                return -1;
            srv->port = (uint16_t)v;
        } else if (strcmp(name, "http_port") == 0) {
            if (member_int(m, name, 1, 65535, &v, msg, msglen))
                return -1;
            srv->http_port = (uint16_t)v;
        } else if (strcmp(name, "public_key") == 0) {
            if (member_string(m, name, srv->public_key_file, sizeof srv->public_key_file, msg,
                              msglen) ||
                read_public_key(srv, msg, msglen))
                return -1;
        } else {
            snprintf(msg, msglen,
                     "site.servers: unknown key '%s' (id, address, port, http_port, public_key)",
                     name);
            return -1;
        }
    }
    *at = e;
    if (!have_id) {
        snprintf(msg, msglen, "site.servers: an entry needs its id");
        return -1;
    }
    return 0;
}

int conf_site_servers_load(const config_setting_t *s, struct conf *c, conf_fail_fn fail, void *ctx)
{
    char msg[1400];
    int type = config_setting_type(s);
    if (type != CONFIG_TYPE_LIST)
        return fail(ctx, s, CONF_ERR_VALUE,
                    "site.servers must be a list ( { id = 1; address = \"...\"; port = 2641; "
                    "... }, ... )");
    int n = config_setting_length(s);
    if (n < 1 || n > CONF_MAX_SITE_SERVERS) {
        snprintf(msg, sizeof msg, "site.servers has %d entries; from 1 to %d are allowed", n,
                 CONF_MAX_SITE_SERVERS);
        return fail(ctx, s, CONF_ERR_VALUE, msg);
    }
    /* Built aside (the list is large) so that a bad entry leaves the current one alone. */
    struct conf_site_server *list = calloc((size_t)n, sizeof *list);
    if (!list)
        return fail(ctx, s, CONF_ERR_VALUE, "out of memory reading site.servers");
    for (int i = 0; i < n; i++) {
        const config_setting_t *at;
        if (load_entry(config_setting_get_elem(s, (unsigned)i), &list[i], &at, msg, sizeof msg) !=
            0) {
            free(list);
            return fail(ctx, at, CONF_ERR_VALUE, msg);
        }
        for (int j = 0; j < i; j++) {
            if (list[j].id == list[i].id)
                snprintf(msg, sizeof msg,
                         "site.servers: id %u is already the id of the entry at line %d",
                         (unsigned)list[i].id, list[j].line);
            else if (list[i].port && list[j].port == list[i].port && list[i].address[0] &&
                     same_address(list[j].address, list[i].address))
                snprintf(msg, sizeof msg,
                         "site.servers: %s port %u is already the server at line %d",
                         list[i].address, (unsigned)list[i].port, list[j].line);
            else
                continue;
            free(list);
            return fail(ctx, config_setting_get_elem(s, (unsigned)i), CONF_ERR_VALUE, msg);
        }
    }
    memcpy(c->site_servers, list, (size_t)n * sizeof *list);
    c->site_server_count = n;
    free(list);
    return CONF_OK;
}

const char *conf_site_self_address(const struct conf *c)
{
    if (c->site_self >= 0 && c->site_self < c->site_server_count &&
        c->site_servers[c->site_self].address[0])
        return c->site_servers[c->site_self].address;
    return conf_advertise_address(c);
}

uint16_t conf_site_self_port(const struct conf *c)
{
    if (c->site_self >= 0 && c->site_self < c->site_server_count &&
        c->site_servers[c->site_self].port)
        return c->site_servers[c->site_self].port;
    return c->listen_count ? c->listen[0].port : 2641;
}

uint16_t conf_site_self_http_port(const struct conf *c)
{
    if (c->site_self >= 0 && c->site_self < c->site_server_count &&
        c->site_servers[c->site_self].http_port)
        return c->site_servers[c->site_self].http_port;
    return c->http_listen_count ? c->http_listen[0].port : 0;
}

int conf_site_self_check(const struct conf *c, EVP_PKEY *key, char *err, size_t errlen)
{
    if (c->site_server_count == 0 || c->site_self < 0)
        return 0;
    const struct conf_site_server *me = &c->site_servers[c->site_self];
    if (me->address[0]) {
        bool ok = false;
        if (c->advertise_address[0])
            ok = same_address(me->address, c->advertise_address);
        for (int i = 0; !ok && !c->advertise_address[0] && i < c->listen_count; i++) {
            static const uint8_t zero[16];
            uint8_t a[16] = {0};
            const char *h = c->listen[i].host;
            inet_pton(strchr(h, ':') ? AF_INET6 : AF_INET, h, a);
            ok = same_address(me->address, h) || memcmp(a, zero, sizeof zero) == 0;
        }
        if (!ok) {
            snprintf(err, errlen,
                     "site.servers: the entry of this server (id %u) has address %s, which is "
                     "neither site.address nor a listen address",
                     (unsigned)me->id, me->address);
            return -1;
        }
    }
    if (me->port) {
        bool ok = false;
        for (int i = 0; i < c->listen_count; i++)
            ok = ok || c->listen[i].port == me->port;
        if (!ok) {
            snprintf(err, errlen,
                     "site.servers: the entry of this server (id %u) has port %u, which is not a "
                     "listen port",
                     (unsigned)me->id, (unsigned)me->port);
            return -1;
        }
    }
    if (me->http_port) {
        bool ok = false;
        for (int i = 0; i < c->http_listen_count; i++)
            ok = ok || c->http_listen[i].port == me->http_port;
        if (!ok) {
            snprintf(err, errlen,
                     "site.servers: the entry of this server (id %u) has http_port %u, which is "
                     "not an http.listen port",
                     (unsigned)me->id, (unsigned)me->http_port);
            return -1;
        }
    }
    if (key && me->public_key_len) {
        uint8_t own[CONF_SITE_KEY_MAX];
        struct hdl_writer w;
        hdl_writer_init(&w, own, sizeof own);
        if (cry_pubkey_from_evp(&w, key) != HDL_OK || hdl_writer_status(&w) != HDL_OK ||
            w.len != me->public_key_len || memcmp(own, me->public_key, w.len) != 0) {
            snprintf(err, errlen,
                     "site.servers: the public key of this server's entry (id %u, %s) is not the "
                     "public half of the server key %s",
                     (unsigned)me->id, me->public_key_file, c->server_key_file);
            return -1;
        }
    }
    return 0;
}

/* Entry i of the list, or the list itself when it has no such entry. */
static const config_setting_t *entry_at(const config_setting_t *servers, int i)
{
    const config_setting_t *e = config_setting_get_elem(servers, (unsigned)i);
    return e ? e : servers;
}

int conf_site_servers_finish(const config_setting_t *servers, struct conf *c, conf_fail_fn fail,
                             void *ctx)
{
    c->site_self = -1;
    for (int i = 0; i < c->site_server_count; i++)
        if (c->site_servers[i].id == c->server_id)
            c->site_self = i;
    if (c->site_server_count == 0)
        return CONF_OK;
    char msg[1400];
    if (c->site_self < 0) {
        snprintf(msg, sizeof msg, "site.server_id %u is not the id of any site.servers entry",
                 (unsigned)c->server_id);
        return fail(ctx, servers, CONF_ERR_VALUE, msg);
    }
    for (int i = 0; i < c->site_server_count; i++) {
        const struct conf_site_server *s = &c->site_servers[i];
        const char *missing = !s->address[0]       ? "address"
                              : !s->port           ? "port"
                              : !s->public_key_len ? "public_key"
                                                   : NULL;
        if (i == c->site_self || !missing)
            continue;
        snprintf(msg, sizeof msg,
                 "site.servers: the entry of server %u needs its %s (only this server's own "
                 "entry may leave it to the node's listeners and key)",
                 (unsigned)s->id, missing);
        return fail(ctx, entry_at(servers, i), CONF_ERR_VALUE, msg);
    }
    if (conf_site_self_check(c, NULL, msg, sizeof msg) != 0)
        return fail(ctx, entry_at(servers, c->site_self), CONF_ERR_VALUE, msg);
    return CONF_OK;
}
