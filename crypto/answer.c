#include "crypto/answer.h"

#include <stdbool.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/hmac.h>

#include "crypto/key.h"
#include "proto/hdl_value.h"

#define SM2_DEFAULT_ID "1234567812345678"

static bool digest3(const EVP_MD *md, const uint8_t *a, size_t alen, const uint8_t *b, size_t blen,
                    uint8_t *out, unsigned *outlen)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    bool ok = ctx && EVP_DigestInit_ex(ctx, md, NULL) && EVP_DigestUpdate(ctx, a, alen) &&
              EVP_DigestUpdate(ctx, b, blen) && EVP_DigestUpdate(ctx, a, alen) &&
              EVP_DigestFinal_ex(ctx, out, outlen);
    EVP_MD_CTX_free(ctx);
    return ok;
}

int cry_seckey_mac(const struct hdl_seckey_response *r, const uint8_t *secret, size_t secret_len,
                   const uint8_t *data, size_t len, uint8_t mac[CRY_MAC_MAX], unsigned *mac_len)
{
    bool ok = false;
    *mac_len = 0;
    switch (r->code) {
    case HDL_SECKEY_MD5:
        ok = digest3(EVP_md5(), secret, secret_len, data, len, mac, mac_len);
        break;
    case HDL_SECKEY_SHA1:
        ok = digest3(EVP_sha1(), secret, secret_len, data, len, mac, mac_len);
        break;
    case HDL_SECKEY_SHA256:
        ok = digest3(EVP_sha256(), secret, secret_len, data, len, mac, mac_len);
        break;
    case HDL_SECKEY_HMAC_SHA1:
        ok = HMAC(EVP_sha1(), secret, (int)secret_len, data, len, mac, mac_len) != NULL;
        break;
    case HDL_SECKEY_HMAC_SHA256:
        ok = HMAC(EVP_sha256(), secret, (int)secret_len, data, len, mac, mac_len) != NULL;
        break;
    case HDL_SECKEY_PBKDF2_HMAC_SHA1: {
        /* The secret's bytes are the password as the reference's Latin-1 chars. */
        uint8_t key[64];
        size_t key_len = r->key_bits / 8;
        if (key_len == 0 || key_len > sizeof key || r->key_bits % 8)
            return HDL_ERR_UNSUPPORTED;
        ok = PKCS5_PBKDF2_HMAC((const char *)secret, (int)secret_len, r->salt.ptr, (int)r->salt.len,
                               (int)r->iterations, EVP_sha1(), (int)key_len, key) &&
             HMAC(EVP_sha1(), key, (int)key_len, data, len, mac, mac_len) != NULL;
        OPENSSL_cleanse(key, sizeof key);
        break;
    }
    default:
        return HDL_ERR_UNSUPPORTED;
    }
    return ok ? HDL_OK : HDL_ERR_CRYPTO;
}

/* Starts a signature or its verification with md; SM2 keys sign under the default ID. */
static bool answer_init(EVP_MD_CTX *ctx, const EVP_MD *md, EVP_PKEY *key, bool sign)
{
    EVP_PKEY_CTX *pctx = NULL;
    bool ok = sign ? EVP_DigestSignInit(ctx, &pctx, md, NULL, key) == 1
                   : EVP_DigestVerifyInit(ctx, &pctx, md, NULL, key) == 1;
    if (ok && EVP_PKEY_is_a(key, "SM2"))
        ok = EVP_PKEY_CTX_set1_id(pctx, SM2_DEFAULT_ID, strlen(SM2_DEFAULT_ID)) > 0;
    return ok;
}

int cry_answer_sign(EVP_PKEY *key, const uint8_t *data, size_t len, const char **hash, uint8_t *sig,
                    size_t sig_cap, size_t *sig_len)
{
    const EVP_MD *md = EVP_sha256();
    *hash = "SHA-256";
    if (EVP_PKEY_is_a(key, "DSA")) {
        *hash = "SHA1";
        md = EVP_sha1();
    } else if (EVP_PKEY_is_a(key, "SM2")) {
        *hash = "SM3";
        md = EVP_sm3();
    }
    *sig_len = sig_cap;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    bool ok =
        ctx && answer_init(ctx, md, key, true) && EVP_DigestSign(ctx, sig, sig_len, data, len) == 1;
    EVP_MD_CTX_free(ctx);
    if (!ok) {
        ERR_clear_error();
        return HDL_ERR_CRYPTO;
    }
    return HDL_OK;
}

static const EVP_MD *md_by_name(struct hdl_slice name)
{
    if (hdl_slice_eq_ci(name, "SHA-256") || hdl_slice_eq_ci(name, "SHA256"))
        return EVP_sha256();
    if (hdl_slice_eq_ci(name, "SHA1") || hdl_slice_eq_ci(name, "SHA-1"))
        return EVP_sha1();
    if (hdl_slice_eq_ci(name, "SM3"))
        return EVP_sm3();
    return NULL;
}

int cry_answer_verify(const uint8_t *key, size_t key_len, struct hdl_slice hash,
                      struct hdl_slice sig, const uint8_t *data, size_t len)
{
    const EVP_MD *md = md_by_name(hash);
    if (!md)
        return HDL_ERR_UNSUPPORTED;
    EVP_PKEY *pkey = cry_pubkey_load(key, key_len);
    if (!pkey)
        return HDL_ERR_MALFORMED;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    bool ok = ctx && answer_init(ctx, md, pkey, false) &&
              EVP_DigestVerify(ctx, sig.ptr, sig.len, data, len) == 1;
    EVP_MD_CTX_free(ctx);
    EVP_PKEY_free(pkey);
    return ok ? HDL_OK : HDL_ERR_CRYPTO;
}
