#include "resolver/net/udp_handler.h"

#include <errno.h>
#include <event2/event.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "proto/hdl_const.h"
#include "proto/hdl_envelope.h"
#include "proto/hdl_fragment.h"
#include "proto/hdl_message.h"
#include "resolver/access_log.h"
#include "resolver/admin/job_pool.h"
#include "resolver/log.h"
#include "resolver/net/net_addr.h"
#include "resolver/net/rrl.h"
#include "resolver/net/worker.h"
#include "resolver/query/query_counted.h"
#include "resolver/query/query_prefetch.h"
#include "resolver/upstream/recursor.h"

#define RECV_BATCH 32
#define SEND_BATCH 64
/* Datagrams above 512 bytes are not the protocol's, but reading more lets them be answered
 * with an error instead of silently cut. */
#define RECV_SLOT 2048
/* Batches drained per readiness event before giving TCP and timers a turn. */
#define MAX_BATCHES_PER_EVENT 16

/* Multi-datagram requests are rare: a few slots, each holding one message being assembled. */
#define REASM_SLOTS 16
#define REASM_TIMEOUT_S 5

struct reasm_slot {
    bool active;
    time_t deadline;
    struct sockaddr_storage peer;
    socklen_t peer_len;
    struct hdl_reassembly ra;
    uint8_t *msg; /* envelope + reassembled message */
};

/* A request handed to the admin threads or to the recursor, and where its answer goes. */
struct udp_pending {
    struct udp_handler *u;
    struct sockaddr_storage peer;
    socklen_t peer_len;
    struct job *job;
    struct rec_request *rec;
    uint64_t started;
    uint8_t *request; /* a copy, for the "retry over TCP" answer */
    size_t request_len;
    struct udp_pending *prev, *next;
};

struct udp_handler {
    struct worker *worker;
    struct udp_pending *pending_jobs;
    int fd;
    struct event *ev;

    struct mmsghdr rmsg[RECV_BATCH];
    struct iovec riov[RECV_BATCH];
    struct sockaddr_storage raddr[RECV_BATCH];
    uint8_t rbuf[RECV_BATCH][RECV_SLOT];
    /* The batch's keys, derived by its prefetches and reused by its answers (query_prefetch.h);
     * rkeyed[i] says whether rkey[i] is this batch's, for datagram i. */
    struct query_key rkey[RECV_BATCH];
    bool rkeyed[RECV_BATCH];
    uint64_t clock; /* node_now_ns() as the current datagram's turn began (query_answer_timed) */

    struct mmsghdr smsg[SEND_BATCH];
    struct iovec siov[SEND_BATCH];
    struct sockaddr_storage saddr[SEND_BATCH];
    uint8_t sbuf[SEND_BATCH][HDL_UDP_DATAGRAM_MAX];
    unsigned pending;

    struct reasm_slot reasm[REASM_SLOTS];
};

static void flush_sends(struct udp_handler *u)
{
    unsigned sent = 0;
    while (sent < u->pending) {
        int n = sendmmsg(u->fd, u->smsg + sent, u->pending - sent, MSG_DONTWAIT);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            /* A full socket buffer drops the rest, as a congested network would. */
            node_count(&u->worker->stats.udp_send_errors, u->pending - sent);
            break;
        }
        sent += (unsigned)n;
    }
    u->pending = 0;
}

static void queue_datagram(struct udp_handler *u, const struct sockaddr_storage *peer,
                           socklen_t peer_len, const uint8_t *data, size_t len, bool copy)
{
    if (u->pending == SEND_BATCH)
        flush_sends(u);
    unsigned i = u->pending++;
    if (copy)
        memcpy(u->sbuf[i], data, len);
    memcpy(&u->saddr[i], peer, peer_len);
    u->siov[i].iov_base = u->sbuf[i];
    u->siov[i].iov_len = len;
    u->smsg[i].msg_hdr.msg_name = &u->saddr[i];
    u->smsg[i].msg_hdr.msg_namelen = peer_len;
}

