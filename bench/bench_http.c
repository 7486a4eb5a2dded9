#include "bench/bench_http.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#define INBUF (1u << 20)
#define REQUEST_MAX 640

struct hconn {
    int fd;
    uint8_t *in;
    size_t in_len;
    char *out;
    size_t out_len, out_cap;
    uint64_t *sent_ns; /* window entries, a ring: requests answered in order */
    unsigned head, inflight;
};

struct hthread {
    const struct bench_config *cfg;
    pthread_t tid;
    struct bench_rng rng;
    struct hconn *conns;
    struct pollfd *pfds;
    uint64_t quota;
    struct bench_result res;
};

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* The value of header name in the header block [p, end), or NULL. */
static const char *header_value(const char *p, const char *end, const char *name)
{
    size_t n = strlen(name);
    while (p < end) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        if (!eol)
            eol = end;
        if ((size_t)(eol - p) > n && strncasecmp(p, name, n) == 0 && p[n] == ':') {
            const char *v = p + n + 1;
            while (v < eol && (*v == ' ' || *v == '\t'))
                v++;
            return v;
        }
        p = eol + 1;
    }
    return NULL;
}

int bench_http_parse_response(const uint8_t *buf, size_t len, size_t *consumed, int *status,
                              uint32_t *rc)
{
    const char *s = (const char *)buf;
    if (len >= 5 && strncmp(s, "HTTP/", 5) != 0)
        return -1;
    const char *end = NULL;
    for (size_t i = 0; i + 3 < len; i++)
        if (s[i] == '\r' && s[i + 1] == '\n' && s[i + 2] == '\r' && s[i + 3] == '\n') {
            end = s + i;
            break;
        }
    if (!end)
        return len > 65536 ? -1 : 0;
    const char *sp = memchr(s, ' ', (size_t)(end - s));
    if (!sp || end - sp < 4 || sp[1] < '1' || sp[1] > '5')
        return -1;
    *status = (sp[1] - '0') * 100 + (sp[2] - '0') * 10 + (sp[3] - '0');
    const char *line2 = memchr(s, '\n', (size_t)(end - s));
    line2 = line2 ? line2 + 1 : end;
    const char *cl = header_value(line2, end, "Content-Length");
    if (!cl || *cl < '0' || *cl > '9')
        return -1;
    size_t body = strtoul(cl, NULL, 10);
    size_t whole = (size_t)(end - s) + 4 + body;
    if (len < whole)
        return 0;
    *consumed = whole;
    *rc = 0;
    /* The REST API writes responseCode first; look only at the start of the body. */
    static const char key[] = "\"responseCode\":";
    const char *b = end + 4;
    size_t look = body < 64 ? body : 64;
    for (size_t i = 0; i + sizeof key - 1 < look; i++) {
        if (memcmp(b + i, key, sizeof key - 1) == 0) {
            const char *d = b + i + sizeof key - 1;
            uint32_t v = 0;
            while (d < b + body && *d >= '0' && *d <= '9')
                v = v * 10 + (uint32_t)(*d++ - '0');
            *rc = v;
            break;
        }
    }
    return 1;
}

int bench_http_parse_any_response(const uint8_t *buf, size_t len, size_t *consumed, int *status,
                                  uint32_t *rc)
{
    const char *s = (const char *)buf;
    const char *end = NULL;
    for (size_t i = 0; i + 3 < len; i++)
        if (s[i] == '\r' && s[i + 1] == '\n' && s[i + 2] == '\r' && s[i + 3] == '\n') {
            end = s + i;
            break;
        }
    const char *line2 = end ? memchr(s, '\n', (size_t)(end - s)) : NULL;
    const char *te = line2 ? header_value(line2 + 1, end, "Transfer-Encoding") : NULL;
    if (!te || strncasecmp(te, "chunked", 7) != 0)
        return bench_http_parse_response(buf, len, consumed, status, rc);
    const char *sp = memchr(s, ' ', (size_t)(end - s));
    if (len < 5 || strncmp(s, "HTTP/", 5) != 0 || !sp || end - sp < 4 || sp[1] < '1' || sp[1] > '5')
        return -1;
    *status = (sp[1] - '0') * 100 + (sp[2] - '0') * 10 + (sp[3] - '0');
    /* Chunks: a hex size line, the bytes, CRLF; a zero size and an empty line end the body. */
    size_t pos = (size_t)(end - s) + 4;
    for (;;) {
        const char *eol = memchr(s + pos, '\n', len - pos);
        if (!eol)
            return len - pos > 64 ? -1 : 0;
        char *hex_end;
        unsigned long size = strtoul(s + pos, &hex_end, 16);
        if (hex_end == s + pos || size > 1u << 24)
            return -1;
        pos = (size_t)(eol - s) + 1;
        if (size == 0) {
            if (len - pos < 2)
                return 0;
            if (s[pos] != '\r' || s[pos + 1] != '\n')
                return -1; /* trailers: not sent by the servers measured */
            *consumed = pos + 2;
            *rc = 0;
            return 1;
        }
        if (len - pos < size + 2)
            return 0;
        pos += size + 2;
    }
}

