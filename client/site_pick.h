/*
 * Choosing where to send a request in a site (HS_SITE, docs/protocol.md §9.2): the server that
 * holds a handle by the site's hashOption, exactly as the reference client hashes, and the
 * address and port of one of its interfaces.
 */
#ifndef CLIENT_SITE_PICK_H
#define CLIENT_SITE_PICK_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "proto/hdl_site.h"

/* The index (0 .. server_count-1, into site->servers) of the server responsible for handle
 * (len bytes, as the client spelled it), as the reference client's
 * SiteInfo.determineServerNum: MD5 over the part the hashOption names — HDL_HASH_BY_PREFIX the
 * bytes before the first '/' ("0.NA" when there is none), HDL_HASH_BY_SUFFIX the bytes after it
 * (the whole handle when there is none), HDL_HASH_BY_HANDLE the whole handle — with ASCII a-z
 * upper-cased and every other byte unchanged; the last four digest bytes as a signed big-endian
 * int, its absolute value modulo server_count. A one-server site gives 0. Returns 0;
 * HDL_ERR_MALFORMED for an unknown hashOption or a site without servers; HDL_ERR_LIMIT for a
 * handle longer than HDL_MAX_HANDLE_LEN; HDL_ERR_DIGEST when MD5 fails; HDL_ERR_UNSUPPORTED for
 * the one hash (INT_MIN) whose Java absolute value stays negative, where the reference's index is
 * out of range unless server_count divides 2^31. */
int site_pick_server(const struct hdl_site *site, const uint8_t *handle, size_t len,
                     uint32_t *index);

/* site_pick_server for a site of server_count servers hashed by hash_option (the site record's
 * two fields that choose), for callers that hold no decoded HS_SITE. Same results. */
int site_pick_index(uint8_t hash_option, uint32_t server_count, const uint8_t *handle, size_t len,
                    uint32_t *index);

/* The server of a site that holds handle, as the servers of a site decide it: a handle without
 * a '/' is the prefix handle "0.NA/<handle>" (Util.convertSlashlessHandleToZeroNaHandle), then
 * site_pick_index. Returns the index, or -1 when the hash cannot place it (too long, an unknown
 * hashOption, the one unplaceable hash). */
int site_pick_part(uint8_t hash_option, uint32_t server_count, const uint8_t *handle, size_t len);

/* The socket address of server's first interface for protocol (HDL_IF_UDP, HDL_IF_TCP,
 * HDL_IF_HTTP, HDL_IF_HTTPS) that answers queries (type HDL_IF_QUERY or HDL_IF_ADMIN_QUERY) and
 * has a port below 65536: an IPv4 address (12 zero bytes first, or the IPv4-mapped ::ffff:a.b.c.d,
 * which Java also treats as IPv4) as AF_INET, else AF_INET6. Returns 0, or -1 when the server has
 * no such interface. */
int site_pick_endpoint(const struct hdl_site_server *server, uint8_t protocol,
                       struct sockaddr_storage *addr, socklen_t *addr_len);

/* Whether handle (len bytes) is a prefix handle "0.NA/..." (ASCII case ignored). */
int site_is_prefix_handle(const uint8_t *handle, size_t len);

#endif
