/*
 * A plain-HTTP GET for `pazhou status`: one HTTP/1.0 request over a fresh connection, the answer
 * read to the close. For the node's public read-only endpoints on loopback or
 * an operator's network; the REST API's authenticated side goes through client/https_client.h.
 */
#ifndef TOOLS_HTTP_GET_H
#define TOOLS_HTTP_GET_H

#include <stddef.h>

/* The parts of "http://HOST[:PORT][/...]" (HOST a name, an IPv4 address or "[V6ADDR]"; PORT
 * 80 when absent; any path is ignored). Returns 0, or CLI_ERR_BAD_ARG for anything else. */
struct http_url {
    char host[256];
    char port[8];
};
int http_url_parse(const char *url, struct http_url *out);

/* GETs path from u within timeout_ms (connect, send and the whole answer). On success returns
 * 0 with the status in *status and the body in *body (malloc'd, NUL-terminated; the caller
 * frees it). Otherwise a code with a message in err: CLI_ERR_NETWORK (no address, refused,
 * send or receive failed), CLI_ERR_TIMEOUT, CLI_ERR_MALFORMED (no HTTP status line),
 * CLI_ERR_TOO_LARGE (over 16 MiB), PZ_ERR_NOMEM. */
int http_get(const struct http_url *u, const char *path, int timeout_ms, int *status, char **body,
             char *err, size_t errlen);

#endif