static int open_hconn(struct hthread *t, struct hconn *c)
{
    const struct bench_config *cfg = t->cfg;
    c->fd = socket(cfg->addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (c->fd < 0 || connect(c->fd, (const struct sockaddr *)&cfg->addr, cfg->addr_len) != 0) {
        perror("pazhou-bench: connect");
        return -1;
    }
    int one = 1;
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    c->in_len = c->out_len = 0;
    c->head = c->inflight = 0;
    if (!c->in) {
        c->in = malloc(INBUF);
        c->out_cap = (size_t)cfg->window * REQUEST_MAX;
        c->out = malloc(c->out_cap);
        c->sent_ns = calloc((size_t)cfg->window, sizeof *c->sent_ns);
    }
    return c->in && c->out && c->sent_ns ? 0 : -1;
}

static void fill(struct hthread *t, struct hconn *c, bool may_send)
{
    const struct bench_config *cfg = t->cfg;
    while (may_send && c->inflight < (unsigned)cfg->window) {
        char handle[512];
        size_t hlen = bench_keys_pick(&cfg->keys, &t->rng, handle, sizeof handle);
        if (hlen > 400)
            hlen = 400;
        int n = snprintf(c->out + c->out_len, c->out_cap - c->out_len,
                         "GET %s%.*s HTTP/1.1\r\nHost: bench\r\n\r\n",
                         cfg->http_proxy ? "/" : "/api/handles/", (int)hlen, handle);
        if (n <= 0 || (size_t)n >= c->out_cap - c->out_len)
            break;
        c->out_len += (size_t)n;
        c->sent_ns[(c->head + c->inflight) % (unsigned)cfg->window] = now_ns();
        c->inflight++;
        t->res.sent++;
    }
    while (c->out_len) {
        ssize_t n = send(c->fd, c->out, c->out_len, MSG_DONTWAIT | MSG_NOSIGNAL);
        if (n <= 0)
            return;
        memmove(c->out, c->out + n, c->out_len - (size_t)n);
        c->out_len -= (size_t)n;
    }
}

/* Reads and accounts every whole response; -1 when the connection must be reopened. */
static int drain(struct hthread *t, struct hconn *c)
{
    ssize_t n = recv(c->fd, c->in + c->in_len, INBUF - c->in_len, MSG_DONTWAIT);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
        return -1;
    if (n > 0)
        c->in_len += (size_t)n;
    size_t off = 0;
    for (;;) {
        size_t used = 0;
        int status = 0;
        uint32_t rc = 0;
        int r = bench_http_parse_any_response(c->in + off, c->in_len - off, &used, &status, &rc);
        if (r == 0)
            break;
        if (r < 0 || c->inflight == 0) {
            t->res.malformed++;
            return -1;
        }
        off += used;
        /* The proxy answers with a status and a page, not a responseCode, and a chunked REST
         * answer (the reference's) is not searched for one: count redirects and 200s as
         * successes and 404s as handles not found. */
        if (rc == 0)
            rc = status < 400 ? 1 : status == 404 ? 100 : 2;
        bench_hist_record(&t->res.hist, now_ns() - c->sent_ns[c->head]);
        c->head = (c->head + 1) % (unsigned)t->cfg->window;
        c->inflight--;
        t->res.answered++;
        t->res.rc[rc < BENCH_RC_SLOTS ? rc : BENCH_RC_SLOTS - 1]++;
    }
    memmove(c->in, c->in + off, c->in_len - off);
    c->in_len -= off;
    return 0;
}

static void *hthread_main(void *arg)
{
    struct hthread *t = arg;
    const struct bench_config *cfg = t->cfg;
    uint64_t start = now_ns();
    uint64_t deadline = start + (uint64_t)(cfg->duration_s * 1e9);
    for (int i = 0; i < cfg->sockets; i++) {
        t->pfds[i] = (struct pollfd){.fd = t->conns[i].fd, .events = POLLIN};
        fill(t, &t->conns[i], true);
    }
    for (;;) {
        uint64_t now = now_ns();
        bool quota_done = t->quota && t->res.answered >= t->quota;
        if (now >= deadline || quota_done)
            break;
        int ready = poll(t->pfds, (nfds_t)cfg->sockets, 10);
        for (int i = 0; ready > 0 && i < cfg->sockets; i++) {
            if (!t->pfds[i].revents)
                continue;
            struct hconn *c = &t->conns[i];
            if (drain(t, c) != 0) {
                t->res.lost += c->inflight;
                close(c->fd);
                if (open_hconn(t, c) != 0)
                    goto out;
                t->pfds[i].fd = c->fd;
            }
            bool more = !t->quota || t->res.sent < t->quota;
            fill(t, c, more);
        }
    }
out:
    /* Requests still in flight at the deadline are neither answered nor lost. */
    t->res.elapsed_s = (double)(now_ns() - start) / 1e9;
    return NULL;
}

int bench_http_run(const struct bench_config *cfg, struct bench_result *res)
{
    struct hthread *threads = calloc((size_t)cfg->threads, sizeof *threads);
    if (!threads)
        return -1;
    int rc = 0, started = 0;
    for (int i = 0; i < cfg->threads && rc == 0; i++) {
        struct hthread *t = &threads[i];
        t->cfg = cfg;
        bench_rng_init(&t->rng, cfg->key_seed, (unsigned)i);
        t->quota =
            cfg->count ? (cfg->count + (uint64_t)cfg->threads - 1) / (uint64_t)cfg->threads : 0;
        bench_result_init_hists(&t->res);
        t->conns = calloc((size_t)cfg->sockets, sizeof *t->conns);
        t->pfds = calloc((size_t)cfg->sockets, sizeof *t->pfds);
        if (!t->conns || !t->pfds) {
            rc = -1;
            break;
        }
        for (int c = 0; c < cfg->sockets; c++)
            t->conns[c].fd = -1;
        for (int c = 0; c < cfg->sockets && rc == 0; c++)
            rc = open_hconn(t, &t->conns[c]);
    }
    for (int i = 0; i < cfg->threads && rc == 0; i++, started++)
        if (pthread_create(&threads[i].tid, NULL, hthread_main, &threads[i]) != 0)
            rc = -1;
    bench_result_init_hists(res);
    for (int i = 0; i < started; i++) {
        struct bench_result *src = &threads[i].res;
        pthread_join(threads[i].tid, NULL);
        res->sent += src->sent;
        res->answered += src->answered;
        res->lost += src->lost;
        res->malformed += src->malformed;
        for (int k = 0; k < BENCH_RC_SLOTS; k++)
            res->rc[k] += src->rc[k];
        if (src->elapsed_s > res->elapsed_s)
            res->elapsed_s = src->elapsed_s;
        bench_hist_merge(&res->hist, &src->hist);
    }
    for (int i = 0; i < cfg->threads; i++) {
        for (int c = 0; threads[i].conns && c < cfg->sockets; c++) {
            struct hconn *hc = &threads[i].conns[c];
            if (hc->fd >= 0)
                close(hc->fd);
            free(hc->in);
            free(hc->out);
            free(hc->sent_ns);
        }
        free(threads[i].conns);
        free(threads[i].pfds);
    }
    free(threads);
    return rc;
}
