/*
 * The event-driven exchange (client/exchange_ev.h): one request to one server on a libevent
 * loop, never blocking. UDP tries on a connect()ed socket with the reference client's waits,
 * then TCP with one deadline for the connection and the whole answer. Every way to the end goes
 * through finish(), which calls the callback once and frees the exchange; anything that would
 * end it while cx_start is still running is put off to the loop's next turn, so the callback
 * never runs inside cx_start.
 */
#include "client/exchange_ev.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "common/errcode.h"
#include "proto/hdl_const.h"
#include "proto/hdl_envelope.h"
#include "proto/hdl_fragment.h"
#include "proto/hdl_header.h"

#define CX_UDP_TRIES 3
#define CX_UDP_TIMEOUT_MS 500
#define CX_TCP_TIMEOUT_MS 3000
#define CX_MAX_RESPONSE (HDL_ENVELOPE_LEN + HDL_MAX_MESSAGE_LEN)
/* Datagrams read per wake-up, so one busy exchange does not hold the loop. */
#define CX_UDP_BURST 32

enum cx_state {
    CX_UDP,         /* a try is out; the timer ends its wait */
    CX_TCP_CONNECT, /* waiting for the connection; the timer is the TCP deadline */
    CX_TCP_WRITE,
    CX_TCP_READ,
    CX_FAILED, /* TCP failed with pending_err; the timer (already due) calls back */
};

struct cx_exchange {
    struct event_base *base;
    struct sockaddr_storage addr;
    socklen_t addr_len;
    uint8_t *req;
    size_t req_len;
    struct hdl_envelope req_env;
    struct cx_opts o;
    cx_done_fn done;
    void *ctx;
    struct timespec started;
    enum cx_state state;
    int fd;
    struct event *io;    /* the socket's event, reassigned when UDP gives way to TCP */
    struct event *timer; /* a UDP try's wait, the TCP deadline, or "now" */
    int tries;           /* UDP tries sent */
    int udp_err;         /* CLI_ERR_TIMEOUT, or CLI_ERR_NETWORK once a try was refused */
    int pending_err;
    bool in_callback;
    /* The answer, envelope first: UDP reassembles into it, TCP reads into it. */
    uint8_t *resp;
    size_t resp_cap;
    struct hdl_reassembly ra;
    size_t sent; /* TCP: request bytes written */
    size_t got;  /* TCP: bytes of the current answer read */
    size_t need; /* TCP: HDL_ENVELOPE_LEN until the envelope is in, then the whole message */
};

void cx_opts_default(struct cx_opts *o)
{
    o->udp_timeout_ms = CX_UDP_TIMEOUT_MS;
    o->tcp_timeout_ms = CX_TCP_TIMEOUT_MS;
    o->udp = true;
    o->tcp = true;
    o->max_response = CX_MAX_RESPONSE;
    o->udp_tries = CX_UDP_TRIES;
    o->tcp_after_silence = true;
}

static void destroy(struct cx_exchange *x)
{
    if (x->io)
        event_free(x->io);
    if (x->timer)
        event_free(x->timer);
    if (x->fd >= 0)
        close(x->fd);
    free(x->req);
    free(x->resp);
    free(x);
}

static uint32_t elapsed_us(const struct timespec *since)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    int64_t us =
        (int64_t)(now.tv_sec - since->tv_sec) * 1000000 + (now.tv_nsec - since->tv_nsec) / 1000;
    if (us < 0)
        return 0;
    return us > UINT32_MAX ? UINT32_MAX : (uint32_t)us;
}

/* Calls back with err (0: resp holds len bytes) and frees the exchange. */
static void finish(struct cx_exchange *x, int err, size_t len, bool tcp)
{
    event_del(x->io);
    event_del(x->timer);
    if (x->fd >= 0)
        close(x->fd);
    x->fd = -1;
    struct cx_result r = {.err = err, .tcp = tcp, .rtt_us = elapsed_us(&x->started)};
    if (err == 0) {
        r.msg = x->resp;
        r.len = len;
    }
    x->in_callback = true;
    x->done(x->ctx, &r);
    destroy(x);
}

