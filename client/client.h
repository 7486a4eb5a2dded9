/*
 * A Handle protocol client transport: one request out, one response back, over UDP (with the
 * reference client's retry schedule and multi-datagram reassembly) or TCP.
 */
#ifndef TOOLS_CLIENT_H
#define TOOLS_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "common/errcode.h"

struct client_opts {
    struct sockaddr_storage addr;
    socklen_t addr_len;
    bool tcp;
    int timeout_ms; /* per attempt; UDP tries 3 times with growing waits */
};

/* Parses "HOST:PORT" / "[V6]:PORT" / "HOST" (port 2641): a numeric host, "localhost", or a host
 * name looked up with c-ares (client/host_lookup.h). Returns 0, CLI_ERR_NETWORK when a name does
 * not resolve, or CLI_ERR_BAD_ARG with a message in err. */
int client_parse_server(const char *text, struct client_opts *o, char *err, size_t errlen);

/* Sends req (a whole message) and receives the response with the same requestId into resp.
 * Returns 0 with *resp_len set, or a code with a message in err: CLI_ERR_TIMEOUT (no answer),
 * CLI_ERR_NETWORK (refused, unreachable, send or receive failed), CLI_ERR_CLOSED (TCP answer
 * cut short), CLI_ERR_TOO_LARGE (more than cap bytes), the decoder's HDL_ERR_* for an answer
 * envelope that does not decode, PZ_ERR_NOMEM, CLI_ERR_BAD_ARG (req is not a message). */
int client_exchange(const struct client_opts *o, const uint8_t *req, size_t len, uint8_t *resp,
                    size_t cap, size_t *resp_len, char *err, size_t errlen);

#endif
