/* The event-driven exchange (client/exchange_ev.h) against fake servers on 127.0.0.1 that run on
 * the same event loop: a UDP socket that answers, stays silent, answers from elsewhere or with
 * another requestId, in fragments out of order, or says "retry over TCP"; a TCP listener that
 * answers, stays silent, announces too much or hangs up. Waits are short (20 ms UDP, 60 ms TCP)
 * so the schedule itself can be checked. Over 600 lines because every case drives the one
 * exchange through the same fake servers and loop. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <event2/event.h>

#include "client/exchange_ev.h"
#include "client/request.h"
#include "common/errcode.h"
#include "proto/hdl_const.h"
#include "proto/hdl_envelope.h"
#include "proto/hdl_fragment.h"
#include "proto/hdl_header.h"

#define UDP_MS 20
#define TCP_MS 60
#define MARK_RIGHT 'A'
#define MARK_WRONG 'B'
#define MARK_TCP 'T'

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* An answer message for request id with response code rc and body_len bytes of mark (or of a
 * position pattern when mark is 0); flags go into the envelope. Returns its length. */
static size_t build_answer(uint8_t *out, size_t cap, uint32_t id, uint32_t rc, uint8_t mark,
                           size_t body_len, uint8_t flags)
{
    struct hdl_writer w;
    hdl_writer_init(&w, out, cap);
    struct hdl_envelope env = {.major = HDL_MAJOR_VERSION,
                               .minor = HDL_MINOR_VERSION,
                               .flags = flags,
                               .sugg_major = HDL_MAJOR_VERSION,
                               .sugg_minor = HDL_MINOR_VERSION,
                               .request_id = id,
                               .message_length = (uint32_t)(24 + body_len)};
    hdl_envelope_encode(&w, &env);
    struct hdl_header h = {
        .opcode = HDL_OC_RESOLUTION, .response_code = rc, .body_length = (uint32_t)body_len};
    hdl_header_encode(&w, &h);
    for (size_t i = 0; i < body_len; i++)
        hdl_put_u8(&w, mark ? mark : (uint8_t)(i * 7));
    assert_int_equal(hdl_writer_status(&w), 0);
    return w.len;
}

/* A resolution request with the given id and pad_len extra bytes of body (to make it span
 * several datagrams). */
static size_t build_request(uint8_t *out, size_t cap, uint32_t id, size_t pad_len)
{
    struct hdl_writer w;
    hdl_writer_init(&w, out, cap);
    size_t body = request_begin(&w, HDL_OC_RESOLUTION, HDL_FLAG_REC, id);
    hdl_put_cstr(&w, "0.NA/TEST");
    hdl_put_u32(&w, 0);
    hdl_put_u32(&w, 0);
    for (size_t i = 0; i < pad_len; i++)
        hdl_put_u8(&w, (uint8_t)i);
    assert_int_equal(hdl_message_finish_unsigned(&w, body), HDL_OK);
    return w.len;
}

static uint32_t request_id_of(const uint8_t *msg, size_t len)
{
    struct hdl_reader r;
    struct hdl_envelope env;
    hdl_reader_init(&r, msg, len);
    assert_int_equal(hdl_envelope_decode(&r, &env), HDL_OK);
    return env.request_id;
}

/* ---- the fake UDP server ---- */

enum udp_mode {
    U_ANSWER,       /* one datagram with MARK_RIGHT */
    U_WRONG_SOURCE, /* MARK_WRONG from another port first, then the answer */
    U_WRONG_ID,     /* MARK_WRONG with requestId + 1 first, then the answer */
    U_FRAGMENTS,    /* a 3-datagram answer, sent 2, 0, 1 */
    U_SILENT,
    U_RETRY_TCP, /* what resolver/net/udp_handler.c sends: ERROR with the TRUNCATED flag */
    U_LATE,      /* the answer after 40 ms */
};

struct udp_srv {
    int fd;
    int alt_fd;
    struct event *ev;
    struct event *late;
    enum udp_mode mode;
    int requests;    /* whole requests received */
    int64_t arrived; /* of the last datagram, realtime ms */
    int64_t when[8]; /* arrival of each whole request */
    size_t last_len; /* of the last whole request */
    struct sockaddr_storage peer;
    socklen_t peer_len;
    uint8_t late_msg[512];
    size_t late_len;
    struct hdl_reassembly ra;
    uint8_t ra_buf[4096];
};

