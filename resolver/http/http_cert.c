#include "resolver/http/http_cert.h"

#include <stdio.h>
#include <string.h>

#include <openssl/x509.h>

#include "crypto/key.h"
#include "registry/reg_prefix.h"
#include "registry/reg_record.h"
#include "resolver/admin/site_values.h"

bool http_cert_parse_identity(const char *s, size_t len, struct http_cert *out)
{
    const char *h;
    size_t hlen;
    if (!identity_parse(s, len, &out->index, &h, &hlen) || hlen > sizeof out->handle)
        return false;
    memcpy(out->handle, h, hlen);
    out->handle_len = hlen;
    return true;
}

/* The first UID, else CN, else O of the subject, read from the most specific RDN down as the
 * reference reads the RFC 2253 form; its UTF-8 text into buf. */
static int subject_identity(X509_NAME *name, unsigned char **text)
{
    static const int nids[] = {NID_userId, NID_commonName, NID_organizationName};
    for (size_t k = 0; k < sizeof nids / sizeof nids[0]; k++)
        for (int i = X509_NAME_entry_count(name) - 1; i >= 0; i--) {
            X509_NAME_ENTRY *e = X509_NAME_get_entry(name, i);
            if (OBJ_obj2nid(X509_NAME_ENTRY_get_object(e)) != nids[k])
                continue;
            int n = ASN1_STRING_to_UTF8(text, X509_NAME_ENTRY_get_data(e));
            if (n >= 0)
                return n;
        }
    return -1;
}

void http_cert_take(SSL *ssl, struct http_cert *out)
{
    out->present = false;
    out->error[0] = '\0';
    X509 *cert = ssl ? SSL_get0_peer_certificate(ssl) : NULL;
    if (!cert)
        return;
    out->present = true;
    unsigned char *text = NULL;
    int n = subject_identity(X509_get_subject_name(cert), &text);
    if (n < 0 || !http_cert_parse_identity((const char *)text, (size_t)n, out))
        snprintf(out->error, sizeof out->error,
                 "Unable to parse identity from client-side certificate");
    OPENSSL_free(text);
    unsigned char *p = out->key;
    int klen = i2d_PUBKEY(X509_get0_pubkey(cert), NULL);
    if (!out->error[0] &&
        (klen <= 0 || klen > HTTP_CERT_KEY_MAX || i2d_PUBKEY(X509_get0_pubkey(cert), &p) != klen))
        snprintf(out->error, sizeof out->error,
                 "The client certificate's public key cannot be read");
    out->key_len = klen > 0 ? (size_t)klen : 0;
}

uint32_t http_cert_identify(struct node *node, const struct http_cert *c, struct identity *who,
                            char *msg, size_t msgcap)
{
    if (c->error[0]) {
        snprintf(msg, msgcap, "%s", c->error);
        return HDL_RC_AUTHENTICATION_FAILED;
    }
    bool elsewhere = site_values_elsewhere(node, c->handle, c->handle_len, NULL);
    if (!elsewhere && !node_serves(node, c->handle, c->handle_len)) {
        snprintf(msg, msgcap, "The key of %.*s lives on another node", (int)c->handle_len,
                 (const char *)c->handle);
        return HDL_RC_AUTHEN_ERROR;
    }
    /* The identity's values as the site holds them: here, or on another server of the site. */
    struct site_values sv;
    uint32_t got = site_values_get(node, c->handle, c->handle_len, &sv, msg, msgcap);
    if (got == HDL_RC_SERVER_NOT_RESP)
        return HDL_RC_AUTHEN_ERROR;
    const unsigned char *p = c->key;
    EVP_PKEY *key = d2i_PUBKEY(NULL, &p, (long)c->key_len);
    if (!key || got != HDL_RC_SUCCESS) {
        EVP_PKEY_free(key);
        if (got == HDL_RC_SUCCESS)
            site_values_release(&sv);
        snprintf(msg, msgcap, "No such identity: %.*s", (int)c->handle_len,
                 (const char *)c->handle);
        return HDL_RC_INVALID_ADMIN;
    }
    uint32_t matched = 0;
    bool found = false;
    struct hdl_reader r;
    hdl_reader_init(&r, sv.view.values.ptr, sv.view.values.len);
    struct hdl_value v;
    for (uint32_t i = 0; !found && i < sv.view.value_count && hdl_value_decode(&r, &v) == HDL_OK;
         i++) {
        if ((c->index != 0 && v.index != c->index) ||
            (c->index == 0 && !hdl_slice_eq_ci(v.type, "HS_PUBKEY")))
            continue;
        EVP_PKEY *stored = cry_pubkey_load(v.data.ptr, v.data.len);
        found = stored && EVP_PKEY_eq(stored, key) == 1;
        matched = v.index;
        EVP_PKEY_free(stored);
    }
    site_values_release(&sv);
    EVP_PKEY_free(key);
    if (!found) {
        snprintf(msg, msgcap, "The client certificate's key is not the HS_PUBKEY of %u:%.*s",
                 c->index, (int)c->handle_len, (const char *)c->handle);
        return HDL_RC_AUTHENTICATION_FAILED;
    }
    identity_set(who, c->handle, c->handle_len, matched);
    return HDL_RC_SUCCESS;
}
