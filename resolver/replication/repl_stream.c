#include "resolver/replication/repl_stream.h"

#include <errno.h>
#include <openssl/err.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crypto/self_cert.h"
#include "proto/hdl_repl.h"
#include "resolver/log.h"

/* The suites a HANDLE.NET 9 (Java) mirror offers, in its order (docs/replication.md): which one
 * is chosen follows the server key's type. SECLEVEL 0 lets 1024-bit DSA keys and SHA-1 in. */
#define REPL_TLS_CIPHERS                                                                           \
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384:"     \
    "ECDHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384:DHE-RSA-AES128-GCM-SHA256:"             \
    "DHE-DSS-AES256-GCM-SHA384:DHE-DSS-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-SHA384:"               \
    "ECDHE-ECDSA-AES128-SHA256:ECDHE-RSA-AES256-SHA384:ECDHE-RSA-AES128-SHA256:"                   \
    "DHE-RSA-AES256-SHA256:DHE-RSA-AES128-SHA256:DHE-DSS-AES256-SHA256:DHE-DSS-AES128-SHA256:"     \
    "ECDHE-ECDSA-AES128-SHA:ECDHE-RSA-AES128-SHA:DHE-RSA-AES128-SHA:DHE-DSS-AES128-SHA:"           \
    "@SECLEVEL=0"

struct repl_stream {
    struct node *node;
    struct auth_stream *s;
    enum repl_mode mode;
    SSL *ssl;
    BIO *rbio, *wbio; /* owned by ssl */
    uint8_t *buf;     /* output waiting: signed blocks (PK) or plaintext (TLS) */
    size_t len, cap;
    bool failed;
};

static pthread_mutex_t ctx_mu = PTHREAD_MUTEX_INITIALIZER;
static SSL_CTX *tls_ctx;
static bool tls_ctx_tried;

SSL_CTX *repl_tls_ctx(struct node *node)
{
    pthread_mutex_lock(&ctx_mu);
    if (!tls_ctx_tried && node->server_key) {
        tls_ctx_tried = true;
        SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
        X509 *cert = self_cert_make(node->server_key);
        bool ok = ctx && cert && SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) == 1 &&
                  SSL_CTX_set_max_proto_version(ctx, TLS1_2_VERSION) == 1 &&
                  SSL_CTX_set_cipher_list(ctx, REPL_TLS_CIPHERS) == 1 &&
                  SSL_CTX_set_dh_auto(ctx, 1) == 1 && SSL_CTX_use_certificate(ctx, cert) == 1 &&
                  SSL_CTX_use_PrivateKey(ctx, node->server_key) == 1 &&
                  SSL_CTX_check_private_key(ctx) == 1;
        X509_free(cert);
        if (ok) {
            SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
            SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
            tls_ctx = ctx;
        } else {
            log_error("replication: no TLS context on the server key: %s",
                      ERR_reason_error_string(ERR_peek_last_error()));
            ERR_clear_error();
            SSL_CTX_free(ctx);
        }
    }
    SSL_CTX *ctx = tls_ctx;
    pthread_mutex_unlock(&ctx_mu);
    return ctx;
}

/* Sends what TLS has written into its output BIO. */
static int tls_drain(struct repl_stream *st)
{
    uint8_t tmp[16384];
    int n;
    while ((n = BIO_read(st->wbio, tmp, sizeof tmp)) > 0)
        if (auth_stream_write(st->s, tmp, (size_t)n) != 0)
            return -1;
    return 0;
}

/* Feeds TLS what the client has sent; waits at most timeout_ms. */
static int tls_feed(struct repl_stream *st, int timeout_ms)
{
    int fd = auth_stream_fd(st->s);
    if (fd < 0)
        return -1;
    struct pollfd p = {.fd = fd, .events = POLLIN};
    int r;
    do
        r = poll(&p, 1, timeout_ms);
    while (r < 0 && errno == EINTR);
    if (r <= 0)
        return -1;
    uint8_t tmp[16384];
    ssize_t n;
    do
        n = read(fd, tmp, sizeof tmp);
    while (n < 0 && errno == EINTR);
    if (n <= 0)
        return -1;
    return BIO_write(st->rbio, tmp, (int)n) == (int)n ? 0 : -1;
}

static int tls_handshake(struct repl_stream *st)
{
    for (;;) {
        int r = SSL_do_handshake(st->ssl);
        if (tls_drain(st) != 0)
            return -1;
        if (r == 1)
            return 0;
        int e = SSL_get_error(st->ssl, r);
        if (e != SSL_ERROR_WANT_READ) {
            log_info("replication: TLS handshake failed: %s",
                     ERR_reason_error_string(ERR_peek_last_error()));
            ERR_clear_error();
            return -1;
        }
        if (tls_feed(st, REPL_TLS_HANDSHAKE_TIMEOUT_MS) != 0)
            return -1;
    }
}