static void udp_reply(struct udp_srv *s, const uint8_t *m, size_t n)
{
    assert_int_equal(sendto(s->fd, m, n, 0, (struct sockaddr *)&s->peer, s->peer_len), (ssize_t)n);
}

static void udp_request(struct udp_srv *s, uint32_t id)
{
    uint8_t m[2048];
    size_t n;
    if (s->requests < 8)
        s->when[s->requests] = s->arrived;
    s->requests++;
    switch (s->mode) {
    case U_ANSWER:
        udp_reply(s, m, build_answer(m, sizeof m, id, HDL_RC_SUCCESS, MARK_RIGHT, 8, 0));
        break;
    case U_WRONG_SOURCE:
        n = build_answer(m, sizeof m, id, HDL_RC_SUCCESS, MARK_WRONG, 8, 0);
        assert_int_equal(sendto(s->alt_fd, m, n, 0, (struct sockaddr *)&s->peer, s->peer_len),
                         (ssize_t)n);
        udp_reply(s, m, build_answer(m, sizeof m, id, HDL_RC_SUCCESS, MARK_RIGHT, 8, 0));
        break;
    case U_WRONG_ID:
        udp_reply(s, m, build_answer(m, sizeof m, id + 1, HDL_RC_SUCCESS, MARK_WRONG, 8, 0));
        udp_reply(s, m, build_answer(m, sizeof m, id, HDL_RC_SUCCESS, MARK_RIGHT, 8, 0));
        break;
    case U_FRAGMENTS: {
        n = build_answer(m, sizeof m, id, HDL_RC_SUCCESS, 0, 1100, 0);
        struct hdl_reader r;
        struct hdl_envelope env;
        hdl_reader_init(&r, m, n);
        assert_int_equal(hdl_envelope_decode(&r, &env), HDL_OK);
        env.flags |= HDL_ENV_TRUNCATED;
        uint32_t payload = (uint32_t)(n - HDL_ENVELOPE_LEN);
        assert_int_equal(hdl_fragment_count(payload), 3);
        static const uint32_t order[] = {2, 0, 1};
        for (int i = 0; i < 3; i++) {
            uint8_t d[HDL_UDP_DATAGRAM_MAX];
            size_t dl = hdl_fragment_build(&env, m + HDL_ENVELOPE_LEN, payload, order[i], d);
            assert_true(dl > 0);
            udp_reply(s, d, dl);
        }
        break;
    }
    case U_SILENT:
        break;
    case U_RETRY_TCP:
        udp_reply(s, m, build_answer(m, sizeof m, id, HDL_RC_ERROR, 0, 16, HDL_ENV_TRUNCATED));
        break;
    case U_LATE: {
        s->late_len =
            build_answer(s->late_msg, sizeof s->late_msg, id, HDL_RC_SUCCESS, MARK_RIGHT, 8, 0);
        struct timeval tv = {0, 40000};
        evtimer_add(s->late, &tv);
        break;
    }
    }
}

static void udp_late(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    struct udp_srv *s = arg;
    /* The client's socket may be gone: a refusal is fine here. */
    (void)sendto(s->fd, s->late_msg, s->late_len, 0, (struct sockaddr *)&s->peer, s->peer_len);
}

/* The kernel's arrival time of a datagram (SO_TIMESTAMPNS), in ms: when the client sent it,
 * however late this loop gets to read it. */
static int64_t arrival_ms(struct msghdr *mh)
{
    for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
            struct timespec ts;
            memcpy(&ts, CMSG_DATA(c), sizeof ts);
            return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
        }
    }
    fail_msg("no arrival time");
    return 0;
}

