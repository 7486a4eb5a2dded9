/*
 * Credentials on messages (docs/protocol.md §11): the node's HS_SIGNED signature on responses to
 * requests with the certify flag, and the session MAC (HS_MAC, HMAC-SHA256) on requests.
 */
#ifndef NODE_SIGN_H
#define NODE_SIGN_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "proto/hdl_buf.h"
#include "proto/hdl_message.h"

/* w holds one finished message starting at env_at (credential length 0). Replaces its empty
 * credential with an HS_SIGNED one made with key (RSA: SHA-256, DSA: SHA-1) and fixes the
 * lengths. Returns HDL_OK or an HDL_ERR_*. */
int sign_message(EVP_PKEY *key, struct hdl_writer *w, size_t env_at);

/* The same with an HS_MAC credential: HMAC-SHA256 under key with the session counter. */
int mac_message(const uint8_t *key, size_t key_len, uint32_t counter, struct hdl_writer *w,
                size_t env_at);

/* Checks the HS_MAC credential of a received message under key; on success sets *counter. */
int mac_verify(const uint8_t *key, size_t key_len, const struct hdl_message *m, uint32_t *counter);

#endif
