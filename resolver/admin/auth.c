#include "resolver/admin/auth.h"

#include <stdio.h>
#include <string.h>

#include "crypto/answer.h"
#include "crypto/secret.h"
#include "proto/hdl_const.h"
#include "registry/reg_record.h"
#include "resolver/admin/site_values.h"

/* A client asking for more PBKDF2 rounds than this only costs the node time. */
#define MAX_PBKDF2_ITERATIONS 200000u

uint32_t auth_check_seckey(const uint8_t *secret, size_t secret_len,
                           const struct hdl_seckey_response *r, const uint8_t *data, size_t len)
{
    const uint8_t *got = r->mac.ptr;
    size_t got_len = r->mac.len;
    if (r->code == HDL_SECKEY_PBKDF2_HMAC_SHA1) {
        if (r->iterations == 0 || r->iterations > MAX_PBKDF2_ITERATIONS)
            return HDL_RC_AUTHENTICATION_FAILED;
        got = r->hmac.ptr;
        got_len = r->hmac.len;
    }
    uint8_t want[CRY_MAC_MAX];
    unsigned want_len = 0;
    if (cry_seckey_mac(r, secret, secret_len, data, len, want, &want_len) != HDL_OK ||
        got_len != want_len || !cry_memeq(got, want, want_len))
        return HDL_RC_AUTHENTICATION_FAILED;
    return HDL_RC_SUCCESS;
}

uint32_t auth_check_pubkey(const uint8_t *key, size_t key_len, const struct hdl_pubkey_response *r,
                           const uint8_t *data, size_t len, char *msg, size_t msgcap)
{
    switch (cry_answer_verify(key, key_len, r->hash_alg, r->signature, data, len)) {
    case HDL_OK:
        return HDL_RC_SUCCESS;
    case HDL_ERR_UNSUPPORTED:
        snprintf(msg, msgcap, "Unsupported signature hash '%.*s'", (int)r->hash_alg.len,
                 (const char *)r->hash_alg.ptr);
        return HDL_RC_AUTHENTICATION_FAILED;
    case HDL_ERR_MALFORMED:
        snprintf(msg, msgcap, "The identity's HS_PUBKEY is not a usable public key");
        return HDL_RC_AUTHEN_ERROR;
    default:
        snprintf(msg, msgcap, "Signature verification failed");
        return HDL_RC_AUTHENTICATION_FAILED;
    }
}

uint32_t auth_verify_answer(struct node *node, const struct hdl_challenge_answer *a,
                            const uint8_t *data, size_t len, char *msg, size_t msgcap)
{
    bool seckey = hdl_slice_eq_ci(a->auth_type, "HS_SECKEY");
    if (!seckey && !hdl_slice_eq_ci(a->auth_type, "HS_PUBKEY")) {
        snprintf(msg, msgcap, "Unknown authentication type");
        return HDL_RC_AUTHENTICATION_FAILED;
    }
    bool elsewhere =
        site_values_elsewhere(node, a->identity_handle.ptr, a->identity_handle.len, NULL);
    if (!elsewhere && !node_serves(node, a->identity_handle.ptr, a->identity_handle.len)) {
        snprintf(msg, msgcap,
                 "The key of %.*s lives on another node; verifying it there is not "
                 "supported yet",
                 (int)a->identity_handle.len, (const char *)a->identity_handle.ptr);
        return HDL_RC_AUTHEN_ERROR;
    }
    struct hdl_seckey_response sr;
    struct hdl_pubkey_response pr;
    if (seckey ? hdl_seckey_response_decode(a->signed_response.ptr, a->signed_response.len, &sr)
               : hdl_pubkey_response_decode(a->signed_response.ptr, a->signed_response.len, &pr)) {
        snprintf(msg, msgcap, "Malformed challenge answer");
        return HDL_RC_AUTHENTICATION_FAILED;
    }
    /* A secret key never leaves the server holding it: that server checks the answer. */
    if (seckey && elsewhere)
        return site_verify_seckey(node, a, data, len, msg, msgcap);

    struct site_values sv;
    uint32_t got =
        site_values_get(node, a->identity_handle.ptr, a->identity_handle.len, &sv, msg, msgcap);
    if (got == HDL_RC_HANDLE_NOT_FOUND) {
        snprintf(msg, msgcap, "Identity %.*s not found", (int)a->identity_handle.len,
                 (const char *)a->identity_handle.ptr);
        return HDL_RC_INVALID_ADMIN;
    }
    if (got != HDL_RC_SUCCESS)
        return got == HDL_RC_SERVER_NOT_RESP ? HDL_RC_AUTHEN_ERROR : got;
    uint32_t rc = HDL_RC_INVALID_ADMIN;
    snprintf(msg, msgcap, "No %s at index %u of the identity", seckey ? "HS_SECKEY" : "HS_PUBKEY",
             a->identity_index);
    struct hdl_reader r;
    hdl_reader_init(&r, sv.view.values.ptr, sv.view.values.len);
    for (uint32_t i = 0; i < sv.view.value_count && rc != HDL_RC_SUCCESS; i++) {
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
                    : auth_check_pubkey(v.data.ptr, v.data.len, &pr, data, len, why, sizeof why);
        snprintf(msg, msgcap, "%s", rc == HDL_RC_SUCCESS ? "" : (why[0] ? why : "Wrong answer"));
    }
    site_values_release(&sv);
    return rc;
}