static void udp_readable(evutil_socket_t fd, short what, void *arg)
{
    (void)what;
    struct udp_srv *s = arg;
    uint8_t d[2048];
    union {
        struct cmsghdr align;
        uint8_t buf[CMSG_SPACE(sizeof(struct timespec))];
    } ctl;
    struct iovec iov = {d, sizeof d};
    struct msghdr mh = {.msg_name = &s->peer,
                        .msg_namelen = sizeof s->peer,
                        .msg_iov = &iov,
                        .msg_iovlen = 1,
                        .msg_control = ctl.buf,
                        .msg_controllen = sizeof ctl.buf};
    ssize_t n = recvmsg(fd, &mh, 0);
    if (n < HDL_ENVELOPE_LEN)
        return;
    s->peer_len = mh.msg_namelen;
    s->arrived = arrival_ms(&mh);
    struct hdl_reader r;
    struct hdl_envelope env;
    hdl_reader_init(&r, d, (size_t)n);
    assert_int_equal(hdl_envelope_decode(&r, &env), HDL_OK);
    if (!(env.flags & HDL_ENV_TRUNCATED)) {
        s->last_len = (size_t)n;
        udp_request(s, env.request_id);
        return;
    }
    if (env.message_id == 0 || s->ra.received == 0)
        hdl_reassembly_init(&s->ra, s->ra_buf, sizeof s->ra_buf);
    bool complete = false;
    assert_int_equal(hdl_reassembly_add(&s->ra, &env, d + HDL_ENVELOPE_LEN,
                                        (size_t)n - HDL_ENVELOPE_LEN, &complete),
                     HDL_OK);
    if (complete) {
        s->last_len = HDL_ENVELOPE_LEN + env.message_length;
        s->ra.received = 0;
        udp_request(s, env.request_id);
    }
}

/* ---- the fake TCP server ---- */

enum tcp_mode {
    T_ANSWER,    /* an answer with another requestId, then MARK_TCP */
    T_SILENT,    /* reads, never answers */
    T_TOO_LARGE, /* announces a 5000-byte message */
    T_HANG_UP,   /* half an answer, then closes */
};

struct tcp_conn {
    struct tcp_srv *s;
    int fd;
    struct event *ev;
    uint8_t buf[4096];
    size_t got;
    struct tcp_conn *next;
};

struct tcp_srv {
    struct event_base *base;
    int fd;
    struct event *ev;
    enum tcp_mode mode;
    int requests;
    struct tcp_conn *conns;
};

static void tcp_send(int fd, const uint8_t *m, size_t n)
{
    assert_int_equal(send(fd, m, n, MSG_NOSIGNAL), (ssize_t)n);
}

static void tcp_conn_close(struct tcp_conn *c)
{
    event_del(c->ev);
    close(c->fd);
    c->fd = -1;
}

static void tcp_readable(evutil_socket_t fd, short what, void *arg)
{
    (void)what;
    struct tcp_conn *c = arg;
    ssize_t n = recv(fd, c->buf + c->got, sizeof c->buf - c->got, 0);
    if (n <= 0) {
        tcp_conn_close(c);
        return;
    }
    c->got += (size_t)n;
    struct hdl_reader r;
    struct hdl_envelope env;
    hdl_reader_init(&r, c->buf, c->got);
    if (c->got < HDL_ENVELOPE_LEN || hdl_envelope_decode(&r, &env) != HDL_OK ||
        c->got < HDL_ENVELOPE_LEN + env.message_length)
        return;
    c->got = 0;
    c->s->requests++;
    uint8_t m[2048];
    size_t len;
    switch (c->s->mode) {
    case T_ANSWER:
        tcp_send(fd, m,
                 build_answer(m, sizeof m, env.request_id + 7, HDL_RC_SUCCESS, MARK_WRONG, 30, 0));
        tcp_send(fd, m,
                 build_answer(m, sizeof m, env.request_id, HDL_RC_SUCCESS, MARK_TCP, 600, 0));
        break;
    case T_SILENT:
        break;
    case T_TOO_LARGE: {
        /* The envelope of a 5000-byte message and the start of it. */
        struct hdl_envelope big = env;
        big.message_length = 5000;
        struct hdl_writer w;
        hdl_writer_init(&w, m, sizeof m);
        hdl_envelope_encode(&w, &big);
        memset(m + HDL_ENVELOPE_LEN, MARK_TCP, 80);
        tcp_send(fd, m, HDL_ENVELOPE_LEN + 80);
        break;
    }
    case T_HANG_UP:
        len = build_answer(m, sizeof m, env.request_id, HDL_RC_SUCCESS, MARK_TCP, 100, 0);
        tcp_send(fd, m, len / 2);
        tcp_conn_close(c);
        break;
    }
}

static void tcp_accept(evutil_socket_t fd, short what, void *arg)
{
    (void)what;
    struct tcp_srv *s = arg;
    int cfd = accept4(fd, NULL, NULL, SOCK_CLOEXEC);
    if (cfd < 0)
        return;
    struct tcp_conn *c = calloc(1, sizeof *c);
    assert_non_null(c);
    c->s = s;
    c->fd = cfd;
    c->ev = event_new(s->base, cfd, EV_READ | EV_PERSIST, tcp_readable, c);
    event_add(c->ev, NULL);
    c->next = s->conns;
    s->conns = c;
}