struct repl_stream *repl_stream_open(struct node *node, struct auth_stream *s, enum repl_mode mode)
{
    struct repl_stream *st = calloc(1, sizeof *st);
    if (!st)
        return NULL;
    st->node = node;
    st->s = s;
    st->mode = mode;
    st->cap = REPL_STREAM_CHUNK * 2;
    st->buf = malloc(st->cap);
    uint8_t head[16];
    struct hdl_writer w;
    hdl_writer_init(&w, head, sizeof head);
    hdl_repl_put_stream_type(&w, mode == REPL_MODE_TLS ? HDL_REPL_STREAM_TLS : HDL_REPL_STREAM_PK,
                             "SHA1");
    if (!st->buf || auth_stream_write(s, head, w.len) != 0)
        goto fail;
    if (mode == REPL_MODE_TLS) {
        SSL_CTX *ctx = repl_tls_ctx(node);
        if (!ctx || !(st->ssl = SSL_new(ctx)))
            goto fail;
        st->rbio = BIO_new(BIO_s_mem());
        st->wbio = BIO_new(BIO_s_mem());
        if (!st->rbio || !st->wbio) {
            BIO_free(st->rbio);
            BIO_free(st->wbio);
            goto fail;
        }
        SSL_set_bio(st->ssl, st->rbio, st->wbio);
        SSL_set_accept_state(st->ssl);
        if (tls_handshake(st) != 0)
            goto fail;
    }
    return st;
fail:
    repl_stream_free(st);
    return NULL;
}

/* Sends the waiting output: as it is (PK) or through TLS. */
static int flush(struct repl_stream *st)
{
    if (st->failed)
        return -1;
    if (st->len == 0)
        return 0;
    if (st->mode == REPL_MODE_TLS) {
        size_t at = 0;
        while (at < st->len) {
            int r = SSL_write(st->ssl, st->buf + at, (int)(st->len - at));
            if (r <= 0 || tls_drain(st) != 0) {
                ERR_clear_error();
                st->failed = true;
                return -1;
            }
            at += (size_t)r;
        }
    } else if (auth_stream_write(st->s, st->buf, st->len) != 0) {
        st->failed = true;
        return -1;
    }
    st->len = 0;
    return 0;
}

/* Room for more bytes in the buffer: flushes first, grows it for a block larger than it. */
static int reserve(struct repl_stream *st, size_t more)
{
    if (st->len + more <= st->cap)
        return 0;
    if (flush(st) != 0)
        return -1;
    if (more <= st->cap)
        return 0;
    uint8_t *b = realloc(st->buf, more);
    if (!b)
        return -1;
    st->buf = b;
    st->cap = more;
    return 0;
}

static int append(struct repl_stream *st, const uint8_t *p, size_t len)
{
    if (reserve(st, len) != 0)
        return -1;
    memcpy(st->buf + st->len, p, len);
    st->len += len;
    return 0;
}

/* int4 length + the server key's signature of p (SHA-1, as the stream's hash id says). */
static int append_signature(struct repl_stream *st, const uint8_t *p, size_t len)
{
    EVP_PKEY *key = st->node->server_key;
    size_t sig_len = 0;
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    bool ok = md && key && EVP_DigestSignInit(md, NULL, EVP_sha1(), NULL, key) == 1 &&
              EVP_DigestSign(md, NULL, &sig_len, p, len) == 1;
    if (!ok || reserve(st, 4 + sig_len) != 0) {
        EVP_MD_CTX_free(md);
        ERR_clear_error();
        return -1;
    }
    ok = EVP_DigestSign(md, st->buf + st->len + 4, &sig_len, p, len) == 1;
    EVP_MD_CTX_free(md);
    if (!ok) {
        ERR_clear_error();
        return -1;
    }
    hdl_store_u32(st->buf + st->len, (uint32_t)sig_len);
    st->len += 4 + sig_len;
    return 0;
}

int repl_stream_block(struct repl_stream *st, const uint8_t *p, size_t len)
{
    if (st->failed || append(st, p, len) != 0)
        return -1;
    if (st->mode == REPL_MODE_PK && append_signature(st, p, len) != 0)
        return -1;
    if (st->len >= REPL_STREAM_CHUNK)
        return flush(st);
    return 0;
}

int repl_stream_finish(struct repl_stream *st, const uint8_t *p, size_t len)
{
    if (len && append(st, p, len) != 0)
        return -1;
    if (flush(st) != 0)
        return -1;
    if (st->mode == REPL_MODE_TLS) {
        SSL_shutdown(st->ssl); /* close_notify; the client's is not waited for */
        ERR_clear_error();
        if (tls_drain(st) != 0)
            return -1;
    }
    return 0;
}

void repl_stream_free(struct repl_stream *st)
{
    if (!st)
        return;
    SSL_free(st->ssl);
    free(st->buf);
    free(st);
}
