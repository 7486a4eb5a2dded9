/* HS_SITE data: the site record, also the OC_GET_SITE_INFO response body (docs/protocol.md §9.2). */
#ifndef HDL_SITE_H
#define HDL_SITE_H

#include <stdint.h>

#include "proto/hdl_buf.h"

#define HDL_SITE_MAX_ATTRS 16
#define HDL_SITE_MAX_SERVERS 32
#define HDL_SITE_MAX_IFACES 8

#define HDL_SITE_PRIMARY 0x80u
#define HDL_SITE_MULTI_PRIMARY 0x40u

#define HDL_HASH_BY_PREFIX 0
#define HDL_HASH_BY_SUFFIX 1
#define HDL_HASH_BY_HANDLE 2

#define HDL_IF_OUT_OF_SERVICE 0
#define HDL_IF_ADMIN 1
#define HDL_IF_QUERY 2
#define HDL_IF_ADMIN_QUERY 3

#define HDL_IF_UDP 0
#define HDL_IF_TCP 1
#define HDL_IF_HTTP 2
#define HDL_IF_HTTPS 3

struct hdl_site_attr {
    struct hdl_slice name;
    struct hdl_slice value;
};

struct hdl_site_iface {
    uint8_t type;     /* HDL_IF_OUT_OF_SERVICE .. HDL_IF_ADMIN_QUERY */
    uint8_t protocol; /* HDL_IF_UDP .. HDL_IF_HTTPS */
    uint32_t port;
};

struct hdl_site_server {
    uint32_t server_id;
    uint8_t address[16];         /* IPv4: 12 zero bytes + the 4 address bytes */
    struct hdl_slice public_key; /* §9.3 bytes */
    uint32_t iface_count;
    struct hdl_site_iface ifaces[HDL_SITE_MAX_IFACES];
};

struct hdl_site {
    uint16_t data_version; /* 1 */
    uint8_t proto_major;
    uint8_t proto_minor;
    uint16_t serial;
    uint8_t flags;       /* HDL_SITE_* */
    uint8_t hash_option; /* HDL_HASH_* */
    struct hdl_slice hash_filter;
    uint32_t attr_count;
    struct hdl_site_attr attrs[HDL_SITE_MAX_ATTRS];
    uint32_t server_count;
    struct hdl_site_server servers[HDL_SITE_MAX_SERVERS];
};

/* Decodes a whole HS_SITE record: no bytes may remain. More attributes, servers or interfaces than
 * the HDL_SITE_MAX_* bounds fail with HDL_ERR_LIMIT. */
int hdl_site_decode(const uint8_t *buf, size_t len, struct hdl_site *site);
void hdl_site_encode(struct hdl_writer *w, const struct hdl_site *site);

#endif
