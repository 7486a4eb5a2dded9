/* The TLS context HTTPS listeners share, built once at start-up. */
#ifndef NODE_HTTP_TLS_H
#define NODE_HTTP_TLS_H

#include <stdbool.h>
#include <stddef.h>

#include <openssl/ssl.h>

/* What HTTPS offers: TLS 1.2 with ECDHE and AEAD ciphers, and TLS 1.3's AEAD suites. */
#define HTTP_TLS12_CIPHERS "ECDHE+AESGCM:ECDHE+CHACHA20"
#define HTTP_TLS13_SUITES                                                                          \
    "TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256"

/* Builds the TLS context HTTPS listeners share, from a PEM certificate chain and key; its ALPN
 * chooses "h2" when http2 and the client offers it, else "http/1.1". NULL with a message in err
 * when they cannot be loaded or do not match. */
SSL_CTX *http_tls_ctx_new(const char *cert_file, const char *key_file, bool http2, char *err,
                          size_t errlen);

#endif