static void send_response(struct udp_handler *u, const struct sockaddr_storage *peer,
                          socklen_t peer_len, const uint8_t *resp, size_t len)
{
    if (len <= HDL_UDP_DATAGRAM_MAX) {
        queue_datagram(u, peer, peer_len, resp, len, true);
        return;
    }
    struct hdl_reader r;
    struct hdl_envelope env;
    hdl_reader_init(&r, resp, len);
    if (hdl_envelope_decode(&r, &env) != HDL_OK)
        return;
    const uint8_t *payload = resp + HDL_ENVELOPE_LEN;
    uint32_t payload_len = (uint32_t)(len - HDL_ENVELOPE_LEN);
    uint32_t count = hdl_fragment_count(payload_len);
    for (uint32_t n = 0; n < count; n++) {
        if (u->pending == SEND_BATCH)
            flush_sends(u);
        unsigned i = u->pending;
        size_t dlen = hdl_fragment_build(&env, payload, payload_len, n, u->sbuf[i]);
        queue_datagram(u, peer, peer_len, u->sbuf[i], dlen, false);
    }
}

static bool same_peer(const struct sockaddr_storage *a, socklen_t alen,
                      const struct sockaddr_storage *b, socklen_t blen)
{
    return alen == blen && memcmp(a, b, alen) == 0;
}

static void reasm_release(struct reasm_slot *s)
{
    free(s->msg);
    s->msg = NULL;
    s->active = false;
}

/* The slot assembling (peer, request id), or a free or expired one to start it in. */
static struct reasm_slot *reasm_find(struct udp_handler *u, const struct sockaddr_storage *peer,
                                     socklen_t peer_len, uint32_t request_id, time_t now)
{
    struct reasm_slot *spare = NULL;
    for (int i = 0; i < REASM_SLOTS; i++) {
        struct reasm_slot *s = &u->reasm[i];
        if (s->active && s->deadline < now)
            reasm_release(s);
        if (s->active && s->ra.request_id == request_id &&
            same_peer(&s->peer, s->peer_len, peer, peer_len))
            return s;
        if (!s->active && !spare)
            spare = s;
    }
    return spare;
}

/* Returns the whole message once its last fragment is in, else NULL. */
static struct reasm_slot *reasm_add(struct udp_handler *u, const struct sockaddr_storage *peer,
                                    socklen_t peer_len, const struct hdl_envelope *env,
                                    const uint8_t *dgram, size_t len)
{
    time_t now = time(NULL);
    struct reasm_slot *s = reasm_find(u, peer, peer_len, env->request_id, now);
    if (!s)
        return NULL; /* all slots busy: the client will retry */
    if (!s->active) {
        s->msg = malloc(HDL_ENVELOPE_LEN + (size_t)env->message_length);
        if (!s->msg)
            return NULL;
        s->active = true;
        s->deadline = now + REASM_TIMEOUT_S;
        memcpy(&s->peer, peer, peer_len);
        s->peer_len = peer_len;
        hdl_reassembly_init(&s->ra, s->msg + HDL_ENVELOPE_LEN, env->message_length);
        /* The assembled message gets the envelope of fragment 0, minus the fragment flag. */
        struct hdl_envelope whole = *env;
        whole.message_id = 0;
        whole.flags &= (uint8_t)~HDL_ENV_TRUNCATED;
        struct hdl_writer w;
        hdl_writer_init(&w, s->msg, HDL_ENVELOPE_LEN);
        hdl_envelope_encode(&w, &whole);
    }
    bool complete = false;
    if (hdl_reassembly_add(&s->ra, env, dgram + HDL_ENVELOPE_LEN, len - HDL_ENVELOPE_LEN,
                           &complete) != HDL_OK) {
        reasm_release(s);
        node_count(&u->worker->stats.malformed, 1);
        return NULL;
    }
    return complete ? s : NULL;
}

