/*
 * The computations of challenge answers (docs/protocol.md §13), the same functions for the client
 * that answers and the node that checks: HS_SECKEY MACs of every code, and HS_PUBKEY signatures
 * with RSA (SHA-256 or SHA-1), DSA (SHA-1) and SM2 (SM3 with the default ID 1234567812345678,
 * docs/protocol.md §19.6). The data signed is nonce || digest bytes.
 */
#ifndef CRYPTO_ANSWER_H
#define CRYPTO_ANSWER_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "proto/hdl_buf.h"
#include "proto/hdl_challenge.h"

/* Room enough for any MAC or digest an answer carries. */
#define CRY_MAC_MAX EVP_MAX_MD_SIZE

/* The MAC an HS_SECKEY answer with r's code must carry over data under secret: digest of
 * secret || data || secret (MD5, SHA-1, SHA-256), HMAC (SHA-1, SHA-256), or for PBKDF2-HMAC-SHA1
 * an HMAC-SHA1 under the key derived with r's salt, iterations and key bits (the caller bounds
 * them). Writes mac[0..*mac_len). Returns HDL_OK, HDL_ERR_UNSUPPORTED (code, key bits) or
 * HDL_ERR_CRYPTO. */
int cry_seckey_mac(const struct hdl_seckey_response *r, const uint8_t *secret, size_t secret_len,
                   const uint8_t *data, size_t len, uint8_t mac[CRY_MAC_MAX], unsigned *mac_len);

/* Signs data with key (RSA: SHA-256, DSA: SHA1, SM2: SM3); *hash is the hash's name as the
 * answer carries it. sig has sig_cap bytes; *sig_len is set. Returns HDL_OK or HDL_ERR_CRYPTO. */
int cry_answer_sign(EVP_PKEY *key, const uint8_t *data, size_t len, const char **hash, uint8_t *sig,
                    size_t sig_cap, size_t *sig_len);

/* Verifies signature sig with hash hash (a name as an answer carries it) over data with the
 * public key bytes key (binary layout or PEM, as cry_pubkey_load takes). Returns HDL_OK,
 * HDL_ERR_UNSUPPORTED (hash), HDL_ERR_MALFORMED (key unusable) or HDL_ERR_CRYPTO (the
 * signature does not verify). */
int cry_answer_verify(const uint8_t *key, size_t key_len, struct hdl_slice hash,
                      struct hdl_slice sig, const uint8_t *data, size_t len);

#endif
