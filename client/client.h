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

struct client_opts {
    struct sockaddr_storage addr;
    socklen_t addr_len;
    bool tcp;
    int timeout_ms; /* per attempt; UDP tries 3 times with growing waits */
};

/* Parses "HOST:PORT" / "[V6]:PORT" / "HOST" (port 2641) with a numeric host or "localhost".
 * Returns 0, or -1 with a message in err. */
int client_parse_server(const char *text, struct client_opts *o, char *err, size_t errlen);

/* Sends req (a whole message) and receives the response with the same requestId into resp.
 * Returns 0 with *resp_len set, or -1 with a message in err. */
int client_exchange(const struct client_opts *o, const uint8_t *req, size_t len, uint8_t *resp,
                    size_t cap, size_t *resp_len, char *err, size_t errlen);

#endif
