#include "conf/conf_site.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf/conf_site_servers.h"
#include "crypto/key.h"
#include "proto/hdl_const.h"
#include "proto/hdl_pubkey.h"
#include "proto/hdl_site.h"

/* IPv4 travels as 12 zero bytes and the 4 address bytes, not as ::ffff:a.b.c.d. */
static int encode_address(const char *host, uint8_t out[16])
{
    memset(out, 0, 16);
    struct in_addr a4;
    if (inet_pton(AF_INET, host, &a4) == 1) {
        memcpy(out + 12, &a4, 4);
        return 0;
    }
    return inet_pton(AF_INET6, host, out) == 1 ? 0 : -1;
}

bool conf_wildcard_address(const char *host)
{
    uint8_t a[16];
    static const uint8_t zero[16];
    return encode_address(host, a) == 0 && memcmp(a, zero, sizeof a) == 0;
}

/* This server in its site: server_id, the advertised address, the public half of the key (key,
 * key_len bytes), and the interfaces of the transports it serves. Returns 0, or -1 with a
 * message in err. */
static int self_server(const struct conf *c, struct hdl_site_server *srv, const uint8_t *key,
                       size_t key_len, char *err, size_t errlen)
{
    srv->server_id = c->server_id;
    const char *host = conf_site_self_address(c);
    if (encode_address(host, srv->address) != 0) {
        snprintf(err, errlen, "site address '%s' is not a numeric IPv4 or IPv6 address", host);
        return -1;
    }
    if (conf_wildcard_address(host)) {
        /* 0.0.0.0 in HS_SITE sends every client that follows it to itself. */
        if (c->advertise_address[0])
            snprintf(err, errlen,
                     "site.address %s is a wildcard: set it to the address clients reach this "
                     "node at",
                     host);
        else
            snprintf(err, errlen,
                     "the listen address %s is a wildcard and cannot be advertised in HS_SITE: "
                     "set site.address to the address clients reach this node at",
                     host);
        return -1;
    }
    srv->public_key = (struct hdl_slice){key, (uint32_t)key_len};
    uint32_t port = conf_site_self_port(c);
    if (c->tcp)
        srv->ifaces[srv->iface_count++] =
            (struct hdl_site_iface){HDL_IF_ADMIN_QUERY, HDL_IF_TCP, port};
    if (c->udp)
        srv->ifaces[srv->iface_count++] = (struct hdl_site_iface){HDL_IF_QUERY, HDL_IF_UDP, port};
    /* Clients fall back to native messages over HTTP, as the reference's site offers them. */
    uint32_t http = conf_site_self_http_port(c);
    if (http)
        srv->ifaces[srv->iface_count++] =
            (struct hdl_site_iface){HDL_IF_ADMIN_QUERY, HDL_IF_HTTP, http};
    return 0;
}

int conf_site_build(const struct conf *c, EVP_PKEY *key, uint8_t **out, size_t *len, char *err,
                    size_t errlen)
{
    if (conf_site_self_check(c, key, err, errlen) != 0)
        return -1;
    uint8_t keybuf[4096];
    struct hdl_writer kw;
    hdl_writer_init(&kw, keybuf, sizeof keybuf);
    if (cry_pubkey_from_evp(&kw, key) != HDL_OK || hdl_writer_status(&kw) != HDL_OK) {
        snprintf(err, errlen, "the server key is not an RSA or DSA key the protocol can carry");
        return -1;
    }

    static const char desc[] = "desc";
    struct hdl_site site = {
        .data_version = 1,
        .proto_major = HDL_MAJOR_VERSION,
        .proto_minor = HDL_MINOR_VERSION,
        .serial = c->site_serial,
        .flags = (uint8_t)((c->site_primary ? HDL_SITE_PRIMARY : 0) |
                           (c->site_multi_primary ? HDL_SITE_MULTI_PRIMARY : 0)),
        .hash_option = c->site_hash,
        .attr_count = 1,
    };
    site.attrs[0].name = (struct hdl_slice){(const uint8_t *)desc, sizeof desc - 1};
    site.attrs[0].value = (struct hdl_slice){(const uint8_t *)c->site_description,
                                             (uint32_t)strlen(c->site_description)};

    int n = c->site_server_count ? c->site_server_count : 1;
    site.server_count = (uint32_t)n;
    for (int i = 0; i < n; i++) {
        const struct conf_site_server *other =
            c->site_server_count && i != c->site_self ? &c->site_servers[i] : NULL;
        struct hdl_site_server *srv = &site.servers[i];
        if (other) {
            srv->server_id = other->id;
            if (encode_address(other->address, srv->address) != 0) {
                snprintf(err, errlen, "site.servers: address '%s' is not numeric", other->address);
                return -1;
            }
            srv->public_key =
                (struct hdl_slice){other->public_key, (uint32_t)other->public_key_len};
            /* As the reference lists a server's interfaces: TCP for both, UDP for queries,
             * HTTP for both. */
            srv->ifaces[srv->iface_count++] =
                (struct hdl_site_iface){HDL_IF_ADMIN_QUERY, HDL_IF_TCP, other->port};
            srv->ifaces[srv->iface_count++] =
                (struct hdl_site_iface){HDL_IF_QUERY, HDL_IF_UDP, other->port};
            if (other->http_port)
                srv->ifaces[srv->iface_count++] =
                    (struct hdl_site_iface){HDL_IF_ADMIN_QUERY, HDL_IF_HTTP, other->http_port};
        } else if (self_server(c, srv, keybuf, kw.len, err, errlen) != 0) {
            return -1;
        }
    }

    size_t cap = 65536;
    uint8_t *buf = malloc(cap);
    if (!buf) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    struct hdl_writer w;
    hdl_writer_init(&w, buf, cap);
    hdl_site_encode(&w, &site);
    if (hdl_writer_status(&w) != HDL_OK) {
        free(buf);
        snprintf(err, errlen, "site information does not fit in %zu bytes", cap);
        return -1;
    }
    *out = buf;
    *len = w.len;
    return 0;
}
