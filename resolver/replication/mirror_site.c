/* GET_SITE_INFO of a source server, and its key (mirror_site.h). */
#include "resolver/replication/mirror_site.h"

#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/request.h"
#include "common/errcode.h"
#include "proto/hdl_const.h"
#include "proto/hdl_message.h"
#include "proto/hdl_site.h"

/* Whether site server s is reached at addr (the address and a TCP interface's port). */
static bool same_server(const struct hdl_site_server *s, const struct sockaddr_storage *addr)
{
    uint8_t want[16] = {0};
    uint16_t port;
    if (addr->ss_family == AF_INET) {
        const struct sockaddr_in *a = (const struct sockaddr_in *)addr;
        memcpy(want + 12, &a->sin_addr, 4);
        port = ntohs(a->sin_port);
    } else {
        const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)addr;
        memcpy(want, &a->sin6_addr, 16);
        port = ntohs(a->sin6_port);
    }
    if (memcmp(want, s->address, 16) != 0)
        return false;
    for (uint32_t i = 0; i < s->iface_count; i++)
        if (s->ifaces[i].protocol == HDL_IF_TCP && s->ifaces[i].port == port)
            return true;
    return false;
}

int repl_site_fetch(const struct client_opts *server, int timeout_ms, struct repl_site_info *out,
                    char *err, size_t errlen)
{
    uint8_t req[256];
    struct hdl_writer w;
    hdl_writer_init(&w, req, sizeof req);
    size_t body = request_begin(&w, HDL_OC_GET_SITE_INFO, 0, request_new_id());
    hdl_put_cstr(&w, "/");
    if (hdl_message_finish_unsigned(&w, body) != HDL_OK) {
        snprintf(err, errlen, "cannot build GET_SITE_INFO");
        return HDL_ERR_NOSPACE;
    }
    struct client_opts o = *server;
    o.tcp = true;
    o.timeout_ms = timeout_ms;
    size_t cap = 65536, len = 0;
    uint8_t *resp = malloc(cap);
    if (!resp) {
        snprintf(err, errlen, "out of memory");
        return PZ_ERR_NOMEM;
    }
    int rc = client_exchange(&o, req, w.len, resp, cap, &len, err, errlen);
    struct hdl_message m;
    struct hdl_site *site = NULL;
    if (rc == 0 && (rc = hdl_message_split(resp, len, &m)) != HDL_OK)
        snprintf(err, errlen, "malformed GET_SITE_INFO answer");
    if (rc == 0 && m.hdr.response_code != HDL_RC_SUCCESS) {
        snprintf(err, errlen, "GET_SITE_INFO answered %u", m.hdr.response_code);
        rc = CLI_ERR_MALFORMED;
    }
    if (rc == 0 && !(site = malloc(sizeof *site)))
        rc = PZ_ERR_NOMEM;
    if (rc == 0 && (rc = hdl_site_decode(m.body.ptr, m.body.len, site)) != HDL_OK)
        snprintf(err, errlen, "the source's site information does not decode");
    if (rc == 0) {
        const struct hdl_site_server *pick = NULL;
        for (uint32_t i = 0; i < site->server_count && !pick; i++)
            if (same_server(&site->servers[i], &server->addr))
                pick = &site->servers[i];
        if (!pick && site->server_count == 1)
            pick = &site->servers[0];
        if (!pick || pick->public_key.len > sizeof out->key) {
            snprintf(err, errlen,
                     pick ? "the source server's key is too large"
                          : "the source's site lists several servers and none at this address");
            rc = CLI_ERR_MALFORMED;
        } else {
            out->serial = site->serial;
            out->server_count = site->server_count;
            out->server_id = pick->server_id;
            memcpy(out->key, pick->public_key.ptr, pick->public_key.len);
            out->key_len = pick->public_key.len;
        }
    }
    free(site);
    free(resp);
    return rc;
}
