/*
 * Client-certificate authentication on the HTTPS interface, as the reference does it: the
 * identity index:handle (or a bare handle, index 0) is the subject's UID, else its CN, else its
 * O (RFC 2253 order, most specific first), and the certificate's public key must be the
 * identity's HS_PUBKEY (index 0: any HS_PUBKEY of the handle). No CA chain is asked for: the
 * registry is the trust anchor, so a self-signed certificate over the administrator's key pair
 * (pazhou keygen --cert) is what a client presents.
 */
#ifndef NODE_HTTP_CERT_H
#define NODE_HTTP_CERT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/ssl.h>

#include "proto/hdl_const.h"
#include "resolver/admin/identity.h"
#include "resolver/node.h"

#define HTTP_CERT_KEY_MAX 2048

struct http_cert {
    bool present;    /* the client sent a certificate */
    char error[128]; /* set when it names no identity or its key cannot be read */
    uint32_t index;
    uint8_t handle[HDL_MAX_HANDLE_LEN];
    size_t handle_len;
    uint8_t key[HTTP_CERT_KEY_MAX]; /* the public key, DER SubjectPublicKeyInfo */
    size_t key_len;
};

/* Reads the peer certificate of ssl (NULL: none) into out, on the event loop: the identity and
 * the key bytes only, no registry access. out->present is false without a certificate. */
void http_cert_take(SSL *ssl, struct http_cert *out);

/* The identity named by a subject's attribute value: "300:0.NA/88.100.1" or "0.NA/88.100.1". */
bool http_cert_parse_identity(const char *s, size_t len, struct http_cert *out);

/* Checks c against the registry (blocking: an admin thread). HDL_RC_SUCCESS with who set to the
 * identity (index 0 becomes the index of the matching HS_PUBKEY); otherwise
 * AUTHENTICATION_FAILED, INVALID_ADMIN or AUTHEN_ERROR with msg set. */
uint32_t http_cert_identify(struct node *node, const struct http_cert *c, struct identity *who,
                            char *msg, size_t msgcap);

#endif
