#include "client/admin_dh.h"

#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/dh.h>
#include <openssl/err.h>
#include <openssl/param_build.h>

#include "proto/hdl_pubkey.h"

int admin_dh_begin(EVP_PKEY **ours, struct hdl_writer *w)
{
    *ours = NULL;
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "DH", NULL);
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, "ffdhe2048", 0),
        OSSL_PARAM_construct_end(),
    };
    int ok = ctx && EVP_PKEY_keygen_init(ctx) == 1 && EVP_PKEY_CTX_set_params(ctx, params) == 1 &&
             EVP_PKEY_generate(ctx, ours) == 1;
    EVP_PKEY_CTX_free(ctx);
    if (!ok) {
        ERR_clear_error();
        EVP_PKEY_free(*ours);
        *ours = NULL;
        return HDL_ERR_CRYPTO;
    }
    int rc = hdl_pubkey_from_evp(w, *ours);
    return rc != HDL_OK ? rc : hdl_writer_status(w);
}

/* The server's key in our group: its y with our p and g (and q, so the parameters match). */
static EVP_PKEY *peer_key(EVP_PKEY *ours, const struct hdl_pubkey *pk)
{
    BIGNUM *p = NULL, *q = NULL, *g = NULL;
    BIGNUM *y = BN_bin2bn(pk->a.ptr, (int)pk->a.len, NULL);
    BIGNUM *pp = BN_bin2bn(pk->b.ptr, (int)pk->b.len, NULL);
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    OSSL_PARAM *params = NULL;
    EVP_PKEY *peer = NULL;
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "DH", NULL);
    if (y && pp && bld && ctx && EVP_PKEY_get_bn_param(ours, OSSL_PKEY_PARAM_FFC_P, &p) == 1 &&
        EVP_PKEY_get_bn_param(ours, OSSL_PKEY_PARAM_FFC_Q, &q) == 1 &&
        EVP_PKEY_get_bn_param(ours, OSSL_PKEY_PARAM_FFC_G, &g) == 1 && BN_cmp(p, pp) == 0 &&
        OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_FFC_P, p) &&
        OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_FFC_Q, q) &&
        OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_FFC_G, g) &&
        OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PUB_KEY, y) &&
        (params = OSSL_PARAM_BLD_to_param(bld)) && EVP_PKEY_fromdata_init(ctx) == 1)
        EVP_PKEY_fromdata(ctx, &peer, EVP_PKEY_PUBLIC_KEY, params);
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(bld);
    EVP_PKEY_CTX_free(ctx);
    BN_free(y);
    BN_free(pp);
    BN_free(p);
    BN_free(q);
    BN_free(g);
    return peer;
}

int admin_dh_finish(EVP_PKEY *ours, const uint8_t *peer_bytes, size_t len, uint8_t key[32],
                    size_t *key_len)
{
    struct hdl_pubkey pk;
    if (hdl_pubkey_decode(peer_bytes, len, &pk) != HDL_OK || pk.kind != HDL_KEY_DH)
        return HDL_ERR_MALFORMED;
    EVP_PKEY *peer = peer_key(ours, &pk);
    if (!peer) {
        ERR_clear_error();
        return HDL_ERR_MALFORMED;
    }
    uint8_t secret[512];
    size_t slen = sizeof secret;
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, ours, NULL);
    int ok = ctx && EVP_PKEY_derive_init(ctx) == 1 && EVP_PKEY_CTX_set_dh_pad(ctx, 0) == 1 &&
             EVP_PKEY_derive_set_peer(ctx, peer) == 1 && EVP_PKEY_derive(ctx, secret, &slen) == 1;
    EVP_PKEY_CTX_free(ctx);
    EVP_PKEY_free(peer);
    if (ok) {
        size_t skip = 0;
        while (skip < slen && secret[skip] == 0)
            skip++;
        *key_len = slen - skip < 32 ? slen - skip : 32;
        memcpy(key, secret + skip, *key_len);
        ok = *key_len > 0;
    }
    OPENSSL_cleanse(secret, sizeof secret);
    if (!ok)
        ERR_clear_error();
    return ok ? HDL_OK : HDL_ERR_CRYPTO;
}
