#include "client/https_client.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "common/base64.h"

#define MAX_HEADER 16384
#define MAX_BODY (64u << 20)

struct https_conn {
    int fd;
    SSL_CTX *ctx;
    SSL *ssl;
};

/* Writes what failed, with OpenSSL's reason, into err; returns CLI_ERR_TLS. */
static int tls_error(char *err, size_t errlen, const char *what)
{
    char detail[256] = "";
    unsigned long e = ERR_get_error();
    if (e)
        ERR_error_string_n(e, detail, sizeof detail);
    snprintf(err, errlen, "%s%s%s", what, detail[0] ? ": " : "", detail);
    return CLI_ERR_TLS;
}

/* The code of a failed SSL_read or SSL_write, called straight after it (errno is read): the
 * socket's time limits (SO_RCVTIMEO, SO_SNDTIMEO) end a wait with EAGAIN. */
static int io_error(const struct https_conn *c, int ret)
{
    int e = errno;
    switch (SSL_get_error(c->ssl, ret)) {
    case SSL_ERROR_ZERO_RETURN:
        return CLI_ERR_CLOSED;
    case SSL_ERROR_SSL:
        /* OpenSSL 3 reports an end of stream without close_notify as an SSL error. */
        return ERR_GET_REASON(ERR_peek_error()) == SSL_R_UNEXPECTED_EOF_WHILE_READING
                   ? CLI_ERR_CLOSED
                   : CLI_ERR_TLS;
    case SSL_ERROR_SYSCALL:
        if (e == EAGAIN || e == EWOULDBLOCK)
            return CLI_ERR_TIMEOUT;
        return e ? CLI_ERR_NETWORK : CLI_ERR_CLOSED;
    case SSL_ERROR_WANT_READ:
    case SSL_ERROR_WANT_WRITE:
        return CLI_ERR_TIMEOUT;
    default:
        return CLI_ERR_NETWORK;
    }
}

void https_close(struct https_conn *c)
{
    if (!c)
        return;
    if (c->ssl) {
        SSL_shutdown(c->ssl);
        SSL_free(c->ssl);
    }
    SSL_CTX_free(c->ctx);
    if (c->fd >= 0)
        close(c->fd);
    free(c);
}

