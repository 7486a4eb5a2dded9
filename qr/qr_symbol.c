#include "qr/qr_symbol.h"

#include <errno.h>
#include <qrencode.h>
#include <stdlib.h>
#include <string.h>

int qr_symbol_encode(const void *text, size_t len, enum qr_ecc ecc, struct qr_symbol *out)
{
    static const QRecLevel levels[] = {QR_ECLEVEL_L, QR_ECLEVEL_M, QR_ECLEVEL_Q, QR_ECLEVEL_H};
    memset(out, 0, sizeof *out);
    if (len == 0 || (unsigned)ecc > QR_ECC_H)
        return QR_ERR_ARG;
    /* A version 40 symbol holds at most 2953 bytes; anything longer is refused before the
     * conversion to int could wrap. */
    if (len > 4096)
        return QR_ERR_TOO_LONG;
    errno = 0;
    QRcode *code = QRcode_encodeData((int)len, text, 0, levels[ecc]);
    if (!code)
        return errno == ENOMEM ? QR_ERR_NOMEM : errno == ERANGE ? QR_ERR_TOO_LONG : QR_ERR_ARG;
    /* The symbol is kept as libqrencode lays it out; QRcode itself is freed here so that
     * callers need not know libqrencode. */
    out->width = (unsigned)code->width;
    out->modules = code->data;
    code->data = NULL;
    QRcode_free(code);
    return QR_OK;
}

void qr_symbol_free(struct qr_symbol *s)
{
    free(s->modules);
    s->modules = NULL;
    s->width = 0;
}

int qr_ecc_parse(const char *name, enum qr_ecc *out)
{
    static const char letters[] = "LMQH";
    if (!name || strlen(name) != 1)
        return QR_ERR_ARG;
    /* ASCII upper case by clearing bit 5; a byte that folds to NUL must not match the
     * terminator. */
    char upper = (char)(name[0] & ~0x20);
    const char *at = upper ? strchr(letters, upper) : NULL;
    if (!at)
        return QR_ERR_ARG;
    *out = (enum qr_ecc)(at - letters);
    return QR_OK;
}
