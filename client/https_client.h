/*
 * A small HTTPS/1.1 client for the node's REST API (batch uploads from the command line and the
 * load generator): one keep-alive TLS connection, requests with a body and Content-Length
 * answers. OpenSSL does the TLS; the certificate chain is checked against a given CA file (the
 * demo's self-signed certificate, say) unless the caller asks for no check.
 */
#ifndef TOOLS_HTTPS_CLIENT_H
#define TOOLS_HTTPS_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "client/client.h"

struct https_conn;

/* Connects and completes the TLS handshake. cafile: PEM CA certificates to trust (NULL: the
 * system's); insecure: no certificate check at all. Returns 0 with the connection in *out, or
 * *out NULL and a code with a message in err: CLI_ERR_NETWORK (no connection), CLI_ERR_TLS (no
 * TLS context, CA file unusable, handshake or certificate check failed), PZ_ERR_NOMEM. */
int https_connect(const struct client_opts *server, const char *cafile, bool insecure,
                  int timeout_ms, struct https_conn **out, char *err, size_t errlen);
void https_close(struct https_conn *c);

/* Sends one request (headers: extra header lines, each ending in \r\n, or NULL) and reads the
 * answer. On success returns 0 with *status and the body in *body (malloc'd, NUL-terminated,
 * *body_len bytes; the caller frees it). Otherwise a code with a message in err:
 * CLI_ERR_BAD_ARG (request head too long), CLI_ERR_NETWORK (send or receive failed),
 * CLI_ERR_TIMEOUT, CLI_ERR_CLOSED, CLI_ERR_TLS, CLI_ERR_MALFORMED (no status line or
 * Content-Length), CLI_ERR_TOO_LARGE, PZ_ERR_NOMEM. */
int https_request(struct https_conn *c, const char *method, const char *path, const char *headers,
                  const void *req_body, size_t req_len, int *status, char **body, size_t *body_len,
                  char *err, size_t errlen);

/* "Authorization: Basic ..." for an HS_SECKEY identity index:handle (the reference's form: the
 * identity URL-encoded, then ':' and the secret), with its \r\n, into out. Returns 0,
 * PZ_ERR_NOMEM or HDL_ERR_NOSPACE (out is too small). */
int https_basic_auth(uint32_t index, const char *handle, const uint8_t *secret, size_t secret_len,
                     char *out, size_t cap);

#endif
