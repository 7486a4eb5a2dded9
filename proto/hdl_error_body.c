#include "proto/hdl_error_body.h"

#include "proto/hdl_const.h"

/* Digest sizes by algorithm byte; the old form (alg 0) carries its own length. */
static uint32_t digest_len(uint8_t alg)
{
    switch (alg) {
    case HDL_DIGEST_MD5:
        return 16;
    case HDL_DIGEST_SHA1:
        return 20;
    case HDL_DIGEST_SHA256:
        return 32;
    }
    return 0;
}

int hdl_digest_decode(struct hdl_reader *r, struct hdl_digest *d)
{
    size_t start = r->pos;
    int err = hdl_get_u8(r, &d->alg);
    if (err)
        return err;
    if (d->alg == HDL_DIGEST_OLD_MD5)
        err = hdl_get_bytes(r, 64, &d->bytes);
    else if (digest_len(d->alg))
        err = hdl_get_raw(r, digest_len(d->alg), &d->bytes);
    else
        err = HDL_ERR_MALFORMED;
    if (err)
        r->pos = start;
    return err;
}

void hdl_digest_encode(struct hdl_writer *w, const struct hdl_digest *d)
{
    hdl_put_u8(w, d->alg);
    if (d->alg == HDL_DIGEST_OLD_MD5)
        hdl_put_bytes(w, d->bytes.ptr, d->bytes.len);
    else
        hdl_put_raw(w, d->bytes.ptr, d->bytes.len);
}

uint8_t hdl_digest_alg_for_version(uint8_t major, uint8_t minor)
{
    if (major > 2 || (major == 2 && minor >= 7))
        return HDL_DIGEST_SHA256;
    if (major == 2 && minor >= 1)
        return HDL_DIGEST_SHA1;
    return HDL_DIGEST_OLD_MD5;
}

int hdl_error_body_decode(struct hdl_reader *r, struct hdl_error_body *e)
{
    e->message.ptr = r->buf + r->pos;
    e->message.len = 0;
    if (hdl_reader_left(r) == 0)
        return HDL_OK;
    return hdl_get_bytes(r, HDL_MAX_MESSAGE_LEN, &e->message);
}

void hdl_error_body_encode(struct hdl_writer *w, const char *message)
{
    hdl_put_cstr(w, message ? message : "");
}

void hdl_error_body_encode_msg(struct hdl_writer *w, const struct hdl_error_body *e)
{
    hdl_put_bytes(w, e->message.ptr, e->message.len);
}
