/*
 * Verification of challenge answers (docs/protocol.md §13) against the identity's own keys in the
 * registry: HS_SECKEY answers with every code of §13, HS_PUBKEY answers with RSA (SHA-256 or
 * SHA-1), DSA (SHA-1) and SM2 (SM3) keys, in the binary layout or as PEM text. crypto/answer does
 * every digest, MAC and signature; this picks the identity's value and maps the outcome to a
 * response code. Blocking (PBKDF2, key parsing): call from an admin thread.
 */
#ifndef NODE_AUTH_H
#define NODE_AUTH_H

#include <stddef.h>
#include <stdint.h>

#include "proto/hdl_challenge.h"
#include "resolver/node.h"

/* Checks answer a to a challenge whose signed data (nonce || digest bytes) is data. Returns
 * HDL_RC_SUCCESS, or AUTHENTICATION_FAILED (wrong answer), INVALID_ADMIN (no such identity or
 * key), AUTHEN_ERROR (the key lives on another node, or cannot be used), with msg set. */
uint32_t auth_verify_answer(struct node *node, const struct hdl_challenge_answer *a,
                            const uint8_t *data, size_t len, char *msg, size_t msgcap);

/* The same checks with a value's data in hand (tests and the HTTP API use it directly). */
uint32_t auth_check_seckey(const uint8_t *secret, size_t secret_len,
                           const struct hdl_seckey_response *r, const uint8_t *data, size_t len);
uint32_t auth_check_pubkey(const uint8_t *key, size_t key_len, const struct hdl_pubkey_response *r,
                           const uint8_t *data, size_t len, char *msg, size_t msgcap);

#endif
