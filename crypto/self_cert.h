/*
 * A self-signed certificate on the node's own key: what a replication primary presents as the
 * TLS server of a stream (docs/replication.md). The mirror checks only that its public key is
 * the HS_SITE key, as HANDLE.NET mirrors do; subject "CN=anonymous", valid 2000-9999.
 */
#ifndef CRYPTO_SELF_CERT_H
#define CRYPTO_SELF_CERT_H

#include <openssl/evp.h>
#include <openssl/x509.h>

/* Makes the certificate for key (RSA, DSA, EC, Ed25519/Ed448 or SM2), signed by key itself:
 * SHA-256 (SHA-1 for DSA keys under 2048 bits, which older peers need), no digest for the
 * Edwards curves. Returns it (free with X509_free), or NULL. */
X509 *self_cert_make(EVP_PKEY *key);

#endif
