#include "resolver/net/tcp_handler.h"

#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "proto/hdl_buf.h"
#include "proto/hdl_const.h"
#include "proto/hdl_envelope.h"
#include "resolver/admin/job_pool.h"
#include "resolver/net/net_addr.h"
#include "resolver/net/source_limit.h"
#include "resolver/net/worker.h"
#include "resolver/query/query_counted.h"
#include "resolver/query/query_prefetch.h"
#include "resolver/replication/repl_primary.h"
#include "resolver/upstream/recursor.h"

/* A client that stops reading gets this much queued output before its reads are paused. */
#define OUTPUT_HIGH_WATER (1u << 20)
#define OUTPUT_LOW_WATER (256u << 10)
#define WRITE_TIMEOUT_S 30
/* Pipelined requests whose memory is asked for together (query_prefetch.h). */
#define PREFETCH_BATCH 32

struct tcp_listener {
    struct worker *worker;
    struct evconnlistener *lev;
};

struct tcp_conn {
    struct worker *worker;
    struct bufferevent *bev;
    struct tcp_conn *prev, *next;
    bool closing;          /* close once the output has drained */
    bool raw;              /* the job's answers are now a raw stream (replication): close after */
    struct job *job; /* a request handed to the admin threads; input waits for it */
    struct rec_request *rec; /* or to the recursor */
    uint64_t job_started;  /* node_now_ns() when it was handed over */
    struct event *slow;    /* armed while a message is partly in: tcp.message_timeout */
    bool has_slot;         /* holds a slot in node->tcp_sources */
    uint32_t slot;
    struct sockaddr_storage peer; /* for the authentication failure throttle */
};

static bool conn_process(struct tcp_conn *c);

static void conn_free(struct tcp_conn *c)
{
    struct worker *w = c->worker;
    if (c->prev)
        c->prev->next = c->next;
    else
        w->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    w->conn_count--;
    atomic_fetch_sub_explicit(&w->node->tcp_connections, 1, memory_order_relaxed);
    if (c->has_slot)
        source_limit_release(w->node->tcp_sources, c->slot);
    if (c->slow)
        event_free(c->slow);
    if (c->job)
        job_cancel(c->job);
    if (c->rec)
        recursor_cancel(c->rec);
    bufferevent_free(c->bev);
    free(c);
}

static void conn_close_when_sent(struct tcp_conn *c)
{
    c->closing = true;
    bufferevent_disable(c->bev, EV_READ);
    /* An answer still being worked out will be sent first. */
    if (!c->job && !c->rec && evbuffer_get_length(bufferevent_get_output(c->bev)) == 0)
        conn_free(c);
}

/*
 * Answers go straight to the socket when nothing waits before them: one write(2) for all the
 * answers to one read, and no write event armed and disarmed (two epoll_ctl calls) for each.
 * What the socket does not take, or what would pass answers still waiting, goes to the
 * bufferevent, which sends it when the client reads.
 */
static void conn_send(struct tcp_conn *c, struct evbuffer *answers)
{
    struct evbuffer *out = bufferevent_get_output(c->bev);
    if (evbuffer_get_length(answers) == 0)
        return;
    if (evbuffer_get_length(out) == 0)
        (void)evbuffer_write(answers, bufferevent_getfd(c->bev)); /* an error: the bufferevent
                                                                     meets it too, and closes */
    if (evbuffer_get_length(answers) > 0)
        evbuffer_add_buffer(out, answers);
}

static int job_deliver(void *ctx, const uint8_t *msg, size_t len)
{
    struct tcp_conn *c = ctx;
    if (len == 0) {
        /* auth_stream_begin_raw: unframed bytes follow until the job ends, then the close. */
        c->raw = true;
        return 0;
    }
    if (!c->raw)
        node_stats_answered(&c->worker->stats, NODE_TCP, msg, len, c->job_started);
    struct evbuffer *pend = c->worker->tcp_out;
    evbuffer_add(pend, msg, len);
    conn_send(c, pend);
    /* A long listing waits for the client to read; on_write resumes it. */
    return evbuffer_get_length(bufferevent_get_output(c->bev)) >= OUTPUT_HIGH_WATER;
}

