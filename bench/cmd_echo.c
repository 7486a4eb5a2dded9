/* pazhou-bench udp-echo: the floor of a UDP server on this machine. It answers each datagram
 * with the datagram itself (padded with zeros or cut to --size bytes, the size of a real
 * answer), reading and writing in batches as the node does, and doing nothing else: no parsing,
 * no lookup. What udp-replay measures against it is what the kernel's UDP path allows one core;
 * a server's rate against it tells how much of that core the server's own work takes.
 * Loopback addresses only; it stops by itself after --duration seconds. */
#include "bench/commands.h"

#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "client/client.h"

#define ECHO_BATCH 64
#define ECHO_MAX 2048

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static bool is_loopback(const struct sockaddr_storage *a)
{
    if (a->ss_family == AF_INET)
        return (ntohl(((const struct sockaddr_in *)a)->sin_addr.s_addr) >> 24) == 127;
    return a->ss_family == AF_INET6 &&
           IN6_IS_ADDR_LOOPBACK(&((const struct sockaddr_in6 *)a)->sin6_addr);
}

static int echo_loop(int fd, size_t size, double seconds, uint64_t *answered)
{
    static uint8_t bufs[ECHO_BATCH][ECHO_MAX];
    static struct sockaddr_storage peers[ECHO_BATCH];
    static struct iovec iov[ECHO_BATCH];
    static struct mmsghdr msgs[ECHO_BATCH];
    uint64_t deadline = now_ns() + (uint64_t)(seconds * 1e9);
    while (now_ns() < deadline) {
        for (int i = 0; i < ECHO_BATCH; i++) {
            iov[i] = (struct iovec){bufs[i], ECHO_MAX};
            msgs[i].msg_hdr = (struct msghdr){.msg_name = &peers[i],
                                              .msg_namelen = sizeof peers[i],
                                              .msg_iov = &iov[i],
                                              .msg_iovlen = 1};
        }
        int got = recvmmsg(fd, msgs, ECHO_BATCH, MSG_WAITFORONE, NULL);
        if (got < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
                continue; /* the receive timeout: look at the clock */
            perror("pazhou-bench: recvmmsg");
            return -1;
        }
        for (int i = 0; i < got; i++) {
            size_t len = msgs[i].msg_len;
            if (size && size > len)
                memset(bufs[i] + len, 0, size - len);
            iov[i].iov_len = size ? size : len;
        }
        for (int done = 0; done < got;) {
            int n = sendmmsg(fd, msgs + done, (unsigned)(got - done), 0);
            if (n <= 0)
                break; /* a full send buffer drops the rest, as a loaded server would */
            done += n;
        }
        *answered += (uint64_t)got;
    }
    return 0;
}

int bench_cmd_echo(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"listen", required_argument, NULL, 'l'},
        {"duration", required_argument, NULL, 'd'},
        {"size", required_argument, NULL, 's'},
        {NULL, 0, NULL, 0},
    };
    const char *listen_at = NULL;
    double seconds = 0;
    long size = 0;
    int ch;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (ch) {
        case 'l':
            listen_at = optarg;
            break;
        case 'd':
            seconds = atof(optarg);
            break;
        case 's':
            size = strtol(optarg, NULL, 10);
            break;
        default:
            seconds = -1;
        }
    }
    char err[256];
    struct client_opts co;
    if (!listen_at || !(seconds > 0 && seconds <= 3600) || size < 0 || size > ECHO_MAX ||
        optind != argc || client_parse_server(listen_at, &co, err, sizeof err) != 0) {
        fprintf(stderr, "Usage: pazhou-bench udp-echo --listen HOST:PORT --duration SEC "
                        "[--size BYTES]\n");
        return 2;
    }
    if (!is_loopback(&co.addr)) {
        fprintf(stderr, "pazhou-bench: udp-echo listens on loopback addresses only\n");
        return 2;
    }
    int fd = socket(co.addr.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    struct timeval tick = {0, 100000};
    int rcvbuf = 4 << 20;
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tick, sizeof tick) != 0 ||
        bind(fd, (const struct sockaddr *)&co.addr, co.addr_len) != 0) {
        perror("pazhou-bench: udp-echo");
        if (fd >= 0)
            close(fd);
        return 2;
    }
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    uint64_t answered = 0;
    int rc = echo_loop(fd, (size_t)size, seconds, &answered);
    close(fd);
    printf("{\"command\": \"udp-echo\", \"answered\": %llu}\n", (unsigned long long)answered);
    return rc == 0 ? 0 : 1;
}