static void arm_timer(struct cx_exchange *x, uint32_t ms)
{
    struct timeval tv = {.tv_sec = ms / 1000, .tv_usec = (suseconds_t)(ms % 1000) * 1000};
    evtimer_add(x->timer, &tv);
}

/* Ends the exchange with err on the loop's next turn. */
static void fail_soon(struct cx_exchange *x, int err)
{
    event_del(x->io);
    x->state = CX_FAILED;
    x->pending_err = err;
    arm_timer(x, 0);
}

/* Makes room for n bytes of answer; false when memory runs out. */
static bool resp_reserve(struct cx_exchange *x, size_t n)
{
    if (n <= x->resp_cap)
        return true;
    uint8_t *p = realloc(x->resp, n);
    if (!p)
        return false;
    x->resp = p;
    x->resp_cap = n;
    return true;
}

static void on_io(evutil_socket_t fd, short what, void *arg);

/* Points the socket event at the current fd for what (EV_READ or EV_WRITE). */
static void watch(struct cx_exchange *x, short what)
{
    event_del(x->io);
    event_assign(x->io, x->base, x->fd, (short)(what | EV_PERSIST), on_io, x);
    event_add(x->io, NULL);
}

static bool soft_errno(void)
{
    return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR || errno == ENOBUFS;
}

/* ---- TCP ---- */

/* Opens the connection and arms the deadline. Returns 0 (a failure to connect is reported on
 * the loop's next turn), or -1 when no socket can be had. */
