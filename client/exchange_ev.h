/*
 * One request to one server and its answer, driven by a libevent loop (the node's recursion
 * runs many at once on each worker's loop; client.h is the blocking form for the command
 * line). UDP first, with the reference client's retry schedule, reassembling a multi-datagram
 * answer; TCP when UDP gets no answer, when the answer says to retry over TCP, or when asked.
 * Answers from another address or port, with another requestId, malformed, or longer than the
 * cap are dropped (a UDP attempt keeps waiting) and never reach the caller.
 */
#ifndef CLIENT_EXCHANGE_EV_H
#define CLIENT_EXCHANGE_EV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

struct event_base;
struct cx_exchange;

struct cx_opts {
    uint32_t udp_timeout_ms; /* first UDP wait; each of the 3 tries doubles it (default 500) */
    uint32_t tcp_timeout_ms; /* connect + whole answer over TCP (default 3000) */
    bool udp;                /* try UDP first (default true) */
    bool tcp;                /* TCP allowed: fallback, or alone when !udp (default true) */
    size_t max_response;     /* largest answer message accepted (default 262164) */
};

void cx_opts_default(struct cx_opts *o);

struct cx_result {
    int err;            /* 0, or CLI_ERR_TIMEOUT, CLI_ERR_NETWORK, CLI_ERR_CLOSED,
                           CLI_ERR_TOO_LARGE, PZ_ERR_NOMEM */
    const uint8_t *msg; /* err 0: the whole answer message (envelope first), valid during the
                           callback only */
    size_t len;
    bool tcp;           /* the answer came over TCP */
    uint32_t rtt_us;    /* from the start to the answer */
};

/* Called once, on the loop's thread, unless the exchange is cancelled first. The exchange is
 * freed when the callback returns. */
typedef void (*cx_done_fn)(void *ctx, const struct cx_result *r);

/* Starts sending req (a whole message, envelope first; its requestId is what the answer must
 * carry) to addr. Returns the exchange, or NULL (memory, socket) after which done is not
 * called. */
struct cx_exchange *cx_start(struct event_base *base, const struct sockaddr *addr,
                             socklen_t addr_len, const uint8_t *req, size_t len,
                             const struct cx_opts *o, cx_done_fn done, void *ctx);

/* Stops an exchange before its callback: closes its socket and frees it; done is never
 * called. */
void cx_cancel(struct cx_exchange *x);

#endif
