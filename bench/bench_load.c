#include "bench/bench_load.h"

#include "bench/bench_http.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include "proto/hdl_buf.h"
#include "proto/hdl_const.h"
#include "proto/hdl_envelope.h"
#include "proto/hdl_fragment.h"
#include "proto/hdl_header.h"
#include "proto/hdl_message.h"

#define RECV_BATCH 64
#define TCP_INBUF (1u << 20)

struct slot {
    bool busy;
    uint64_t sent_ns;
    uint32_t request_id;
    uint32_t frags_got;
};

struct conn {
    int fd;
    uint16_t generation;
    unsigned cursor; /* open loop: where the search for a free slot starts */
    struct slot *slots;
    uint8_t *in; /* TCP: bytes received, not yet parsed */
    size_t in_len;
    uint8_t *out; /* TCP: bytes not yet sent */
    size_t out_len, out_cap;
    /* UDP: requests gathered for one sendmmsg */
    struct mmsghdr *smsg;
    struct iovec *siov;
    uint8_t (*sbuf)[HDL_UDP_DATAGRAM_MAX];
    unsigned spending;
};

struct thread {
    const struct bench_config *cfg;
    int index;
    pthread_t tid;
    struct bench_rng rng;
    struct conn *conns;
    int epfd;
    uint64_t quota; /* answers this thread stops after (0 = none) */
    struct bench_result res;
    volatile int done;
};

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int bench_parse_answer(const uint8_t *d, size_t len, uint32_t *request_id, uint32_t *rc,
                       uint32_t *message_id, uint32_t *fragments)
{
    struct hdl_reader r;
    struct hdl_envelope env;
    hdl_reader_init(&r, d, len);
    if (hdl_envelope_decode(&r, &env) != HDL_OK)
        return -1;
    *request_id = env.request_id;
    *message_id = env.message_id;
    *fragments = hdl_fragment_count(env.message_length);
    *rc = 0;
    if (env.message_id == 0) {
        struct hdl_header h;
        if (hdl_header_decode(&r, &h) != HDL_OK)
            return -1;
        *rc = h.response_code;
    }
    return 0;
}

/* Encodes a resolution request for a freshly picked key. */
static size_t build_request(struct thread *t, uint32_t request_id, uint8_t *buf, size_t cap)
{
    char handle[512];
    size_t hlen = bench_keys_pick(&t->cfg->keys, &t->rng, handle, sizeof handle);
    struct hdl_envelope env = {
        .major = 2, .minor = 10, .sugg_major = 2, .sugg_minor = 10, .request_id = request_id};
    struct hdl_header hdr = {.opcode = HDL_OC_RESOLUTION,
                             .op_flags = t->cfg->op_flags,
                             .site_serial = 1,
                             .expiration = (uint32_t)time(NULL) + 43200};
    struct hdl_writer w;
    hdl_writer_init(&w, buf, cap);
    size_t body = hdl_message_begin(&w, &env, &hdr);
    hdl_put_bytes(&w, handle, hlen);
    hdl_put_u32(&w, 0);
    hdl_put_u32(&w, 0);
    if (hdl_message_finish_unsigned(&w, body) != HDL_OK)
        return 0;
    return w.len;
}

static void udp_flush(struct thread *t, struct conn *c)
{
    unsigned done = 0;
    while (done < c->spending) {
        int n = sendmmsg(c->fd, c->smsg + done, c->spending - done, 0);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            break; /* those requests time out and are counted lost */
        }
        done += (unsigned)n;
    }
    c->spending = 0;
    (void)t;
}

static void tcp_flush(struct conn *c)
{
    while (c->out_len > 0) {
        ssize_t n = send(c->fd, c->out, c->out_len, MSG_DONTWAIT | MSG_NOSIGNAL);
        if (n <= 0)
            return;
        memmove(c->out, c->out + n, c->out_len - (size_t)n);
        c->out_len -= (size_t)n;
    }
}

/* Sends a request on slot s; its latency counts from at (0 = now). */
static void send_on_slot_at(struct thread *t, struct conn *c, unsigned s, uint64_t at)
{
    struct slot *sl = &c->slots[s];
    c->generation++;
    sl->request_id = ((uint32_t)(c->generation & 0x7fff) << 16) | s;
    sl->busy = true;
    sl->frags_got = 0;
    sl->sent_ns = at ? at : now_ns();
    t->res.sent++;
    if (t->cfg->transport == BENCH_UDP) {
        if (c->spending == (unsigned)t->cfg->window)
            udp_flush(t, c);
        unsigned i = c->spending;
        size_t len = build_request(t, sl->request_id, c->sbuf[i], HDL_UDP_DATAGRAM_MAX);
        c->siov[i].iov_len = len;
        c->spending++;
    } else {
        if (c->out_cap - c->out_len < 1024) {
            tcp_flush(c);
            if (c->out_cap - c->out_len < 1024)
                return; /* peer not reading: the slot times out */
        }
        c->out_len +=
            build_request(t, sl->request_id, c->out + c->out_len, c->out_cap - c->out_len);
    }
}