static int tcp_start(struct cx_exchange *x)
{
    event_del(x->io);
    event_del(x->timer);
    if (x->fd >= 0)
        close(x->fd);
    x->sent = 0;
    x->got = 0;
    x->need = HDL_ENVELOPE_LEN;
    x->fd = socket(x->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (x->fd < 0)
        return -1;
    arm_timer(x, x->o.tcp_timeout_ms);
    if (connect(x->fd, (const struct sockaddr *)&x->addr, x->addr_len) == 0) {
        x->state = CX_TCP_WRITE;
    } else if (errno == EINPROGRESS) {
        x->state = CX_TCP_CONNECT;
    } else {
        fail_soon(x, CLI_ERR_NETWORK);
        return 0;
    }
    watch(x, EV_WRITE);
    return 0;
}

static void tcp_fallback(struct cx_exchange *x)
{
    if (tcp_start(x) != 0)
        fail_soon(x, CLI_ERR_NETWORK);
}

static void tcp_write(struct cx_exchange *x)
{
    if (x->state == CX_TCP_CONNECT) {
        int soerr = 0;
        socklen_t sl = sizeof soerr;
        if (getsockopt(x->fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) != 0 || soerr != 0) {
            finish(x, CLI_ERR_NETWORK, 0, true);
            return;
        }
        x->state = CX_TCP_WRITE;
    }
    while (x->sent < x->req_len) {
        ssize_t n = send(x->fd, x->req + x->sent, x->req_len - x->sent, MSG_NOSIGNAL);
        if (n < 0) {
            if (soft_errno())
                return;
            finish(x, CLI_ERR_NETWORK, 0, true);
            return;
        }
        x->sent += (size_t)n;
    }
    if (!resp_reserve(x, HDL_ENVELOPE_LEN)) {
        finish(x, PZ_ERR_NOMEM, 0, true);
        return;
    }
    x->state = CX_TCP_READ;
    watch(x, EV_READ);
}

/* The envelope of the next answer is in: checks it and sets how much more to read. Returns 0,
 * or the code to end with. */
static int tcp_envelope(struct cx_exchange *x)
{
    struct hdl_reader r;
    struct hdl_envelope env;
    hdl_reader_init(&r, x->resp, HDL_ENVELOPE_LEN);
    int rc = hdl_envelope_decode(&r, &env);
    if (rc == HDL_ERR_LIMIT ||
        (rc == HDL_OK && HDL_ENVELOPE_LEN + (size_t)env.message_length > x->o.max_response))
        return CLI_ERR_TOO_LARGE;
    if (rc != HDL_OK)
        return rc;
    x->need = HDL_ENVELOPE_LEN + (size_t)env.message_length;
    return resp_reserve(x, x->need) ? 0 : PZ_ERR_NOMEM;
}

static void tcp_read(struct cx_exchange *x)
{
    for (;;) {
        if (x->got < x->need) {
            ssize_t n = recv(x->fd, x->resp + x->got, x->need - x->got, 0);
            if (n == 0) {
                finish(x, CLI_ERR_CLOSED, 0, true);
                return;
            }
            if (n < 0) {
                if (!soft_errno())
                    finish(x, CLI_ERR_NETWORK, 0, true);
                return;
            }
            x->got += (size_t)n;
            if (x->got < x->need)
                continue;
        }
        if (x->need == HDL_ENVELOPE_LEN) {
            int rc = tcp_envelope(x);
            if (rc != 0) {
                finish(x, rc, 0, true);
                return;
            }
            if (x->need > HDL_ENVELOPE_LEN)
                continue;
        }
        /* A whole message: ours, or someone else's to skip. */
        struct hdl_reader r;
        struct hdl_envelope env;
        hdl_reader_init(&r, x->resp, HDL_ENVELOPE_LEN);
        hdl_envelope_decode(&r, &env);
        if (env.request_id == x->req_env.request_id) {
            finish(x, 0, x->got, true);
            return;
        }
        x->got = 0;
        x->need = HDL_ENVELOPE_LEN;
    }
}

/* ---- UDP ---- */

/* Sends the request once, in as many datagrams as it takes (the TRUNCATED flag on each when
 * more than one). Returns 0, or -1 when the try failed at once (refused, unreachable). A full
 * send buffer counts as a lost datagram. */
static int udp_send(struct cx_exchange *x)
{
    if (x->req_len <= HDL_UDP_DATAGRAM_MAX) {
        if (send(x->fd, x->req, x->req_len, 0) < 0 && !soft_errno())
            return -1;
        return 0;
    }
    struct hdl_envelope env = x->req_env;
    env.flags |= HDL_ENV_TRUNCATED;
    uint32_t payload_len = (uint32_t)(x->req_len - HDL_ENVELOPE_LEN);
    for (uint32_t n = 0; n < hdl_fragment_count(payload_len); n++) {
        uint8_t d[HDL_UDP_DATAGRAM_MAX];
        size_t dl = hdl_fragment_build(&env, x->req + HDL_ENVELOPE_LEN, payload_len, n, d);
        if (send(x->fd, d, dl, 0) < 0 && !soft_errno())
            return -1;
    }
    return 0;
}

/* Sends the next try and waits for it: the reference client's 0.5 s, 1 s, 1.5 s, that is
 * udp_timeout_ms times 1, 2, 3. A try that fails at once ends at once. */
static void udp_try(struct cx_exchange *x)
{
    uint64_t wait = (uint64_t)x->o.udp_timeout_ms * (uint64_t)(x->tries + 1);
    x->tries++;
    /* Fragments of an earlier try's answer are not mixed with a later one. */
    x->ra.received = 0;
    if (udp_send(x) != 0) {
        x->udp_err = CLI_ERR_NETWORK;
        wait = 0;
    }
    arm_timer(x, wait > UINT32_MAX ? UINT32_MAX : (uint32_t)wait);
}

/* After the last try: TCP if allowed, else the tries' error. */
static void udp_give_up(struct cx_exchange *x)
{
    if (x->o.tcp && (x->o.tcp_after_silence || x->udp_err != CLI_ERR_TIMEOUT))
        tcp_fallback(x);
    else
        finish(x, x->udp_err, 0, false);
}

static bool same_peer(const struct cx_exchange *x, const struct sockaddr_storage *from,
                      socklen_t from_len)
{
    if (from_len == 0)
        return true; /* the kernel did not say; the connected socket filters already */
    if (from->ss_family != x->addr.ss_family)
        return false;
    if (from->ss_family == AF_INET) {
        const struct sockaddr_in *a = (const struct sockaddr_in *)from;
        const struct sockaddr_in *b = (const struct sockaddr_in *)&x->addr;
        return a->sin_port == b->sin_port && a->sin_addr.s_addr == b->sin_addr.s_addr;
    }
    if (from->ss_family == AF_INET6) {
        const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)from;
        const struct sockaddr_in6 *b = (const struct sockaddr_in6 *)&x->addr;
        return a->sin6_port == b->sin6_port &&
               memcmp(&a->sin6_addr, &b->sin6_addr, sizeof a->sin6_addr) == 0;
    }
    return false;
}

