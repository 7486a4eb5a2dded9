/*
 * Base64 (RFC 4648 §4), the one rule every room reads and writes it by:
 *
 *   - Alphabet: A-Z a-z 0-9 + /. With B64_URL the decoder also takes the URL-safe '-' and '_'
 *     (RFC 4648 §5), mixed freely with '+' and '/'. Two callers need that: JWK numbers, which
 *     are base64url (RFC 7515 §2), and the HTTP Authorization values (Basic credentials,
 *     signature, cnonce, salt), which the node has always read in both alphabets, so clients
 *     that sign with a base64url library keep getting in. Without the flag '-' and '_' are bad
 *     digits.
 *   - Padding: optional, but when present it is exact: one or two '=' that complete the last
 *     group to 4 characters ("YQ==", "YWI="). "YQ=", "YQ===", "YWJj=" and '=' anywhere but at the
 *     end are rejected, as is a last group of one character ("Y", "YWJjZ").
 *   - Nothing else: no white space, no line breaks. Bits below the last whole byte are ignored
 *     (RFC 4648 §3.5 lets a decoder ignore them; every copy before this one did).
 *   - Encoding writes the standard alphabet with padding; with B64_URL the URL-safe alphabet
 *     without padding (RFC 7515 §2).
 */
#ifndef COMMON_BASE64_H
#define COMMON_BASE64_H

#include <stddef.h>
#include <stdint.h>

/* Decoding: also accept '-' and '_'; encoding: write them and leave out the padding. */
#define B64_URL 1u

enum b64_err {
    B64_OK = 0,
    B64_ERR_DIGIT,   /* a character outside the alphabet (or a misplaced '=') */
    B64_ERR_LENGTH,  /* a lone last character or padding that does not complete the group */
    B64_ERR_NOSPACE, /* the bytes do not fit in cap */
};

/* Characters b64_encode writes for n bytes, without the terminating NUL. */
size_t b64_encoded_len(size_t n, unsigned flags);

/* Writes the base64 of in[0..n) and a NUL to out, which has room for b64_encoded_len(n,
 * flags) + 1 characters. Returns the number of characters written before the NUL. */
size_t b64_encode(const uint8_t *in, size_t n, char *out, unsigned flags);

/*
 * Decodes in[0..n) into out (cap bytes). The whole input is checked before any byte is written.
 * Returns B64_OK with the byte count in *outlen; B64_ERR_DIGIT with the offset of the bad
 * character in *outlen; B64_ERR_LENGTH; or B64_ERR_NOSPACE with the bytes needed in *outlen.
 */
int b64_decode(const char *in, size_t n, uint8_t *out, size_t cap, size_t *outlen, unsigned flags);

#endif