static void job_done(void *ctx)
{
    struct tcp_conn *c = ctx;
    c->job = NULL;
    c->rec = NULL;
    if (c->raw) {
        conn_close_when_sent(c); /* may free c */
        return;
    }
    if (c->closing) {
        if (evbuffer_get_length(bufferevent_get_output(c->bev)) == 0)
            conn_free(c);
        return;
    }
    /* Requests pipelined behind the one that left go on in order. */
    if (!(bufferevent_get_enabled(c->bev) & EV_READ))
        bufferevent_enable(c->bev, EV_READ);
    conn_process(c);
}

/* Hands msg to the admin threads, or with recurse to the worker's recursor; input waits for
 * the answer. SERVER_TOO_BUSY when neither takes it. */
static void conn_defer(struct tcp_conn *c, const uint8_t *msg, size_t len, bool recurse)
{
    struct worker *w = c->worker;
    struct admin_owner owner = {c, job_deliver, job_done};
    struct rec_owner rec_owner = {c, job_deliver, job_done};
    c->job_started = node_now_ns();
    if (recurse)
        c->rec = recursor_submit(w->query.rec, msg, len, &rec_owner);
    else
        c->job = job_submit_conn(w->node->jobs, w->base, (const struct sockaddr *)&c->peer,
                                 bufferevent_getfd(c->bev), msg, len, &owner);
    if (c->rec || (c->job && job_uses_socket(c->job))) {
        bufferevent_disable(c->bev, EV_READ); /* job_done reads on */
    } else if (c->job) {
        /* Reading goes on, as epoll_ctl calls saved for each request: what arrives waits in the
         * input (answer_requests takes nothing while a job runs) up to the high-water mark. */
        bufferevent_setwatermark(c->bev, EV_READ, 0,
                                 HDL_ENVELOPE_LEN + c->worker->node->conf->max_message_bytes);
    } else {
        size_t out_len;
        query_error(&w->query, msg, len, HDL_RC_SERVER_TOO_BUSY, "Server too busy", w->out,
                    &out_len);
        evbuffer_add(w->tcp_out, w->out, out_len);
    }
}

/* Answers one message; *clock is when its turn began and becomes when it ended
 * (query_answer_timed). */
static void conn_answer(struct tcp_conn *c, const uint8_t *msg, size_t len, uint64_t *clock)
{
    struct worker *w = c->worker;
    size_t out_len;
    w->query.peer = (const struct sockaddr *)&c->peer;
    enum query_result r =
        query_answer_timed(&w->query, NODE_TCP, msg, len, w->out, &out_len, clock);
    if (r == QUERY_REPLY)
        evbuffer_add(w->tcp_out, w->out, out_len); /* sent by conn_process, with the others */
    else if (r == QUERY_DEFER || r == QUERY_RECURSE)
        conn_defer(c, msg, len, r == QUERY_RECURSE);
}

/* A message has started to arrive: it must be whole within tcp.message_timeout, however slowly
 * its bytes come (the idle timeout restarts with each byte, so it alone cannot stop a client
 * that trickles). */
static void deadline_arm(struct tcp_conn *c)
{
    if (!c->slow || evtimer_pending(c->slow, NULL))
        return;
    struct timeval tv = {c->worker->node->conf->tcp_message_timeout_s, 0};
    evtimer_add(c->slow, &tv);
}

static void on_slow(evutil_socket_t fd, short what, void *arg)
{
    struct tcp_conn *c = arg;
    (void)fd;
    (void)what;
    node_count(&c->worker->stats.tcp_slow, 1);
    conn_free(c);
}

/* Asks for the memory the next pipelined requests will read (query_prefetch.h): those wholly in
 * the input's first chunk, up to PREFETCH_BATCH. Reads the input without taking anything. */
static void prefetch_requests(struct tcp_conn *c, struct evbuffer *in)
{
    struct query_ctx *q = &c->worker->query;
    struct evbuffer_iovec v;
    if (!query_prefetch_useful(q) || evbuffer_peek(in, -1, NULL, &v, 1) < 1)
        return;
    const uint8_t *p = v.iov_base;
    size_t left = v.iov_len;
    uint64_t hash[PREFETCH_BATCH];
    int n = 0;
    for (int i = 0; i < PREFETCH_BATCH && left >= HDL_ENVELOPE_LEN; i++) {
        size_t whole = HDL_ENVELOPE_LEN + (size_t)hdl_load_u32(p + HDL_MESSAGE_LENGTH_AT);
        if (whole > left)
            break;
        if (query_prefetch(q, p, whole, &hash[n]))
            n++;
        p += whole;
        left -= whole;
    }
    for (int i = 0; i < n; i++)
        query_prefetch_entry(q, hash[i]);
}

