#include "resolver/http/http_tls.h"

#include <stdio.h>

#include <openssl/err.h>

#include "crypto/server_key.h"

static int accept_client_cert(int preverified, X509_STORE_CTX *ctx)
{
    (void)preverified;
    (void)ctx;
    return 1;
}

/* ALPN's protocol lists, the server's order of preference first (RFC 7301's wire form). */
static const unsigned char with_h2[] = "\x02h2\x08http/1.1";
static const unsigned char without_h2[] = "\x08http/1.1";

/* The first of the server's protocols the client offers; a client that offers none of them
 * gets no ALPN answer and speaks HTTP/1.1 as it would without ALPN. */
static int select_alpn(SSL *ssl, const unsigned char **out, unsigned char *outlen,
                       const unsigned char *in, unsigned int inlen, void *arg)
{
    (void)ssl;
    const unsigned char *ours = arg;
    unsigned ours_len = ours == with_h2 ? sizeof with_h2 - 1 : sizeof without_h2 - 1;
    unsigned char *chosen = NULL;
    if (SSL_select_next_proto(&chosen, outlen, ours, ours_len, in, inlen) != OPENSSL_NPN_NEGOTIATED)
        return SSL_TLSEXT_ERR_NOACK;
    *out = chosen;
    return SSL_TLSEXT_ERR_OK;
}

SSL_CTX *http_tls_ctx_new(const char *cert_file, const char *key_file, bool http2, char *err,
                          size_t errlen)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    if (!ctx) {
        snprintf(err, errlen, "cannot create a TLS context");
        return NULL;
    }
    /* TLS 1.2 and 1.3 only, with forward secrecy and AEAD ciphers: nothing with CBC, RSA key
     * exchange, SHA-1 MACs or compression. */
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE |
                                 SSL_OP_NO_COMPRESSION);
    /* Ask for a client certificate without requiring one or a CA chain: its key is checked
     * against the registry (http_cert.c), as the reference checks it. Resumed sessions keep
     * the certificate, which needs a session id context. */
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, accept_client_cert);
    SSL_CTX_set_session_id_context(ctx, (const unsigned char *)"pazhou", 6);
    SSL_CTX_set_alpn_select_cb(ctx, select_alpn, (void *)(http2 ? with_h2 : without_h2));
    const char *what = NULL;
    if (SSL_CTX_set_cipher_list(ctx, HTTP_TLS12_CIPHERS) != 1 ||
        SSL_CTX_set_ciphersuites(ctx, HTTP_TLS13_SUITES) != 1)
        what = "cannot set the TLS ciphers";
    else if (SSL_CTX_use_certificate_chain_file(ctx, cert_file) != 1)
        what = "cannot load the TLS certificate";
    else if (server_key_private(key_file, "TLS key", err, errlen) != 0) {
        SSL_CTX_free(ctx);
        return NULL;
    } else if (SSL_CTX_use_PrivateKey_file(ctx, key_file, SSL_FILETYPE_PEM) != 1)
        what = "cannot load the TLS key";
    else if (SSL_CTX_check_private_key(ctx) != 1)
        what = "the TLS key does not match the certificate";
    if (what) {
        char detail[256];
        ERR_error_string_n(ERR_get_error(), detail, sizeof detail);
        snprintf(err, errlen, "%s (%s, %s): %s", what, cert_file, key_file, detail);
        ERR_clear_error();
        SSL_CTX_free(ctx);
        return NULL;
    }
    return ctx;
}
