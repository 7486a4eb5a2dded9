/*
 * The Diffie-Hellman key agreement of a session set-up (docs/protocol.md §14, mode 4), both halves.
 * The client makes a key pair in the RFC 7919 group ffdhe2048 and sends it as DH_PUB_KEY bytes
 * (§9.3); the node answers with a key in the client's group; both take the shared secret
 * without leading zero bytes, at most 32 of them, as the session key.
 */
#ifndef CRYPTO_DH_SESSION_H
#define CRYPTO_DH_SESSION_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "proto/hdl_buf.h"

/* The session key's largest size. */
#define CRY_SESSION_KEY_MAX 32

/* Client: generates our key pair into *ours (the caller frees it with cry_key_free) and writes
 * its DH_PUB_KEY bytes into w. Returns HDL_OK, HDL_ERR_CRYPTO or HDL_ERR_NOSPACE. */
int cry_dh_begin(EVP_PKEY **ours, struct hdl_writer *w);

/* Client: agrees the session key with the server's DH_PUB_KEY bytes (which must be in our
 * group). Returns HDL_OK with key[0..*key_len), HDL_ERR_MALFORMED or HDL_ERR_CRYPTO. */
int cry_dh_finish(EVP_PKEY *ours, const uint8_t *peer, size_t len, uint8_t key[32],
                  size_t *key_len);

/* Node: generates a key in the group of peer_key (the client's DH_PUB_KEY bytes), writes our
 * DH_PUB_KEY bytes into w (p and g as the client sent them) and the session key into key.
 * Returns HDL_OK (*key_len may be 0), HDL_ERR_MALFORMED, HDL_ERR_CRYPTO or HDL_ERR_NOSPACE. */
int cry_dh_agree(const uint8_t *peer_key, size_t peer_len, struct hdl_writer *w, uint8_t key[32],
                 size_t *key_len);

#endif
