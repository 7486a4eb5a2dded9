/*
 * Host names to addresses with c-ares on a worker's libevent loop: c-ares tells which sockets it
 * waits on (sock_state_cb) and they become events on the loop; its next retransmission becomes
 * a timer. A per-worker cache keyed by the lowercased name holds each answer for its records'
 * TTL, a negative answer briefly; an expired name is looked up again while the old addresses
 * go on being served, for a bounded grace if the servers stop answering.
 */
#include "resolver/upstream/dns.h"

#include <arpa/inet.h>
#include <ares.h>
#include <event2/event.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/errcode.h"

#define TTL_MIN_MS 1000u
#define TTL_MAX_MS (86400u * 1000u)
#define NEGATIVE_TTL_MS 5000u
/* How long old addresses are served after their TTL while the servers fail to answer. */
#define GRACE_MS (300u * 1000u)
/* After a failed refresh, the next one waits this long (a dead server is not asked per request). */
#define RETRY_MS 1000u
#define TRIES 2
#define NAME_MAX_LEN 253
#define BUCKETS 256
#define MAX_NAMES 1024

struct updns_wait {
    struct updns_wait *next, **pprev; /* in its name's waiters, or a delivery's local list */
    uint16_t port;
    updns_fn fn;
    void *ctx;
};

/* One name: its last answer (if any) and the lookup under way (if any). */
struct dns_name {
    struct dns_name *next; /* hash chain */
    struct updns *d;
    bool have;     /* an answer is held: addrs, or a negative answer (err) */
    bool inflight; /* ares_getaddrinfo called, its callback not yet come */
    int err;       /* 0 or PZ_ERR_DNS_NOTFOUND, when have */
    int count;
    struct sockaddr_storage addrs[UPDNS_MAX_ADDRS]; /* port 0 */
    socklen_t lens[UPDNS_MAX_ADDRS];
    uint64_t expires_ms;  /* fresh before this */
    uint64_t stale_ms;    /* addresses may be served until this while refreshing */
    uint64_t next_try_ms; /* no refresh before this (after a failed one) */
    struct updns_wait *waiters;
    char name[NAME_MAX_LEN + 2];
};

struct dns_sock {
    ares_socket_t fd;
    struct event *ev;
};

struct updns {
    struct event_base *base;
    ares_channel channel;
    bool channel_ok;
    bool closing;
    struct event *timer;
    struct dns_sock *socks;
    int sock_count, sock_cap;
    struct dns_name *buckets[BUCKETS];
    int name_count;
    struct updns_stats stats;
};

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* c-ares needs its library set up once per process before the first channel (a no-op on
 * POSIX systems today, but its counter is not thread-safe and workers start together). */
static pthread_once_t ares_once = PTHREAD_ONCE_INIT;
static int ares_init_status = ARES_SUCCESS;
static void ares_init_once(void)
{
    ares_init_status = ares_library_init(ARES_LIB_INIT_ALL);
}

/* The loop side of c-ares: a timer for its retransmissions and an event per socket. */

static void arm_timer(struct updns *d)
{
    struct timeval tv;
    if (d->closing)
        return;
    if (ares_timeout(d->channel, NULL, &tv) == NULL)
        evtimer_del(d->timer);
    else
        evtimer_add(d->timer, &tv);
}

