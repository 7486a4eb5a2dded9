/*
 * Who an administration client authenticates as, and its answers to challenges (docs/protocol.md
 * §13): HS_SECKEY with PBKDF2-HMAC-SHA1 (code 0x22, as the reference client sends at >= 2.7), or
 * HS_PUBKEY signatures with a PEM private key: RSA (SHA-256), DSA (SHA1) and SM2 (SM3 with the
 * default ID 1234567812345678, docs/protocol.md §19.6). The computations are crypto/answer's, the
 * same the node checks with.
 */
#ifndef TOOLS_ADMIN_AUTH_H
#define TOOLS_ADMIN_AUTH_H

#include <stddef.h>
#include <stdint.h>

#include "common/errcode.h"
#include "crypto/key.h"
#include "proto/hdl_buf.h"
#include "proto/hdl_const.h"

enum admin_auth_kind { ADMIN_AUTH_NONE = 0, ADMIN_AUTH_SECKEY, ADMIN_AUTH_PUBKEY };

/* PBKDF2 parameters of the HS_SECKEY answer, as the reference client uses them. */
#define ADMIN_SECKEY_SALT_LEN 16
#define ADMIN_SECKEY_ITERATIONS 10000u
#define ADMIN_SECKEY_KEY_BITS 160u

struct admin_auth {
    enum admin_auth_kind kind;
    uint32_t index;
    char handle[HDL_MAX_HANDLE_LEN + 1];
    uint8_t *secret; /* owned; HS_SECKEY */
    size_t secret_len;
    EVP_PKEY *key; /* owned; HS_PUBKEY */
};

/* Sets index and handle from "INDEX:HANDLE" (e.g. "300:0.NA/88.100.1"). Returns 0, or
 * CLI_ERR_BAD_ARG with a message in err. */
int admin_auth_set_identity(struct admin_auth *a, const char *text, char *err, size_t errlen);

/* Makes a an HS_SECKEY identity with a copy of the secret bytes. Returns 0 or PZ_ERR_NOMEM. */
int admin_auth_use_secret(struct admin_auth *a, const uint8_t *secret, size_t len);

/* Makes a an HS_PUBKEY identity with the PEM private key at path (RSA, DSA or SM2; encrypted
 * PEM needs passphrase, which may be NULL otherwise). Returns 0, or with a message in err
 * CLI_ERR_CREDENTIAL (no such file, not a usable key, wrong passphrase) or admin_auth_use_key's
 * code. */
int admin_auth_load_key(struct admin_auth *a, const char *path, const char *passphrase, char *err,
                        size_t errlen);

/* The same with a key the caller already holds (a takes a reference of its own). Returns 0 or
 * HDL_ERR_CRYPTO (no reference could be taken). */
int admin_auth_use_key(struct admin_auth *a, EVP_PKEY *key);

/* "HS_SECKEY" or "HS_PUBKEY". */
const char *admin_auth_type(const struct admin_auth *a);

/* Writes the signedResponse field of a challenge answer over data (nonce || digest bytes) into
 * w: int1 0x22 + salt, iterations, key bits, HMAC for a secret; byteString hash name +
 * byteString signature for a key. Returns HDL_OK or HDL_ERR_CRYPTO / HDL_ERR_NOSPACE. */
int admin_auth_answer(const struct admin_auth *a, const uint8_t *data, size_t len,
                      struct hdl_writer *w);

struct hdl_challenge_answer;
/*
 * The answer to a 402 challenge (its body, challenge_body) of our request req (the whole
 * message as sent): checks that the challenge's digest is of req's header and body, signs
 * nonce || digest into sig (sig_cap bytes) and fills *a with the answer's fields (pointing into
 * sig and into auth). *req_flags gets req's opFlags, which the answer repeats. Returns HDL_OK,
 * CLI_ERR_MALFORMED with *why set (a malformed challenge, or one of another request), or the
 * signing code (HDL_ERR_CRYPTO, HDL_ERR_NOSPACE).
 */
int admin_auth_answer_challenge(const struct admin_auth *auth, const uint8_t *challenge_body,
                                size_t body_len, const uint8_t *req, size_t req_len, uint8_t *sig,
                                size_t sig_cap, struct hdl_challenge_answer *a,
                                uint32_t *req_flags, const char **why);

/* Frees the secret (cleansed) and the key; a is left as ADMIN_AUTH_NONE. */
void admin_auth_clear(struct admin_auth *a);

#endif
