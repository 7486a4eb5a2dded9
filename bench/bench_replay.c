#include "bench/bench_replay.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#define RECV_BATCH 64
#define MAX_DATAGRAM 65535
#define RBUF_SIZE (MAX_DATAGRAM + 1024) /* TCP: one whole message and the start of the next */

struct rslot {
    bool busy;
    uint64_t due_ns;       /* the latency's start: its scheduled time in the open loop */
    uint64_t sent_ns;      /* open loop: when its sendmmsg began (flush) */
    uint64_t sent_real_ns; /* open loop: sent_ns on the clock of the kernel's stamps */
    uint32_t id;
};

struct rconn {
    int fd;
    uint32_t generation;
    struct rslot *slots;
    struct mmsghdr *smsg;
    struct iovec *siov;
    uint8_t *sbuf; /* window × MAX_DATAGRAM is too much: datagrams are copied per send */
    unsigned spending;
    unsigned *pslot; /* the slot of each pending datagram */
    unsigned cursor; /* open loop: where the next free slot is looked for */
    uint8_t *rbuf; /* TCP: bytes received, not yet a whole message */
    size_t rlen;
};

struct rthread {
    const struct bench_replay_config *cfg;
    const struct bench_replay_file *file;
    pthread_t tid;
    struct rconn *conns;
    int epfd;
    size_t next;   /* next datagram of the file to send */
    uint64_t quota;
    struct bench_result res;
};

static uint64_t ts_ns(const struct timespec *ts)
{
    return (uint64_t)ts->tv_sec * 1000000000ull + (uint64_t)ts->tv_nsec;
}

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts_ns(&ts);
}

/* The kernel stamps a datagram's arrival on the wall clock (SO_TIMESTAMPNS). */
static uint64_t real_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return ts_ns(&ts);
}

static void put_id(uint8_t *p, size_t len, uint32_t id)
{
    for (size_t i = 0; i < len; i++)
        p[i] = (uint8_t)(id >> (8 * (len - 1 - i)));
}

static uint32_t get_id(const uint8_t *p, size_t len)
{
    uint32_t id = 0;
    for (size_t i = 0; i < len; i++)
        id = id << 8 | p[i];
    return id;
}

/* Slot in the low bits, a generation above, so a late answer never matches a newer request. */
static uint32_t slot_bits(const struct bench_replay_config *cfg)
{
    uint32_t bits = 0;
    while ((1u << bits) < (uint32_t)cfg->window)
        bits++;
    return bits;
}

/* Queues on slot s the file's next datagram, its latency counted from at_ns (its scheduled time
 * in the open loop, now in the closed one); flush sends it. */
static void send_slot_at(struct rthread *t, struct rconn *c, unsigned s, uint64_t at_ns)
{
    const struct bench_replay_config *cfg = t->cfg;
    uint32_t bits = slot_bits(cfg);
    uint32_t gen_mask = cfg->id_len >= 4 ? 0x7fffu : (0xffffu >> bits);
    c->generation = (c->generation + 1) & gen_mask;
    struct rslot *sl = &c->slots[s];
    sl->id = c->generation << bits | s;
    sl->busy = true;
    sl->due_ns = at_ns;
    size_t i = t->next++ % t->file->count;
    unsigned k = c->spending++;
    c->pslot[k] = s;
    uint8_t *buf = c->sbuf + (size_t)k * MAX_DATAGRAM;
    memcpy(buf, t->file->data + t->file->offsets[i], t->file->lens[i]);
    if (cfg->id_offset + cfg->id_len <= t->file->lens[i])
        put_id(buf + cfg->id_offset, cfg->id_len, sl->id);
    c->siov[k].iov_len = t->file->lens[i];
    t->res.sent++;
}

static void send_slot(struct rthread *t, struct rconn *c, unsigned s)
{
    send_slot_at(t, c, s, now_ns());
}

/* TCP: the pending messages written back to back, each framed; a connection carries at most
 * window small messages, which its socket buffer takes whole (the socket blocks on send). */
