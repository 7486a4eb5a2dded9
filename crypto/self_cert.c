#include "crypto/self_cert.h"

#include <openssl/asn1.h>
#include <openssl/bn.h>
#include <stdbool.h>

/* The digest a self-signature on key uses, or NULL where the algorithm has its own. */
static const EVP_MD *cert_digest(EVP_PKEY *key)
{
    switch (EVP_PKEY_get_base_id(key)) {
    case EVP_PKEY_ED25519:
    case EVP_PKEY_ED448:
        return NULL;
    case EVP_PKEY_DSA:
        return EVP_PKEY_get_bits(key) < 2048 ? EVP_sha1() : EVP_sha256();
    case EVP_PKEY_SM2:
        return EVP_sm3();
    default:
        return EVP_sha256();
    }
}

X509 *self_cert_make(EVP_PKEY *key)
{
    X509 *cert = X509_new();
    X509_NAME *name = X509_NAME_new();
    BIGNUM *serial = BN_new();
    bool ok = cert && name && serial;
    ok = ok && X509_set_version(cert, 2) == 1;
    ok = ok && BN_rand(serial, 63, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) == 1 &&
         BN_to_ASN1_INTEGER(serial, X509_get_serialNumber(cert)) != NULL;
    ok = ok && X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                          (const unsigned char *)"anonymous", -1, -1, 0) == 1;
    ok = ok && X509_set_subject_name(cert, name) == 1 && X509_set_issuer_name(cert, name) == 1;
    ok = ok && ASN1_TIME_set_string(X509_getm_notBefore(cert), "20000101000000Z") == 1 &&
         ASN1_TIME_set_string(X509_getm_notAfter(cert), "99991231235959Z") == 1;
    ok = ok && X509_set_pubkey(cert, key) == 1;
    ok = ok && X509_sign(cert, key, cert_digest(key)) > 0;
    BN_free(serial);
    X509_NAME_free(name);
    if (!ok) {
        X509_free(cert);
        return NULL;
    }
    return cert;
}
