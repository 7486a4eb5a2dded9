/*
 * Reading the stream that follows a 1001/1002 success answer (docs/replication.md): the type
 * word picks TLS (the rest of the connection is TLS 1.2, the records unsigned inside it) or PK
 * mode (records in the clear, each block followed by a signature made with the primary's HS_SITE
 * key, checked here). Records come one at a time through proto/hdl_repl.h's readers.
 */
#ifndef MIRROR_STREAM_H
#define MIRROR_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/hdl_repl.h"
#include "resolver/replication/mirror_conn.h"

/* The largest record buffered (a handle of many large values). */
#define REPL_RECORD_MAX (16u << 20)

struct repl_stream {
    struct repl_conn *conn;
    uint32_t type;      /* HDL_REPL_STREAM_* */
    char hash_id[16];   /* PK mode: "SHA1", ... */
    const uint8_t *key; /* the primary's HS_SITE key (§9.3 bytes), for PK mode */
    size_t key_len;
    bool dump;       /* a 1002 stream (else 1001) */
    uint64_t blocks; /* signed blocks checked */
    char err[256];
};

/* Reads the type word and starts the mode: TLS (handshake, key pinned to pinned), PK (hash id),
 * unsigned (refused: HANDLE.NET accepts it only over HTTPS). key/key_len must outlive s.
 * Returns 0 or a CLI_ERR_* / HDL_ERR_* with s->err. */
int repl_stream_begin(struct repl_stream *s, struct repl_conn *c, bool dump, SSL_CTX *tls,
                      EVP_PKEY *pinned, const uint8_t *key, size_t key_len);

/* The dump header (version 2) or the txn header (version 1 and *status). */
int repl_stream_dump_header(struct repl_stream *s);
int repl_stream_txn_header(struct repl_stream *s, uint32_t *status);

/* The next record of the stream; its slices stay valid until the next call. */
int repl_stream_next(struct repl_stream *s, struct hdl_repl_record *rec);

#endif
