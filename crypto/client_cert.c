#include "crypto/client_cert.h"

#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include "common/handle_name.h"

static int add_ext(X509 *cert, int nid, const char *value)
{
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, cert, cert, NULL, NULL, 0);
    X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
    int ok = ext && X509_add_ext(cert, ext, -1) == 1;
    X509_EXTENSION_free(ext);
    return ok ? 0 : -1;
}

int client_cert_write(const char *path, EVP_PKEY *key, const char *identity, unsigned days,
                      char *err, size_t errlen)
{
    if (!EVP_PKEY_is_a(key, "RSA") && !EVP_PKEY_is_a(key, "DSA")) {
        snprintf(err, errlen, "TLS client certificates take RSA or DSA keys");
        return -1;
    }
    /* INDEX:HANDLE, or a bare HANDLE for any of its HS_PUBKEY values (index 0). */
    const char *slash = strchr(identity, '/'), *colon = strchr(identity, ':');
    size_t digits = strspn(identity, "0123456789");
    if (!slash || (colon && colon < slash && (digits == 0 || identity + digits != colon))) {
        snprintf(err, errlen,
                 "the identity must be INDEX:HANDLE or HANDLE, such as 300:" HNAME_NA_PREFIX
                 "88.100.1");
        return -1;
    }
    X509 *cert = X509_new();
    X509_NAME *name = X509_NAME_new();
    unsigned char serial[8];
    BIGNUM *bn = NULL;
    int ok = cert && name && RAND_bytes(serial, sizeof serial) == 1 &&
             (bn = BN_bin2bn(serial, sizeof serial, NULL)) != NULL &&
             BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert)) != NULL &&
             X509_set_version(cert, X509_VERSION_3) == 1 &&
             X509_gmtime_adj(X509_getm_notBefore(cert), 0) != NULL &&
             X509_time_adj_ex(X509_getm_notAfter(cert), (int)days, 0, NULL) != NULL &&
             X509_NAME_add_entry_by_NID(name, NID_commonName, MBSTRING_UTF8,
                                        (const unsigned char *)identity, -1, -1, 0) == 1 &&
             X509_NAME_add_entry_by_NID(name, NID_userId, MBSTRING_UTF8,
                                        (const unsigned char *)identity, -1, -1, 0) == 1 &&
             X509_set_subject_name(cert, name) == 1 && X509_set_issuer_name(cert, name) == 1 &&
             X509_set_pubkey(cert, key) == 1 &&
             add_ext(cert, NID_basic_constraints, "critical,CA:FALSE") == 0 &&
             add_ext(cert, NID_key_usage, "critical,digitalSignature") == 0 &&
             add_ext(cert, NID_ext_key_usage, "clientAuth") == 0 &&
             X509_sign(cert, key, EVP_sha256()) > 0;
    FILE *f = NULL;
    if (!ok) {
        unsigned long e = ERR_get_error();
        snprintf(err, errlen, "cannot make the certificate (%s)",
                 e ? ERR_reason_error_string(e) : "no reason given");
    } else if (!(f = fopen(path, "w")) || PEM_write_X509(f, cert) != 1) {
        snprintf(err, errlen, "cannot write %s", path);
        ok = 0;
    }
    if (f && fclose(f) != 0 && ok) {
        snprintf(err, errlen, "cannot write %s", path);
        ok = 0;
    }
    ERR_clear_error();
    BN_free(bn);
    X509_NAME_free(name);
    X509_free(cert);
    return ok ? 0 : -1;
}