/* One datagram: placed if it belongs to the answer. Returns true when it ended the exchange or
 * sent it to TCP (the caller stops reading). */
static bool udp_datagram(struct cx_exchange *x, const uint8_t *d, size_t n)
{
    struct hdl_reader r;
    struct hdl_envelope env;
    hdl_reader_init(&r, d, n);
    if (hdl_envelope_decode(&r, &env) != HDL_OK || env.request_id != x->req_env.request_id)
        return false;
    size_t whole = HDL_ENVELOPE_LEN + (size_t)env.message_length;
    if (whole > x->o.max_response)
        return false;
    if (x->ra.received == 0) {
        /* The first datagram of an answer fixes its length. */
        if (!resp_reserve(x, whole)) {
            finish(x, PZ_ERR_NOMEM, 0, false);
            return true;
        }
        hdl_reassembly_init(&x->ra, x->resp + HDL_ENVELOPE_LEN, whole - HDL_ENVELOPE_LEN);
    }
    bool complete = false;
    if (hdl_reassembly_add(&x->ra, &env, d + HDL_ENVELOPE_LEN, n - HDL_ENVELOPE_LEN, &complete) !=
            HDL_OK ||
        !complete)
        return false;
    /* The whole message is no longer a fragment. */
    env.message_id = 0;
    env.flags &= (uint8_t)~HDL_ENV_TRUNCATED;
    struct hdl_writer w;
    hdl_writer_init(&w, x->resp, HDL_ENVELOPE_LEN);
    hdl_envelope_encode(&w, &env);
    /* An ERROR answer over UDP sends the exchange to TCP, as client_exchange does: that is how
     * a node says "retry over TCP" (an answer too large for UDP, the rate limit's slip), and
     * the reference client goes on to its next interface after any ERROR. */
    struct hdl_header h;
    hdl_reader_init(&r, x->resp + HDL_ENVELOPE_LEN, env.message_length);
    if (x->o.tcp && !(env.flags & HDL_ENV_ENCRYPTED) && hdl_header_decode(&r, &h) == HDL_OK &&
        h.response_code == HDL_RC_ERROR) {
        tcp_fallback(x);
        return true;
    }
    finish(x, 0, whole, false);
    return true;
}

static void udp_read(struct cx_exchange *x)
{
    for (int i = 0; i < CX_UDP_BURST; i++) {
        /* Larger than any fragment: a longer datagram fails reassembly's length check. */
        uint8_t d[HDL_UDP_DATAGRAM_MAX + 64];
        struct sockaddr_storage from;
        socklen_t from_len = sizeof from;
        ssize_t n = recvfrom(x->fd, d, sizeof d, 0, (struct sockaddr *)&from, &from_len);
        if (n < 0) {
            if (soft_errno())
                return;
            /* ICMP refused or unreachable for one of the tries: this try has failed. */
            x->udp_err = CLI_ERR_NETWORK;
            event_del(x->timer);
            arm_timer(x, 0);
            return;
        }
        if ((size_t)n < HDL_ENVELOPE_LEN || !same_peer(x, &from, from_len))
            continue;
        if (udp_datagram(x, d, (size_t)n))
            return;
    }
}

/* ---- the loop's calls ---- */