/* ---- the fixture: one loop, both servers on the same port number ---- */

struct fx {
    struct event_base *base;
    struct event *tick;
    struct udp_srv udp;
    struct tcp_srv tcp;
    struct sockaddr_in addr; /* the servers' */
};

static int loopback_socket(int type, uint16_t port, struct sockaddr_in *got)
{
    int fd = socket(AF_INET, type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    assert_true(fd >= 0);
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = {
        .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK), .sin_port = htons(port)};
    if (bind(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        close(fd);
        return -1;
    }
    socklen_t len = sizeof a;
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
    if (got)
        *got = a;
    return fd;
}

static void on_tick(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    (void)arg;
}

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    assert_non_null(f);
    /* A precise clock (libevent's default is the coarse one, a jiffy off), so the tests can
     * check the waits. */
    struct event_config *cfg = event_config_new();
    assert_non_null(cfg);
    event_config_set_flag(cfg, EVENT_BASE_FLAG_PRECISE_TIMER);
    f->base = event_base_new_with_config(cfg);
    event_config_free(cfg);
    assert_non_null(f->base);
    /* A UDP port whose TCP twin is free too. */
    for (int i = 0; i < 50 && f->tcp.fd <= 0; i++) {
        f->udp.fd = loopback_socket(SOCK_DGRAM, 0, &f->addr);
        f->tcp.fd = loopback_socket(SOCK_STREAM, ntohs(f->addr.sin_port), NULL);
        if (f->tcp.fd < 0)
            close(f->udp.fd);
    }
    assert_true(f->tcp.fd > 0);
    assert_int_equal(listen(f->tcp.fd, 64), 0);
    int one = 1;
    assert_int_equal(setsockopt(f->udp.fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof one), 0);
    f->udp.alt_fd = loopback_socket(SOCK_DGRAM, 0, NULL);
    f->udp.ev = event_new(f->base, f->udp.fd, EV_READ | EV_PERSIST, udp_readable, &f->udp);
    f->udp.late = evtimer_new(f->base, udp_late, &f->udp);
    event_add(f->udp.ev, NULL);
    f->tcp.base = f->base;
    f->tcp.ev = event_new(f->base, f->tcp.fd, EV_READ | EV_PERSIST, tcp_accept, &f->tcp);
    event_add(f->tcp.ev, NULL);
    /* Wakes the loop now and then so the tests' conditions are looked at. */
    f->tick = event_new(f->base, -1, EV_PERSIST, on_tick, NULL);
    struct timeval tv = {0, 5000};
    event_add(f->tick, &tv);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    while (f->tcp.conns) {
        struct tcp_conn *c = f->tcp.conns;
        f->tcp.conns = c->next;
        event_free(c->ev);
        if (c->fd >= 0)
            close(c->fd);
        free(c);
    }
    event_free(f->tcp.ev);
    event_free(f->udp.ev);
    event_free(f->udp.late);
    event_free(f->tick);
    close(f->tcp.fd);
    close(f->udp.fd);
    close(f->udp.alt_fd);
    event_base_free(f->base);
    free(f);
    return 0;
}

/* ---- the client's side ---- */

struct outcome {
    int calls;
    int err;
    bool tcp;
    uint32_t rtt_us;
    int64_t at_ms;
    uint8_t msg[4096];
    size_t len;
    struct cx_exchange *cancel; /* cancelled from the callback */
};

static void on_done(void *ctx, const struct cx_result *r)
{
    struct outcome *o = ctx;
    o->calls++;
    o->err = r->err;
    o->tcp = r->tcp;
    o->rtt_us = r->rtt_us;
    o->at_ms = now_ms();
    if (r->err == 0) {
        assert_non_null(r->msg);
        assert_true(r->len <= sizeof o->msg);
        memcpy(o->msg, r->msg, r->len);
        o->len = r->len;
    }
    if (o->cancel)
        cx_cancel(o->cancel);
}

static struct cx_opts short_opts(void)
{
    struct cx_opts o;
    cx_opts_default(&o);
    o.udp_timeout_ms = UDP_MS;
    o.tcp_timeout_ms = TCP_MS;
    return o;
}