static void on_timer(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    struct updns *d = arg;
    ares_process_fd(d->channel, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
    arm_timer(d);
}

static void on_socket(evutil_socket_t fd, short what, void *arg)
{
    struct updns *d = arg;
    /* The callbacks c-ares runs from here may close fd and free this event: only d is used
     * afterwards. */
    ares_process_fd(d->channel, (what & EV_READ) ? (ares_socket_t)fd : ARES_SOCKET_BAD,
                    (what & EV_WRITE) ? (ares_socket_t)fd : ARES_SOCKET_BAD);
    arm_timer(d);
}

static void sock_state(void *data, ares_socket_t fd, int readable, int writable)
{
    struct updns *d = data;
    int i = 0;
    while (i < d->sock_count && d->socks[i].fd != fd)
        i++;
    if (i < d->sock_count) {
        event_free(d->socks[i].ev);
        d->socks[i] = d->socks[--d->sock_count];
    }
    if (!readable && !writable)
        return;
    if (d->sock_count == d->sock_cap) {
        int cap = d->sock_cap ? d->sock_cap * 2 : 8;
        struct dns_sock *s = realloc(d->socks, (size_t)cap * sizeof *s);
        if (s == NULL)
            return; /* the socket is not watched: its queries end at their timeout */
        d->socks = s;
        d->sock_cap = cap;
    }
    short what = EV_PERSIST | (readable ? EV_READ : 0) | (writable ? EV_WRITE : 0);
    struct event *ev = event_new(d->base, (evutil_socket_t)fd, what, on_socket, d);
    if (ev == NULL || event_add(ev, NULL) != 0) {
        if (ev != NULL)
            event_free(ev);
        return;
    }
    d->socks[d->sock_count].fd = fd;
    d->socks[d->sock_count].ev = ev;
    d->sock_count++;
}

struct updns *updns_new(struct event_base *base, const struct conf_endpoint *servers, int count,
                        uint32_t timeout_ms)
{
    pthread_once(&ares_once, ares_init_once);
    if (ares_init_status != ARES_SUCCESS)
        return NULL;
    struct updns *d = calloc(1, sizeof *d);
    if (d == NULL)
        return NULL;
    d->base = base;
    d->timer = evtimer_new(base, on_timer, d);
    if (d->timer == NULL)
        goto fail;

    struct ares_options o;
    memset(&o, 0, sizeof o);
    o.sock_state_cb = sock_state;
    o.sock_state_cb_data = d;
    o.timeout = timeout_ms ? (int)timeout_ms : 1000;
    o.tries = TRIES;
    /* Names come from the configuration and site records and are complete: no search domains
     * of resolv.conf appended (a failure would otherwise be retried under each). */
    o.ndomains = 0;
    o.domains = NULL;
    int mask = ARES_OPT_SOCK_STATE_CB | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES | ARES_OPT_DOMAINS;
    if (ares_init_options(&d->channel, &o, mask) != ARES_SUCCESS)
        goto fail;
    d->channel_ok = true;

    if (count > 0) {
        /* "A:P,[V6]:P,...": each endpoint at most CONF_ADDR_MAX + 8 bytes. */
        size_t cap = (size_t)count * (CONF_ADDR_MAX + 10) + 1, len = 0;
        char *csv = malloc(cap);
        if (csv == NULL)
            goto fail;
        csv[0] = '\0';
        for (int i = 0; i < count; i++) {
            bool v6 = strchr(servers[i].host, ':') != NULL;
            int n = snprintf(csv + len, cap - len, "%s%s%s%s:%u", i ? "," : "", v6 ? "[" : "",
                             servers[i].host, v6 ? "]" : "", (unsigned)servers[i].port);
            if (n < 0 || (size_t)n >= cap - len) {
                free(csv);
                goto fail;
            }
            len += (size_t)n;
        }
        int rc = ares_set_servers_ports_csv(d->channel, csv);
        free(csv);
        if (rc != ARES_SUCCESS)
            goto fail;
    }
    return d;
fail:
    updns_free(d);
    return NULL;
}

/* The cache. */

static unsigned hash_name(const char *s)
{
    uint32_t h = 2166136261u;
    for (; *s; s++)
        h = (h ^ (uint8_t)*s) * 16777619u;
    return h % BUCKETS;
}

static struct dns_name *find_name(struct updns *d, const char *key)
{
    for (struct dns_name *n = d->buckets[hash_name(key)]; n != NULL; n = n->next)
        if (strcmp(n->name, key) == 0)
            return n;
    return NULL;
}

static void unlink_name(struct updns *d, struct dns_name *victim)
{
    struct dns_name **pp = &d->buckets[hash_name(victim->name)];
    while (*pp != victim)
        pp = &(*pp)->next;
    *pp = victim->next;
    d->name_count--;
    free(victim);
}

/* Makes room for one more name: drops the names no one waits on that can no longer be served,
 * then, if the cache is still full, any name no one waits on. False when every name is busy. */
static bool make_room(struct updns *d, uint64_t now)
{
    for (int pass = 0; pass < 2 && d->name_count >= MAX_NAMES; pass++) {
        for (int b = 0; b < BUCKETS && d->name_count >= MAX_NAMES; b++) {
            struct dns_name *n = d->buckets[b];
            while (n != NULL && d->name_count >= MAX_NAMES) {
                struct dns_name *next = n->next;
                bool idle = !n->inflight && n->waiters == NULL;
                bool dead = !n->have || (n->err ? n->expires_ms : n->stale_ms) <= now;
                if (idle && (dead || pass == 1))
                    unlink_name(d, n);
                n = next;
            }
        }
    }
    return d->name_count < MAX_NAMES;
}

/* The answer held for n, with port. */
static void fill_answer(const struct dns_name *n, int err, uint16_t port, struct updns_answer *a)
{
    memset(a, 0, sizeof *a);
    a->err = err;
    if (err)
        return;
    a->count = n->count;
    for (int i = 0; i < n->count; i++) {
        a->addrs[i] = n->addrs[i];
        a->lens[i] = n->lens[i];
        if (a->addrs[i].ss_family == AF_INET6)
            ((struct sockaddr_in6 *)&a->addrs[i])->sin6_port = htons(port);
        else
            ((struct sockaddr_in *)&a->addrs[i])->sin_port = htons(port);
    }
}

/* Copies the addresses of ai into n, IPv6 first; when both families are there, each keeps at
 * least half the slots it can fill. Returns the least TTL among the records, in seconds. */
static int64_t take_addresses(struct dns_name *n, const struct ares_addrinfo *ai)
{
    int64_t ttl = INT64_MAX;
    int c4 = 0, c6 = 0;
    for (const struct ares_addrinfo_node *p = ai->nodes; p != NULL; p = p->ai_next) {
        if (p->ai_family == AF_INET6)
            c6++;
        else if (p->ai_family == AF_INET)
            c4++;
        else
            continue;
        if (p->ai_ttl < ttl)
            ttl = p->ai_ttl;
    }
    for (const struct ares_addrinfo_cname *c = ai->cnames; c != NULL; c = c->next)
        if (c->ttl < ttl)
            ttl = c->ttl;
    const int half = UPDNS_MAX_ADDRS / 2;
    int keep4 = c4 < half ? c4 : half;
    int n6 = c6 < UPDNS_MAX_ADDRS - keep4 ? c6 : UPDNS_MAX_ADDRS - keep4;
    int n4 = c4 < UPDNS_MAX_ADDRS - n6 ? c4 : UPDNS_MAX_ADDRS - n6;
    n->count = 0;
    for (int fam = 0; fam < 2; fam++) {
        int want = fam == 0 ? n6 : n4;
        int family = fam == 0 ? AF_INET6 : AF_INET;
        for (const struct ares_addrinfo_node *p = ai->nodes; p != NULL && want > 0;
             p = p->ai_next) {
            if (p->ai_family != family || p->ai_addr == NULL)
                continue;
            socklen_t len =
                family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
            if (p->ai_addrlen < len)
                continue;
            memset(&n->addrs[n->count], 0, sizeof n->addrs[0]);
            memcpy(&n->addrs[n->count], p->ai_addr, len);
            n->lens[n->count] = len;
            n->count++;
            want--;
        }
    }
    return ttl == INT64_MAX ? 0 : ttl;
}

/* Records a lookup's result in n; returns the answer its waiters get. */
static int record_result(struct dns_name *n, int status, const struct ares_addrinfo *ai)
{
    struct updns *d = n->d;
    uint64_t now = now_ms();
    if (status == ARES_SUCCESS && ai != NULL) {
        struct dns_name fresh;
        int64_t ttl = take_addresses(&fresh, ai);
        if (fresh.count > 0) {
            uint64_t ttl_ms = (uint64_t)(ttl < 0 ? 0 : ttl) * 1000u;
            ttl_ms = ttl_ms < TTL_MIN_MS ? TTL_MIN_MS : ttl_ms > TTL_MAX_MS ? TTL_MAX_MS : ttl_ms;
            memcpy(n->addrs, fresh.addrs, sizeof n->addrs);
            memcpy(n->lens, fresh.lens, sizeof n->lens);
            n->count = fresh.count;
            n->have = true;
            n->err = 0;
            n->expires_ms = now + ttl_ms;
            n->stale_ms = n->expires_ms + GRACE_MS;
            n->next_try_ms = 0;
            return 0;
        }
        status = ARES_ENODATA;
    }
    d->stats.failures++;
    if (status == ARES_ENOTFOUND || status == ARES_ENODATA || status == ARES_ENONAME) {
        /* The name is gone or has no address: an answer, kept briefly. */
        n->have = true;
        n->err = PZ_ERR_DNS_NOTFOUND;
        n->count = 0;
        n->expires_ms = now + NEGATIVE_TTL_MS;
        n->stale_ms = n->expires_ms;
        return PZ_ERR_DNS_NOTFOUND;
    }
    /* The servers failed: old addresses stay (until their grace ends); not asked again at once. */
    n->next_try_ms = now + RETRY_MS;
    if (status == ARES_ENOMEM)
        return PZ_ERR_NOMEM;
    return PZ_ERR_DNS_FAILED;
}

static void on_addrinfo(void *arg, int status, int timeouts, struct ares_addrinfo *ai)
{
    (void)timeouts;
    struct dns_name *n = arg;
    struct updns *d = n->d;
    if (status == ARES_EDESTRUCTION || d->closing) {
        /* updns_free: the waiters are already gone, the names go after the channel. */
        if (ai != NULL)
            ares_freeaddrinfo(ai);
        return;
    }
    n->inflight = false;
    int err = record_result(n, status, ai);
    if (ai != NULL)
        ares_freeaddrinfo(ai);

    /* The callbacks may look names up (even this one, which then gets a new list of waiters),
     * cancel other waiters of this delivery, or make room by dropping n: after this point only
     * the local copy and the local list are used. */
    struct updns_answer tmpl;
    fill_answer(n, err, 0, &tmpl);
    struct updns_wait *list = n->waiters;
    n->waiters = NULL;
    if (list != NULL)
        list->pprev = &list;
    while (list != NULL) {
        struct updns_wait *w = list;
        list = w->next;
        if (list != NULL)
            list->pprev = &list;
        struct updns_answer a = tmpl;
        for (int i = 0; i < a.count; i++) {
            if (a.addrs[i].ss_family == AF_INET6)
                ((struct sockaddr_in6 *)&a.addrs[i])->sin6_port = htons(w->port);
            else
                ((struct sockaddr_in *)&a.addrs[i])->sin_port = htons(w->port);
        }
        updns_fn fn = w->fn;
        void *ctx = w->ctx;
        free(w);
        fn(ctx, &a);
    }
}

/* Starts a lookup of n (which must not be in flight). */
static void start_lookup(struct updns *d, struct dns_name *n)
{
    struct ares_addrinfo_hints hints;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    /* No RFC 6724 sort: it opens a socket per address; IPv6 goes first by take_addresses. */
    hints.ai_flags = ARES_AI_NOSORT;
    n->inflight = true;
    d->stats.queries++;
    ares_getaddrinfo(d->channel, n->name, NULL, &hints, on_addrinfo, n);
    arm_timer(d);
}

/* Numeric addresses: 192.0.2.1, 2001:db8::1, [2001:db8::1]. */
static bool numeric(const char *host, uint16_t port, struct updns_answer *a)
{
    memset(a, 0, sizeof *a);
    struct sockaddr_in *sin = (struct sockaddr_in *)&a->addrs[0];
    if (inet_pton(AF_INET, host, &sin->sin_addr) == 1) {
        sin->sin_family = AF_INET;
        sin->sin_port = htons(port);
        a->lens[0] = sizeof *sin;
        a->count = 1;
        return true;
    }
    char inner[INET6_ADDRSTRLEN + 1];
    size_t len = strlen(host);
    if (len >= 2 && host[0] == '[' && host[len - 1] == ']' && len - 2 < sizeof inner) {
        memcpy(inner, host + 1, len - 2);
        inner[len - 2] = '\0';
        host = inner;
    }
    struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&a->addrs[0];
    if (inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1) {
        sin6->sin6_family = AF_INET6;
        sin6->sin6_port = htons(port);
        a->lens[0] = sizeof *sin6;
        a->count = 1;
        return true;
    }
    return false;
}

/* Lowercases a host name into key; false unless it is one: dot-separated labels of 1 to 63
 * letters, digits, '-' or '_', at most 253 bytes without a final dot. */
static bool name_key(const char *host, char key[NAME_MAX_LEN + 2])
{
    size_t len = strlen(host);
    if (len == 0 || len > NAME_MAX_LEN + 1 || (len == NAME_MAX_LEN + 1 && host[len - 1] != '.'))
        return false;
    size_t label = 0;
    for (size_t i = 0; i < len; i++) {
        char c = host[i];
        if (c == '.') {
            if (label == 0)
                return false;
            label = 0;
        } else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_') {
            label++;
        } else if (c >= 'A' && c <= 'Z') {
            c = (char)(c - 'A' + 'a');
            label++;
        } else {
            return false;
        }
        if (label > 63)
            return false;
        key[i] = c;
    }
    key[len] = '\0';
    return true;
}

