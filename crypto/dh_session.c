#include "crypto/dh_session.h"

#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/dh.h>
#include <openssl/err.h>
#include <openssl/param_build.h>

#include "crypto/key.h"
#include "proto/hdl_pubkey.h"

/* A DH public key y in the group (p, q, g); q may be NULL (the node knows only p and g). */
static EVP_PKEY *dh_public(const BIGNUM *p, const BIGNUM *q, const BIGNUM *g, const BIGNUM *y)
{
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    OSSL_PARAM *params = NULL;
    EVP_PKEY *peer = NULL;
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "DH", NULL);
    if (p && g && y && bld && ctx && OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_FFC_P, p) &&
        (!q || OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_FFC_Q, q)) &&
        OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_FFC_G, g) &&
        OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PUB_KEY, y) &&
        (params = OSSL_PARAM_BLD_to_param(bld)) && EVP_PKEY_fromdata_init(ctx) == 1)
        EVP_PKEY_fromdata(ctx, &peer, EVP_PKEY_PUBLIC_KEY, params);
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(bld);
    EVP_PKEY_CTX_free(ctx);
    return peer;
}

/* The session key both sides take: the shared secret of ours and peer without its leading zero
 * bytes, at most 32 of them. Returns 1 with key[0..*key_len), 0 on failure. */
static int session_key(EVP_PKEY *ours, EVP_PKEY *peer, uint8_t key[32], size_t *key_len)
{
    uint8_t secret[1100];
    size_t slen = sizeof secret;
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, ours, NULL);
    int ok = ctx && EVP_PKEY_derive_init(ctx) == 1 && EVP_PKEY_CTX_set_dh_pad(ctx, 0) == 1 &&
             EVP_PKEY_derive_set_peer(ctx, peer) == 1 && EVP_PKEY_derive(ctx, secret, &slen) == 1;
    EVP_PKEY_CTX_free(ctx);
    if (ok) {
        size_t skip = 0;
        while (skip < slen && secret[skip] == 0)
            skip++;
        *key_len = slen - skip < CRY_SESSION_KEY_MAX ? slen - skip : CRY_SESSION_KEY_MAX;
        memcpy(key, secret + skip, *key_len);
    }
    OPENSSL_cleanse(secret, sizeof secret);
    return ok;
}

int cry_dh_begin(EVP_PKEY **ours, struct hdl_writer *w)
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
    int rc = cry_pubkey_from_evp(w, *ours);
    return rc != HDL_OK ? rc : hdl_writer_status(w);
}

/* The server's key in our group: its y with our p and g (and q, so the parameters match). */
static EVP_PKEY *peer_in_our_group(EVP_PKEY *ours, const struct hdl_pubkey *pk)
{
    BIGNUM *p = NULL, *q = NULL, *g = NULL;
    BIGNUM *y = BN_bin2bn(pk->a.ptr, (int)pk->a.len, NULL);
    BIGNUM *pp = BN_bin2bn(pk->b.ptr, (int)pk->b.len, NULL);
    EVP_PKEY *peer = NULL;
    if (y && pp && EVP_PKEY_get_bn_param(ours, OSSL_PKEY_PARAM_FFC_P, &p) == 1 &&
        EVP_PKEY_get_bn_param(ours, OSSL_PKEY_PARAM_FFC_Q, &q) == 1 &&
        EVP_PKEY_get_bn_param(ours, OSSL_PKEY_PARAM_FFC_G, &g) == 1 && BN_cmp(p, pp) == 0)
        peer = dh_public(p, q, g, y);
    BN_free(y);
    BN_free(pp);
    BN_free(p);
    BN_free(q);
    BN_free(g);
    return peer;
}

int cry_dh_finish(EVP_PKEY *ours, const uint8_t *peer_bytes, size_t len, uint8_t key[32],
                  size_t *key_len)
{
    struct hdl_pubkey pk;
    if (hdl_pubkey_decode(peer_bytes, len, &pk) != HDL_OK || pk.kind != HDL_KEY_DH)
        return HDL_ERR_MALFORMED;
    EVP_PKEY *peer = peer_in_our_group(ours, &pk);
    if (!peer) {
        ERR_clear_error();
        return HDL_ERR_MALFORMED;
    }
    int ok = session_key(ours, peer, key, key_len) && *key_len > 0;
    EVP_PKEY_free(peer);
    if (!ok)
        ERR_clear_error();
    return ok ? HDL_OK : HDL_ERR_CRYPTO;
}

/* The client's key as it sent it: its y in its own group (p, g). */
static EVP_PKEY *peer_in_its_group(const struct hdl_pubkey *pk)
{
    BIGNUM *y = BN_bin2bn(pk->a.ptr, (int)pk->a.len, NULL);
    BIGNUM *p = BN_bin2bn(pk->b.ptr, (int)pk->b.len, NULL);
    BIGNUM *g = BN_bin2bn(pk->c.ptr, (int)pk->c.len, NULL);
    EVP_PKEY *peer = dh_public(p, NULL, g, y);
    BN_free(y);
    BN_free(p);
    BN_free(g);
    return peer;
}

int cry_dh_agree(const uint8_t *peer_key, size_t peer_len, struct hdl_writer *w, uint8_t key[32],
                 size_t *key_len)
{
    struct hdl_pubkey pk;
    if (hdl_pubkey_decode(peer_key, peer_len, &pk) != HDL_OK || pk.kind != HDL_KEY_DH ||
        pk.b.len < 64 || pk.b.len > 1025)
        return HDL_ERR_MALFORMED;
    EVP_PKEY *peer = peer_in_its_group(&pk);
    if (!peer)
        return HDL_ERR_CRYPTO;
    /* Our key pair in the client's group. */
    EVP_PKEY *ours = NULL;
    EVP_PKEY_CTX *gen = EVP_PKEY_CTX_new_from_pkey(NULL, peer, NULL);
    if (!gen || EVP_PKEY_keygen_init(gen) != 1 || EVP_PKEY_generate(gen, &ours) != 1) {
        EVP_PKEY_CTX_free(gen);
        EVP_PKEY_free(peer);
        return HDL_ERR_CRYPTO;
    }
    EVP_PKEY_CTX_free(gen);

    BIGNUM *y = NULL;
    int ok = session_key(ours, peer, key, key_len) &&
             EVP_PKEY_get_bn_param(ours, OSSL_PKEY_PARAM_PUB_KEY, &y) == 1;
    if (ok) {
        hdl_put_cstr(w, "DH_PUB_KEY");
        hdl_put_u16(w, 0);
        ok = cry_put_bigint(w, y) == HDL_OK;
        hdl_put_bytes(w, pk.b.ptr, pk.b.len); /* p and g as the client sent them */
        hdl_put_bytes(w, pk.c.ptr, pk.c.len);
    }
    BN_free(y);
    EVP_PKEY_free(ours);
    EVP_PKEY_free(peer);
    return ok ? hdl_writer_status(w) : HDL_ERR_CRYPTO;
}
