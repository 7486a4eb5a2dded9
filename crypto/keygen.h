/* An administrator's new key pair and its private key file (pazhou keygen). */
#ifndef CRYPTO_KEYGEN_H
#define CRYPTO_KEYGEN_H

#include <stdio.h>

#include <openssl/evp.h>

/* Generates a key of type "rsa" (bits: modulus), "dsa" (bits: p, fresh domain parameters) or
 * "sm2" (bits unused), case-insensitive. Returns the key (free with cry_key_free) or NULL, with
 * the reason in cry_error_reason(). */
EVP_PKEY *cry_key_generate(const char *type, unsigned bits);

/* Writes key to f as a PEM private key, encrypted with AES-256-CBC under passphrase unless that
 * is NULL. Returns 0 or -1. */
int cry_private_key_write(FILE *f, EVP_PKEY *key, const char *passphrase);

#endif