static void on_io(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    struct cx_exchange *x = arg;
    switch (x->state) {
    case CX_UDP:
        udp_read(x);
        break;
    case CX_TCP_CONNECT:
    case CX_TCP_WRITE:
        tcp_write(x);
        break;
    case CX_TCP_READ:
        tcp_read(x);
        break;
    case CX_FAILED:
        break;
    }
}

static void on_timer(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    struct cx_exchange *x = arg;
    switch (x->state) {
    case CX_UDP:
        if (x->tries < (int)x->o.udp_tries)
            udp_try(x);
        else
            udp_give_up(x);
        break;
    case CX_TCP_CONNECT:
    case CX_TCP_WRITE:
    case CX_TCP_READ:
        finish(x, CLI_ERR_TIMEOUT, 0, true);
        break;
    case CX_FAILED:
        finish(x, x->pending_err, 0, true);
        break;
    }
}

/* ---- the interface ---- */

/* Opens the connected UDP socket and sends the first try. Returns -1 when no socket can be
 * had; a socket that cannot be connected counts as three failed tries. */
static int udp_start(struct cx_exchange *x)
{
    x->state = CX_UDP;
    x->fd = socket(x->addr.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (x->fd < 0)
        return -1;
    if (connect(x->fd, (const struct sockaddr *)&x->addr, x->addr_len) != 0) {
        x->udp_err = CLI_ERR_NETWORK;
        x->tries = (int)x->o.udp_tries;
        arm_timer(x, 0);
        return 0;
    }
    watch(x, EV_READ);
    udp_try(x);
    return 0;
}

struct cx_exchange *cx_start(struct event_base *base, const struct sockaddr *addr,
                             socklen_t addr_len, const uint8_t *req, size_t len,
                             const struct cx_opts *o, cx_done_fn done, void *ctx)
{
    struct cx_opts defaults;
    if (!o) {
        cx_opts_default(&defaults);
        o = &defaults;
    }
    if (!base || !addr || addr_len > sizeof(struct sockaddr_storage) || !req || !done ||
        (!o->udp && !o->tcp) || len > HDL_ENVELOPE_LEN + HDL_MAX_MESSAGE_LEN)
        return NULL;
    struct hdl_envelope env;
    struct hdl_reader r;
    hdl_reader_init(&r, req, len);
    if (hdl_envelope_decode(&r, &env) != HDL_OK ||
        HDL_ENVELOPE_LEN + (size_t)env.message_length != len)
        return NULL;
    struct cx_exchange *x = calloc(1, sizeof *x);
    if (!x)
        return NULL;
    x->fd = -1;
    x->base = base;
    memcpy(&x->addr, addr, addr_len);
    x->addr_len = addr_len;
    x->req_env = env;
    x->req_len = len;
    x->o = *o;
    if (x->o.udp_timeout_ms == 0)
        x->o.udp_timeout_ms = CX_UDP_TIMEOUT_MS;
    if (x->o.tcp_timeout_ms == 0)
        x->o.tcp_timeout_ms = CX_TCP_TIMEOUT_MS;
    if (x->o.max_response == 0 || x->o.max_response > CX_MAX_RESPONSE)
        x->o.max_response = CX_MAX_RESPONSE;
    if (x->o.udp_tries == 0 || x->o.udp_tries > CX_UDP_TRIES)
        x->o.udp_tries = CX_UDP_TRIES;
    x->done = done;
    x->ctx = ctx;
    x->udp_err = CLI_ERR_TIMEOUT;
    clock_gettime(CLOCK_MONOTONIC, &x->started);
    x->req = malloc(len);
    x->io = event_new(base, -1, 0, on_io, x);
    x->timer = evtimer_new(base, on_timer, x);
    if (!x->req || !x->io || !x->timer) {
        destroy(x);
        return NULL;
    }
    memcpy(x->req, req, len);
    int rc = x->o.udp ? udp_start(x) : tcp_start(x);
    if (rc != 0) {
        destroy(x);
        return NULL;
    }
    return x;
}

void cx_cancel(struct cx_exchange *x)
{
    /* Inside its own callback the exchange is about to be freed anyway. */
    if (x && !x->in_callback)
        destroy(x);
}