static void send_all(int fd, const uint8_t *p, size_t n)
{
    for (size_t done = 0; done < n;) {
        ssize_t w = send(fd, p + done, n - done, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return; /* the server closed: the requests time out as lost */
        done += (size_t)w;
    }
}

static void flush_tcp(const struct bench_replay_config *cfg, struct rconn *c)
{
    static __thread uint8_t out[MAX_DATAGRAM + 2];
    size_t n = 0;
    for (unsigned k = 0; k < c->spending; k++) {
        size_t len = c->siov[k].iov_len;
        if (n + len + 2 > sizeof out) {
            send_all(c->fd, out, n);
            n = 0;
        }
        if (cfg->proto == REPLAY_DNS) {
            out[n++] = (uint8_t)(len >> 8);
            out[n++] = (uint8_t)len;
        }
        memcpy(out + n, c->siov[k].iov_base, len);
        n += len;
    }
    send_all(c->fd, out, n);
    c->spending = 0;
}

static void flush(const struct bench_replay_config *cfg, struct rconn *c)
{
    if (cfg->rate > 0 && c->spending) {
        /* The open loop's latencies from the send start here, not when a request joined the
         * batch: on both clocks, for the receive stamps' sake. */
        uint64_t mono = now_ns(), real = real_now_ns();
        for (unsigned k = 0; k < c->spending; k++) {
            c->slots[c->pslot[k]].sent_ns = mono;
            c->slots[c->pslot[k]].sent_real_ns = real;
        }
    }
    if (cfg->tcp) {
        flush_tcp(cfg, c);
        return;
    }
    unsigned done = 0;
    while (done < c->spending) {
        int n = sendmmsg(c->fd, c->smsg + done, c->spending - done, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        done += (unsigned)n;
    }
    c->spending = 0;
}

/* An answer d of len bytes on c; rx_real_ns is the kernel's stamp of its arrival, 0 if none. */
static void on_answer(struct rthread *t, struct rconn *c, const uint8_t *d, size_t len,
                      uint64_t rx_real_ns, bool sending)
{
    const struct bench_replay_config *cfg = t->cfg;
    if (len < cfg->id_offset + cfg->id_len) {
        t->res.malformed++;
        return;
    }
    uint32_t id = get_id(d + cfg->id_offset, cfg->id_len);
    unsigned s = id & ((1u << slot_bits(cfg)) - 1);
    if (s >= (unsigned)cfg->window || !c->slots[s].busy || c->slots[s].id != id)
        return;
    uint32_t rc = 0;
    if (cfg->proto == REPLAY_DNS && len >= 4)
        rc = d[3] & 0x0f;
    else if (cfg->proto == REPLAY_HANDLE && len >= 28)
        rc = get_id(d + 24, 4);
    if (rc < BENCH_RC_SLOTS)
        t->res.rc[rc]++;
    uint64_t now = now_ns();
    bench_hist_record(&t->res.hist, now - c->slots[s].due_ns);
    if (cfg->rate > 0)
        bench_hist_record(&t->res.service, now - c->slots[s].sent_ns);
    if (cfg->rate > 0 && rx_real_ns) {
        uint64_t sent = c->slots[s].sent_real_ns;
        bench_hist_record(&t->res.arrival, rx_real_ns > sent ? rx_real_ns - sent : 0);
    }
    c->slots[s].busy = false;
    t->res.answered++;
    if (sending)
        send_slot(t, c, s);
}

/* TCP: reads what has come and answers each whole message in it. A connection the server
 * closed stops taking part (its requests count as lost). */
static void read_tcp(struct rthread *t, struct rconn *c, bool sending)
{
    const struct bench_replay_config *cfg = t->cfg;
    for (;;) {
        ssize_t got = recv(c->fd, c->rbuf + c->rlen, RBUF_SIZE - c->rlen, MSG_DONTWAIT);
        if (got < 0 && errno == EINTR)
            continue;
        if (got == 0 || (got < 0 && errno != EAGAIN)) {
            epoll_ctl(t->epfd, EPOLL_CTL_DEL, c->fd, NULL);
            return;
        }
        if (got < 0)
            return;
        c->rlen += (size_t)got;
        size_t pos = 0;
        for (;;) {
            size_t head = cfg->proto == REPLAY_DNS ? 2 : 20, len;
            if (c->rlen - pos < head)
                break;
            const uint8_t *p = c->rbuf + pos;
            if (cfg->proto == REPLAY_DNS) {
                len = (size_t)(p[0] << 8 | p[1]);
                if (c->rlen - pos < 2 + len)
                    break;
                on_answer(t, c, p + 2, len, 0, sending);
                pos += 2 + len;
            } else {
                len = 20 + get_id(p + 16, 4);
                if (len > RBUF_SIZE) { /* not a message this load sends for */
                    t->res.malformed++;
                    epoll_ctl(t->epfd, EPOLL_CTL_DEL, c->fd, NULL);
                    return;
                }
                if (c->rlen - pos < len)
                    break;
                on_answer(t, c, p, len, 0, sending);
                pos += len;
            }
        }
        memmove(c->rbuf, c->rbuf + pos, c->rlen - pos);
        c->rlen -= pos;
        if ((size_t)got < RBUF_SIZE / 2)
            return;
    }
}

/* Open loop: requests due are gathered and sent together once the oldest has waited
 * OPEN_BATCH_NS or OPEN_BATCH of them wait: one sendmmsg per request costs more than the
 * generator's share of a core at 100,000 a second, and its delay (counted in the latency, which
 * runs from each request's scheduled time) is a few microseconds. */
#define OPEN_BATCH_NS 20000u
#define OPEN_BATCH 32

/* Open loop: sends every request due by now on a free slot of the sockets in turn, stamped with
 * its scheduled time; a request with no free slot (the server that far behind) is counted as an
 * overflow, not sent late. */
static void send_due(struct rthread *t, uint64_t start, uint64_t deadline, double per_ns,
                     uint64_t *scheduled, uint64_t *held_since, unsigned *held)
{
    const struct bench_replay_config *cfg = t->cfg;
    uint64_t now = now_ns();
    uint64_t due = bench_open_loop_due(start, deadline, now, per_ns);
    for (int burst = 0; *scheduled < due && burst < 1024; burst++, (*scheduled)++) {
        uint64_t at = start + (uint64_t)((double)*scheduled / per_ns);
        bench_hist_record(&t->res.send_lag, now > at ? now - at : 0);
        struct rconn *c = &t->conns[*scheduled % (uint64_t)cfg->sockets];
        unsigned s = c->cursor, tries = 0;
        while (c->slots[s].busy && ++tries < (unsigned)cfg->window)
            s = (s + 1) % (unsigned)cfg->window;
        if (c->slots[s].busy) {
            t->res.overflow++;
            continue;
        }
        c->cursor = (s + 1) % (unsigned)cfg->window;
        send_slot_at(t, c, s, at);
        if (!(*held)++)
            *held_since = at;
        if (c->spending == (unsigned)cfg->window)
            flush(cfg, c);
    }
    if (*held && (*held >= OPEN_BATCH || now - *held_since >= OPEN_BATCH_NS)) {
        for (int i = 0; i < cfg->sockets; i++)
            flush(cfg, &t->conns[i]);
        *held = 0;
    }
}

/* The kernel's stamp of a received datagram's arrival, 0 if it has none. */
static uint64_t arrival_stamp(struct msghdr *m)
{
    for (struct cmsghdr *cm = CMSG_FIRSTHDR(m); cm; cm = CMSG_NXTHDR(m, cm))
        if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_TIMESTAMPNS) {
            struct timespec ts;
            memcpy(&ts, CMSG_DATA(cm), sizeof ts);
            return ts_ns(&ts);
        }
    return 0;
}

static void *replay_main(void *arg)
{
    struct rthread *t = arg;
    const struct bench_replay_config *cfg = t->cfg;
    uint64_t start = now_ns(), deadline = start + (uint64_t)(cfg->duration_s * 1e9);
    uint64_t stopped = 0, drain_until = 0, next_expiry = start + 10000000ull;
    bool open_loop = cfg->rate > 0;
    double per_ns = cfg->rate / cfg->threads / 1e9;
    uint64_t scheduled = 0, held_since = 0;
    unsigned held = 0;
    for (int i = 0; i < cfg->sockets && !open_loop; i++) {
        for (int s = 0; s < cfg->window; s++)
            send_slot(t, &t->conns[i], (unsigned)s);
        flush(cfg, &t->conns[i]);
    }
    static __thread struct mmsghdr msgs[RECV_BATCH];
    static __thread struct iovec iov[RECV_BATCH];
    static __thread uint8_t bufs[RECV_BATCH][2048];
    static __thread uint8_t ctl[RECV_BATCH][CMSG_SPACE(sizeof(struct timespec))];
    bool sending = true;
    bool spin = cfg->spin && !cfg->tcp;
    unsigned spin_next = 0;
    struct epoll_event evs[64];
    for (;;) {
        uint64_t now = now_ns();
        if (sending && (now >= deadline || (t->quota && t->res.answered >= t->quota))) {
            sending = false;
            stopped = now;
            drain_until = now + 200000000ull;
        }
        if (!sending && now >= drain_until)
            break;
        /* The open loop polls without sleeping, so that sends keep their schedule; it sends what
         * is due after reading what has come, so that after a stop of its own core the answers
         * waiting free their slots before the requests owed take them. */
        int n;
        if (spin) {
            /* No socket is in the epoll set: an answer wakes nobody, so the server's core (which
             * delivers it, over loopback) pays no wake-up, as it would not for a remote client. */
            n = cfg->sockets < 64 ? cfg->sockets : 64;
            for (int e = 0; e < n; e++)
                evs[e].data.ptr = &t->conns[(spin_next + (unsigned)e) % (unsigned)cfg->sockets];
            spin_next += (unsigned)n;
        } else
            n = epoll_wait(t->epfd, evs, 64, open_loop && sending ? 0 : 10);
        /* Answers bring new requests only in the closed loop. */
        bool chain = sending && !open_loop;
        for (int e = 0; e < n; e++) {
            struct rconn *c = evs[e].data.ptr;
            if (cfg->tcp) {
                read_tcp(t, c, chain);
                flush(cfg, c);
                continue;
            }
            for (;;) {
                for (int i = 0; i < RECV_BATCH; i++) {
                    iov[i].iov_base = bufs[i];
                    iov[i].iov_len = sizeof bufs[i];
                    msgs[i].msg_hdr.msg_iov = &iov[i];
                    msgs[i].msg_hdr.msg_iovlen = 1;
                    msgs[i].msg_hdr.msg_control = open_loop ? ctl[i] : NULL;
                    msgs[i].msg_hdr.msg_controllen = open_loop ? sizeof ctl[i] : 0;
                }
                int got = recvmmsg(c->fd, msgs, RECV_BATCH, MSG_DONTWAIT, NULL);
                if (got <= 0)
                    break;
                for (int i = 0; i < got; i++)
                    on_answer(t, c, bufs[i], msgs[i].msg_len, arrival_stamp(&msgs[i].msg_hdr),
                              chain);
                if (got < RECV_BATCH)
                    break;
            }
            flush(cfg, c);
        }
        if (open_loop && sending)
            send_due(t, start, deadline, per_ns, &scheduled, &held_since, &held);
        if (now_ns() >= next_expiry) {
            uint64_t limit = (uint64_t)cfg->timeout_ms * 1000000ull;
            now = now_ns();
            for (int i = 0; i < cfg->sockets; i++) {
                struct rconn *c = &t->conns[i];
                for (int s = 0; s < cfg->window; s++) {
                    if (c->slots[s].busy && now - c->slots[s].due_ns > limit) {
                        c->slots[s].busy = false;
                        t->res.lost++;
                        if (chain)
                            send_slot(t, c, (unsigned)s);
                    }
                }
                flush(cfg, c);
            }
            next_expiry = now + 10000000ull;
        }
    }
    t->res.elapsed_s = (double)(stopped - start) / 1e9;
    return NULL;
}

int bench_replay_run(const struct bench_replay_config *cfg, struct bench_result *res)
{
    struct bench_replay_file file;
    if (bench_replay_load(cfg->file, &file) != 0)
        return -1;
    if (cfg->id_len != 2 && cfg->id_len != 4) {
        fprintf(stderr, "pazhou-bench: --id-len takes 2 or 4\n");
        bench_replay_free(&file);
        return -1;
    }
    if (cfg->tcp && cfg->proto == REPLAY_RAW) {
        fprintf(stderr, "pazhou-bench: --tcp needs --proto dns or handle (how messages are framed)\n");
        bench_replay_free(&file);
        return -1;
    }
    if (cfg->id_len == 2 && cfg->window > 256) {
        fprintf(stderr, "pazhou-bench: with 2-byte ids the window is at most 256\n");
        bench_replay_free(&file);
        return -1;
    }
    struct rthread *threads = calloc((size_t)cfg->threads, sizeof *threads);
    int rc = threads ? 0 : -1;
    for (int i = 0; i < cfg->threads && rc == 0; i++) {
        struct rthread *t = &threads[i];
        t->cfg = cfg;
        t->file = &file;
        t->next = (file.count / (size_t)cfg->threads) * (size_t)i;
        t->quota = cfg->count ? (cfg->count + (uint64_t)cfg->threads - 1) / (uint64_t)cfg->threads
                              : 0;
        bench_result_init_hists(&t->res);
        t->epfd = epoll_create1(EPOLL_CLOEXEC);
        t->conns = calloc((size_t)cfg->sockets, sizeof *t->conns);
        for (int s = 0; t->conns && s < cfg->sockets && rc == 0; s++) {
            struct rconn *c = &t->conns[s];
            c->fd = socket(cfg->addr.ss_family,
                           (cfg->tcp ? SOCK_STREAM : SOCK_DGRAM) | SOCK_CLOEXEC, 0);
            if (cfg->tcp && c->fd >= 0) {
                int one = 1;
                setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                c->rbuf = malloc(RBUF_SIZE);
                if (!c->rbuf) {
                    close(c->fd);
                    c->fd = -1;
                }
            }
            c->slots = calloc((size_t)cfg->window, sizeof *c->slots);
            c->smsg = calloc((size_t)cfg->window, sizeof *c->smsg);
            c->pslot = calloc((size_t)cfg->window, sizeof *c->pslot);
            if (!cfg->tcp && c->fd >= 0) {
                int one = 1; /* the open loop's answers carry the kernel's arrival stamp */
                bench_udp_room(c->fd);
                if (cfg->rate > 0)
                    setsockopt(c->fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof one);
            }
            c->siov = calloc((size_t)cfg->window, sizeof *c->siov);
            c->sbuf = malloc((size_t)cfg->window * MAX_DATAGRAM);
            struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
            bool watched = !(cfg->spin && !cfg->tcp);
            if (c->fd < 0 || !c->slots || !c->smsg || !c->pslot || !c->siov || !c->sbuf ||
                connect(c->fd, (const struct sockaddr *)&cfg->addr, cfg->addr_len) != 0 ||
                (watched && epoll_ctl(t->epfd, EPOLL_CTL_ADD, c->fd, &ev) != 0)) {
                perror("pazhou-bench");
                rc = -1;
                break;
            }
            for (int k = 0; k < cfg->window; k++) {
                c->siov[k].iov_base = c->sbuf + (size_t)k * MAX_DATAGRAM;
                c->smsg[k].msg_hdr.msg_iov = &c->siov[k];
                c->smsg[k].msg_hdr.msg_iovlen = 1;
            }
        }
    }
    int started = 0;
    for (int i = 0; i < cfg->threads && rc == 0; i++, started++)
        if (pthread_create(&threads[i].tid, NULL, replay_main, &threads[i]) != 0)
            rc = -1;
    bench_result_init_hists(res);
    for (int i = 0; i < started; i++) {
        pthread_join(threads[i].tid, NULL);
        struct bench_result *r = &threads[i].res;
        res->sent += r->sent;
        res->answered += r->answered;
        res->lost += r->lost;
        res->malformed += r->malformed;
        res->overflow += r->overflow;
        for (int k = 0; k < BENCH_RC_SLOTS; k++)
            res->rc[k] += r->rc[k];
        if (r->elapsed_s > res->elapsed_s)
            res->elapsed_s = r->elapsed_s;
        bench_hist_merge(&res->hist, &r->hist);
        bench_hist_merge(&res->send_lag, &r->send_lag);
        bench_hist_merge(&res->service, &r->service);
        bench_hist_merge(&res->arrival, &r->arrival);
    }
    for (int i = 0; threads && i < cfg->threads; i++) {
        for (int s = 0; threads[i].conns && s < cfg->sockets; s++) {
            struct rconn *c = &threads[i].conns[s];
            if (c->fd > 0)
                close(c->fd);
            free(c->slots);
            free(c->smsg);
            free(c->pslot);
            free(c->siov);
            free(c->sbuf);
            free(c->rbuf);
        }
        free(threads[i].conns);
        if (threads[i].epfd > 0)
            close(threads[i].epfd);
    }
    free(threads);
    bench_replay_free(&file);
    return rc;
}
