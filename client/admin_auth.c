#include "client/admin_auth.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/handle_name.h"
#include "crypto/answer.h"
#include "crypto/digest.h"
#include "crypto/secret.h"
#include "proto/hdl_challenge.h"
#include "proto/hdl_message.h"

int admin_auth_set_identity(struct admin_auth *a, const char *text, char *err, size_t errlen)
{
    const char *colon = strchr(text, ':');
    char *end;
    unsigned long index = colon ? strtoul(text, &end, 10) : 0;
    if (!colon || end != colon || colon == text || index > UINT32_MAX || colon[1] == '\0' ||
        strlen(colon + 1) > HDL_MAX_HANDLE_LEN) {
        snprintf(err, errlen, "'%s' is not INDEX:HANDLE (e.g. 300:" HNAME_NA_PREFIX "88.100.1)",
                 text);
        return CLI_ERR_BAD_ARG;
    }
    a->index = (uint32_t)index;
    snprintf(a->handle, sizeof a->handle, "%s", colon + 1);
    return 0;
}

static void drop_credentials(struct admin_auth *a)
{
    if (a->secret) {
        cry_cleanse(a->secret, a->secret_len);
        free(a->secret);
    }
    cry_key_free(a->key);
    a->secret = NULL;
    a->secret_len = 0;
    a->key = NULL;
    a->kind = ADMIN_AUTH_NONE;
}

int admin_auth_use_secret(struct admin_auth *a, const uint8_t *secret, size_t len)
{
    drop_credentials(a);
    a->secret = malloc(len ? len : 1);
    if (!a->secret)
        return PZ_ERR_NOMEM;
    memcpy(a->secret, secret, len);
    a->secret_len = len;
    a->kind = ADMIN_AUTH_SECKEY;
    return 0;
}

int admin_auth_use_key(struct admin_auth *a, EVP_PKEY *key)
{
    if (cry_key_up_ref(key) != 0)
        return HDL_ERR_CRYPTO;
    drop_credentials(a);
    a->key = key;
    a->kind = ADMIN_AUTH_PUBKEY;
    return 0;
}

int admin_auth_load_key(struct admin_auth *a, const char *path, const char *passphrase, char *err,
                        size_t errlen)
{
    EVP_PKEY *key;
    if (cry_private_key_load(path, passphrase, &key, err, errlen) != 0)
        return CLI_ERR_CREDENTIAL;
    int rc = admin_auth_use_key(a, key);
    cry_key_free(key);
    if (rc != 0)
        snprintf(err, errlen, "out of memory");
    return rc;
}

const char *admin_auth_type(const struct admin_auth *a)
{
    return a->kind == ADMIN_AUTH_PUBKEY ? "HS_PUBKEY" : "HS_SECKEY";
}

static int seckey_answer(const struct admin_auth *a, const uint8_t *data, size_t len,
                         struct hdl_writer *w)
{
    uint8_t salt[ADMIN_SECKEY_SALT_LEN];
    uint8_t mac[CRY_MAC_MAX];
    unsigned mac_len = 0;
    struct hdl_seckey_response r = {
        .code = HDL_SECKEY_PBKDF2_HMAC_SHA1,
        .salt = {salt, sizeof salt},
        .iterations = ADMIN_SECKEY_ITERATIONS,
        .key_bits = ADMIN_SECKEY_KEY_BITS,
    };
    if (cry_random(salt, sizeof salt) != 0 ||
        cry_seckey_mac(&r, a->secret, a->secret_len, data, len, mac, &mac_len) != HDL_OK)
        return HDL_ERR_CRYPTO;
    r.hmac = (struct hdl_slice){mac, mac_len};
    hdl_seckey_response_encode(w, &r);
    return hdl_writer_status(w);
}

static int pubkey_answer(const struct admin_auth *a, const uint8_t *data, size_t len,
                         struct hdl_writer *w)
{
    const char *hash;
    uint8_t sig[1024];
    size_t sig_len = 0;
    if (cry_answer_sign(a->key, data, len, &hash, sig, sizeof sig, &sig_len) != HDL_OK)
        return HDL_ERR_CRYPTO;
    struct hdl_pubkey_response r = {
        .hash_alg = {(const uint8_t *)hash, (uint32_t)strlen(hash)},
        .signature = {sig, (uint32_t)sig_len},
    };
    hdl_pubkey_response_encode(w, &r);
    return hdl_writer_status(w);
}

int admin_auth_answer(const struct admin_auth *a, const uint8_t *data, size_t len,
                      struct hdl_writer *w)
{
    switch (a->kind) {
    case ADMIN_AUTH_SECKEY:
        return seckey_answer(a, data, len, w);
    case ADMIN_AUTH_PUBKEY:
        return pubkey_answer(a, data, len, w);
    default:
        return HDL_ERR_CRYPTO;
    }
}

void admin_auth_clear(struct admin_auth *a)
{
    drop_credentials(a);
}

int admin_auth_answer_challenge(const struct admin_auth *auth, const uint8_t *challenge_body,
                                size_t body_len, const uint8_t *req, size_t req_len, uint8_t *sig,
                                size_t sig_cap, struct hdl_challenge_answer *a,
                                uint32_t *req_flags, const char **why)
{
    struct hdl_challenge ch;
    if (hdl_challenge_decode(challenge_body, body_len, &ch) != HDL_OK) {
        *why = "malformed challenge";
        return CLI_ERR_MALFORMED;
    }
    /* The challenge must be about our request: its digest is of our header + body. */
    struct hdl_message ours;
    uint8_t want[1 + 64];
    struct hdl_writer dw;
    hdl_writer_init(&dw, want, sizeof want);
    if (hdl_message_split(req, req_len, &ours) != HDL_OK ||
        cry_digest_put(&dw, ch.digest.alg, ours.signed_part.ptr, ours.signed_part.len) != HDL_OK ||
        dw.len != 1 + (size_t)ch.digest.bytes.len ||
        !cry_memeq(want + 1, ch.digest.bytes.ptr, ch.digest.bytes.len)) {
        *why = "challenged a request other than ours";
        return CLI_ERR_MALFORMED;
    }
    uint8_t data[256];
    struct hdl_writer sw;
    hdl_writer_init(&sw, data, sizeof data);
    hdl_challenge_signed_data(&sw, &ch);
    struct hdl_writer rw;
    hdl_writer_init(&rw, sig, sig_cap);
    int rc = hdl_writer_status(&sw);
    if (rc == HDL_OK)
        rc = admin_auth_answer(auth, data, sw.len, &rw);
    if (rc != HDL_OK) {
        *why = "cannot compute the answer to the challenge";
        return rc;
    }
    const char *type = admin_auth_type(auth);
    *a = (struct hdl_challenge_answer){
        .auth_type = {(const uint8_t *)type, (uint32_t)strlen(type)},
        .identity_handle = {(const uint8_t *)auth->handle, (uint32_t)strlen(auth->handle)},
        .identity_index = auth->index,
        .signed_response = {sig, (uint32_t)rw.len},
    };
    *req_flags = ours.hdr.op_flags;
    return HDL_OK;
}