static void send_on_slot(struct thread *t, struct conn *c, unsigned s)
{
    send_on_slot_at(t, c, s, 0);
}

static bool should_stop(struct thread *t, uint64_t deadline)
{
    return (t->quota && t->res.answered >= t->quota) || now_ns() >= deadline;
}

static void on_answer(struct thread *t, struct conn *c, const uint8_t *d, size_t len, bool sending)
{
    uint32_t id, rc, mid, frags;
    if (bench_parse_answer(d, len, &id, &rc, &mid, &frags) != 0) {
        t->res.malformed++;
        return;
    }
    unsigned s = id & 0xffff;
    if (s >= (unsigned)t->cfg->window || !c->slots[s].busy || c->slots[s].request_id != id)
        return; /* late answer to a request already counted lost */
    struct slot *sl = &c->slots[s];
    if (mid == 0)
        t->res.rc[rc < BENCH_RC_SLOTS ? rc : BENCH_RC_SLOTS - 1]++;
    if (++sl->frags_got < frags)
        return;
    bench_hist_record(&t->res.hist, now_ns() - sl->sent_ns);
    sl->busy = false;
    __atomic_store_n(&t->res.answered, t->res.answered + 1, __ATOMIC_RELAXED);
    if (sending)
        send_on_slot(t, c, s);
}

static void udp_readable(struct thread *t, struct conn *c, bool sending)
{
    static __thread struct mmsghdr msgs[RECV_BATCH];
    static __thread struct iovec iov[RECV_BATCH];
    static __thread uint8_t bufs[RECV_BATCH][2048];
    for (;;) {
        for (int i = 0; i < RECV_BATCH; i++) {
            iov[i].iov_base = bufs[i];
            iov[i].iov_len = sizeof bufs[i];
            msgs[i].msg_hdr.msg_iov = &iov[i];
            msgs[i].msg_hdr.msg_iovlen = 1;
        }
        int n = recvmmsg(c->fd, msgs, RECV_BATCH, MSG_DONTWAIT, NULL);
        if (n <= 0)
            break;
        for (int i = 0; i < n; i++)
            on_answer(t, c, bufs[i], msgs[i].msg_len, sending);
        if (n < RECV_BATCH)
            break;
    }
    udp_flush(t, c);
}

static int tcp_readable(struct thread *t, struct conn *c, bool sending)
{
    for (;;) {
        ssize_t n = recv(c->fd, c->in + c->in_len, TCP_INBUF - c->in_len, MSG_DONTWAIT);
        if (n == 0)
            return -1;
        if (n < 0)
            break;
        c->in_len += (size_t)n;
        size_t off = 0;
        while (c->in_len - off >= HDL_ENVELOPE_LEN) {
            uint32_t mlen = hdl_load_u32(c->in + off + 16);
            if (mlen > TCP_INBUF - HDL_ENVELOPE_LEN)
                return -1;
            if (c->in_len - off < HDL_ENVELOPE_LEN + (size_t)mlen)
                break;
            on_answer(t, c, c->in + off, HDL_ENVELOPE_LEN + mlen, sending);
            off += HDL_ENVELOPE_LEN + mlen;
        }
        memmove(c->in, c->in + off, c->in_len - off);
        c->in_len -= off;
    }
    tcp_flush(c);
    return 0;
}

static void expire(struct thread *t, bool sending)
{
    uint64_t now = now_ns();
    uint64_t limit = (uint64_t)t->cfg->timeout_ms * 1000000ull;
    for (int ci = 0; ci < t->cfg->sockets; ci++) {
        struct conn *c = &t->conns[ci];
        for (int s = 0; s < t->cfg->window; s++) {
            if (c->slots[s].busy && now - c->slots[s].sent_ns > limit) {
                c->slots[s].busy = false;
                t->res.lost++;
                if (sending)
                    send_on_slot(t, c, (unsigned)s);
            }
        }
        if (t->cfg->transport == BENCH_UDP)
            udp_flush(t, c);
        else
            tcp_flush(c);
    }
}

