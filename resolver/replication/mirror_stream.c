/*
 * The replication stream's reader (mirror_stream.h): buffered records, and in PK mode the
 * signature after each block, checked against the primary's key before the record is used.
 */
#include "resolver/replication/mirror_stream.h"

#include <stdio.h>
#include <string.h>

#include "common/errcode.h"
#include "crypto/answer.h"

static int fail(struct repl_stream *s, int code, const char *what)
{
    snprintf(s->err, sizeof s->err, "%s", what);
    return code;
}

static int conn_fail(struct repl_stream *s, int code)
{
    return fail(s, code, s->conn->err);
}

int repl_stream_begin(struct repl_stream *s, struct repl_conn *c, bool dump, SSL_CTX *tls,
                      EVP_PKEY *pinned, const uint8_t *key, size_t key_len)
{
    memset(s, 0, sizeof *s);
    s->conn = c;
    s->dump = dump;
    s->key = key;
    s->key_len = key_len;
    uint8_t word[4];
    int rc = repl_conn_read_exact(c, word, 4);
    if (rc != 0)
        return conn_fail(s, rc);
    s->type = hdl_load_u32(word);
    if (s->type == HDL_REPL_STREAM_TLS) {
        rc = repl_conn_start_tls(c, tls, pinned);
        return rc == 0 ? 0 : conn_fail(s, rc);
    }
    if (s->type != HDL_REPL_STREAM_PK)
        return fail(s, CLI_ERR_MALFORMED,
                    s->type == HDL_REPL_STREAM_UNSIGNED
                        ? "the primary sent an unsigned stream in the clear"
                        : "unknown stream type");
    uint8_t len[4];
    rc = repl_conn_read_exact(c, len, 4);
    if (rc != 0)
        return conn_fail(s, rc);
    uint32_t n = hdl_load_u32(len);
    if (n == 0 || n >= sizeof s->hash_id)
        return fail(s, CLI_ERR_MALFORMED, "bad hash id in a signed stream");
    rc = repl_conn_read_exact(c, (uint8_t *)s->hash_id, n);
    if (rc != 0)
        return conn_fail(s, rc);
    s->hash_id[n] = '\0';
    return 0;
}

/* Reads one block with fn (which sets *used), reading more while it is truncated. */
typedef int (*block_fn)(void *ctx, const uint8_t *p, size_t len, size_t *used);

static int read_block(struct repl_stream *s, block_fn fn, void *ctx, bool is_signed)
{
    struct repl_conn *c = s->conn;
    size_t used = 0;
    for (;;) {
        int rc = fn(ctx, c->buf + c->pos, c->len - c->pos, &used);
        if (rc == HDL_OK)
            break;
        if (rc != HDL_ERR_TRUNCATED)
            return fail(s, rc, "malformed record in the replication stream");
        rc = repl_conn_more(c, REPL_RECORD_MAX);
        if (rc != 0)
            return conn_fail(s, rc);
    }
    if (s->type != HDL_REPL_STREAM_PK || !is_signed) {
        c->pos += used;
        return 0;
    }
    /* The signature follows the block and covers its bytes. */
    size_t sig_used = 0;
    struct hdl_slice sig;
    for (;;) {
        int rc = hdl_repl_read_signature(c->buf + c->pos + used, c->len - c->pos - used, &sig_used,
                                         &sig);
        if (rc == HDL_OK)
            break;
        if (rc != HDL_ERR_TRUNCATED)
            return fail(s, rc, "malformed signature in the replication stream");
        rc = repl_conn_more(c, REPL_RECORD_MAX);
        if (rc != 0)
            return conn_fail(s, rc);
    }
    /* Reading the signature may have moved the buffer: the record's slices are taken again. */
    int rc = fn(ctx, c->buf + c->pos, used, &used);
    if (rc != HDL_OK)
        return fail(s, rc, "malformed record in the replication stream");
    struct hdl_slice hash = {(const uint8_t *)s->hash_id, (uint32_t)strlen(s->hash_id)};
    rc = cry_answer_verify(s->key, s->key_len, hash, sig, c->buf + c->pos, used);
    if (rc != HDL_OK)
        return fail(s, HDL_ERR_CRYPTO,
                    "a block of the replication stream is not signed by the primary's key");
    s->blocks++;
    /* The block's bytes stay in the buffer until the next read: the record's slices point
     * there. */
    c->pos += used + sig_used;
    return 0;
}

static int dump_header_fn(void *ctx, const uint8_t *p, size_t len, size_t *used)
{
    (void)ctx;
    return hdl_repl_read_dump_header(p, len, used);
}

int repl_stream_dump_header(struct repl_stream *s)
{
    return read_block(s, dump_header_fn, NULL, true);
}

static int txn_header_fn(void *ctx, const uint8_t *p, size_t len, size_t *used)
{
    return hdl_repl_read_txn_header(p, len, used, ctx);
}

int repl_stream_txn_header(struct repl_stream *s, uint32_t *status)
{
    return read_block(s, txn_header_fn, status, true);
}

static int dump_record_fn(void *ctx, const uint8_t *p, size_t len, size_t *used)
{
    return hdl_repl_read_dump_record(p, len, used, ctx);
}

static int txn_record_fn(void *ctx, const uint8_t *p, size_t len, size_t *used)
{
    return hdl_repl_read_txn_record(p, len, used, ctx);
}

/* ABSOLUTELY_DONE carries no signature; every other record is a signed block. */
static int dump_record_peek(struct repl_stream *s, bool *done)
{
    struct repl_conn *c = s->conn;
    while (c->len == c->pos) {
        int rc = repl_conn_more(c, REPL_RECORD_MAX);
        if (rc != 0)
            return conn_fail(s, rc);
    }
    *done = (int8_t)c->buf[c->pos] == HDL_REPL_DUMP_DONE;
    return 0;
}

int repl_stream_next(struct repl_stream *s, struct hdl_repl_record *rec)
{
    if (!s->dump)
        return read_block(s, txn_record_fn, rec, true);
    bool done = false;
    int rc = dump_record_peek(s, &done);
    if (rc != 0)
        return rc;
    return read_block(s, dump_record_fn, rec, !done);
}
