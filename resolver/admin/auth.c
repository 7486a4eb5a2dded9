#include "resolver/admin/auth.h"

#include <stdio.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "proto/hdl_const.h"
#include "proto/hdl_pubkey.h"
#include "registry/reg_record.h"

/* A client asking for more PBKDF2 rounds than this only costs the node time. */
#define MAX_PBKDF2_ITERATIONS 200000u
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

uint32_t auth_check_seckey(const uint8_t *secret, size_t secret_len,
                           const struct hdl_seckey_response *r, const uint8_t *data, size_t len)
{
    uint8_t want[EVP_MAX_MD_SIZE];
    unsigned want_len = 0;
    const uint8_t *got = r->mac.ptr;
    size_t got_len = r->mac.len;
    bool ok = false;
    switch (r->code) {
    case HDL_SECKEY_MD5:
        ok = digest3(EVP_md5(), secret, secret_len, data, len, want, &want_len);
        break;
    case HDL_SECKEY_SHA1:
        ok = digest3(EVP_sha1(), secret, secret_len, data, len, want, &want_len);
        break;
    case HDL_SECKEY_SHA256:
        ok = digest3(EVP_sha256(), secret, secret_len, data, len, want, &want_len);
        break;
    case HDL_SECKEY_HMAC_SHA1:
        ok = HMAC(EVP_sha1(), secret, (int)secret_len, data, len, want, &want_len) != NULL;
        break;
    case HDL_SECKEY_HMAC_SHA256:
        ok = HMAC(EVP_sha256(), secret, (int)secret_len, data, len, want, &want_len) != NULL;
        break;
    case HDL_SECKEY_PBKDF2_HMAC_SHA1: {
        /* The secret's bytes are the password as the reference's Latin-1 chars. */
        uint8_t key[64];
        size_t key_len = r->key_bits / 8;
        if (r->iterations == 0 || r->iterations > MAX_PBKDF2_ITERATIONS || key_len == 0 ||
            key_len > sizeof key || r->key_bits % 8)
            return HDL_RC_AUTHENTICATION_FAILED;
        ok = PKCS5_PBKDF2_HMAC((const char *)secret, (int)secret_len, r->salt.ptr,
                               (int)r->salt.len, (int)r->iterations, EVP_sha1(), (int)key_len,
                               key) &&
             HMAC(EVP_sha1(), key, (int)key_len, data, len, want, &want_len) != NULL;
        OPENSSL_cleanse(key, sizeof key);
        got = r->hmac.ptr;
        got_len = r->hmac.len;
        break;
    }
    default:
        return HDL_RC_AUTHENTICATION_FAILED;
    }
    if (!ok || got_len != want_len || CRYPTO_memcmp(got, want, want_len) != 0)
        return HDL_RC_AUTHENTICATION_FAILED;
    return HDL_RC_SUCCESS;
}

