/*
 * The stream a replication primary writes after its 1001/1002 success answer (docs/replication.md):
 * the stream type word, then blocks, either signed one by one with the server key (PK mode:
 * int4 length + SHA1withRSA/DSA/ECDSA signature after each block) or inside TLS 1.2 with the
 * node as the server on the same connection (TLS mode, certificate on the HS_SITE key). Runs on
 * an admin thread: output goes out through the job's flow-controlled queue (waits while the
 * client is slow), TLS input is read from the connection's socket with a timeout. Memory is one
 * buffer of about 2 × REPL_STREAM_CHUNK bytes (more only for a larger block).
 */
#ifndef REPL_STREAM_H
#define REPL_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/ssl.h>

#include "resolver/admin/auth_request.h"
#include "resolver/node.h"

#define REPL_STREAM_CHUNK (32u << 10)
#define REPL_TLS_HANDSHAKE_TIMEOUT_MS 30000

enum repl_mode { REPL_MODE_PK, REPL_MODE_TLS };

struct repl_stream;

/* Starts the stream on s (after its success answer): the type word, and in TLS mode the
 * handshake. NULL (logged) when that fails or the client has gone. */
struct repl_stream *repl_stream_open(struct node *node, struct auth_stream *s, enum repl_mode mode);
/* One block (signed in PK mode). Returns 0, or -1 when the stream cannot go on. */
int repl_stream_block(struct repl_stream *st, const uint8_t *p, size_t len);
/* The last bytes, which carry no signature (ABSOLUTELY_DONE; len 0: none), then everything is
 * flushed (and TLS closed with close_notify). Returns 0 or -1. */
int repl_stream_finish(struct repl_stream *st, const uint8_t *p, size_t len);
void repl_stream_free(struct repl_stream *st);

/* The TLS server context on the node's key (self-signed certificate, TLS 1.2, the suites Java
 * clients offer), made once; NULL when the key cannot be used. */
SSL_CTX *repl_tls_ctx(struct node *node);

#endif
