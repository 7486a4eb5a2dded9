/* A socket address as text, for logs and per-source accounting. */
#ifndef COMMON_SOCKADDR_TEXT_H
#define COMMON_SOCKADDR_TEXT_H

#include <stddef.h>
#include <sys/socket.h>

/* The address of sa (IPv4 or IPv6, no port) as text into buf of cap bytes (INET6_ADDRSTRLEN is
 * enough); "" for another family. */
void sockaddr_text(const struct sockaddr *sa, char *buf, size_t cap);

#endif