/* An answer of len bytes to a request of request_len would amplify beyond
 * limits.udp_max_amplification. An answer that fits one datagram always goes: the smallest
 * request (48 bytes, GET_SITE_INFO) is answered in about 450, and the rate limit bounds how
 * many; it is the multi-datagram answers that would multiply a forged request's bytes. */
static bool too_large(const struct worker *w, const struct sockaddr_storage *peer, size_t len,
                      size_t request_len)
{
    const struct conf *c = w->node->conf;
    uint32_t factor = NODE_LIVE(w->node, udp_max_amplification);
    if (!factor || len <= HDL_UDP_DATAGRAM_MAX || len <= (size_t)factor * request_len)
        return false;
    for (int i = 0; i < c->udp_exempt_count; i++)
        if (rrl_net_contains(&c->udp_exempt[i], (const struct sockaddr *)peer))
            return false;
    return true;
}

/*
 * Instead of an answer that is rate limited or too large for UDP: a short error that sends a
 * real client to TCP, where a forged source address cannot complete a handshake. HANDLE.NET's
 * resolver treats an ERROR (2) answer as a failure of the interface and tries the next
 * protocol in its list (TCP); TRUNCATED in the envelope says the same to a client that reads
 * it, as TC does in DNS. Only requests get it: a response sent to the node is not answered.
 */
static void send_retry_tcp(struct udp_handler *u, const struct sockaddr_storage *peer,
                           socklen_t peer_len, const uint8_t *msg, size_t len)
{
    struct worker *w = u->worker;
    struct hdl_message m;
    if (hdl_message_split(msg, len, &m) != HDL_OK || m.hdr.response_code != 0)
        return;
    size_t out_len;
    if (query_error(&w->query, msg, len, HDL_RC_ERROR, "Retry over TCP", w->out, &out_len) !=
        QUERY_REPLY)
        return;
    struct hdl_reader r;
    struct hdl_envelope env;
    hdl_reader_init(&r, w->out, out_len);
    if (hdl_envelope_decode(&r, &env) != HDL_OK)
        return;
    env.flags |= HDL_ENV_TRUNCATED;
    struct hdl_writer wr;
    hdl_writer_init(&wr, w->out, HDL_ENVELOPE_LEN);
    hdl_envelope_encode(&wr, &env);
    send_response(u, peer, peer_len, w->out, out_len);
}

static void pending_unlink(struct udp_pending *p)
{
    if (p->prev)
        p->prev->next = p->next;
    else
        p->u->pending_jobs = p->next;
    if (p->next)
        p->next->prev = p->prev;
}

static int job_deliver(void *ctx, const uint8_t *msg, size_t len)
{
    struct udp_pending *p = ctx;
    node_stats_answered(&p->u->worker->stats, NODE_UDP, msg, len, p->started);
    access_log_resolution(NODE_UDP, (const struct sockaddr *)&p->peer, p->request, p->request_len,
                          msg, len, node_now_ns() - p->started);
    if (too_large(p->u->worker, &p->peer, len, p->request_len)) {
        node_count(&p->u->worker->stats.udp_truncated, 1);
        send_retry_tcp(p->u, &p->peer, p->peer_len, p->request, p->request_len);
        flush_sends(p->u);
        return 0;
    }
    send_response(p->u, &p->peer, p->peer_len, msg, len);
    flush_sends(p->u);
    return 0;
}

static void job_done(void *ctx)
{
    struct udp_pending *p = ctx;
    pending_unlink(p);
    free(p->request);
    free(p);
}

/* Hands msg to the admin threads, or with recurse to the worker's recursor; SERVER_TOO_BUSY
 * when neither takes it. */
