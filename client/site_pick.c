/* Choosing a server of a site and one of its interfaces, as the reference client does
 * (SiteInfo.getHandleHash, determineServerNum; ServerInfo.getInetAddress). */
#include "client/site_pick.h"

#include <netinet/in.h>
#include <string.h>

#include "common/handle_name.h"
#include "crypto/digest.h"
#include "proto/hdl_const.h"

static const uint8_t ZERO_NA[] = {'0', '.', 'N', 'A'};

/* The bytes hashed for hash_option: the prefix (before the first '/'; "0.NA" for a handle
 * without one), the suffix (after the first '/'; the whole handle without one) or the whole
 * handle. */
static int hash_part(uint8_t hash_option, const uint8_t *handle, size_t len, const uint8_t **part,
                     size_t *part_len)
{
    const uint8_t *slash = len ? memchr(handle, '/', len) : NULL;
    switch (hash_option) {
    case HDL_HASH_BY_PREFIX:
        *part = slash ? handle : ZERO_NA;
        *part_len = slash ? (size_t)(slash - handle) : sizeof ZERO_NA;
        return HDL_OK;
    case HDL_HASH_BY_SUFFIX:
        *part = slash ? slash + 1 : handle;
        *part_len = slash ? len - (size_t)(slash + 1 - handle) : len;
        return HDL_OK;
    case HDL_HASH_BY_HANDLE:
        *part = handle;
        *part_len = len;
        return HDL_OK;
    default:
        return HDL_ERR_MALFORMED;
    }
}

int site_pick_server(const struct hdl_site *site, const uint8_t *handle, size_t len,
                     uint32_t *index)
{
    return site_pick_index(site->hash_option, site->server_count, handle, len, index);
}

int site_pick_index(uint8_t hash_option, uint32_t server_count, const uint8_t *handle, size_t len,
                    uint32_t *index)
{
    if (server_count == 0 || server_count > HDL_SITE_MAX_SERVERS)
        return HDL_ERR_MALFORMED;
    if (len > HDL_MAX_HANDLE_LEN)
        return HDL_ERR_LIMIT;
    const uint8_t *part;
    size_t part_len;
    int err = hash_part(hash_option, handle, len, &part, &part_len);
    if (err)
        return err;

    /* Only ASCII a-z are upper-cased, byte by byte: UTF-8 sequences pass unchanged. */
    uint8_t upper[HDL_MAX_HANDLE_LEN];
    for (size_t i = 0; i < part_len; i++) {
        uint8_t c = part[i];
        upper[i] = (c >= 'a' && c <= 'z') ? (uint8_t)(c - 'a' + 'A') : c;
    }
    uint8_t md5[16];
    err = cry_md5(upper, part_len, md5);
    if (err)
        return err;

    /* The last four digest bytes as a signed big-endian int, its absolute value modulo the
     * server count. Java's Math.abs leaves INT_MIN negative, so the reference's index is then
     * -(2^31 mod n): 0 when n divides 2^31, else out of range (the reference fails). */
    int32_t hash = (int32_t)hdl_load_u32(md5 + 12);
    uint32_t n = server_count;
    if (hash == INT32_MIN) {
        if ((UINT32_C(0x80000000) % n) != 0)
            return HDL_ERR_UNSUPPORTED;
        *index = 0;
        return HDL_OK;
    }
    *index = (uint32_t)(hash < 0 ? -hash : hash) % n;
    return HDL_OK;
}

/* Whether the 16 address bytes hold an IPv4 address: 12 zero bytes first (the form of the site
 * record), or the IPv4-mapped ::ffff:0:0/96, which Java's InetAddress also makes an IPv4 one. */
static int is_ipv4(const uint8_t a[16])
{
    static const uint8_t zero[12];
    static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    return memcmp(a, zero, 12) == 0 || memcmp(a, mapped, 12) == 0;
}

int site_pick_endpoint(const struct hdl_site_server *server, uint8_t protocol,
                       struct sockaddr_storage *addr, socklen_t *addr_len)
{
    uint32_t count = server->iface_count;
    if (count > HDL_SITE_MAX_IFACES)
        count = HDL_SITE_MAX_IFACES;
    for (uint32_t i = 0; i < count; i++) {
        const struct hdl_site_iface *f = &server->ifaces[i];
        if (f->protocol != protocol || f->port > 65535)
            continue;
        if (f->type != HDL_IF_QUERY && f->type != HDL_IF_ADMIN_QUERY)
            continue;
        memset(addr, 0, sizeof *addr);
        if (is_ipv4(server->address)) {
            struct sockaddr_in *in = (struct sockaddr_in *)addr;
            in->sin_family = AF_INET;
            in->sin_port = htons((uint16_t)f->port);
            memcpy(&in->sin_addr, server->address + 12, 4);
            *addr_len = sizeof *in;
        } else {
            struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)addr;
            in6->sin6_family = AF_INET6;
            in6->sin6_port = htons((uint16_t)f->port);
            memcpy(&in6->sin6_addr, server->address, 16);
            *addr_len = sizeof *in6;
        }
        return 0;
    }
    return -1;
}

int site_is_prefix_handle(const uint8_t *handle, size_t len)
{
    static const char zero_na[] = "0.NA/";
    if (len < 5)
        return 0;
    for (size_t i = 0; i < 5; i++) {
        uint8_t c = handle[i];
        if (c >= 'a' && c <= 'z')
            c = (uint8_t)(c - 'a' + 'A');
        if (c != (uint8_t)zero_na[i])
            return 0;
    }
    return 1;
}

int site_pick_part(uint8_t hash_option, uint32_t server_count, const uint8_t *handle, size_t len)
{
    uint8_t full[HDL_MAX_HANDLE_LEN];
    if (len > 0 && !memchr(handle, '/', len)) {
        if (len + HNAME_NA_PREFIX_LEN > sizeof full)
            return -1;
        memcpy(full, HNAME_NA_PREFIX, HNAME_NA_PREFIX_LEN);
        memcpy(full + HNAME_NA_PREFIX_LEN, handle, len);
        handle = full;
        len += HNAME_NA_PREFIX_LEN;
    }
    uint32_t index;
    if (site_pick_index(hash_option, server_count, handle, len, &index) != HDL_OK)
        return -1;
    return (int)index;
}
