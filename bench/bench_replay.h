/*
 * udp-replay: a closed-loop UDP load of prepared datagrams of any protocol, from a file of
 * [int2 length][datagram] records, matching answers by an id field, so the same generator
 * measures Pazhou and, say, an authoritative DNS server side by side. With tcp, the same
 * messages go pipelined over TCP connections, framed as each protocol frames them there: DNS
 * with its 2-byte length before each message (RFC 1035 4.2.2), Handle as it is (the envelope
 * carries the length); raw is not framed and cannot go over TCP. With a rate, the load is an open
 * loop instead, as resolve --rate: requests leave on a fixed schedule whatever the answers, and
 * each one's latency runs from its scheduled time; over UDP it also reports the latency from
 * each send, and from each send to the kernel's stamp of its answer's arrival.
 */
#ifndef BENCH_REPLAY_H
#define BENCH_REPLAY_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "bench/bench_load.h"

enum bench_replay_proto { REPLAY_RAW, REPLAY_DNS, REPLAY_HANDLE };

struct bench_replay_config {
    struct sockaddr_storage addr;
    socklen_t addr_len;
    const char *file;
    size_t id_offset;         /* where the request id sits in a datagram (and its answer) */
    size_t id_len;            /* 2 (DNS) or 4 (Handle) bytes, big-endian */
    enum bench_replay_proto proto; /* how to read a response code: DNS rcode, Handle rc */
    bool tcp;                 /* pipelined over TCP connections instead of UDP sockets */
    int threads, sockets, window;
    double duration_s;
    uint64_t count;
    int timeout_ms;
    bool progress;
    double rate; /* requests a second, open loop; 0: closed loop (window in flight per socket) */
    bool spin; /* UDP: poll the sockets in a loop, none in epoll (see bench_replay.c) */
};

/* A loaded replay file: the datagrams back to back. */
struct bench_replay_file {
    uint8_t *data;
    size_t *offsets;
    uint16_t *lens;
    size_t count;
};

/* Loads path; returns 0, or -1 with a message on stderr (bad record lengths included). */
int bench_replay_load(const char *path, struct bench_replay_file *f);
void bench_replay_free(struct bench_replay_file *f);

int bench_replay_run(const struct bench_replay_config *cfg, struct bench_result *res);

#endif