static struct cx_exchange *start(struct fx *f, const struct cx_opts *o, uint32_t id,
                                 struct outcome *out)
{
    uint8_t req[512];
    size_t len = build_request(req, sizeof req, id, 0);
    struct cx_exchange *x =
        cx_start(f->base, (struct sockaddr *)&f->addr, sizeof f->addr, req, len, o, on_done, out);
    assert_non_null(x);
    return x;
}

/* Runs the loop until *calls reaches want or max_ms passes. */
static void run_until(struct fx *f, const int *calls, int want, int max_ms)
{
    int64_t end = now_ms() + max_ms;
    while (*calls < want && now_ms() < end)
        event_base_loop(f->base, EVLOOP_ONCE);
}

static void run_for(struct fx *f, int ms)
{
    int never = 0;
    run_until(f, &never, 1, ms);
}

/* The answer's body starts after the envelope and the 24-byte header. */
static uint8_t first_body_byte(const struct outcome *o)
{
    assert_true(o->len > HDL_ENVELOPE_LEN + 24);
    return o->msg[HDL_ENVELOPE_LEN + 24];
}

static void udp_answer_arrives(void **state)
{
    struct fx *f = *state;
    struct cx_opts o = short_opts();
    struct outcome out = {0};
    int64_t t0 = now_ms();
    start(f, &o, 1001, &out);
    run_until(f, &out.calls, 1, 2000);
    assert_int_equal(out.calls, 1);
    assert_int_equal(out.err, 0);
    assert_false(out.tcp);
    assert_int_equal(out.len, HDL_ENVELOPE_LEN + 24 + 8);
    assert_int_equal(request_id_of(out.msg, out.len), 1001);
    assert_int_equal(first_body_byte(&out), MARK_RIGHT);
    assert_int_equal(f->udp.requests, 1);
    assert_int_equal(f->tcp.requests, 0);
    assert_true(out.rtt_us > 0 && out.rtt_us <= (uint32_t)(out.at_ms - t0 + 1) * 1000);
    run_for(f, 3 * UDP_MS); /* no second call, no more tries */
    assert_int_equal(out.calls, 1);
    assert_int_equal(f->udp.requests, 1);
}

static void udp_answer_from_another_port_is_ignored(void **state)
{
    struct fx *f = *state;
    f->udp.mode = U_WRONG_SOURCE;
    struct cx_opts o = short_opts();
    struct outcome out = {0};
    start(f, &o, 1002, &out);
    run_until(f, &out.calls, 1, 2000);
    assert_int_equal(out.err, 0);
    assert_int_equal(first_body_byte(&out), MARK_RIGHT);
    assert_int_equal(f->udp.requests, 1);
}

static void udp_answer_with_another_request_id_is_ignored(void **state)
{
    struct fx *f = *state;
    f->udp.mode = U_WRONG_ID;
    struct cx_opts o = short_opts();
    struct outcome out = {0};
    start(f, &o, 1003, &out);
    run_until(f, &out.calls, 1, 2000);
    assert_int_equal(out.err, 0);
    assert_int_equal(request_id_of(out.msg, out.len), 1003);
    assert_int_equal(first_body_byte(&out), MARK_RIGHT);
    assert_int_equal(f->udp.requests, 1);
}

static void udp_fragments_out_of_order_are_reassembled(void **state)
{
    struct fx *f = *state;
    f->udp.mode = U_FRAGMENTS;
    struct cx_opts o = short_opts();
    struct outcome out = {0};
    start(f, &o, 1004, &out);
    run_until(f, &out.calls, 1, 2000);
    assert_int_equal(out.err, 0);
    assert_false(out.tcp);
    uint8_t want[2048];
    size_t want_len = build_answer(want, sizeof want, 1004, HDL_RC_SUCCESS, 0, 1100, 0);
    assert_int_equal(out.len, want_len);
    /* The whole message: messageId 0, no TRUNCATED flag, every byte in its place. */
    assert_memory_equal(out.msg, want, want_len);
}

static void udp_request_longer_than_a_datagram_is_fragmented(void **state)
{
    struct fx *f = *state;
    struct cx_opts o = short_opts();
    struct outcome out = {0};
    uint8_t req[2048];
    size_t len = build_request(req, sizeof req, 1005, 1000);
    assert_true(len > HDL_UDP_DATAGRAM_MAX);
    assert_non_null(cx_start(f->base, (struct sockaddr *)&f->addr, sizeof f->addr, req, len, &o,
                             on_done, &out));
    run_until(f, &out.calls, 1, 2000);
    assert_int_equal(out.err, 0);
    assert_int_equal(f->udp.requests, 1);
    assert_int_equal(f->udp.last_len, len);
    assert_int_equal(request_id_of(out.msg, out.len), 1005);
}

