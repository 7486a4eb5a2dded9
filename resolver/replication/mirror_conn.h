/*
 * A mirror's connection to a primary server (docs/replication.md): blocking TCP with timeouts,
 * run on the mirror's own thread only. One request goes out; a 402 challenge is answered on a
 * new connection as the replication administrator (session-less challenge-response, as
 * HANDLE.NET primaries accept it); the 1001/1002 success answer is read exactly, so that the
 * stream after it (in the clear, or TLS 1.2 with this side as the client) is read from the
 * connection's buffer.
 */
#ifndef MIRROR_CONN_H
#define MIRROR_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/ssl.h>

#include "client/admin_auth.h"
#include "client/client.h"

struct repl_conn {
    int fd;
    SSL *ssl;       /* set once the stream switched to TLS */
    int timeout_ms; /* each connect, send and receive */
    uint8_t *buf;   /* stream bytes received and not consumed: buf[pos..len) */
    size_t cap, pos, len;
    bool eof;
    char err[256]; /* why the last call failed */
};

/* A request to a primary: its opcode and body, the protocol version it is sent with (2.10 asks
 * for TLS, 2.7 for signed blocks), and the site serial of the source's site. */
struct repl_request {
    uint32_t opcode;
    const uint8_t *body;
    size_t body_len;
    uint8_t minor;
    uint16_t site_serial;
};

/* Initialises c with no connection. */
void repl_conn_init(struct repl_conn *c, int timeout_ms);
/* Closes the connection (TLS without close_notify: the primary closes first) and frees the
 * buffer; c may be used again. */
void repl_conn_close(struct repl_conn *c);

/* Sends rq to server, answers a 402 as auth, and reads the final answer. Returns 0 with *rc its
 * response code (a message in msg for an error answer); on HDL_RC_SUCCESS c is open and the
 * stream follows. Otherwise a CLI_ERR_* (network, timeout, closed, malformed answer) or
 * HDL_ERR_CRYPTO, with c->err saying more. */
int repl_call(struct repl_conn *c, const struct client_opts *server, const struct admin_auth *auth,
              const struct repl_request *rq, uint32_t *rc, char *msg, size_t msglen);

/* Reads exactly n bytes into p, unbuffered (before the stream's mode is known). */
int repl_conn_read_exact(struct repl_conn *c, uint8_t *p, size_t n);

/* A TLS 1.2 client context for replication streams: DHE-DSS and ECDHE/DHE-RSA suites, security
 * level 0 (1024-bit DSA primaries), no certificate chain checks (the key is pinned), EOF without
 * close_notify accepted. NULL when OpenSSL fails. */
SSL_CTX *repl_tls_ctx_new(void);
/* Runs the TLS handshake on c's socket as the client and checks that the primary's certificate
 * carries pinned (its HS_SITE key). Returns 0, or CLI_ERR_TLS with c->err. */
int repl_conn_start_tls(struct repl_conn *c, SSL_CTX *ctx, EVP_PKEY *pinned);

/* Reads more stream bytes into the buffer (moving unread bytes to its start, growing it up to
 * max_buffered). Returns 0 when bytes came, CLI_ERR_CLOSED at the end of the stream,
 * CLI_ERR_TOO_LARGE when max_buffered bytes are unread, or another CLI_ERR_*. */
int repl_conn_more(struct repl_conn *c, size_t max_buffered);

#endif