/* Answers every whole request in the input, in order, into the worker's tcp_out. Returns false
 * when the connection was freed. */
static bool answer_requests(struct tcp_conn *c)
{
    struct evbuffer *in = bufferevent_get_input(c->bev);
    struct evbuffer *out = bufferevent_get_output(c->bev);
    uint32_t max_len = c->worker->node->conf->max_message_bytes;
    unsigned until_prefetch = 0;
    uint64_t clock = node_now_ns();
    while (!c->closing && !c->job && !c->rec) {
        if (evbuffer_get_length(c->worker->tcp_out) >= OUTPUT_HIGH_WATER) {
            conn_send(c, c->worker->tcp_out); /* many answers: out they go, or wait below */
            clock = node_now_ns();
        }
        if (evbuffer_get_length(out) >= OUTPUT_HIGH_WATER) {
            /* Resumed by on_write once the client has read its answers. */
            bufferevent_disable(c->bev, EV_READ);
            return true;
        }
        size_t avail = evbuffer_get_length(in);
        if (avail == 0 && c->slow)
            evtimer_del(c->slow);
        if (avail < HDL_ENVELOPE_LEN) {
            if (avail > 0)
                deadline_arm(c);
            return true;
        }
        uint8_t head[HDL_ENVELOPE_LEN];
        evbuffer_copyout(in, head, sizeof head);
        struct hdl_envelope env;
        struct hdl_reader r;
        hdl_reader_init(&r, head, sizeof head);
        int err = hdl_envelope_decode(&r, &env);
        if (err != HDL_OK || env.message_length > max_len) {
            /* The framing cannot be trusted past this point: answer the envelope alone (a
             * protocol error) and close. */
            conn_answer(c, head, sizeof head, &clock);
            conn_send(c, c->worker->tcp_out);
            conn_close_when_sent(c); /* may free c */
            return false;
        }
        size_t whole = HDL_ENVELOPE_LEN + (size_t)env.message_length;
        if (avail < whole) {
            bufferevent_setwatermark(c->bev, EV_READ, whole, 0);
            deadline_arm(c);
            return true;
        }
        bufferevent_setwatermark(c->bev, EV_READ, 0, 0);
        if (c->slow)
            evtimer_del(c->slow);
        if (until_prefetch-- == 0) {
            prefetch_requests(c, in);
            until_prefetch = PREFETCH_BATCH - 1;
        }
        const uint8_t *msg = evbuffer_pullup(in, (ssize_t)whole);
        conn_answer(c, msg, whole, &clock);
        evbuffer_drain(in, whole);
    }
    return true;
}

static bool conn_process(struct tcp_conn *c)
{
    if (!answer_requests(c))
        return false;
    conn_send(c, c->worker->tcp_out);
    return true;
}

static void on_read(struct bufferevent *bev, void *arg)
{
    (void)bev;
    conn_process(arg);
}

static void on_write(struct bufferevent *bev, void *arg)
{
    struct tcp_conn *c = arg;
    if (c->job) {
        job_resume(c->job);
        return;
    }
    if (c->rec)
        return; /* job_done reads on */
    if (c->closing) {
        if (evbuffer_get_length(bufferevent_get_output(bev)) == 0)
            conn_free(c);
        return;
    }
    if (!(bufferevent_get_enabled(bev) & EV_READ)) {
        bufferevent_enable(bev, EV_READ);
        conn_process(c);
    }
}

static void on_event(struct bufferevent *bev, short what, void *arg)
{
    struct tcp_conn *c = arg;
    if ((what & BEV_EVENT_TIMEOUT) && (what & BEV_EVENT_READING) && c->job) {
        /* A client silent while its request is worked on is waiting, not idle. */
        bufferevent_enable(bev, EV_READ);
        return;
    }
    if (what & BEV_EVENT_TIMEOUT)
        node_count(&c->worker->stats.tcp_timeouts, 1);
    if ((what & BEV_EVENT_EOF) && !(what & BEV_EVENT_ERROR) &&
        (c->job || c->rec || evbuffer_get_length(bufferevent_get_output(bev)) > 0)) {
        /* The client half-closed after its last request: its answers still go out. */
        conn_close_when_sent(c);
        return;
    }
    conn_free(c);
}

