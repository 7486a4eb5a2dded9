/*
 * One request to one server and its answer, driven by a libevent loop (the node's recursion
 * runs many at once on each worker's loop; client.h is the blocking form for the command
 * line). UDP first: three tries on a socket connect()ed to the server, waiting udp_timeout_ms
 * times 1, 2 and 3 (the reference client's 0.5 s, 1 s, 1.5 s), a multi-datagram answer
 * reassembled; then TCP when UDP gets no answer or is refused, at once when a UDP answer is an
 * ERROR (how a node says "retry over TCP"; delivered as it is when TCP is not allowed), or
 * alone when asked. A refused UDP try (ICMP) ends at once and the next is sent. UDP datagrams
 * from another address or port, with another requestId, malformed, or announcing a message
 * longer than max_response are dropped and the try keeps waiting; over TCP an answer with
 * another requestId is skipped and the next one read, one longer than max_response ends the
 * exchange.
 */
#ifndef CLIENT_EXCHANGE_EV_H
#define CLIENT_EXCHANGE_EV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

struct event_base;
struct cx_exchange;

/* A 0 in a number takes its default. */
struct cx_opts {
    uint32_t udp_timeout_ms; /* first UDP wait; the 2nd and 3rd tries wait 2x and 3x it
                                (default 500) */
    uint32_t tcp_timeout_ms; /* connect + whole answer over TCP, one deadline (default 3000) */
    bool udp;                /* try UDP first (default true) */
    bool tcp;                /* TCP allowed: fallback, or alone when !udp (default true) */
    size_t max_response;     /* largest answer message accepted, envelope included (default
                                and most 262164) */
    uint32_t udp_tries;      /* UDP tries, 1 to 3 (default 3) */
    bool tcp_after_silence;  /* TCP when every UDP try went unanswered (default true); an answer
                                saying to retry over TCP switches regardless */
};

/* Fills o with the defaults. */
void cx_opts_default(struct cx_opts *o);

struct cx_result {
    int err;            /* 0; CLI_ERR_TIMEOUT (UDP tries all silent and no TCP, or the TCP
                           deadline passed); CLI_ERR_NETWORK (a UDP try refused and no TCP, TCP
                           refused or unreachable, no TCP socket, a send or receive failed);
                           CLI_ERR_CLOSED (TCP connection closed before the whole answer);
                           CLI_ERR_TOO_LARGE (TCP answer longer than max_response);
                           the decoder's HDL_ERR_* (a TCP answer envelope that does not decode);
                           PZ_ERR_NOMEM */
    const uint8_t *msg; /* err 0: the whole answer message (envelope first), valid during the
                           callback only */
    size_t len;
    bool tcp;        /* the answer (or the failure) came over TCP */
    uint32_t rtt_us; /* from the start to the answer */
};

/* Called once, on the loop's thread and never from inside cx_start, unless the exchange is
 * cancelled first. The exchange is freed when the callback returns; the callback may start
 * and cancel other exchanges (cancelling its own is a no-op). */
typedef void (*cx_done_fn)(void *ctx, const struct cx_result *r);

/* Starts sending req (a whole message, envelope first; its requestId is what the answer must
 * carry; copied) to addr with options o (NULL: the defaults). Returns the exchange, or NULL
 * (memory, no socket, req not a whole message, neither UDP nor TCP allowed) after which done
 * is not called. */
struct cx_exchange *cx_start(struct event_base *base, const struct sockaddr *addr,
                             socklen_t addr_len, const uint8_t *req, size_t len,
                             const struct cx_opts *o, cx_done_fn done, void *ctx);

/* Stops an exchange before its callback: closes its socket and frees it; done is never
 * called. */
void cx_cancel(struct cx_exchange *x);

#endif
