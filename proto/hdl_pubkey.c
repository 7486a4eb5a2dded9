#include "proto/hdl_pubkey.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/param_build.h>

#include <string.h>

#include "proto/hdl_const.h"

#define ALG_RSA "RSA_PUB_KEY"
#define ALG_DSA "DSA_PUB_KEY"
#define ALG_DH "DH_PUB_KEY"

/* The Java encoder reserves one int4 too many after an RSA modulus. */
#define RSA_PAD 4

/* Big integers are bounded well above any key size in use (16384-bit moduli). */
#define BIGINT_MAX 2049u

static bool alg_is(struct hdl_slice alg, const char *name)
{
    size_t n = strlen(name);
    return alg.len == n && memcmp(alg.ptr, name, n) == 0;
}

int hdl_pubkey_decode(const uint8_t *buf, size_t len, struct hdl_pubkey *key)
{
    struct hdl_reader r;
    hdl_reader_init(&r, buf, len);
    struct hdl_slice alg;
    int err;
    struct hdl_slice empty = {NULL, 0};
    key->a = key->b = key->c = key->d = empty;
    key->trailing_zeros = 0;
    if ((err = hdl_get_bytes(&r, 64, &alg)) || (err = hdl_get_u16(&r, &key->flags)))
        return err;
    int nfields;
    if (alg_is(alg, ALG_RSA)) {
        key->kind = HDL_KEY_RSA;
        nfields = 2;
    } else if (alg_is(alg, ALG_DSA)) {
        key->kind = HDL_KEY_DSA;
        nfields = 4;
    } else if (alg_is(alg, ALG_DH)) {
        key->kind = HDL_KEY_DH;
        nfields = 3;
    } else {
        return HDL_ERR_UNSUPPORTED;
    }
    struct hdl_slice *fields[4] = {&key->a, &key->b, &key->c, &key->d};
    for (int i = 0; i < nfields; i++)
        if ((err = hdl_get_bytes(&r, BIGINT_MAX, fields[i])))
            return err;
    while (hdl_reader_left(&r)) {
        uint8_t z;
        if ((err = hdl_get_u8(&r, &z)))
            return err;
        if (z != 0)
            return HDL_ERR_TRAILING;
        key->trailing_zeros++;
    }
    return HDL_OK;
}

void hdl_pubkey_encode(struct hdl_writer *w, const struct hdl_pubkey *key)
{
    const struct hdl_slice *fields[4] = {&key->a, &key->b, &key->c, &key->d};
    int nfields = 0;
    switch (key->kind) {
    case HDL_KEY_RSA:
        hdl_put_cstr(w, ALG_RSA);
        nfields = 2;
        break;
    case HDL_KEY_DSA:
        hdl_put_cstr(w, ALG_DSA);
        nfields = 4;
        break;
    case HDL_KEY_DH:
        hdl_put_cstr(w, ALG_DH);
        nfields = 3;
        break;
    default:
        w->overflow = true; /* nothing sensible to write: make the writer report failure */
        return;
    }
    hdl_put_u16(w, key->flags);
    for (int i = 0; i < nfields; i++)
        hdl_put_bytes(w, fields[i]->ptr, fields[i]->len);
    for (uint32_t i = 0; i < key->trailing_zeros; i++)
        hdl_put_u8(w, 0);
}

/* Java BigInteger.toByteArray() of a non-negative number: the minimal two's-complement form,
 * so a leading 0x00 when the top bit is set, and a single 0x00 for zero. */
static int put_bigint(struct hdl_writer *w, const BIGNUM *bn)
{
    if (BN_is_negative(bn))
        return HDL_ERR_MALFORMED;
    int nbits = BN_num_bits(bn);
    int n = nbits / 8 + 1;
    if ((size_t)n > BIGINT_MAX)
        return HDL_ERR_LIMIT;
    uint8_t tmp[BIGINT_MAX];
    if (BN_bn2binpad(bn, tmp, n) != n)
        return HDL_ERR_CRYPTO;
    hdl_put_bytes(w, tmp, (size_t)n);
    return HDL_OK;
}

