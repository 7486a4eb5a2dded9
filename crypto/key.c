#include "crypto/key.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "proto/hdl_const.h"

#define ALG_RSA "RSA_PUB_KEY"
#define ALG_DSA "DSA_PUB_KEY"
#define ALG_DH "DH_PUB_KEY"

/* Big integers are bounded well above any key size in use (16384-bit moduli), as the decoder
 * bounds them. */
#define BIGINT_MAX 2049u

int cry_put_bigint(struct hdl_writer *w, const BIGNUM *bn)
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

int cry_pubkey_from_evp(struct hdl_writer *w, const EVP_PKEY *pkey)
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
            err = cry_put_bigint(w, bn);
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

int cry_pubkey_to_evp(const struct hdl_pubkey *key, EVP_PKEY **out)
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

EVP_PKEY *cry_pubkey_load(const uint8_t *key, size_t key_len)
{
    struct hdl_pubkey pk;
    EVP_PKEY *pkey = NULL;
    if (hdl_pubkey_decode(key, key_len, &pk) == HDL_OK && pk.kind != HDL_KEY_DH &&
        cry_pubkey_to_evp(&pk, &pkey) == HDL_OK)
        return pkey;
    /* The Chinese deployments' clients may register X.509 PEM text instead (docs/protocol.md
     * §19.6). */
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

/* Supplies the passphrase, or none (so OpenSSL never prompts on its own). */
static int passphrase_cb(char *buf, int size, int rwflag, void *u)
{
    const char *pass = u;
    if (!pass)
        return 0;
    size_t n = strlen(pass);
    if (n > (size_t)size)
        return 0;
    memcpy(buf, pass, n);
    return (int)n;
}

EVP_PKEY *cry_pem_read_private(FILE *f, const char *passphrase)
{
    return PEM_read_PrivateKey(f, NULL, passphrase_cb, (void *)passphrase);
}

int cry_private_key_load(const char *path, const char *passphrase, EVP_PKEY **out, char *err,
                         size_t errlen)
{
    *out = NULL;
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "cannot open the key %s: %s", path, strerror(errno));
        return -1;
    }
    EVP_PKEY *key = cry_pem_read_private(f, passphrase);
    fclose(f);
    if (!key) {
        unsigned long e = ERR_get_error();
        snprintf(err, errlen, "%s is not a PEM private key%s (%s)", path,
                 passphrase ? " or the passphrase is wrong" : ", or it is encrypted",
                 e ? ERR_reason_error_string(e) : "no reason given");
        ERR_clear_error();
        return -1;
    }
    if (!EVP_PKEY_is_a(key, "RSA") && !EVP_PKEY_is_a(key, "DSA") && !EVP_PKEY_is_a(key, "SM2")) {
        snprintf(err, errlen, "%s: only RSA, DSA and SM2 keys can answer a challenge", path);
        EVP_PKEY_free(key);
        return -1;
    }
    *out = key;
    return 0;
}

int cry_pubkey_value(EVP_PKEY *key, uint8_t *buf, size_t cap, size_t *len)
{
    if (!EVP_PKEY_is_a(key, "SM2")) {
        struct hdl_writer w;
        hdl_writer_init(&w, buf, cap);
        if (cry_pubkey_from_evp(&w, key) != HDL_OK || hdl_writer_status(&w) != HDL_OK)
            return -1;
        *len = w.len;
        return 0;
    }
    BIO *bio = BIO_new(BIO_s_mem());
    char *data = NULL;
    long n = 0;
    int ok = bio && PEM_write_bio_PUBKEY(bio, key) == 1 && (n = BIO_get_mem_data(bio, &data)) > 0 &&
             (size_t)n <= cap;
    if (ok) {
        memcpy(buf, data, (size_t)n);
        *len = (size_t)n;
    }
    BIO_free(bio);
    return ok ? 0 : -1;
}

const char *cry_error_reason(void)
{
    return ERR_reason_error_string(ERR_get_error());
}

int cry_key_up_ref(EVP_PKEY *key)
{
    return EVP_PKEY_up_ref(key) ? 0 : -1;
}

void cry_key_free(EVP_PKEY *key)
{
    EVP_PKEY_free(key);
}
