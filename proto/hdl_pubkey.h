/*
 * Public key bytes (HS_PUBKEY data, site server keys; docs/protocol.md §9.3); crypto/key converts
 * them to and from OpenSSL keys. Big integers are Java BigInteger.toByteArray(): two's complement,
 * with a leading zero byte when the top bit is set.
 */
#ifndef HDL_PUBKEY_H
#define HDL_PUBKEY_H

#include "proto/hdl_buf.h"

enum hdl_key_kind { HDL_KEY_RSA = 1, HDL_KEY_DSA, HDL_KEY_DH };

struct hdl_pubkey {
    enum hdl_key_kind kind;
    uint16_t flags;
    /* RSA: a = exponent, b = modulus. DSA: a = q, b = p, c = g, d = y. DH: a = y, b = p, c = g. */
    struct hdl_slice a, b, c, d;
    uint32_t trailing_zeros; /* RSA keys from the reference carry 4 zero bytes at the end */
};

/* Decodes key bytes; bytes past the last field must be zero (the RSA quirk), else HDL_ERR_TRAILING.
 */
int hdl_pubkey_decode(const uint8_t *buf, size_t len, struct hdl_pubkey *key);
void hdl_pubkey_encode(struct hdl_writer *w, const struct hdl_pubkey *key);

#endif