static void on_accept(struct evconnlistener *lev, evutil_socket_t fd, struct sockaddr *sa,
                      int salen, void *arg)
{
    struct tcp_listener *l = arg;
    struct worker *w = l->worker;
    const struct conf *cf = w->node->conf;
    (void)lev;

    uint32_t slot = 0;
    if (w->node->tcp_sources && !source_limit_take(w->node->tcp_sources, sa, &slot)) {
        node_count(&w->stats.tcp_refused_source, 1);
        close(fd);
        return;
    }
    unsigned open = atomic_fetch_add_explicit(&w->node->tcp_connections, 1, memory_order_relaxed);
    if (open >= cf->tcp_max_connections || w->stopping) {
        atomic_fetch_sub_explicit(&w->node->tcp_connections, 1, memory_order_relaxed);
        if (w->node->tcp_sources)
            source_limit_release(w->node->tcp_sources, slot);
        node_count(&w->stats.tcp_refused, 1);
        close(fd);
        return;
    }
    struct tcp_conn *c = calloc(1, sizeof *c);
    struct bufferevent *bev = bufferevent_socket_new(w->base, fd, BEV_OPT_CLOSE_ON_FREE);
    struct event *slow = c ? evtimer_new(w->base, on_slow, c) : NULL;
    if (!c || !bev || !slow) {
        atomic_fetch_sub_explicit(&w->node->tcp_connections, 1, memory_order_relaxed);
        if (w->node->tcp_sources)
            source_limit_release(w->node->tcp_sources, slot);
        if (slow)
            event_free(slow);
        free(c);
        if (bev)
            bufferevent_free(bev);
        else
            close(fd);
        return;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    c->worker = w;
    c->bev = bev;
    c->slow = slow;
    c->has_slot = w->node->tcp_sources != NULL;
    c->slot = slot;
    if (salen > 0 && (size_t)salen <= sizeof c->peer)
        memcpy(&c->peer, sa, (size_t)salen);
    c->next = w->conns;
    if (w->conns)
        w->conns->prev = c;
    w->conns = c;
    w->conn_count++;
    node_count(&w->stats.tcp_accepted, 1);

    struct timeval idle = {cf->tcp_idle_timeout_s, 0};
    struct timeval wr = {WRITE_TIMEOUT_S, 0};
    bufferevent_setcb(bev, on_read, on_write, on_event, c);
    bufferevent_setwatermark(bev, EV_WRITE, OUTPUT_LOW_WATER, 0);
    bufferevent_set_timeouts(bev, &idle, &wr);
    bufferevent_enable(bev, EV_READ | EV_WRITE);
}

struct tcp_listener *tcp_listener_new(struct worker *w, const struct conf_endpoint *ep, char *err,
                                      size_t errlen)
{
    struct sockaddr_storage ss;
    socklen_t sslen = net_addr_from_endpoint(ep, &ss);
    if (!sslen) {
        snprintf(err, errlen, "bad listen address %s", ep->host);
        return NULL;
    }
    /* Replication (1000-1002) streams on TCP connections; the admin threads route it there. */
    repl_primary_register();
    struct tcp_listener *l = calloc(1, sizeof *l);
    if (!l) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    l->worker = w;
    unsigned flags =
        LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC | LEV_OPT_REUSEABLE | LEV_OPT_REUSEABLE_PORT;
    if (ss.ss_family == AF_INET6)
        flags |= LEV_OPT_BIND_IPV6ONLY;
    l->lev = evconnlistener_new_bind(w->base, on_accept, l, flags, 1024, (struct sockaddr *)&ss,
                                     (int)sslen);
    if (!l->lev) {
        snprintf(err, errlen, "cannot listen on TCP %s port %u: %s", ep->host, ep->port,
                 strerror(errno));
        free(l);
        return NULL;
    }
    return l;
}

void tcp_listener_free(struct tcp_listener *l)
{
    if (!l)
        return;
    evconnlistener_free(l->lev);
    free(l);
}

void tcp_conns_shutdown(struct worker *w)
{
    struct tcp_conn *c = w->conns;
    while (c) {
        struct tcp_conn *next = c->next;
        conn_close_when_sent(c);
        c = next;
    }
}

void tcp_conns_close_all(struct worker *w)
{
    while (w->conns)
        conn_free(w->conns);
}
