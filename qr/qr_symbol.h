/*
 * A QR code symbol: the square of modules libqrencode lays out for some bytes (8-bit mode, the
 * smallest version that holds them at the asked error-correction level).
 */
#ifndef QR_SYMBOL_H
#define QR_SYMBOL_H

#include <stdbool.h>
#include <stddef.h>

enum qr_err {
    QR_OK = 0,
    QR_ERR_ARG,      /* a style out of range, an empty text, or an unknown name */
    QR_ERR_TOO_LONG, /* the text does not fit a version 40 symbol at that level */
    QR_ERR_NOMEM,
    QR_ERR_IMAGE, /* the image writer failed */
};

/* Error-correction levels: the share of the symbol that may be damaged and still read (about
 * 7, 15, 25 and 30 %); each level up makes the symbol denser. */
enum qr_ecc { QR_ECC_L, QR_ECC_M, QR_ECC_Q, QR_ECC_H };

/* The modules of one symbol, width x width, owned by the symbol (qr_symbol_free). */
struct qr_symbol {
    unsigned width;
    unsigned char *modules; /* row by row, bit 0 of each byte set = dark */
};

/* Encodes text[0..len) into *out at level ecc. On QR_OK the caller frees *out with
 * qr_symbol_free. */
int qr_symbol_encode(const void *text, size_t len, enum qr_ecc ecc, struct qr_symbol *out);

/* Whether the module at column x, row y (both < width) is dark. */
static inline bool qr_symbol_dark(const struct qr_symbol *s, unsigned x, unsigned y)
{
    return s->modules[(size_t)y * s->width + x] & 1;
}

/* Releases what qr_symbol_encode gave; a zeroed symbol is fine. */
void qr_symbol_free(struct qr_symbol *s);

/* The level a letter names ("L", "M", "Q", "H", either case); QR_ERR_ARG for anything else. */
int qr_ecc_parse(const char *name, enum qr_ecc *out);

#endif
