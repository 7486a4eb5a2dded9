/*
 * OC_SESSION_SETUP request and response bodies (docs/protocol.md §14). The reference encoder sizes the
 * body with 4 bytes for the 2-byte mode field, so both bodies end with 2 zero bytes that belong
 * to no field; decoders accept them (or none) and record which, so re-encoding is exact.
 */
#ifndef HDL_SESSION_H
#define HDL_SESSION_H

#include <stddef.h>
#include <stdint.h>

#include "proto/hdl_buf.h"

/* keyExchangeMode */
#define HDL_KEYX_CIPHER_CLIENT 1 /* the client's RSA key */
#define HDL_KEYX_CIPHER_SERVER 2 /* the server's RSA key */
#define HDL_KEYX_CIPHER_HDL 3    /* a key stored in a handle */
#define HDL_KEYX_DH 4            /* Diffie-Hellman */

/* Session cipher algorithms (int4 in front of the server's DH key). */
#define HDL_SESSION_CIPHER_DES 1
#define HDL_SESSION_CIPHER_DESEDE 2
#define HDL_SESSION_CIPHER_AES 3

/* The reference's trailing pad. */
#define HDL_SESSION_PAD 2u

struct hdl_session_request {
    uint16_t mode;
    uint32_t timeout; /* seconds */
    struct hdl_slice identity_handle;
    uint32_t identity_index;
    struct hdl_slice public_key; /* modes 1 and 4: §9.3 key bytes */
    struct hdl_slice key_handle; /* mode 3 */
    uint32_t key_index;          /* mode 3 */
    uint8_t pad;                 /* 0 or HDL_SESSION_PAD trailing zero bytes */
};

/* Fails with HDL_ERR_UNSUPPORTED for an unknown mode, HDL_ERR_TRAILING for bytes after the fields
 * other than the 2-zero-byte pad. */
int hdl_session_request_decode(const uint8_t *body, size_t len, struct hdl_session_request *s);
void hdl_session_request_encode(struct hdl_writer *w, const struct hdl_session_request *s);

/* Success response, after the request digest: int2 mode, byteString data, pad. */
struct hdl_session_response {
    uint16_t mode;
    struct hdl_slice data; /* DH: int4 cipher + server key; modes 1, 3: the encrypted key */
    uint8_t pad;
};

int hdl_session_response_decode(const uint8_t *body, size_t len, struct hdl_session_response *s);
void hdl_session_response_encode(struct hdl_writer *w, const struct hdl_session_response *s);

/* The data of a DH response: int4 cipher algorithm, then the server's DH key bytes (§9.3) to the
 * end, without a length of their own. */
int hdl_session_dh_data_decode(const uint8_t *data, size_t len, uint32_t *cipher,
                               struct hdl_slice *key);
void hdl_session_dh_data_encode(struct hdl_writer *w, uint32_t cipher, struct hdl_slice key);

#endif
