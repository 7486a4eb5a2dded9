#include "crypto/sign.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/hmac.h>

#include "proto/hdl_const.h"
#include "proto/hdl_credential.h"
#include "proto/hdl_credential_data.h"
#include "proto/hdl_value.h"

/* The bytes a signature or MAC covers, for the message m (>= 2.8 layout). */
static int signed_bytes(const struct hdl_message *m, uint32_t counter, uint8_t **out, size_t *len)
{
    size_t cap = 16 + (size_t)m->signed_part.len;
    uint8_t *buf = malloc(cap);
    if (!buf)
        return HDL_ERR_NOSPACE;
    struct hdl_writer w;
    hdl_writer_init(&w, buf, cap);
    int rc = hdl_credential_signed_data(&w, m, counter);
    if (rc != HDL_OK) {
        free(buf);
        return rc;
    }
    *out = buf;
    *len = w.len;
    return HDL_OK;
}

/* Swaps the empty credential at the end of the message for cred and fixes messageLength. */
static int attach(struct hdl_writer *w, size_t env_at, const struct hdl_credential *cred)
{
    uint8_t cbuf[1024];
    struct hdl_writer cw;
    hdl_writer_init(&cw, cbuf, sizeof cbuf);
    hdl_credential_encode(&cw, cred);
    if (hdl_writer_status(&cw) != HDL_OK)
        return HDL_ERR_NOSPACE;
    w->len -= 4;
    hdl_put_bytes(w, cbuf, cw.len);
    if (hdl_writer_status(w) != HDL_OK)
        return HDL_ERR_NOSPACE;
    hdl_patch_u32(w, env_at + 16, (uint32_t)(w->len - env_at - HDL_ENVELOPE_LEN));
    return HDL_OK;
}

static int split_finished(struct hdl_writer *w, size_t env_at, struct hdl_message *m)
{
    int rc = hdl_message_split(w->buf + env_at, w->len - env_at, m);
    if (rc != HDL_OK)
        return rc;
    return m->credential.len == 0 ? HDL_OK : HDL_ERR_MALFORMED;
}

int sign_message(EVP_PKEY *key, struct hdl_writer *w, size_t env_at)
{
    struct hdl_message m;
    int rc = split_finished(w, env_at, &m);
    uint8_t *data = NULL;
    size_t len = 0;
    if (rc != HDL_OK || (rc = signed_bytes(&m, 0, &data, &len)) != HDL_OK)
        return rc;
    bool rsa = EVP_PKEY_is_a(key, "RSA");
    const char *alg = rsa ? "SHA-256" : "SHA1";
    uint8_t sig[1024];
    size_t sig_len = sizeof sig;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    int ok = ctx && EVP_DigestSignInit(ctx, NULL, rsa ? EVP_sha256() : EVP_sha1(), NULL, key) == 1 &&
             EVP_DigestSign(ctx, sig, &sig_len, data, len) == 1;
    EVP_MD_CTX_free(ctx);
    free(data);
    if (!ok)
        return HDL_ERR_CRYPTO;
    struct hdl_credential cred = {
        .type = {(const uint8_t *)"HS_SIGNED", 9},
        .has_alg = true,
        .digest_alg = {(const uint8_t *)alg, (uint32_t)strlen(alg)},
        .signature = {sig, (uint32_t)sig_len},
    };
    return attach(w, env_at, &cred);
}

static int hmac256(const uint8_t *key, size_t key_len, const uint8_t *data, size_t len,
                   uint8_t out[32])
{
    unsigned out_len = 0;
    return HMAC(EVP_sha256(), key, (int)key_len, data, len, out, &out_len) && out_len == 32
               ? HDL_OK
               : HDL_ERR_CRYPTO;
}

int mac_message(const uint8_t *key, size_t key_len, uint32_t counter, struct hdl_writer *w,
                size_t env_at)
{
    struct hdl_message m;
    int rc = split_finished(w, env_at, &m);
    uint8_t *data = NULL;
    size_t len = 0;
    if (rc != HDL_OK || (rc = signed_bytes(&m, counter, &data, &len)) != HDL_OK)
        return rc;
    uint8_t mac[32];
    rc = hmac256(key, key_len, data, len, mac);
    free(data);
    if (rc != HDL_OK)
        return rc;
    struct hdl_credential cred = {
        .signer_index = counter,
        .type = {(const uint8_t *)"HS_MAC", 6},
        .has_alg = true,
        .digest_alg = {(const uint8_t *)"HMAC-SHA256", 11},
        .signature = {mac, sizeof mac},
    };
    return attach(w, env_at, &cred);
}

int mac_verify(const uint8_t *key, size_t key_len, const struct hdl_message *m, uint32_t *counter)
{
    struct hdl_credential cred;
    if (m->credential.len == 0 ||
        hdl_credential_decode(m->credential.ptr, m->credential.len, &cred) != HDL_OK ||
        !cred.has_alg || !hdl_slice_eq_ci(cred.type, "HS_MAC") ||
        !hdl_slice_eq_ci(cred.digest_alg, "HMAC-SHA256") || cred.signature.len != 32)
        return HDL_ERR_MALFORMED;
    uint8_t *data = NULL;
    size_t len = 0;
    int rc = signed_bytes(m, cred.signer_index, &data, &len);
    if (rc != HDL_OK)
        return rc;
    uint8_t want[32];
    rc = hmac256(key, key_len, data, len, want);
    free(data);
    if (rc != HDL_OK || CRYPTO_memcmp(want, cred.signature.ptr, 32) != 0)
        return HDL_ERR_CRYPTO;
    *counter = cred.signer_index;
    return HDL_OK;
}
