/*
 * A self-signed X.509 certificate over an administrator's key pair, for the HTTPS interface's
 * client-certificate authentication: the subject's UID (and CN) is the identity index:handle,
 * and the node checks the certificate's key against that identity's HS_PUBKEY, not a CA chain.
 */
#ifndef TOOLS_CLIENT_CERT_H
#define TOOLS_CLIENT_CERT_H

#include <stddef.h>

#include <openssl/evp.h>

/* Writes to path (PEM) a certificate for identity ("300:0.NA/88.100.1", or a bare handle for
 * any of its keys) over key, signed by it
 * with SHA-256, valid from now for days days, for TLS client authentication. RSA and DSA keys
 * (TLS 1.3 takes RSA only). Returns 0, or -1 with err set. */
int client_cert_write(const char *path, EVP_PKEY *key, const char *identity, unsigned days,
                      char *err, size_t errlen);

#endif
