#include "client/host_lookup.h"

#include <arpa/inet.h>
#include <ares.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <string.h>
#include <time.h>

#include "common/errcode.h"

struct result {
    bool done;
    int err;
    struct sockaddr_storage addr;
    socklen_t len;
};

static void on_addrinfo(void *arg, int status, int timeouts, struct ares_addrinfo *ai)
{
    (void)timeouts;
    struct result *res = arg;
    res->done = true;
    if (status != ARES_SUCCESS || !ai) {
        res->err = (status == ARES_ENOTFOUND || status == ARES_ENODATA) ? PZ_ERR_DNS_NOTFOUND
                                                                        : PZ_ERR_DNS_FAILED;
        if (ai)
            ares_freeaddrinfo(ai);
        return;
    }
    const struct ares_addrinfo_node *pick = NULL;
    for (const struct ares_addrinfo_node *n = ai->nodes; n; n = n->ai_next) {
        if (n->ai_family == AF_INET) {
            pick = n;
            break;
        }
        if (n->ai_family == AF_INET6 && !pick)
            pick = n;
    }
    if (!pick || (size_t)pick->ai_addrlen > sizeof res->addr) {
        res->err = PZ_ERR_DNS_NOTFOUND;
    } else {
        memcpy(&res->addr, pick->ai_addr, pick->ai_addrlen);
        res->len = (socklen_t)pick->ai_addrlen;
        res->err = 0;
    }
    ares_freeaddrinfo(ai);
}

static bool valid_name(const char *host)
{
    size_t n = strlen(host), label = 0;
    if (n == 0 || n > 253)
        return false;
    for (size_t i = 0; i < n; i++) {
        char ch = host[i];
        if (ch == '.') {
            if (label == 0)
                return false;
            label = 0;
        } else if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                   (ch >= '0' && ch <= '9') || ch == '-' || ch == '_') {
            if (++label > 63)
                return false;
        } else {
            return false;
        }
    }
    return true;
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int numeric(const char *host, uint16_t port, struct sockaddr_storage *addr,
                   socklen_t *addr_len)
{
    memset(addr, 0, sizeof *addr);
    struct sockaddr_in *a4 = (struct sockaddr_in *)addr;
    struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)addr;
    if (inet_pton(AF_INET, host, &a4->sin_addr) == 1) {
        a4->sin_family = AF_INET;
        a4->sin_port = htons(port);
        *addr_len = sizeof *a4;
        return 0;
    }
    if (inet_pton(AF_INET6, host, &a6->sin6_addr) == 1) {
        a6->sin6_family = AF_INET6;
        a6->sin6_port = htons(port);
        *addr_len = sizeof *a6;
        return 0;
    }
    return -1;
}

int host_lookup(const char *host, uint16_t port, const char *servers, uint32_t timeout_ms,
                struct sockaddr_storage *addr, socklen_t *addr_len)
{
    if (numeric(host, port, addr, addr_len) == 0)
        return 0;
    if (!valid_name(host))
        return PZ_ERR_DNS_BADNAME;
    if (ares_library_init(ARES_LIB_INIT_ALL) != ARES_SUCCESS)
        return PZ_ERR_DNS_FAILED;
    ares_channel ch;
    struct ares_options o;
    memset(&o, 0, sizeof o);
    o.timeout = timeout_ms ? (int)(timeout_ms / 3 ? timeout_ms / 3 : 1) : 1000;
    o.tries = 3;
    if (ares_init_options(&ch, &o, ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES) != ARES_SUCCESS) {
        ares_library_cleanup();
        return PZ_ERR_DNS_FAILED;
    }
    if (servers && *servers && ares_set_servers_ports_csv(ch, servers) != ARES_SUCCESS) {
        ares_destroy(ch);
        ares_library_cleanup();
        return PZ_ERR_DNS_FAILED;
    }
    struct result res = {.done = false, .err = PZ_ERR_DNS_FAILED};
    struct ares_addrinfo_hints hints;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    ares_getaddrinfo(ch, host, NULL, &hints, on_addrinfo, &res);
    int64_t deadline = now_ms() + (timeout_ms ? timeout_ms : 3000);
    while (!res.done) {
        int64_t left = deadline - now_ms();
        if (left <= 0)
            break;
        ares_socket_t socks[ARES_GETSOCK_MAXNUM];
        int bits = ares_getsock(ch, socks, ARES_GETSOCK_MAXNUM);
        struct pollfd pfd[ARES_GETSOCK_MAXNUM];
        int n = 0;
        for (int i = 0; i < ARES_GETSOCK_MAXNUM; i++) {
            /* c-ares's ARES_GETSOCK_* macros shift a signed 1 into the sign bit: unsigned. */
            unsigned mask = (unsigned)bits;
            short ev = (short)(((mask >> i) & 1u ? POLLIN : 0) |
                               ((mask >> (i + ARES_GETSOCK_MAXNUM)) & 1u ? POLLOUT : 0));
            if (ev) {
                pfd[n].fd = socks[i];
                pfd[n].events = ev;
                pfd[n].revents = 0;
                n++;
            }
        }
        struct timeval tv, *tvp, max = {(time_t)(left / 1000), (suseconds_t)(left % 1000) * 1000};
        tvp = ares_timeout(ch, &max, &tv);
        int wait = (int)(tvp->tv_sec * 1000 + tvp->tv_usec / 1000);
        if (poll(pfd, (nfds_t)n, wait > 0 ? wait : 1) < 0)
            break;
        if (n == 0) {
            ares_process_fd(ch, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
            continue;
        }
        for (int i = 0; i < n; i++)
            ares_process_fd(ch, (pfd[i].revents & (POLLIN | POLLERR | POLLHUP)) ? pfd[i].fd
                                                                                 : ARES_SOCKET_BAD,
                            (pfd[i].revents & POLLOUT) ? pfd[i].fd : ARES_SOCKET_BAD);
        if (n > 0)
            ares_process_fd(ch, ARES_SOCKET_BAD, ARES_SOCKET_BAD); /* timeouts */
    }
    ares_destroy(ch); /* a lookup still running ends here, its callback called */
    ares_library_cleanup();
    if (!res.done || res.err != 0)
        return res.done ? res.err : PZ_ERR_DNS_FAILED;
    *addr = res.addr;
    *addr_len = res.len;
    if (addr->ss_family == AF_INET)
        ((struct sockaddr_in *)addr)->sin_port = htons(port);
    else
        ((struct sockaddr_in6 *)addr)->sin6_port = htons(port);
    return 0;
}

int host_lookup_text(const char *host, const char *servers, uint32_t timeout_ms, char *buf,
                     size_t cap)
{
    struct sockaddr_storage a;
    socklen_t len;
    int err = host_lookup(host, 0, servers, timeout_ms, &a, &len);
    if (err)
        return err;
    const void *src = a.ss_family == AF_INET ? (const void *)&((struct sockaddr_in *)&a)->sin_addr
                                             : (const void *)&((struct sockaddr_in6 *)&a)->sin6_addr;
    if (!inet_ntop(a.ss_family, src, buf, (socklen_t)cap))
        return PZ_ERR_DNS_FAILED;
    return 0;
}
