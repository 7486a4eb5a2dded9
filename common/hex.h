/* Hexadecimal: two digits a byte, most significant first. Decoding takes either case. */
#ifndef COMMON_HEX_H
#define COMMON_HEX_H

#include <stddef.h>
#include <stdint.h>

/* Encode with 'A'-'F' instead of 'a'-'f'. */
#define HEX_UPPER 1u

enum hex_err {
    HEX_OK = 0,
    HEX_ERR_ODD,     /* an odd number of digits */
    HEX_ERR_DIGIT,   /* a character that is not a hex digit */
    HEX_ERR_NOSPACE, /* the bytes do not fit in cap */
};

/* The value 0..15 of hex digit c (either case), or -1. */
int hex_nibble(char c);

/* Writes the 2n digits of in[0..n) and a NUL to out (room for 2n + 1); lower case unless
 * HEX_UPPER. */
void hex_encode(const uint8_t *in, size_t n, char *out, unsigned flags);

/*
 * Decodes the n digits at in into out (cap bytes); the whole input is checked before any byte
 * is written, its length first. Returns HEX_OK with the byte count in *outlen; HEX_ERR_DIGIT
 * with the offset of the first bad character in *outlen; HEX_ERR_ODD; or HEX_ERR_NOSPACE.
 */
int hex_decode(const char *in, size_t n, uint8_t *out, size_t cap, size_t *outlen);

#endif
