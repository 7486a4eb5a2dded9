/*
 * Challenge-response authentication bodies (docs/protocol.md §13): the 402 challenge, the opCode-200
 * answer and the two forms of its signedResponse, and OC 201 VERIFY_CHALLENGE.
 */
#ifndef HDL_CHALLENGE_H
#define HDL_CHALLENGE_H

#include <stddef.h>
#include <stdint.h>

#include "proto/hdl_buf.h"
#include "proto/hdl_error_body.h"

/* HS_SECKEY answer codes (the int1 in front of the MAC). */
#define HDL_SECKEY_MD5 0x01
#define HDL_SECKEY_SHA1 0x02
#define HDL_SECKEY_SHA256 0x03
#define HDL_SECKEY_HMAC_SHA1 0x12
#define HDL_SECKEY_HMAC_SHA256 0x13
#define HDL_SECKEY_PBKDF2_HMAC_SHA1 0x22

/* Body of a 402 response: the request digest (always present), then byteString nonce. */
struct hdl_challenge {
    struct hdl_digest digest;
    struct hdl_slice nonce;
};

int hdl_challenge_decode(const uint8_t *body, size_t len, struct hdl_challenge *c);
void hdl_challenge_encode(struct hdl_writer *w, const struct hdl_challenge *c);
/* What the answer signs or MACs: nonce || digest bytes (without the algorithm byte). */
void hdl_challenge_signed_data(struct hdl_writer *w, const struct hdl_challenge *c);

/* Body of an opCode-200 request. */
struct hdl_challenge_answer {
    struct hdl_slice auth_type; /* "HS_SECKEY" | "HS_PUBKEY" */
    struct hdl_slice identity_handle;
    uint32_t identity_index;
    struct hdl_slice signed_response;
};

int hdl_challenge_answer_decode(const uint8_t *body, size_t len, struct hdl_challenge_answer *a);
void hdl_challenge_answer_encode(struct hdl_writer *w, const struct hdl_challenge_answer *a);

/* signedResponse of an HS_PUBKEY answer: byteString hashAlgName, byteString signature. */
struct hdl_pubkey_response {
    struct hdl_slice hash_alg; /* "SHA-256", "SHA1", ... */
    struct hdl_slice signature;
};

int hdl_pubkey_response_decode(const uint8_t *buf, size_t len, struct hdl_pubkey_response *p);
void hdl_pubkey_response_encode(struct hdl_writer *w, const struct hdl_pubkey_response *p);

/* signedResponse of an HS_SECKEY answer (>= 2.1): int1 code, then the MAC. For code 0x22 the MAC
 * is byteString salt, int4 iterations, int4 keyLengthBits, byteString hmac, and those fields are
 * filled; for the other codes mac holds the raw bytes after the code. */
struct hdl_seckey_response {
    uint8_t code;
    struct hdl_slice mac;
    struct hdl_slice salt;
    uint32_t iterations;
    uint32_t key_bits;
    struct hdl_slice hmac;
};

int hdl_seckey_response_decode(const uint8_t *buf, size_t len, struct hdl_seckey_response *s);
void hdl_seckey_response_encode(struct hdl_writer *w, const struct hdl_seckey_response *s);

/* OC 201 VERIFY_CHALLENGE request (server to server): byteString handle, int4 index,
 * byteString nonce, byteString requestDigest, byteString signedResponse. */
struct hdl_verify_request {
    struct hdl_slice handle;
    uint32_t index;
    struct hdl_slice nonce;
    struct hdl_slice digest;
    struct hdl_slice signed_response;
};

int hdl_verify_request_decode(const uint8_t *body, size_t len, struct hdl_verify_request *v);
void hdl_verify_request_encode(struct hdl_writer *w, const struct hdl_verify_request *v);

/* Its success response: int1, bit 0x01 = valid. */
int hdl_verify_response_decode(const uint8_t *body, size_t len, uint8_t *result);
void hdl_verify_response_encode(struct hdl_writer *w, uint8_t result);

#endif
