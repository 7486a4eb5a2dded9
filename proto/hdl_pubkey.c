#include "proto/hdl_pubkey.h"

#include <string.h>

#include "proto/hdl_const.h"

#define ALG_RSA "RSA_PUB_KEY"
#define ALG_DSA "DSA_PUB_KEY"
#define ALG_DH "DH_PUB_KEY"

/* The Java encoder reserves one int4 too many after an RSA modulus. */
#define RSA_PAD 4

/* Big integers are bounded well above any key size in use (16384-bit moduli). */
#define BIGINT_MAX 2049u

static bool alg_is(struct hdl_slice alg, const char *name)
{
    size_t n = strlen(name);
    return alg.len == n && memcmp(alg.ptr, name, n) == 0;
}

int hdl_pubkey_decode(const uint8_t *buf, size_t len, struct hdl_pubkey *key)
{
    struct hdl_reader r;
    hdl_reader_init(&r, buf, len);
    struct hdl_slice alg;
    int err;
    struct hdl_slice empty = {NULL, 0};
    key->a = key->b = key->c = key->d = empty;
    key->trailing_zeros = 0;
    if ((err = hdl_get_bytes(&r, 64, &alg)) || (err = hdl_get_u16(&r, &key->flags)))
        return err;
    int nfields;
    if (alg_is(alg, ALG_RSA)) {
        key->kind = HDL_KEY_RSA;
        nfields = 2;
    } else if (alg_is(alg, ALG_DSA)) {
        key->kind = HDL_KEY_DSA;
        nfields = 4;
    } else if (alg_is(alg, ALG_DH)) {
        key->kind = HDL_KEY_DH;
        nfields = 3;
    } else {
        return HDL_ERR_UNSUPPORTED;
    }
    struct hdl_slice *fields[4] = {&key->a, &key->b, &key->c, &key->d};
    for (int i = 0; i < nfields; i++)
        if ((err = hdl_get_bytes(&r, BIGINT_MAX, fields[i])))
            return err;
    while (hdl_reader_left(&r)) {
        uint8_t z;
        if ((err = hdl_get_u8(&r, &z)))
            return err;
        if (z != 0)
            return HDL_ERR_TRAILING;
        key->trailing_zeros++;
    }
    return HDL_OK;
}

void hdl_pubkey_encode(struct hdl_writer *w, const struct hdl_pubkey *key)
{
    const struct hdl_slice *fields[4] = {&key->a, &key->b, &key->c, &key->d};
    int nfields = 0;
    switch (key->kind) {
    case HDL_KEY_RSA:
        hdl_put_cstr(w, ALG_RSA);
        nfields = 2;
        break;
    case HDL_KEY_DSA:
        hdl_put_cstr(w, ALG_DSA);
        nfields = 4;
        break;
    case HDL_KEY_DH:
        hdl_put_cstr(w, ALG_DH);
        nfields = 3;
        break;
    default:
        w->overflow = true; /* nothing sensible to write: make the writer report failure */
        return;
    }
    hdl_put_u16(w, key->flags);
    for (int i = 0; i < nfields; i++)
        hdl_put_bytes(w, fields[i]->ptr, fields[i]->len);
    for (uint32_t i = 0; i < key->trailing_zeros; i++)
        hdl_put_u8(w, 0);
}