int https_connect(const struct client_opts *server, const char *cafile, bool insecure,
                  int timeout_ms, struct https_conn **out, char *err, size_t errlen)
{
    *out = NULL;
    struct https_conn *c = calloc(1, sizeof *c);
    if (!c) {
        snprintf(err, errlen, "out of memory");
        return PZ_ERR_NOMEM;
    }
    c->fd = socket(server->addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (c->fd < 0 || connect(c->fd, (const struct sockaddr *)&server->addr, server->addr_len)) {
        snprintf(err, errlen, "cannot connect: %s", strerror(errno));
        https_close(c);
        return CLI_ERR_NETWORK;
    }
    struct timeval tv = {timeout_ms / 1000, (timeout_ms % 1000) * 1000};
    setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    /* A request goes out as headers, then body: without TCP_NODELAY the body's record waits
     * for the server's delayed acknowledgement of the headers' (40 ms on Linux). */
    int one = 1;
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    c->ctx = SSL_CTX_new(TLS_client_method());
    if (!c->ctx) {
        https_close(c);
        return tls_error(err, errlen, "TLS set-up failed");
    }
    if (insecure) {
        SSL_CTX_set_verify(c->ctx, SSL_VERIFY_NONE, NULL);
    } else {
        SSL_CTX_set_verify(c->ctx, SSL_VERIFY_PEER, NULL);
        int ok = cafile ? SSL_CTX_load_verify_locations(c->ctx, cafile, NULL)
                        : SSL_CTX_set_default_verify_paths(c->ctx);
        if (!ok) {
            https_close(c);
            return tls_error(err, errlen, "cannot load the CA certificates");
        }
    }
    c->ssl = SSL_new(c->ctx);
    if (!c->ssl || !SSL_set_fd(c->ssl, c->fd) || SSL_connect(c->ssl) != 1) {
        int rc = tls_error(err, errlen, "TLS handshake failed");
        https_close(c);
        return rc;
    }
    *out = c;
    return 0;
}

static int write_all(struct https_conn *c, const void *p, size_t n)
{
    const uint8_t *b = p;
    while (n > 0) {
        int w = SSL_write(c->ssl, b, n > 1 << 30 ? 1 << 30 : (int)n);
        if (w <= 0)
            return io_error(c, w);
        b += w;
        n -= (size_t)w;
    }
    return 0;
}

int https_request(struct https_conn *c, const char *method, const char *path, const char *headers,
                  const void *req_body, size_t req_len, int *status, char **body, size_t *body_len,
                  char *err, size_t errlen)
{
    char head[4096];
    int hl = snprintf(head, sizeof head,
                      "%s %s HTTP/1.1\r\nHost: pazhou\r\nContent-Type: application/json\r\n"
                      "Content-Length: %zu\r\n%s\r\n",
                      method, path, req_len, headers ? headers : "");
    int rc = hl < 0 || (size_t)hl >= sizeof head ? CLI_ERR_BAD_ARG : 0;
    if (rc == 0)
        rc = write_all(c, head, (size_t)hl);
    if (rc == 0 && req_len)
        rc = write_all(c, req_body, req_len);
    if (rc != 0) {
        snprintf(err, errlen, "cannot send the request");
        return rc;
    }
    /* Headers first, up to the blank line; then exactly Content-Length bytes. */
    char *buf = malloc(MAX_HEADER + 1);
    if (!buf) {
        snprintf(err, errlen, "out of memory");
        return PZ_ERR_NOMEM;
    }
    size_t have = 0;
    char *end = NULL;
    while (!end) {
        if (have == MAX_HEADER) {
            free(buf);
            snprintf(err, errlen, "answer headers too long");
            return CLI_ERR_TOO_LARGE;
        }
        int r = SSL_read(c->ssl, buf + have, (int)(MAX_HEADER - have));
        if (r <= 0) {
            rc = io_error(c, r);
            free(buf);
            snprintf(err, errlen, "connection closed before the answer");
            return rc;
        }
        have += (size_t)r;
        buf[have] = '\0';
        end = strstr(buf, "\r\n\r\n");
    }
    size_t header_len = (size_t)(end - buf) + 4;
    const char *cl = strcasestr(buf, "\r\nContent-Length:");
    if (sscanf(buf, "HTTP/1.%*d %d", status) != 1 || !cl || cl > end) {
        free(buf);
        snprintf(err, errlen, "malformed answer (status line or Content-Length)");
        return CLI_ERR_MALFORMED;
    }
    size_t len = strtoull(cl + 17, NULL, 10);
    if (len > MAX_BODY) {
        free(buf);
        snprintf(err, errlen, "answer body too large");
        return CLI_ERR_TOO_LARGE;
    }
    char *out = malloc(len + 1);
    if (!out) {
        free(buf);
        snprintf(err, errlen, "out of memory");
        return PZ_ERR_NOMEM;
    }
    size_t got = have - header_len < len ? have - header_len : len;
    memcpy(out, buf + header_len, got);
    free(buf);
    while (got < len) {
        int r = SSL_read(c->ssl, out + got, (int)(len - got));
        if (r <= 0) {
            rc = io_error(c, r);
            free(out);
            snprintf(err, errlen, "answer cut short");
            return rc;
        }
        got += (size_t)r;
    }
    out[len] = '\0';
    *body = out;
    *body_len = len;
    return 0;
}

int https_basic_auth(uint32_t index, const char *handle, const uint8_t *secret, size_t secret_len,
                     char *out, size_t cap)
{
    /* user = urlencode("index:handle"), then ':' and the secret, all in base64 */
    char user[3 * 2100];
    size_t u = (size_t)snprintf(user, sizeof user, "%u%%3A", index);
    for (const char *p = handle; *p && u + 4 < sizeof user; p++) {
        unsigned char ch = (unsigned char)*p;
        if ((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
            ch == '.' || ch == '-' || ch == '_' || ch == '~')
            user[u++] = (char)ch;
        else
            u += (size_t)snprintf(user + u, 4, "%%%02X", ch);
    }
    size_t plain_len = u + 1 + secret_len;
    uint8_t *plain = malloc(plain_len);
    char *b64 = malloc(b64_encoded_len(plain_len, 0) + 1);
    if (!plain || !b64) {
        free(plain);
        free(b64);
        return PZ_ERR_NOMEM;
    }
    memcpy(plain, user, u);
    plain[u] = ':';
    memcpy(plain + u + 1, secret, secret_len);
    b64_encode(plain, plain_len, b64, 0);
    int w = snprintf(out, cap, "Authorization: Basic %s\r\n", b64);
    free(plain);
    free(b64);
    return w > 0 && (size_t)w < cap ? 0 : HDL_ERR_NOSPACE;
}
