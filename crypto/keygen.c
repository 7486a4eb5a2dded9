#include "crypto/keygen.h"

#include <string.h>
#include <strings.h>

#include <openssl/dsa.h>
#include <openssl/pem.h>

EVP_PKEY *cry_key_generate(const char *type, unsigned bits)
{
    EVP_PKEY *key = NULL;
    if (strcasecmp(type, "rsa") == 0)
        return EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)bits);
    if (strcasecmp(type, "sm2") == 0) {
        EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "SM2", NULL);
        if (ctx && EVP_PKEY_keygen_init(ctx) == 1)
            EVP_PKEY_generate(ctx, &key);
        EVP_PKEY_CTX_free(ctx);
        return key;
    }
    /* DSA: domain parameters first, then the key in them. */
    EVP_PKEY *params = NULL;
    EVP_PKEY_CTX *pctx = EVP_PKEY_CTX_new_from_name(NULL, "DSA", NULL);
    if (pctx && EVP_PKEY_paramgen_init(pctx) == 1 &&
        EVP_PKEY_CTX_set_dsa_paramgen_bits(pctx, (int)bits) == 1 &&
        EVP_PKEY_generate(pctx, &params) == 1) {
        EVP_PKEY_CTX *kctx = EVP_PKEY_CTX_new_from_pkey(NULL, params, NULL);
        if (kctx && EVP_PKEY_keygen_init(kctx) == 1)
            EVP_PKEY_generate(kctx, &key);
        EVP_PKEY_CTX_free(kctx);
    }
    EVP_PKEY_free(params);
    EVP_PKEY_CTX_free(pctx);
    return key;
}

int cry_private_key_write(FILE *f, EVP_PKEY *key, const char *passphrase)
{
    int ok = passphrase
                 ? PEM_write_PrivateKey(f, key, EVP_aes_256_cbc(), (unsigned char *)passphrase,
                                        (int)strlen(passphrase), NULL, NULL)
                 : PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL);
    return ok == 1 ? 0 : -1;
}
