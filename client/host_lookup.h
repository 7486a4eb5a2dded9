/*
 * One host name to one address, with c-ares, for what runs before or outside an event loop:
 * the node's start-up (a DNS name in site.address) and the command line (-s HOST:PORT). The
 * node's loops look names up with resolver/upstream/dns.h instead, never with this.
 */
#ifndef CLIENT_HOST_LOOKUP_H
#define CLIENT_HOST_LOOKUP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* Looks up host (a DNS name; a numeric address is taken as it is) and writes its address with
 * port into addr: the first IPv4 address when there is one, else the first IPv6 address.
 * servers: c-ares's "ADDR:PORT,..." list, NULL or "" for /etc/resolv.conf. Waits at most
 * timeout_ms. Returns 0, or PZ_ERR_DNS_NOTFOUND (no such name, no address), PZ_ERR_DNS_FAILED
 * (no answer, servers failing, c-ares not starting), PZ_ERR_DNS_BADNAME. */
int host_lookup(const char *host, uint16_t port, const char *servers, uint32_t timeout_ms,
                struct sockaddr_storage *addr, socklen_t *addr_len);

/* The same as text: the numeric address alone ("192.0.2.1", "2001:db8::1") into buf (cap
 * bytes). */
int host_lookup_text(const char *host, const char *servers, uint32_t timeout_ms, char *buf,
                     size_t cap);

#endif
