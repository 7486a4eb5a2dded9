#include "tools/http_get.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "common/errcode.h"

#define ANSWER_MAX (16u << 20)

int http_url_parse(const char *url, struct http_url *out)
{
    memset(out, 0, sizeof *out);
    if (strncmp(url, "http://", 7) != 0)
        return CLI_ERR_BAD_ARG;
    const char *p = url + 7;
    const char *host_end;
    const char *after;
    if (*p == '[') {
        host_end = strchr(p, ']');
        if (!host_end)
            return CLI_ERR_BAD_ARG;
        p++;
        after = host_end + 1;
    } else {
        host_end = p + strcspn(p, ":/");
        after = host_end;
    }
    size_t hlen = (size_t)(host_end - p);
    if (hlen == 0 || hlen >= sizeof out->host)
        return CLI_ERR_BAD_ARG;
    memcpy(out->host, p, hlen);
    if (*after == ':') {
        char *end;
        errno = 0;
        unsigned long port = strtoul(after + 1, &end, 10);
        if (end == after + 1 || errno || port == 0 || port > 65535 || (*end && *end != '/'))
            return CLI_ERR_BAD_ARG;
        snprintf(out->port, sizeof out->port, "%lu", port);
    } else if (*after == '\0' || *after == '/') {
        snprintf(out->port, sizeof out->port, "80");
    } else {
        return CLI_ERR_BAD_ARG;
    }
    return 0;
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits until fd is ready for events or the deadline passes: 1 ready, 0 timed out, -1 error. */
static int wait_for(int fd, short events, int64_t deadline)
{
    for (;;) {
        int64_t left = deadline - now_ms();
        if (left <= 0)
            return 0;
        struct pollfd pfd = {.fd = fd, .events = events};
        int n = poll(&pfd, 1, (int)left);
        if (n < 0 && errno == EINTR)
            continue;
        return n < 0 ? -1 : n;
    }
}

static int connect_to(const struct http_url *u, int64_t deadline, int *fd_out, char *err,
                      size_t errlen)
{
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
    struct addrinfo *ai = NULL;
    int gai = getaddrinfo(u->host, u->port, &hints, &ai);
    if (gai != 0) {
        snprintf(err, errlen, "cannot resolve %s: %s", u->host, gai_strerror(gai));
        return CLI_ERR_NETWORK;
    }
    int rc = CLI_ERR_NETWORK;
    snprintf(err, errlen, "cannot connect to %s port %s", u->host, u->port);
    for (struct addrinfo *a = ai; a; a = a->ai_next) {
        int fd = socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0)
            continue;
        if (connect(fd, a->ai_addr, a->ai_addrlen) != 0 && errno != EINPROGRESS) {
            snprintf(err, errlen, "cannot connect to %s port %s: %s", u->host, u->port,
                     strerror(errno));
            close(fd);
            continue;
        }
        int ready = wait_for(fd, POLLOUT, deadline);
        int soerr = 0;
        socklen_t len = sizeof soerr;
        if (ready == 1 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) == 0 && soerr == 0) {
            *fd_out = fd;
            rc = 0;
            break;
        }
        if (ready == 0) {
            snprintf(err, errlen, "no connection to %s port %s in time", u->host, u->port);
            rc = CLI_ERR_TIMEOUT;
        } else {
            snprintf(err, errlen, "cannot connect to %s port %s: %s", u->host, u->port,
                     strerror(soerr ? soerr : errno));
        }
        close(fd);
    }
    freeaddrinfo(ai);
    return rc;
}

static int send_all(int fd, const char *buf, size_t len, int64_t deadline, char *err, size_t errlen)
{
    while (len > 0) {
        ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);
        if (n > 0) {
            buf += n;
            len -= (size_t)n;
            continue;
        }
        if (n < 0 && errno != EAGAIN && errno != EINTR) {
            snprintf(err, errlen, "send failed: %s", strerror(errno));
            return CLI_ERR_NETWORK;
        }
        int ready = wait_for(fd, POLLOUT, deadline);
        if (ready <= 0) {
            snprintf(err, errlen, ready == 0 ? "timed out sending" : "send failed");
            return ready == 0 ? CLI_ERR_TIMEOUT : CLI_ERR_NETWORK;
        }
    }
    return 0;
}

/* Reads until the peer closes; *out malloc'd and NUL-terminated. */
static int read_all(int fd, int64_t deadline, char **out, size_t *out_len, char *err, size_t errlen)
{
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    if (!buf)
        return PZ_ERR_NOMEM;
    for (;;) {
        if (cap - len < 2) {
            if (cap >= ANSWER_MAX) {
                free(buf);
                snprintf(err, errlen, "answer larger than %u bytes", ANSWER_MAX);
                return CLI_ERR_TOO_LARGE;
            }
            char *bigger = realloc(buf, cap * 2);
            if (!bigger) {
                free(buf);
                return PZ_ERR_NOMEM;
            }
            buf = bigger;
            cap *= 2;
        }
        ssize_t n = recv(fd, buf + len, cap - len - 1, 0);
        if (n > 0) {
            len += (size_t)n;
            continue;
        }
        if (n == 0)
            break;
        if (errno != EAGAIN && errno != EINTR) {
            snprintf(err, errlen, "receive failed: %s", strerror(errno));
            free(buf);
            return CLI_ERR_NETWORK;
        }
        int ready = wait_for(fd, POLLIN, deadline);
        if (ready <= 0) {
            snprintf(err, errlen, ready == 0 ? "no whole answer in time" : "receive failed");
            free(buf);
            return ready == 0 ? CLI_ERR_TIMEOUT : CLI_ERR_NETWORK;
        }
    }
    buf[len] = '\0';
    *out = buf;
    *out_len = len;
    return 0;
}

int http_get(const struct http_url *u, const char *path, int timeout_ms, int *status, char **body,
             char *err, size_t errlen)
{
    *body = NULL;
    int64_t deadline = now_ms() + timeout_ms;
    int fd = -1;
    int rc = connect_to(u, deadline, &fd, err, errlen);
    if (rc != 0)
        return rc;
    char req[1024];
    bool v6 = strchr(u->host, ':') != NULL;
    int n = snprintf(req, sizeof req,
                     "GET %s HTTP/1.0\r\nHost: %s%s%s:%s\r\nAccept: application/json\r\n"
                     "Connection: close\r\n\r\n",
                     path, v6 ? "[" : "", u->host, v6 ? "]" : "", u->port);
    char *answer = NULL;
    size_t len = 0;
    rc = n > 0 && (size_t)n < sizeof req ? send_all(fd, req, (size_t)n, deadline, err, errlen)
                                         : CLI_ERR_BAD_ARG;
    if (rc == 0)
        rc = read_all(fd, deadline, &answer, &len, err, errlen);
    close(fd);
    if (rc != 0)
        return rc;
    int code = 0;
    const char *head_end = strstr(answer, "\r\n\r\n");
    if (sscanf(answer, "HTTP/1.%*1[01] %3d", &code) != 1 || code < 100 || !head_end) {
        snprintf(err, errlen, "not an HTTP answer");
        free(answer);
        return CLI_ERR_MALFORMED;
    }
    /* An HTTP/1.0 request is never answered chunked: the body is what follows the head up to
     * the close. */
    const char *b = head_end + 4;
    size_t blen = len - (size_t)(b - answer);
    *body = malloc(blen + 1);
    if (!*body) {
        free(answer);
        return PZ_ERR_NOMEM;
    }
    memcpy(*body, b, blen);
    (*body)[blen] = '\0';
    free(answer);
    *status = code;
    return 0;
}