static int open_conn(struct thread *t, struct conn *c)
{
    const struct bench_config *cfg = t->cfg;
    int type = cfg->transport == BENCH_UDP ? SOCK_DGRAM : SOCK_STREAM;
    c->fd = socket(cfg->addr.ss_family, type | SOCK_CLOEXEC, 0);
    if (c->fd < 0 || connect(c->fd, (const struct sockaddr *)&cfg->addr, cfg->addr_len) != 0) {
        perror("pazhou-bench: connect");
        return -1;
    }
    c->slots = calloc((size_t)cfg->window, sizeof *c->slots);
    if (cfg->transport == BENCH_UDP) {
        bench_udp_room(c->fd);
        c->smsg = calloc((size_t)cfg->window, sizeof *c->smsg);
        c->siov = calloc((size_t)cfg->window, sizeof *c->siov);
        c->sbuf = calloc((size_t)cfg->window, sizeof *c->sbuf);
        if (!c->smsg || !c->siov || !c->sbuf)
            return -1;
        for (int i = 0; i < cfg->window; i++) {
            c->siov[i].iov_base = c->sbuf[i];
            c->smsg[i].msg_hdr.msg_iov = &c->siov[i];
            c->smsg[i].msg_hdr.msg_iovlen = 1;
        }
    } else {
        c->in = malloc(TCP_INBUF);
        c->out_cap = (size_t)cfg->window * 1024 + 65536;
        c->out = malloc(c->out_cap);
        if (!c->in || !c->out)
            return -1;
    }
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
    if (!c->slots || epoll_ctl(t->epfd, EPOLL_CTL_ADD, c->fd, &ev) != 0)
        return -1;
    return 0;
}

static void close_conn(struct conn *c)
{
    if (c->fd >= 0)
        close(c->fd);
    free(c->slots);
    free(c->smsg);
    free(c->siov);
    free(c->sbuf);
    free(c->in);
    free(c->out);
}

static void flush_all(struct thread *t)
{
    for (int ci = 0; ci < t->cfg->sockets; ci++) {
        if (t->cfg->transport == BENCH_UDP)
            udp_flush(t, &t->conns[ci]);
        else
            tcp_flush(&t->conns[ci]);
    }
}

/* Open loop: sends every request that is due by now, each stamped with its scheduled time. */
static void send_due(struct thread *t, uint64_t start, uint64_t deadline, double per_ns,
                     uint64_t *scheduled)
{
    const struct bench_config *cfg = t->cfg;
    uint64_t now = now_ns();
    uint64_t due = bench_open_loop_due(start, deadline, now, per_ns);
    for (int burst = 0; *scheduled < due && burst < 1024; burst++, (*scheduled)++) {
        uint64_t at = start + (uint64_t)((double)*scheduled / per_ns);
        bench_hist_record(&t->res.send_lag, now > at ? now - at : 0);
        struct conn *c = &t->conns[*scheduled % (uint64_t)cfg->sockets];
        unsigned s = c->cursor, tries = 0;
        while (c->slots[s].busy && ++tries < (unsigned)cfg->window)
            s = (s + 1) % (unsigned)cfg->window;
        if (c->slots[s].busy) {
            t->res.overflow++; /* the server is this far behind: counted, not hidden */
            continue;
        }
        c->cursor = (s + 1) % (unsigned)cfg->window;
        send_on_slot_at(t, c, s, at);
    }
    flush_all(t);
}

static void *thread_main(void *arg)
{
    struct thread *t = arg;
    const struct bench_config *cfg = t->cfg;
    uint64_t start = now_ns();
    uint64_t deadline = start + (uint64_t)(cfg->duration_s * 1e9);
    bool open_loop = cfg->rate > 0;
    double per_ns = cfg->rate / cfg->threads / 1e9;
    uint64_t scheduled = 0;
    for (int ci = 0; ci < cfg->sockets && !open_loop; ci++) {
        struct conn *c = &t->conns[ci];
        for (int s = 0; s < cfg->window; s++)
            send_on_slot(t, c, (unsigned)s);
        if (cfg->transport == BENCH_UDP)
            udp_flush(t, c);
        else
            tcp_flush(c);
    }
    uint64_t next_expiry = now_ns() + 10000000ull;
    bool sending = true;
    /* Answers only trigger new requests in the closed loop. */
    bool chain = !open_loop;
    uint64_t drain_until = 0, stopped = 0;
    struct epoll_event evs[64];
    for (;;) {
        if (sending && should_stop(t, deadline)) {
            sending = false;
            stopped = now_ns();
            /* Answers already on their way are still counted, for a short while; the rate is
             * taken over the sending time only. */
            drain_until = stopped + 200000000ull;
        }
        if (!sending && now_ns() >= drain_until)
            break;
        /* The open loop polls without sleeping: a 1 ms sleep would shift sends off their
         * schedule by up to 1 ms, and that delay would show as latency. It sends what is due
         * after reading what has come, so that after a stop of its own core the answers waiting
         * free their slots before the requests owed take them. */
        int n = epoll_wait(t->epfd, evs, 64, open_loop && sending ? 0 : 10);
        for (int i = 0; i < n; i++) {
            struct conn *c = evs[i].data.ptr;
            if (cfg->transport == BENCH_UDP)
                udp_readable(t, c, sending && chain);
            else if (tcp_readable(t, c, sending && chain) != 0) {
                fprintf(stderr, "pazhou-bench: the server closed a connection\n");
                epoll_ctl(t->epfd, EPOLL_CTL_DEL, c->fd, NULL);
            }
        }
        if (open_loop && sending)
            send_due(t, start, deadline, per_ns, &scheduled);
        if (now_ns() >= next_expiry) {
            expire(t, sending && chain);
            next_expiry = now_ns() + 10000000ull;
        }
    }
    t->res.elapsed_s = (double)(stopped - start) / 1e9;
    t->done = 1;
    return NULL;
}