EVP_PKEY *auth_load_pubkey(const uint8_t *key, size_t key_len)
{
    struct hdl_pubkey pk;
    EVP_PKEY *pkey = NULL;
    if (hdl_pubkey_decode(key, key_len, &pk) == HDL_OK && pk.kind != HDL_KEY_DH &&
        hdl_pubkey_to_evp(&pk, &pkey) == HDL_OK)
        return pkey;
    /* The Chinese deployments' clients may register X.509 PEM text instead
     * (docs/protocol.md §19.6). */
    BIO *bio = BIO_new_mem_buf(key, (int)key_len);
    if (!bio)
        return NULL;
    pkey = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
    if (!pkey) {
        BIO_reset(bio);
        X509 *cert = PEM_read_bio_X509(bio, NULL, NULL, NULL);
        if (cert) {
            pkey = X509_get_pubkey(cert);
            X509_free(cert);
        }
    }
    BIO_free(bio);
    return pkey;
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

uint32_t auth_check_pubkey(const uint8_t *key, size_t key_len, const struct hdl_pubkey_response *r,
                           const uint8_t *data, size_t len, char *msg, size_t msgcap)
{
    const EVP_MD *md = md_by_name(r->hash_alg);
    if (!md) {
        snprintf(msg, msgcap, "Unsupported signature hash '%.*s'", (int)r->hash_alg.len,
                 (const char *)r->hash_alg.ptr);
        return HDL_RC_AUTHENTICATION_FAILED;
    }
    EVP_PKEY *pkey = auth_load_pubkey(key, key_len);
    if (!pkey) {
        snprintf(msg, msgcap, "The identity's HS_PUBKEY is not a usable public key");
        return HDL_RC_AUTHEN_ERROR;
    }
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    EVP_PKEY_CTX *pctx = NULL;
    int ok = ctx && EVP_DigestVerifyInit(ctx, &pctx, md, NULL, pkey) == 1;
    if (ok && EVP_PKEY_is_a(pkey, "SM2"))
        ok = EVP_PKEY_CTX_set1_id(pctx, SM2_DEFAULT_ID, strlen(SM2_DEFAULT_ID)) > 0;
    ok = ok && EVP_DigestVerify(ctx, r->signature.ptr, r->signature.len, data, len) == 1;
    EVP_MD_CTX_free(ctx);
    EVP_PKEY_free(pkey);
    if (!ok) {
        snprintf(msg, msgcap, "Signature verification failed");
        return HDL_RC_AUTHENTICATION_FAILED;
    }
    return HDL_RC_SUCCESS;
}

uint32_t auth_verify_answer(struct node *node, const struct hdl_challenge_answer *a,
                            const uint8_t *data, size_t len, char *msg, size_t msgcap)
{
    bool seckey = hdl_slice_eq_ci(a->auth_type, "HS_SECKEY");
    if (!seckey && !hdl_slice_eq_ci(a->auth_type, "HS_PUBKEY")) {
        snprintf(msg, msgcap, "Unknown authentication type");
        return HDL_RC_AUTHENTICATION_FAILED;
    }
    if (!node_serves(node, a->identity_handle.ptr, a->identity_handle.len)) {
        snprintf(msg, msgcap, "The key of %.*s lives on another node; verifying it there is not "
                 "supported yet", (int)a->identity_handle.len, (const char *)a->identity_handle.ptr);
        return HDL_RC_AUTHEN_ERROR;
    }
    struct hdl_seckey_response sr;
    struct hdl_pubkey_response pr;
    if (seckey ? hdl_seckey_response_decode(a->signed_response.ptr, a->signed_response.len, &sr)
               : hdl_pubkey_response_decode(a->signed_response.ptr, a->signed_response.len, &pr)) {
        snprintf(msg, msgcap, "Malformed challenge answer");
        return HDL_RC_AUTHENTICATION_FAILED;
    }

    struct reg_pin pin;
    if (reg_get_record(node->db, a->identity_handle.ptr, a->identity_handle.len, &pin) != REG_OK) {
        snprintf(msg, msgcap, "Identity %.*s not found", (int)a->identity_handle.len,
                 (const char *)a->identity_handle.ptr);
        return HDL_RC_INVALID_ADMIN;
    }
    struct reg_record_view rec;
    uint32_t rc = HDL_RC_INVALID_ADMIN;
    snprintf(msg, msgcap, "No %s at index %u of the identity", seckey ? "HS_SECKEY" : "HS_PUBKEY",
             a->identity_index);
    if (reg_record_parse(pin.data, pin.len, 0, &rec) == HDL_OK) {
        struct hdl_reader r;
        hdl_reader_init(&r, rec.values.ptr, rec.values.len);
        for (uint32_t i = 0; i < rec.value_count && rc != HDL_RC_SUCCESS; i++) {
            struct hdl_value v;
            if (hdl_value_decode(&r, &v) != HDL_OK)
                break;
            /* Index 0 asks the node to try every key of the right type. */
            if (a->identity_index != 0 && v.index != a->identity_index)
                continue;
            if (!hdl_slice_eq_ci(v.type, seckey ? "HS_SECKEY" : "HS_PUBKEY"))
                continue;
            char why[200] = "";
            rc = seckey ? auth_check_seckey(v.data.ptr, v.data.len, &sr, data, len)
                        : auth_check_pubkey(v.data.ptr, v.data.len, &pr, data, len, why,
                                            sizeof why);
            snprintf(msg, msgcap, "%s", rc == HDL_RC_SUCCESS ? "" : (why[0] ? why : "Wrong answer"));
        }
    }
    reg_pin_release(&pin);
    return rc;
}