int updns_lookup(struct updns *d, const char *host, uint16_t port, struct updns_answer *now,
                 updns_fn fn, void *ctx, struct updns_wait **wait)
{
    *wait = NULL;
    if (numeric(host, port, now))
        return 0;
    char key[NAME_MAX_LEN + 2];
    if (!name_key(host, key))
        return PZ_ERR_DNS_BADNAME;
    uint64_t t = now_ms();
    struct dns_name *n = find_name(d, key);
    if (n != NULL && n->have && t < n->expires_ms) {
        d->stats.cache_hits++;
        fill_answer(n, n->err, port, now);
        return 0;
    }
    if (n != NULL && n->have && n->err == 0 && t < n->stale_ms) {
        if (!n->inflight && t >= n->next_try_ms)
            start_lookup(d, n); /* its callback may already have run: n holds the newest */
        d->stats.cache_hits++;
        if (n->have && n->err == 0 && now_ms() < n->stale_ms)
            fill_answer(n, 0, port, now);
        else
            fill_answer(n, n->have ? n->err : PZ_ERR_DNS_FAILED, port, now);
        return 0;
    }
    if (n == NULL) {
        if (!make_room(d, t))
            return PZ_ERR_NOMEM;
        n = calloc(1, sizeof *n);
        if (n == NULL)
            return PZ_ERR_NOMEM;
        n->d = d;
        memcpy(n->name, key, strlen(key) + 1);
        unsigned b = hash_name(key);
        n->next = d->buckets[b];
        d->buckets[b] = n;
        d->name_count++;
    }
    if (!n->inflight) {
        /* Nothing servable is held (an expired negative answer, or addresses past their
         * grace): forget it, so that a failure of this lookup is not taken for an answer. */
        n->have = false;
        n->next_try_ms = 0;
        start_lookup(d, n);
        if (!n->inflight) {
            /* c-ares answered within the call (its hosts file, or an error at once). */
            fill_answer(n, n->have ? n->err : PZ_ERR_DNS_FAILED, port, now);
            return 0;
        }
    }
    struct updns_wait *w = calloc(1, sizeof *w);
    if (w == NULL)
        return PZ_ERR_NOMEM;
    w->port = port;
    w->fn = fn;
    w->ctx = ctx;
    w->next = n->waiters;
    if (w->next != NULL)
        w->next->pprev = &w->next;
    w->pprev = &n->waiters;
    n->waiters = w;
    *wait = w;
    return 1;
}

void updns_cancel(struct updns_wait *w)
{
    if (w == NULL)
        return;
    *w->pprev = w->next;
    if (w->next != NULL)
        w->next->pprev = w->pprev;
    free(w);
}

void updns_free(struct updns *d)
{
    if (d == NULL)
        return;
    d->closing = true;
    for (int b = 0; b < BUCKETS; b++)
        for (struct dns_name *n = d->buckets[b]; n != NULL; n = n->next)
            while (n->waiters != NULL)
                updns_cancel(n->waiters);
    /* Ends the lookups under way (their callbacks see ARES_EDESTRUCTION) and closes the
     * sockets, telling sock_state, which frees their events. */
    if (d->channel_ok)
        ares_destroy(d->channel);
    for (int i = 0; i < d->sock_count; i++)
        event_free(d->socks[i].ev);
    free(d->socks);
    for (int b = 0; b < BUCKETS; b++) {
        struct dns_name *n = d->buckets[b];
        while (n != NULL) {
            struct dns_name *next = n->next;
            free(n);
            n = next;
        }
    }
    if (d->timer != NULL)
        event_free(d->timer);
    free(d);
}

void updns_get_stats(const struct updns *d, struct updns_stats *s)
{
    *s = d->stats;
}
