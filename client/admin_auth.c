#include "client/admin_auth.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/rand.h>

#include "common/handle_name.h"
#include "proto/hdl_challenge.h"

#define SM2_DEFAULT_ID "1234567812345678"

int admin_auth_set_identity(struct admin_auth *a, const char *text, char *err, size_t errlen)
{
    const char *colon = strchr(text, ':');
    char *end;
    unsigned long index = colon ? strtoul(text, &end, 10) : 0;
    if (!colon || end != colon || colon == text || index > UINT32_MAX || colon[1] == '\0' ||
        strlen(colon + 1) > HDL_MAX_HANDLE_LEN) {
        snprintf(err, errlen, "'%s' is not INDEX:HANDLE (e.g. 300:" HNAME_NA_PREFIX "88.100.1)",
                 text);
        return -1;
    }
    a->index = (uint32_t)index;
    snprintf(a->handle, sizeof a->handle, "%s", colon + 1);
    return 0;
}

static void drop_credentials(struct admin_auth *a)
{
    if (a->secret) {
        OPENSSL_cleanse(a->secret, a->secret_len);
        free(a->secret);
    }
    EVP_PKEY_free(a->key);
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
        return -1;
    memcpy(a->secret, secret, len);
    a->secret_len = len;
    a->kind = ADMIN_AUTH_SECKEY;
    return 0;
}

int admin_auth_use_key(struct admin_auth *a, EVP_PKEY *key)
{
    if (!EVP_PKEY_up_ref(key))
        return -1;
    drop_credentials(a);
    a->key = key;
    a->kind = ADMIN_AUTH_PUBKEY;
    return 0;
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

int admin_auth_load_key(struct admin_auth *a, const char *path, const char *passphrase, char *err,
                        size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "cannot open the key %s: %s", path, strerror(errno));
        return -1;
    }
    EVP_PKEY *key = PEM_read_PrivateKey(f, NULL, passphrase_cb, (void *)passphrase);
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
    int rc = admin_auth_use_key(a, key);
    EVP_PKEY_free(key);
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
    uint8_t key[ADMIN_SECKEY_KEY_BITS / 8];
    uint8_t mac[EVP_MAX_MD_SIZE];
    unsigned mac_len = 0;
    int ok = RAND_bytes(salt, sizeof salt) == 1 &&
             PKCS5_PBKDF2_HMAC((const char *)a->secret, (int)a->secret_len, salt, sizeof salt,
                               (int)ADMIN_SECKEY_ITERATIONS, EVP_sha1(), sizeof key, key) == 1 &&
             HMAC(EVP_sha1(), key, sizeof key, data, len, mac, &mac_len) != NULL;
    OPENSSL_cleanse(key, sizeof key);
    if (!ok)
        return HDL_ERR_CRYPTO;
    struct hdl_seckey_response r = {
        .code = HDL_SECKEY_PBKDF2_HMAC_SHA1,
        .salt = {salt, sizeof salt},
        .iterations = ADMIN_SECKEY_ITERATIONS,
        .key_bits = ADMIN_SECKEY_KEY_BITS,
        .hmac = {mac, mac_len},
    };
    hdl_seckey_response_encode(w, &r);
    return hdl_writer_status(w);
}

static int pubkey_answer(const struct admin_auth *a, const uint8_t *data, size_t len,
                         struct hdl_writer *w)
{
    const char *hash = "SHA-256";
    const EVP_MD *md = EVP_sha256();
    bool sm2 = EVP_PKEY_is_a(a->key, "SM2");
    if (EVP_PKEY_is_a(a->key, "DSA")) {
        hash = "SHA1";
        md = EVP_sha1();
    } else if (sm2) {
        hash = "SM3";
        md = EVP_sm3();
    }
    uint8_t sig[1024];
    size_t sig_len = sizeof sig;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    EVP_PKEY_CTX *pctx = NULL;
    int ok = ctx && EVP_DigestSignInit(ctx, &pctx, md, NULL, a->key) == 1;
    if (ok && sm2)
        ok = EVP_PKEY_CTX_set1_id(pctx, SM2_DEFAULT_ID, strlen(SM2_DEFAULT_ID)) > 0;
    ok = ok && EVP_DigestSign(ctx, sig, &sig_len, data, len) == 1;
    EVP_MD_CTX_free(ctx);
    if (!ok) {
        ERR_clear_error();
        return HDL_ERR_CRYPTO;
    }
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