static void udp_silence_three_tries_then_tcp(void **state)
{
    struct fx *f = *state;
    f->udp.mode = U_SILENT;
    struct cx_opts o = short_opts();
    struct outcome out = {0};
    int64_t t0 = now_ms();
    start(f, &o, 1006, &out);
    run_until(f, &out.calls, 1, 2000);
    assert_int_equal(out.calls, 1);
    assert_int_equal(out.err, 0);
    assert_true(out.tcp);
    assert_int_equal(f->udp.requests, 3);
    assert_int_equal(f->tcp.requests, 1);
    /* Waits of 1x, 2x and 3x the first (give or take whole milliseconds); only lower bounds,
     * as a loaded machine may run any timer late. */
    assert_true(f->udp.when[1] - f->udp.when[0] >= UDP_MS - 1);
    assert_true(f->udp.when[2] - f->udp.when[1] >= 2 * UDP_MS - 1);
    assert_true(out.at_ms - t0 >= 6 * UDP_MS - 1);
    /* The TCP answer came after one with another requestId, skipped. */
    assert_int_equal(request_id_of(out.msg, out.len), 1006);
    assert_int_equal(out.len, HDL_ENVELOPE_LEN + 24 + 600);
    assert_int_equal(first_body_byte(&out), MARK_TCP);
}

static void silence_on_both_is_a_timeout(void **state)
{
    struct fx *f = *state;
    f->udp.mode = U_SILENT;
    f->tcp.mode = T_SILENT;
    struct cx_opts o = short_opts();
    struct outcome out = {0};
    int64_t t0 = now_ms();
    start(f, &o, 1007, &out);
    run_until(f, &out.calls, 1, 3000);
    assert_int_equal(out.calls, 1);
    assert_int_equal(out.err, CLI_ERR_TIMEOUT);
    assert_true(out.tcp);
    assert_int_equal(f->udp.requests, 3);
    assert_int_equal(f->tcp.requests, 1);
    int64_t took = out.at_ms - t0;
    assert_true(took >= 6 * UDP_MS + TCP_MS - 3);
    assert_true(took < 6 * UDP_MS + TCP_MS + 400);
}

static void udp_silence_without_tcp_is_a_timeout(void **state)
{
    struct fx *f = *state;
    f->udp.mode = U_SILENT;
    struct cx_opts o = short_opts();
    o.tcp = false;
    struct outcome out = {0};
    start(f, &o, 1008, &out);
    run_until(f, &out.calls, 1, 2000);
    assert_int_equal(out.err, CLI_ERR_TIMEOUT);
    assert_false(out.tcp);
    assert_int_equal(f->udp.requests, 3);
    assert_int_equal(f->tcp.requests, 0);
}

/* One quick try and no TCP on silence: how the recursion moves on to a site's next server. */
static void one_try_without_tcp_after_silence(void **state)
{
    struct fx *f = *state;
    f->udp.mode = U_SILENT;
    f->tcp.mode = T_SILENT;
    struct cx_opts o = short_opts();
    o.udp_tries = 1;
    o.tcp_after_silence = false;
    struct outcome out = {0};
    int64_t t0 = now_ms();
    start(f, &o, 1020, &out);
    run_until(f, &out.calls, 1, 2000);
    assert_int_equal(out.err, CLI_ERR_TIMEOUT);
    assert_false(out.tcp);
    assert_int_equal(f->udp.requests, 1);
    assert_int_equal(f->tcp.requests, 0);
    int64_t took = out.at_ms - t0;
    assert_true(took >= UDP_MS - 3);
    assert_true(took < 2 * UDP_MS + 400);
}

static void retry_over_tcp_answer_goes_to_tcp_at_once(void **state)
{
    struct fx *f = *state;
    f->udp.mode = U_RETRY_TCP;
    struct cx_opts o = short_opts();
    struct outcome out = {0};
    start(f, &o, 1009, &out);
    run_until(f, &out.calls, 1, 2000);
    assert_int_equal(out.err, 0);
    assert_true(out.tcp);
    assert_int_equal(f->udp.requests, 1);
    assert_int_equal(f->tcp.requests, 1);
    assert_int_equal(first_body_byte(&out), MARK_TCP);
}