static void defer(struct udp_handler *u, const struct sockaddr_storage *peer, socklen_t peer_len,
                  const uint8_t *msg, size_t len, bool recurse)
{
    struct worker *w = u->worker;
    struct udp_pending *p = calloc(1, sizeof *p);
    if (p) {
        p->u = u;
        memcpy(&p->peer, peer, peer_len);
        p->peer_len = peer_len;
        p->started = node_now_ns();
        p->request = malloc(len);
        p->request_len = len;
        struct admin_owner owner = {p, job_deliver, job_done};
        struct rec_owner rec_owner = {p, job_deliver, job_done};
        if (p->request) {
            memcpy(p->request, msg, len);
            if (recurse)
                p->rec = recursor_submit(w->query.rec, msg, len, &rec_owner);
            else
                p->job = job_submit(w->node->jobs, w->base, NODE_UDP,
                                    (const struct sockaddr *)&p->peer, msg, len, &owner);
        }
    }
    if (!p || (!p->job && !p->rec)) {
        if (p)
            free(p->request);
        free(p);
        size_t out_len;
        if (query_error(&w->query, msg, len, HDL_RC_SERVER_TOO_BUSY, "Server too busy", w->out,
                        &out_len) == QUERY_REPLY)
            send_response(u, peer, peer_len, w->out, out_len);
        return;
    }
    p->next = u->pending_jobs;
    if (p->next)
        p->next->prev = p;
    u->pending_jobs = p;
}

static void answer(struct udp_handler *u, const struct sockaddr_storage *peer, socklen_t peer_len,
                   const uint8_t *msg, size_t len)
{
    struct worker *w = u->worker;
    switch (rrl_check(w->rrl, (const struct sockaddr *)peer, u->clock / 1000000u)) {
    case RRL_PASS:
        break;
    case RRL_SLIP:
        node_count(&w->stats.rrl_slipped, 1);
        send_retry_tcp(u, peer, peer_len, msg, len);
        return;
    case RRL_DROP:
    default:
        node_count(&w->stats.rrl_dropped, 1);
        return;
    }
    size_t out_len;
    w->query.peer = (const struct sockaddr *)peer;
    enum query_result r =
        query_answer_timed(&w->query, NODE_UDP, msg, len, w->out, &out_len, &u->clock);
    if (r == QUERY_REPLY && too_large(w, peer, out_len, len)) {
        node_count(&w->stats.udp_truncated, 1);
        send_retry_tcp(u, peer, peer_len, msg, len);
    } else if (r == QUERY_REPLY)
        send_response(u, peer, peer_len, w->out, out_len);
    else if (r == QUERY_DEFER || r == QUERY_RECURSE)
        defer(u, peer, peer_len, msg, len, r == QUERY_RECURSE);
}

static void handle_datagram(struct udp_handler *u, unsigned i, size_t len, bool cut)
{
    const uint8_t *d = u->rbuf[i];
    const struct sockaddr_storage *peer = &u->raddr[i];
    socklen_t peer_len = u->rmsg[i].msg_hdr.msg_namelen;

    struct hdl_envelope env;
    struct hdl_reader r;
    hdl_reader_init(&r, d, len);
    int err = hdl_envelope_decode(&r, &env);
    bool fragmented = err == HDL_OK && !cut && (env.flags & HDL_ENV_TRUNCATED) &&
                      env.message_length > len - HDL_ENVELOPE_LEN;
    if (!fragmented) {
        /* A whole message, or something malformed the query layer answers or drops. */
        answer(u, peer, peer_len, d, cut ? HDL_ENVELOPE_LEN : len);
        return;
    }
    struct reasm_slot *s = reasm_add(u, peer, peer_len, &env, d, len);
    if (s) {
        answer(u, peer, peer_len, s->msg, HDL_ENVELOPE_LEN + (size_t)env.message_length);
        reasm_release(s);
    }
}

/* Asks for what the batch's resolutions will read before the first is answered: every index
 * slot, then every entry (query_prefetch.h). */
static void prefetch_batch(struct udp_handler *u, int n)
{
    struct query_ctx *q = &u->worker->query;
    bool useful = n >= 2 && query_prefetch_useful(q);
    for (int i = 0; i < n; i++)
        u->rkeyed[i] = useful && !(u->rmsg[i].msg_hdr.msg_flags & MSG_TRUNC) &&
                       query_prefetch_key(q, u->rbuf[i], u->rmsg[i].msg_len, &u->rkey[i]);
    if (useful)
        for (int i = 0; i < n; i++)
            if (u->rkeyed[i])
                query_prefetch_entry(q, u->rkey[i].hash);
}