int hdl_pubkey_from_evp(struct hdl_writer *w, const EVP_PKEY *pkey)
{
    const char *alg;
    const char *names[4];
    int nfields;
    if (EVP_PKEY_is_a(pkey, "RSA")) {
        alg = ALG_RSA;
        names[0] = OSSL_PKEY_PARAM_RSA_E;
        names[1] = OSSL_PKEY_PARAM_RSA_N;
        nfields = 2;
    } else if (EVP_PKEY_is_a(pkey, "DSA")) {
        alg = ALG_DSA;
        names[0] = OSSL_PKEY_PARAM_FFC_Q;
        names[1] = OSSL_PKEY_PARAM_FFC_P;
        names[2] = OSSL_PKEY_PARAM_FFC_G;
        names[3] = OSSL_PKEY_PARAM_PUB_KEY;
        nfields = 4;
    } else if (EVP_PKEY_is_a(pkey, "DH") || EVP_PKEY_is_a(pkey, "DHX")) {
        alg = ALG_DH;
        names[0] = OSSL_PKEY_PARAM_PUB_KEY;
        names[1] = OSSL_PKEY_PARAM_FFC_P;
        names[2] = OSSL_PKEY_PARAM_FFC_G;
        nfields = 3;
    } else {
        return HDL_ERR_UNSUPPORTED;
    }
    hdl_put_cstr(w, alg);
    hdl_put_u16(w, 0);
    int err = HDL_OK;
    for (int i = 0; i < nfields && !err; i++) {
        BIGNUM *bn = NULL;
        if (!EVP_PKEY_get_bn_param(pkey, names[i], &bn))
            err = HDL_ERR_CRYPTO;
        else
            err = put_bigint(w, bn);
        BN_free(bn);
    }
    if (err)
        return err;
    if (EVP_PKEY_is_a(pkey, "RSA"))
        hdl_put_u32(w, 0);
    return hdl_writer_status(w);
}

/* Adds a big integer to the parameter builder; a negative (top bit set) value is no key part. */
static int push_bigint(OSSL_PARAM_BLD *bld, const char *name, struct hdl_slice s, BIGNUM **bn)
{
    struct hdl_reader r;
    uint8_t top;
    hdl_reader_init(&r, s.ptr, s.len);
    if (hdl_get_u8(&r, &top) || (top & 0x80))
        return HDL_ERR_MALFORMED;
    *bn = BN_bin2bn(s.ptr, (int)s.len, NULL);
    if (*bn == NULL || !OSSL_PARAM_BLD_push_BN(bld, name, *bn))
        return HDL_ERR_CRYPTO;
    return HDL_OK;
}

int hdl_pubkey_to_evp(const struct hdl_pubkey *key, EVP_PKEY **out)
{
    const char *type;
    const char *names[4];
    const struct hdl_slice *fields[4] = {&key->a, &key->b, &key->c, &key->d};
    int nfields;
    *out = NULL;
    switch (key->kind) {
    case HDL_KEY_RSA:
        type = "RSA";
        names[0] = OSSL_PKEY_PARAM_RSA_E;
        names[1] = OSSL_PKEY_PARAM_RSA_N;
        nfields = 2;
        break;
    case HDL_KEY_DSA:
        type = "DSA";
        names[0] = OSSL_PKEY_PARAM_FFC_Q;
        names[1] = OSSL_PKEY_PARAM_FFC_P;
        names[2] = OSSL_PKEY_PARAM_FFC_G;
        names[3] = OSSL_PKEY_PARAM_PUB_KEY;
        nfields = 4;
        break;
    case HDL_KEY_DH:
        type = "DH";
        names[0] = OSSL_PKEY_PARAM_PUB_KEY;
        names[1] = OSSL_PKEY_PARAM_FFC_P;
        names[2] = OSSL_PKEY_PARAM_FFC_G;
        nfields = 3;
        break;
    default:
        return HDL_ERR_UNSUPPORTED;
    }
    BIGNUM *bns[4] = {NULL, NULL, NULL, NULL};
    OSSL_PARAM *params = NULL;
    EVP_PKEY_CTX *ctx = NULL;
    int err = HDL_OK;
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    if (bld == NULL)
        err = HDL_ERR_CRYPTO;
    for (int i = 0; i < nfields && !err; i++)
        err = push_bigint(bld, names[i], *fields[i], &bns[i]);
    if (!err && (params = OSSL_PARAM_BLD_to_param(bld)) == NULL)
        err = HDL_ERR_CRYPTO;
    if (!err && ((ctx = EVP_PKEY_CTX_new_from_name(NULL, type, NULL)) == NULL ||
                 EVP_PKEY_fromdata_init(ctx) <= 0 ||
                 EVP_PKEY_fromdata(ctx, out, EVP_PKEY_PUBLIC_KEY, params) <= 0))
        err = HDL_ERR_CRYPTO;
    EVP_PKEY_CTX_free(ctx);
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(bld);
    for (int i = 0; i < 4; i++)
        BN_free(bns[i]);
    if (err) {
        EVP_PKEY_free(*out);
        *out = NULL;
    }
    return err;
}