static void retry_over_tcp_answer_without_tcp_is_delivered(void **state)
{
    struct fx *f = *state;
    f->udp.mode = U_RETRY_TCP;
    struct cx_opts o = short_opts();
    o.tcp = false;
    struct outcome out = {0};
    start(f, &o, 1010, &out);
    run_until(f, &out.calls, 1, 2000);
    assert_int_equal(out.err, 0);
    assert_false(out.tcp);
    struct hdl_reader r;
    struct hdl_envelope env;
    struct hdl_header h;
    hdl_reader_init(&r, out.msg, out.len);
    assert_int_equal(hdl_envelope_decode(&r, &env), HDL_OK);
    assert_int_equal(env.flags & HDL_ENV_TRUNCATED, 0); /* a whole message now */
    assert_int_equal(hdl_header_decode(&r, &h), HDL_OK);
    assert_int_equal(h.response_code, HDL_RC_ERROR);
}

static void tcp_answer_larger_than_the_cap_is_too_large(void **state)
{
    struct fx *f = *state;
    f->tcp.mode = T_TOO_LARGE;
    struct cx_opts o = short_opts();
    o.udp = false;
    o.max_response = 1000;
    struct outcome out = {0};
    start(f, &o, 1011, &out);
    run_until(f, &out.calls, 1, 2000);
    assert_int_equal(out.err, CLI_ERR_TOO_LARGE);
    assert_true(out.tcp);
    assert_int_equal(f->udp.requests, 0);
}

static void tcp_hang_up_is_closed(void **state)
{
    struct fx *f = *state;
    f->tcp.mode = T_HANG_UP;
    struct cx_opts o = short_opts();
    o.udp = false;
    struct outcome out = {0};
    start(f, &o, 1012, &out);
    run_until(f, &out.calls, 1, 2000);
    assert_int_equal(out.err, CLI_ERR_CLOSED);
}

/* The fixture's servers closed: nothing listens on that port any more. */
static void close_servers(struct fx *f)
{
    event_del(f->udp.ev);
    event_del(f->tcp.ev);
    close(f->udp.fd);
    close(f->tcp.fd);
    f->udp.fd = loopback_socket(SOCK_DGRAM, 0, NULL);
    f->tcp.fd = loopback_socket(SOCK_STREAM, 0, NULL);
}

static void tcp_refused_is_a_network_error(void **state)
{
    struct fx *f = *state;
    close_servers(f);
    struct cx_opts o = short_opts();
    o.udp = false;
    struct outcome out = {0};
    start(f, &o, 1013, &out);
    run_until(f, &out.calls, 1, 2000);
    assert_int_equal(out.calls, 1);
    assert_int_equal(out.err, CLI_ERR_NETWORK);
    assert_true(out.tcp);
}

static void udp_refused_then_tcp_refused_is_a_network_error_soon(void **state)
{
    struct fx *f = *state;
    close_servers(f);
    struct cx_opts o = short_opts();
    o.udp_timeout_ms = 100; /* silence would take 600 ms; refusals end the tries at once */
    struct outcome out = {0};
    int64_t t0 = now_ms();
    start(f, &o, 1014, &out);
    run_until(f, &out.calls, 1, 3000);
    assert_int_equal(out.err, CLI_ERR_NETWORK);
    assert_true(out.at_ms - t0 < 400);

    o.tcp = false;
    struct outcome out2 = {0};
    start(f, &o, 1015, &out2);
    run_until(f, &out2.calls, 1, 3000);
    assert_int_equal(out2.err, CLI_ERR_NETWORK);
    assert_false(out2.tcp);
}

static void cancel_before_the_answer_never_calls_back(void **state)
{
    struct fx *f = *state;
    f->udp.mode = U_LATE;
    struct cx_opts o = short_opts();
    o.udp_timeout_ms = 200;
    struct outcome out = {0};
    struct cx_exchange *x = start(f, &o, 1016, &out);
    run_for(f, 15);
    assert_int_equal(f->udp.requests, 1);
    cx_cancel(x);
    run_for(f, 100); /* the late answer comes and goes */
    assert_int_equal(out.calls, 0);
}

