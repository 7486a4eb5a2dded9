/*
 * The client half of a Diffie-Hellman session set-up (docs/protocol.md §14, mode 4): a key pair in
 * the RFC 7919 group ffdhe2048, sent as DH_PUB_KEY bytes (§9.3); the server answers in the same
 * group and both take the shared secret without leading zero bytes, at most 32 of them.
 */
#ifndef TOOLS_ADMIN_DH_H
#define TOOLS_ADMIN_DH_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "proto/hdl_buf.h"

/* Generates our key pair into *ours (the caller frees it with EVP_PKEY_free) and writes its
 * DH_PUB_KEY bytes into w. Returns HDL_OK, HDL_ERR_CRYPTO or HDL_ERR_NOSPACE. */
int admin_dh_begin(EVP_PKEY **ours, struct hdl_writer *w);

/* Agrees the session key with the server's DH_PUB_KEY bytes (which must be in our group).
 * Returns HDL_OK with key[0..*key_len), HDL_ERR_MALFORMED or HDL_ERR_CRYPTO. */
int admin_dh_finish(EVP_PKEY *ours, const uint8_t *peer, size_t len, uint8_t key[32],
                    size_t *key_len);

#endif
