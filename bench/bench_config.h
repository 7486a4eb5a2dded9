/* What a resolution load is asked to do and what it measured, for every transport's load. */
#ifndef BENCH_CONFIG_H
#define BENCH_CONFIG_H

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "bench/bench_histogram.h"
#include "bench/bench_keys.h"

#define BENCH_RC_SLOTS 1024 /* response codes counted one by one; others in the last slot */

enum bench_transport { BENCH_UDP, BENCH_TCP, BENCH_HTTP };

static inline const char *bench_transport_name(enum bench_transport t)
{
    return t == BENCH_UDP ? "udp" : t == BENCH_TCP ? "tcp" : "http";
}

struct bench_config {
    struct sockaddr_storage addr;
    socklen_t addr_len;
    enum bench_transport transport;
    int threads;
    int sockets;       /* per thread */
    int window;        /* requests in flight per socket */
    double duration_s; /* always bounded */
    uint64_t count;    /* stop after this many answers (0 = duration only) */
    int timeout_ms;    /* a request unanswered this long is lost and replaced */
    uint32_t op_flags;
    struct bench_keys keys;
    /* Seeds the key choice. A fresh seed per run by default: a run that replayed the previous
     * run's keys would find them in the server's caches and measure the caches, not the load. */
    uint64_t key_seed;
    bool progress;
    /* Open loop: requests per second over all threads, sent on a fixed schedule whatever the
     * answers do, latency measured from the scheduled time; 0 = closed loop. */
    double rate;
    bool rc_names;       /* report Handle response code names (not for other protocols' replays) */
    const char *command; /* the report's name for the load: "resolve" when NULL */
    /* With BENCH_HTTP: GET /{handle}, the proxy's redirect, rather than /api/handles/{handle}. */
    bool http_proxy;
};

struct bench_result {
    uint64_t sent;
    uint64_t answered;
    uint64_t lost;
    uint64_t malformed; /* answers that did not parse */
    uint64_t overflow;  /* open loop: sends skipped because every slot was waiting */
    uint64_t rc[BENCH_RC_SLOTS];
    double elapsed_s;
    struct bench_histogram hist;
    /* Open loop: how late each request left against its schedule (the generator's own delay,
     * which hist also holds, since latency runs from the scheduled time). */
    struct bench_histogram send_lag;
    /* Open loop, udp-replay: latency from when each request was sent, not from its scheduled
     * time: hist without the generator's own lateness. Empty where not measured. */
    struct bench_histogram service;
    /* Open loop, udp-replay: from each request's send to its answer's arrival in the
     * generator's socket, by the kernel's receive timestamp (SO_TIMESTAMPNS): service without
     * the generator's own delay in reading the answer. Empty where not measured. */
    struct bench_histogram arrival;
};

/* Room for 4 MiB of answers in a generator's UDP socket (as the node gives its own, up to
 * net.core.rmem_max): answers that arrive while the generator's core is stopped then wait to be
 * read instead of being dropped there and counted against the server as lost. */
static inline void bench_udp_room(int fd)
{
    int bytes = 4 << 20;
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bytes, sizeof bytes);
}

/* Open loop: how many requests are due at now, request k falling due at start + k / per_ns: the
 * first floor(...) + 1, but never those due at or after the deadline (the first ceil(...)). */
static inline uint64_t bench_open_loop_due(uint64_t start, uint64_t deadline, uint64_t now,
                                           double per_ns)
{
    uint64_t due = (uint64_t)((double)(now - start) * per_ns) + 1;
    uint64_t all = (uint64_t)ceil((double)(deadline - start) * per_ns);
    return due < all ? due : all;
}

/* Empties r's histograms (before a run's threads record into them, or merge theirs). */
static inline void bench_result_init_hists(struct bench_result *r)
{
    bench_hist_init(&r->hist);
    bench_hist_init(&r->send_lag);
    bench_hist_init(&r->service);
    bench_hist_init(&r->arrival);
}

#endif