static void merge(struct bench_result *dst, const struct bench_result *src)
{
    dst->sent += src->sent;
    dst->answered += src->answered;
    dst->lost += src->lost;
    dst->malformed += src->malformed;
    dst->overflow += src->overflow;
    for (int i = 0; i < BENCH_RC_SLOTS; i++)
        dst->rc[i] += src->rc[i];
    if (src->elapsed_s > dst->elapsed_s)
        dst->elapsed_s = src->elapsed_s;
    bench_hist_merge(&dst->hist, &src->hist);
    bench_hist_merge(&dst->send_lag, &src->send_lag);
}

int bench_load_run(const struct bench_config *cfg, struct bench_result *res)
{
    if (cfg->transport == BENCH_HTTP)
        return bench_http_run(cfg, res);
    struct thread *threads = calloc((size_t)cfg->threads, sizeof *threads);
    if (!threads)
        return -1;
    int rc = 0;
    for (int i = 0; i < cfg->threads && rc == 0; i++) {
        struct thread *t = &threads[i];
        t->cfg = cfg;
        t->index = i;
        bench_rng_init(&t->rng, cfg->key_seed, (unsigned)i);
        t->quota =
            cfg->count ? (cfg->count + (uint64_t)cfg->threads - 1) / (uint64_t)cfg->threads : 0;
        bench_result_init_hists(&t->res);
        t->epfd = epoll_create1(EPOLL_CLOEXEC);
        t->conns = calloc((size_t)cfg->sockets, sizeof *t->conns);
        if (t->epfd < 0 || !t->conns) {
            rc = -1;
            break;
        }
        for (int c = 0; c < cfg->sockets; c++)
            t->conns[c].fd = -1;
        for (int c = 0; c < cfg->sockets && rc == 0; c++)
            rc = open_conn(t, &t->conns[c]);
    }
    int started = 0;
    for (int i = 0; i < cfg->threads && rc == 0; i++, started++)
        if (pthread_create(&threads[i].tid, NULL, thread_main, &threads[i]) != 0)
            rc = -1;

    /* A progress line a second on a terminal. */
    uint64_t last = 0;
    for (int tick = 0; rc == 0 && cfg->progress; tick++) {
        bool all_done = true;
        uint64_t answered = 0;
        for (int i = 0; i < cfg->threads; i++) {
            all_done = all_done && threads[i].done;
            answered += __atomic_load_n(&threads[i].res.answered, __ATOMIC_RELAXED);
        }
        if (all_done)
            break;
        if (tick > 0 && tick % 10 == 0) {
            fprintf(stderr, "\r%5ds  %10llu answered  %9llu/s ", tick / 10,
                    (unsigned long long)answered, (unsigned long long)(answered - last));
            last = answered;
        }
        usleep(100000);
    }
    if (cfg->progress)
        fprintf(stderr, "\n");
    bench_result_init_hists(res);
    for (int i = 0; i < started; i++) {
        pthread_join(threads[i].tid, NULL);
        merge(res, &threads[i].res);
    }
    for (int i = 0; i < cfg->threads; i++) {
        for (int c = 0; threads[i].conns && c < cfg->sockets; c++)
            close_conn(&threads[i].conns[c]);
        free(threads[i].conns);
        if (threads[i].epfd > 0)
            close(threads[i].epfd);
    }
    free(threads);
    return rc;
}