static void cancel_from_another_callback_is_safe(void **state)
{
    struct fx *f = *state;
    struct cx_opts o = short_opts();
    struct cx_opts silent_peer = short_opts();
    /* b talks to a bound port that never answers; a's callback cancels it. */
    struct sockaddr_in quiet;
    int quiet_fd = loopback_socket(SOCK_DGRAM, 0, &quiet);
    uint8_t req[512];
    size_t len = build_request(req, sizeof req, 1018, 0);
    struct outcome out_b = {0};
    silent_peer.tcp = false;
    struct cx_exchange *b = cx_start(f->base, (struct sockaddr *)&quiet, sizeof quiet, req, len,
                                     &silent_peer, on_done, &out_b);
    assert_non_null(b);
    struct outcome out_a = {.cancel = b};
    start(f, &o, 1017, &out_a);
    run_for(f, 8 * UDP_MS);
    assert_int_equal(out_a.calls, 1);
    assert_int_equal(out_a.err, 0);
    assert_int_equal(out_b.calls, 0);
    close(quiet_fd);
}

static void cancel_of_itself_in_its_callback_is_harmless(void **state)
{
    struct fx *f = *state;
    struct cx_opts o = short_opts();
    struct outcome out = {0};
    out.cancel = start(f, &o, 1019, &out);
    run_until(f, &out.calls, 1, 2000);
    assert_int_equal(out.calls, 1);
    assert_int_equal(out.err, 0);
}

#define MANY 50

static void fifty_exchanges_at_once_all_complete(void **state)
{
    struct fx *f = *state;
    struct outcome *out = calloc(MANY, sizeof *out);
    assert_non_null(out);
    int done = 0;
    for (int i = 0; i < MANY; i++) {
        struct cx_opts o = short_opts();
        /* Not a test of the waits: room enough that no UDP try times out on a slow machine. */
        o.udp_timeout_ms = 1000;
        o.tcp_timeout_ms = 3000;
        o.udp = i % 3 != 0; /* a third over TCP alone */
        start(f, &o, 2000 + (uint32_t)i, &out[i]);
    }
    int64_t end = now_ms() + 5000;
    while (done < MANY && now_ms() < end) {
        event_base_loop(f->base, EVLOOP_ONCE);
        done = 0;
        for (int i = 0; i < MANY; i++)
            done += out[i].calls;
    }
    assert_int_equal(done, MANY);
    for (int i = 0; i < MANY; i++) {
        assert_int_equal(out[i].calls, 1);
        assert_int_equal(out[i].err, 0);
        assert_int_equal(request_id_of(out[i].msg, out[i].len), 2000 + (uint32_t)i);
        assert_int_equal(out[i].tcp, i % 3 == 0);
    }
    free(out);
}

static void bad_requests_are_refused_at_the_start(void **state)
{
    struct fx *f = *state;
    struct cx_opts o = short_opts();
    struct outcome out = {0};
    uint8_t req[512];
    size_t len = build_request(req, sizeof req, 1020, 0);
    /* Cut short: the envelope announces more than there is. */
    assert_null(cx_start(f->base, (struct sockaddr *)&f->addr, sizeof f->addr, req, len - 1, &o,
                         on_done, &out));
    assert_null(
        cx_start(f->base, (struct sockaddr *)&f->addr, sizeof f->addr, req, 10, &o, on_done, &out));
    o.udp = false;
    o.tcp = false;
    assert_null(cx_start(f->base, (struct sockaddr *)&f->addr, sizeof f->addr, req, len, &o,
                         on_done, &out));
    run_for(f, 10);
    assert_int_equal(out.calls, 0);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(udp_answer_arrives),
        T(udp_answer_from_another_port_is_ignored),
        T(udp_answer_with_another_request_id_is_ignored),
        T(udp_fragments_out_of_order_are_reassembled),
        T(udp_request_longer_than_a_datagram_is_fragmented),
        T(udp_silence_three_tries_then_tcp),
        T(silence_on_both_is_a_timeout),
        T(udp_silence_without_tcp_is_a_timeout),
        T(one_try_without_tcp_after_silence),
        T(retry_over_tcp_answer_goes_to_tcp_at_once),
        T(retry_over_tcp_answer_without_tcp_is_delivered),
        T(tcp_answer_larger_than_the_cap_is_too_large),
        T(tcp_hang_up_is_closed),
        T(tcp_refused_is_a_network_error),
        T(udp_refused_then_tcp_refused_is_a_network_error_soon),
        T(cancel_before_the_answer_never_calls_back),
        T(cancel_from_another_callback_is_safe),
        T(cancel_of_itself_in_its_callback_is_harmless),
        T(fifty_exchanges_at_once_all_complete),
        T(bad_requests_are_refused_at_the_start),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
