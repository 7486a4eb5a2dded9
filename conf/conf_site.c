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
        .hash_option = HDL_HASH_BY_PREFIX,
        .attr_count = 1,
        .server_count = 1,
    };
    site.attrs[0].name = (struct hdl_slice){(const uint8_t *)desc, sizeof desc - 1};
    site.attrs[0].value = (struct hdl_slice){(const uint8_t *)c->site_description,
                                             (uint32_t)strlen(c->site_description)};

    struct hdl_site_server *srv = &site.servers[0];
    srv->server_id = c->server_id;
    const char *host = conf_advertise_address(c);
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
    srv->public_key = (struct hdl_slice){keybuf, (uint32_t)kw.len};
    uint32_t port = c->listen_count ? c->listen[0].port : 2641;
    if (c->tcp)
        srv->ifaces[srv->iface_count++] =
            (struct hdl_site_iface){HDL_IF_ADMIN_QUERY, HDL_IF_TCP, port};
    if (c->udp)
        srv->ifaces[srv->iface_count++] = (struct hdl_site_iface){HDL_IF_QUERY, HDL_IF_UDP, port};
    /* Clients fall back to native messages over HTTP, as the reference's site offers them. */
    if (c->http_listen_count)
        srv->ifaces[srv->iface_count++] =
            (struct hdl_site_iface){HDL_IF_ADMIN_QUERY, HDL_IF_HTTP, c->http_listen[0].port};

    size_t cap = 8192;
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
