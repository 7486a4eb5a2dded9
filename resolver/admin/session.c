#include "resolver/admin/session.h"

#include <stdio.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/dh.h>
#include <openssl/param_build.h>

#include "resolver/admin/auth_state.h"
#include "proto/hdl_const.h"
#include "proto/hdl_pubkey.h"

#define MIN_TIMEOUT_S 2
#define MAX_TIMEOUT_S 86400

/* A big integer as Java's BigInteger.toByteArray() writes it: a zero byte in front when the top
 * bit is set, so the value stays positive. */
static void put_java_bn(struct hdl_writer *w, const BIGNUM *bn)
{
    uint8_t buf[1024];
    int n = BN_num_bytes(bn);
    if (n <= 0 || n > (int)sizeof buf) {
        hdl_put_bytes(w, "\0", 1);
        return;
    }
    BN_bn2bin(bn, buf);
    if (buf[0] & 0x80) {
        hdl_put_u32(w, (uint32_t)n + 1);
        hdl_put_u8(w, 0);
        hdl_put_raw(w, buf, (size_t)n);
    } else {
        hdl_put_bytes(w, buf, (size_t)n);
    }
}

static EVP_PKEY *peer_from(const struct hdl_pubkey *pk)
{
    BIGNUM *y = BN_bin2bn(pk->a.ptr, (int)pk->a.len, NULL);
    BIGNUM *p = BN_bin2bn(pk->b.ptr, (int)pk->b.len, NULL);
    BIGNUM *g = BN_bin2bn(pk->c.ptr, (int)pk->c.len, NULL);
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    OSSL_PARAM *params = NULL;
    EVP_PKEY *peer = NULL;
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "DH", NULL);
    if (y && p && g && bld && ctx && OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_FFC_P, p) &&
        OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_FFC_G, g) &&
        OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PUB_KEY, y) &&
        (params = OSSL_PARAM_BLD_to_param(bld)) && EVP_PKEY_fromdata_init(ctx) == 1)
        EVP_PKEY_fromdata(ctx, &peer, EVP_PKEY_PUBLIC_KEY, params);
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(bld);
    EVP_PKEY_CTX_free(ctx);
    BN_free(y);
    BN_free(p);
    BN_free(g);
    return peer;
}

int session_dh_agree(const uint8_t *peer_key, size_t peer_len, struct hdl_writer *w,
                     uint8_t key[32], size_t *key_len)
{
    struct hdl_pubkey pk;
    if (hdl_pubkey_decode(peer_key, peer_len, &pk) != HDL_OK || pk.kind != HDL_KEY_DH ||
        pk.b.len < 64 || pk.b.len > 1025)
        return HDL_ERR_MALFORMED;
    EVP_PKEY *peer = peer_from(&pk);
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

    uint8_t secret[1100];
    size_t slen = sizeof secret;
    EVP_PKEY_CTX *dctx = EVP_PKEY_CTX_new_from_pkey(NULL, ours, NULL);
    int ok = dctx && EVP_PKEY_derive_init(dctx) == 1 && EVP_PKEY_CTX_set_dh_pad(dctx, 0) == 1 &&
             EVP_PKEY_derive_set_peer(dctx, peer) == 1 &&
             EVP_PKEY_derive(dctx, secret, &slen) == 1;
    EVP_PKEY_CTX_free(dctx);

    BIGNUM *y = NULL;
    ok = ok && EVP_PKEY_get_bn_param(ours, OSSL_PKEY_PARAM_PUB_KEY, &y) == 1;
    if (ok) {
        /* The session key: the shared secret without its leading zero bytes, at most 32. */
        size_t skip = 0;
        while (skip < slen && secret[skip] == 0)
            skip++;
        *key_len = slen - skip < 32 ? slen - skip : 32;
        memcpy(key, secret + skip, *key_len);
        hdl_put_cstr(w, "DH_PUB_KEY");
        hdl_put_u16(w, 0);
        put_java_bn(w, y);
        hdl_put_bytes(w, pk.b.ptr, pk.b.len); /* p and g as the client sent them */
        hdl_put_bytes(w, pk.c.ptr, pk.c.len);
    }
    OPENSSL_cleanse(secret, sizeof secret);
    BN_free(y);
    EVP_PKEY_free(ours);
    EVP_PKEY_free(peer);
    return ok ? hdl_writer_status(w) : HDL_ERR_CRYPTO;
}

uint32_t session_setup_dh(struct node *node, const struct hdl_session_request *req,
                          struct hdl_writer *w, uint32_t *session_id, char *msg, size_t msgcap)
{
    if (req->mode != HDL_KEYX_DH) {
        snprintf(msg, msgcap, "Only Diffie-Hellman session set-up (mode 4) is supported");
        return HDL_RC_INVALID_SESSIONSETUP_REQUEST;
    }
    uint8_t keybuf[2048];
    struct hdl_writer kw;
    hdl_writer_init(&kw, keybuf, sizeof keybuf);
    uint8_t key[32];
    size_t key_len = 0;
    if (session_dh_agree(req->public_key.ptr, req->public_key.len, &kw, key, &key_len) != HDL_OK ||
        key_len == 0) {
        snprintf(msg, msgcap, "Unusable Diffie-Hellman key");
        return HDL_RC_INVALID_SESSIONSETUP_REQUEST;
    }
    uint32_t timeout = req->timeout;
    if (timeout < MIN_TIMEOUT_S)
        timeout = MIN_TIMEOUT_S;
    if (timeout > MAX_TIMEOUT_S)
        timeout = MAX_TIMEOUT_S;
    *session_id = auth_session_open(node->auth, key, key_len, timeout);
    OPENSSL_cleanse(key, sizeof key);
    if (*session_id == 0) {
        snprintf(msg, msgcap, "Too many open sessions");
        return HDL_RC_SERVER_TOO_BUSY;
    }
    hdl_session_dh_data_encode(w, HDL_SESSION_CIPHER_AES, (struct hdl_slice){keybuf,
                                                                            (uint32_t)kw.len});
    return HDL_RC_SUCCESS;
}
