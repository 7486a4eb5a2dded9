/* The request digest an error or challenge carries (docs/protocol.md §8, §10), computed with
 * OpenSSL; proto/hdl_error_body encodes and decodes it. Also the plain MD5 of site selection. */
#ifndef CRYPTO_DIGEST_H
#define CRYPTO_DIGEST_H

#include <stddef.h>
#include <stdint.h>

#include "proto/hdl_buf.h"

/* Computes the digest of a request's header + body and writes it in wire form: alg byte +
 * digest. alg is HDL_DIGEST_SHA256 for >= 2.7, SHA1 or MD5 for older peers (see
 * hdl_digest_alg_for_version). Returns HDL_OK, HDL_ERR_MALFORMED (unknown alg), HDL_ERR_DIGEST
 * (OpenSSL failed; nothing written) or HDL_ERR_NOSPACE (w latched). */
int cry_digest_put(struct hdl_writer *w, uint8_t alg, const uint8_t *signed_part, size_t len);

/* The MD5 of len bytes at p into out (16 bytes): how the reference spreads handles over a
 * site's servers (client/site_pick). Returns HDL_OK or HDL_ERR_DIGEST (OpenSSL failed). */
int cry_md5(const uint8_t *p, size_t len, uint8_t out[16]);

#endif
