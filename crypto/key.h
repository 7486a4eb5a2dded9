/*
 * OpenSSL keys and their Handle form (HS_PUBKEY data, site server keys; docs/protocol.md §9.3): the
 * bytes are decoded and encoded by proto/hdl_pubkey, the conversions to and from EVP_PKEY live
 * here, as does reading keys from PEM.
 */
#ifndef CRYPTO_KEY_H
#define CRYPTO_KEY_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <openssl/bn.h>
#include <openssl/evp.h>

#include "proto/hdl_buf.h"
#include "proto/hdl_pubkey.h"

/* Encodes an OpenSSL RSA, DSA or DH public key in the reference layout (RSA with its 4 zero
 * bytes). Returns HDL_OK, HDL_ERR_UNSUPPORTED, HDL_ERR_CRYPTO or the writer's status. */
int cry_pubkey_from_evp(struct hdl_writer *w, const EVP_PKEY *pkey);

/* Builds an OpenSSL key from decoded key bytes; the caller frees it with cry_key_free.
 * Returns HDL_OK, HDL_ERR_MALFORMED (a negative number), HDL_ERR_UNSUPPORTED or HDL_ERR_CRYPTO. */
int cry_pubkey_to_evp(const struct hdl_pubkey *key, EVP_PKEY **out);

/* Loads public key bytes (the binary layout of §9.3, or PEM text of a public key or an X.509
 * certificate) into an OpenSSL key the caller frees; NULL when they are neither. */
EVP_PKEY *cry_pubkey_load(const uint8_t *key, size_t key_len);

/* Reads the PEM private key at path that can answer a challenge (RSA, DSA or SM2); encrypted
 * PEM needs passphrase, which may be NULL otherwise. Returns 0 with *out (free with
 * cry_key_free), or -1 with a message in err. */
int cry_private_key_load(const char *path, const char *passphrase, EVP_PKEY **out, char *err,
                         size_t errlen);

/* The HS_PUBKEY value bytes of key into buf (cap bytes): the binary layout for RSA and DSA,
 * PEM SubjectPublicKeyInfo text for SM2, which the layout has no form for. Returns 0 with *len,
 * or -1. */
int cry_pubkey_value(EVP_PKEY *key, uint8_t *buf, size_t cap, size_t *len);

/* Reads a PEM private key of any type from f, decrypting it with passphrase (NULL: none).
 * Returns the key (free with cry_key_free) or NULL. */
EVP_PKEY *cry_pem_read_private(FILE *f, const char *passphrase);

/* The reason OpenSSL gave for its last failure in this thread (taken from its queue), or NULL. */
const char *cry_error_reason(void);

/* Writes a non-negative big integer as Java's BigInteger.toByteArray() does, int4-length
 * prefixed: minimal two's complement, so a leading 0x00 when the top bit is set. */
int cry_put_bigint(struct hdl_writer *w, const BIGNUM *bn);

/* Takes another reference to key, for a holder that frees it on its own. Returns 0 or -1. */
int cry_key_up_ref(EVP_PKEY *key);

/* Drops a reference to a key from this module (NULL is fine). */
void cry_key_free(EVP_PKEY *key);

#endif