static void on_readable(evutil_socket_t fd, short what, void *arg)
{
    struct udp_handler *u = arg;
    (void)what;
    for (int batch = 0; batch < MAX_BATCHES_PER_EVENT; batch++) {
        for (unsigned i = 0; i < RECV_BATCH; i++) {
            u->rmsg[i].msg_hdr.msg_namelen = sizeof u->raddr[i];
            u->rmsg[i].msg_hdr.msg_flags = 0;
        }
        int n = recvmmsg(fd, u->rmsg, RECV_BATCH, MSG_DONTWAIT, NULL);
        if (n <= 0)
            break;
        prefetch_batch(u, n);
        u->clock = node_now_ns();
        for (int i = 0; i < n; i++) {
            bool cut = (u->rmsg[i].msg_hdr.msg_flags & MSG_TRUNC) != 0;
            u->worker->query.key_hint = u->rkeyed[i] ? &u->rkey[i] : NULL;
            handle_datagram(u, (unsigned)i, u->rmsg[i].msg_len, cut);
        }
        u->worker->query.key_hint = NULL;
        flush_sends(u);
        if (n < RECV_BATCH)
            break;
    }
}

struct udp_handler *udp_handler_new(struct worker *w, const struct conf_endpoint *ep, char *err,
                                    size_t errlen)
{
    struct sockaddr_storage ss;
    socklen_t sslen = net_addr_from_endpoint(ep, &ss);
    if (!sslen) {
        snprintf(err, errlen, "bad listen address %s", ep->host);
        return NULL;
    }
    struct udp_handler *u = calloc(1, sizeof *u);
    if (!u) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    u->worker = w;
    u->fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int one = 1;
    /* Room for bursts while the worker is busy: answers are small, requests smaller. */
    int rcvbuf = 4 << 20;
    if (u->fd < 0 || setsockopt(u->fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0 ||
        (ss.ss_family == AF_INET6 &&
         setsockopt(u->fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one) != 0) ||
        bind(u->fd, (struct sockaddr *)&ss, sslen) != 0) {
        snprintf(err, errlen, "cannot listen on UDP %s port %u: %s", ep->host, ep->port,
                 strerror(errno));
        udp_handler_free(u);
        return NULL;
    }
    setsockopt(u->fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);

    for (unsigned i = 0; i < RECV_BATCH; i++) {
        u->riov[i].iov_base = u->rbuf[i];
        u->riov[i].iov_len = RECV_SLOT;
        u->rmsg[i].msg_hdr.msg_iov = &u->riov[i];
        u->rmsg[i].msg_hdr.msg_iovlen = 1;
        u->rmsg[i].msg_hdr.msg_name = &u->raddr[i];
    }
    for (unsigned i = 0; i < SEND_BATCH; i++) {
        u->smsg[i].msg_hdr.msg_iov = &u->siov[i];
        u->smsg[i].msg_hdr.msg_iovlen = 1;
    }
    u->ev = event_new(w->base, u->fd, EV_READ | EV_PERSIST, on_readable, u);
    if (!u->ev || event_add(u->ev, NULL) != 0) {
        snprintf(err, errlen, "cannot watch the UDP socket");
        udp_handler_free(u);
        return NULL;
    }
    return u;
}

void udp_handler_free(struct udp_handler *u)
{
    if (!u)
        return;
    if (u->ev)
        event_free(u->ev);
    if (u->fd >= 0)
        close(u->fd);
    for (int i = 0; i < REASM_SLOTS; i++)
        reasm_release(&u->reasm[i]);
    /* Answers still being worked out have nowhere to go now. */
    while (u->pending_jobs) {
        struct udp_pending *p = u->pending_jobs;
        u->pending_jobs = p->next;
        if (p->job)
            job_cancel(p->job);
        else
            recursor_cancel(p->rec);
        free(p->request);
        free(p);
    }
    free(u);
}
