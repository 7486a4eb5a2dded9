#include "client/client.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "client/host_lookup.h"
#include "proto/hdl_const.h"
#include "proto/hdl_envelope.h"
#include "proto/hdl_fragment.h"
#include "proto/hdl_header.h"

/* How long the command line waits for a server's name to resolve. */
#define LOOKUP_TIMEOUT_MS 5000

int client_parse_server(const char *text, struct client_opts *o, char *err, size_t errlen)
{
    char host[128];
    unsigned port = 2641;
    const char *colon;
    if (text[0] == '[') {
        const char *close = strchr(text, ']');
        if (!close || (size_t)(close - text - 1) >= sizeof host)
            goto bad;
        memcpy(host, text + 1, (size_t)(close - text - 1));
        host[close - text - 1] = '\0';
        colon = close[1] == ':' ? close + 1 : NULL;
        if (close[1] && !colon)
            goto bad;
    } else {
        colon = strrchr(text, ':');
        size_t n = colon ? (size_t)(colon - text) : strlen(text);
        if (n == 0 || n >= sizeof host)
            goto bad;
        memcpy(host, text, n);
        host[n] = '\0';
    }
    if (colon) {
        char *end;
        unsigned long p = strtoul(colon + 1, &end, 10);
        if (*end || p == 0 || p > 65535)
            goto bad;
        port = (unsigned)p;
    }
    if (strcmp(host, "localhost") == 0)
        strcpy(host, "127.0.0.1");
    memset(&o->addr, 0, sizeof o->addr);
    struct sockaddr_in *a4 = (struct sockaddr_in *)&o->addr;
    struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&o->addr;
    if (inet_pton(AF_INET, host, &a4->sin_addr) == 1) {
        a4->sin_family = AF_INET;
        a4->sin_port = htons((uint16_t)port);
        o->addr_len = sizeof *a4;
        return 0;
    }
    if (inet_pton(AF_INET6, host, &a6->sin6_addr) == 1) {
        a6->sin6_family = AF_INET6;
        a6->sin6_port = htons((uint16_t)port);
        o->addr_len = sizeof *a6;
        return 0;
    }
    if (text[0] != '[') {
        /* A host name: its address through c-ares and the system's resolv.conf. */
        int e = host_lookup(host, (uint16_t)port, NULL, LOOKUP_TIMEOUT_MS, &o->addr, &o->addr_len);
        if (e == 0)
            return 0;
        if (e != PZ_ERR_DNS_BADNAME) {
            snprintf(err, errlen, "server '%s': %s", text, pz_strerror(e));
            return CLI_ERR_NETWORK;
        }
    }
bad:
    snprintf(err, errlen, "server '%s': expected HOST:PORT, [V6ADDR]:PORT or HOST (a numeric address "
             "or a host name)", text);
    return CLI_ERR_BAD_ARG;
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int wait_fd(int fd, short events, int64_t deadline)
{
    for (;;) {
        int64_t left = deadline - now_ms();
        if (left <= 0)
            return 0;
        struct pollfd p = {.fd = fd, .events = events};
        int n = poll(&p, 1, (int)left);
        if (n < 0 && errno == EINTR)
            continue;
        return n;
    }
}

/* 0, or CLI_ERR_NETWORK with errno set, or the decoder's code for a request that is not a
 * message. */
static int send_udp(int fd, const uint8_t *req, size_t len)
{
    if (len <= HDL_UDP_DATAGRAM_MAX)
        return send(fd, req, len, 0) == (ssize_t)len ? 0 : CLI_ERR_NETWORK;
    /* Multi-datagram requests carry the TRUNCATED flag so the server reassembles them. */
    struct hdl_reader r;
    struct hdl_envelope env;
    hdl_reader_init(&r, req, len);
    int rc = hdl_envelope_decode(&r, &env);
    if (rc != HDL_OK)
        return rc;
    env.flags |= HDL_ENV_TRUNCATED;
    uint32_t payload_len = (uint32_t)(len - HDL_ENVELOPE_LEN);
    for (uint32_t n = 0; n < hdl_fragment_count(payload_len); n++) {
        uint8_t d[HDL_UDP_DATAGRAM_MAX];
        size_t dl = hdl_fragment_build(&env, req + HDL_ENVELOPE_LEN, payload_len, n, d);
        if (send(fd, d, dl, 0) != (ssize_t)dl)
            return CLI_ERR_NETWORK;
    }
    return 0;
}

static int exchange_udp(const struct client_opts *o, const uint8_t *req, size_t len,
                        uint32_t request_id, uint8_t *resp, size_t cap, size_t *resp_len, char *err,
                        size_t errlen)
{
    int fd = socket(o->addr.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || connect(fd, (const struct sockaddr *)&o->addr, o->addr_len) != 0) {
        snprintf(err, errlen, "cannot reach the server over UDP: %s", strerror(errno));
        if (fd >= 0)
            close(fd);
        return CLI_ERR_NETWORK;
    }
    struct hdl_reassembly *ra = malloc(sizeof *ra);
    if (!ra) {
        close(fd);
        snprintf(err, errlen, "out of memory");
        return PZ_ERR_NOMEM;
    }
    /* The reference client's schedule: resend after 0.5 s, 1 s, then 1.5 s. The code and the
     * message are those of the last thing that went wrong: a refusal (ICMP port unreachable,
     * read back as ECONNREFUSED) is a network failure; only silence throughout is a timeout. */
    static const int waits[] = {500, 1000, 1500};
    int result = CLI_ERR_TIMEOUT;
    snprintf(err, errlen, "no answer over UDP");
    for (int attempt = 0; attempt < 3 && result != 0; attempt++) {
        int sent = send_udp(fd, req, len);
        if (sent != 0) {
            snprintf(err, errlen, "cannot send over UDP: %s", strerror(errno));
            result = sent;
            break;
        }
        int wait =
            o->timeout_ms > 0 && o->timeout_ms < waits[attempt] ? o->timeout_ms : waits[attempt];
        int64_t deadline = now_ms() + wait;
        hdl_reassembly_init(ra, resp + HDL_ENVELOPE_LEN, cap - HDL_ENVELOPE_LEN);
        while (result != 0 && wait_fd(fd, POLLIN, deadline) > 0) {
            uint8_t d[4096];
            ssize_t n = recv(fd, d, sizeof d, 0);
            if (n < 0) {
                snprintf(err, errlen, "UDP receive failed: %s", strerror(errno));
                result = CLI_ERR_NETWORK;
                break;
            }
            struct hdl_reader r;
            struct hdl_envelope env;
            hdl_reader_init(&r, d, (size_t)n);
            if (hdl_envelope_decode(&r, &env) != HDL_OK || env.request_id != request_id)
                continue;
            if (HDL_ENVELOPE_LEN + (size_t)env.message_length > cap) {
                snprintf(err, errlen, "response of %u bytes is too large", env.message_length);
                result = CLI_ERR_TOO_LARGE;
                break;
            }
            bool complete = false;
            if (hdl_reassembly_add(ra, &env, d + HDL_ENVELOPE_LEN, (size_t)n - HDL_ENVELOPE_LEN,
                                   &complete) != HDL_OK)
                continue;
            if (complete) {
                /* The whole message is no longer a fragment. */
                env.message_id = 0;
                env.flags &= (uint8_t)~HDL_ENV_TRUNCATED;
                struct hdl_writer w;
                hdl_writer_init(&w, resp, HDL_ENVELOPE_LEN);
                hdl_envelope_encode(&w, &env);
                *resp_len = HDL_ENVELOPE_LEN + env.message_length;
                result = 0;
            }
        }
    }
    free(ra);
    close(fd);
    return result;
}

/* 0, or CLI_ERR_TIMEOUT, CLI_ERR_CLOSED (end of stream) or CLI_ERR_NETWORK. */
static int read_full(int fd, uint8_t *buf, size_t n, int64_t deadline)
{
    size_t got = 0;
    while (got < n) {
        int ready = wait_fd(fd, POLLIN, deadline);
        if (ready <= 0)
            return ready == 0 ? CLI_ERR_TIMEOUT : CLI_ERR_NETWORK;
        ssize_t r = recv(fd, buf + got, n - got, 0);
        if (r <= 0)
            return r == 0 ? CLI_ERR_CLOSED : CLI_ERR_NETWORK;
        got += (size_t)r;
    }
    return 0;
}

static int exchange_tcp(const struct client_opts *o, const uint8_t *req, size_t len,
                        uint32_t request_id, uint8_t *resp, size_t cap, size_t *resp_len, char *err,
                        size_t errlen)
{
    int64_t deadline = now_ms() + (o->timeout_ms > 0 ? o->timeout_ms : 5000);
    int fd = socket(o->addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || connect(fd, (const struct sockaddr *)&o->addr, o->addr_len) != 0) {
        snprintf(err, errlen, "cannot connect over TCP: %s", strerror(errno));
        if (fd >= 0)
            close(fd);
        return CLI_ERR_NETWORK;
    }
    if (send(fd, req, len, MSG_NOSIGNAL) != (ssize_t)len) {
        snprintf(err, errlen, "cannot send over TCP: %s", strerror(errno));
        close(fd);
        return CLI_ERR_NETWORK;
    }
    int rc;
    for (;;) {
        rc = read_full(fd, resp, HDL_ENVELOPE_LEN, deadline);
        if (rc != 0) {
            snprintf(err, errlen, "no answer over TCP");
            break;
        }
        struct hdl_reader r;
        struct hdl_envelope env;
        hdl_reader_init(&r, resp, HDL_ENVELOPE_LEN);
        rc = hdl_envelope_decode(&r, &env);
        if (rc == HDL_OK && HDL_ENVELOPE_LEN + (size_t)env.message_length > cap)
            rc = CLI_ERR_TOO_LARGE;
        if (rc != HDL_OK) {
            snprintf(err, errlen, "malformed or oversized response envelope");
            break;
        }
        rc = read_full(fd, resp + HDL_ENVELOPE_LEN, env.message_length, deadline);
        if (rc != 0) {
            snprintf(err, errlen, "response cut short");
            break;
        }
        if (env.request_id != request_id)
            continue;
        *resp_len = HDL_ENVELOPE_LEN + env.message_length;
        close(fd);
        return 0;
    }
    close(fd);
    return rc;
}

int client_exchange(const struct client_opts *o, const uint8_t *req, size_t len, uint8_t *resp,
                    size_t cap, size_t *resp_len, char *err, size_t errlen)
{
    struct hdl_reader r;
    struct hdl_envelope env;
    hdl_reader_init(&r, req, len);
    if (cap < HDL_ENVELOPE_LEN || hdl_envelope_decode(&r, &env) != HDL_OK) {
        snprintf(err, errlen, "bad request");
        return CLI_ERR_BAD_ARG;
    }
    if (o->tcp)
        return exchange_tcp(o, req, len, env.request_id, resp, cap, resp_len, err, errlen);
    int rc = exchange_udp(o, req, len, env.request_id, resp, cap, resp_len, err, errlen);
    if (rc != 0)
        return rc;
    /* An ERROR answer over UDP sends the client to TCP, as the reference client goes on to its
     * next interface: a node answers so when it will not answer over UDP (an answer too large
     * for the amplification bound, or the rate limit's slip). */
    struct hdl_header got;
    hdl_reader_init(&r, resp + HDL_ENVELOPE_LEN, *resp_len - HDL_ENVELOPE_LEN);
    if (hdl_header_decode(&r, &got) == HDL_OK && got.response_code == HDL_RC_ERROR)
        return exchange_tcp(o, req, len, env.request_id, resp, cap, resp_len, err, errlen);
    return 0;
}
