/* Error response bodies and the request-digest prefix (docs/protocol.md §8, §10). */
#ifndef HDL_ERROR_BODY_H
#define HDL_ERROR_BODY_H

#include <stddef.h>
#include <stdint.h>

#include "proto/hdl_buf.h"

struct hdl_digest {
    uint8_t alg; /* HDL_DIGEST_*; 0 = old form (int4 length + MD5) */
    struct hdl_slice bytes;
};

/* Reads a request digest at the reader (alg byte, then 16/20/32 bytes, or int4 length + bytes
 * for alg 0). */
int hdl_digest_decode(struct hdl_reader *r, struct hdl_digest *d);
/* Writes d in the same form (crypto/digest computes the digest of a request and writes it so). */
void hdl_digest_encode(struct hdl_writer *w, const struct hdl_digest *d);
/* The digest algorithm a server uses for a peer at major.minor (docs/protocol.md §1): SHA-256 from
 * 2.7, SHA-1 from 2.1, the old length-prefixed MD5 before. */
uint8_t hdl_digest_alg_for_version(uint8_t major, uint8_t minor);

struct hdl_error_body {
    struct hdl_slice message;
};

/* An error body: byteString message (the digest, if any, read before with hdl_digest_decode).
 * Pre-2.1 peers may omit the message: an empty body decodes as an empty message. */
int hdl_error_body_decode(struct hdl_reader *r, struct hdl_error_body *e);
void hdl_error_body_encode(struct hdl_writer *w, const char *message);
/* The same from a decoded body (re-encoding). */
void hdl_error_body_encode_msg(struct hdl_writer *w, const struct hdl_error_body *e);

#endif
