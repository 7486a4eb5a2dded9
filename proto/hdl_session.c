#include "proto/hdl_session.h"

#include "proto/hdl_const.h"

#define KEY_FIELD_MAX 65536u

/* Accepts no bytes, or exactly the 2 zero bytes of the reference's pad. */
static int read_pad(struct hdl_reader *r, uint8_t *pad)
{
    *pad = 0;
    size_t left = hdl_reader_left(r);
    if (left == 0)
        return HDL_OK;
    uint16_t z;
    if (left != HDL_SESSION_PAD || hdl_get_u16(r, &z) || z != 0)
        return HDL_ERR_TRAILING;
    *pad = HDL_SESSION_PAD;
    return HDL_OK;
}

static void write_pad(struct hdl_writer *w, uint8_t pad)
{
    for (uint8_t i = 0; i < pad; i++)
        hdl_put_u8(w, 0);
}

int hdl_session_request_decode(const uint8_t *body, size_t len, struct hdl_session_request *s)
{
    struct hdl_reader r;
    hdl_reader_init(&r, body, len);
    struct hdl_slice empty = {NULL, 0};
    s->public_key = s->key_handle = empty;
    s->key_index = 0;
    int err;
    if ((err = hdl_get_u16(&r, &s->mode)) || (err = hdl_get_u32(&r, &s->timeout)) ||
        (err = hdl_get_bytes(&r, HDL_MAX_HANDLE_LEN, &s->identity_handle)) ||
        (err = hdl_get_u32(&r, &s->identity_index)))
        return err;
    switch (s->mode) {
    case HDL_KEYX_CIPHER_CLIENT:
    case HDL_KEYX_DH:
        err = hdl_get_bytes(&r, KEY_FIELD_MAX, &s->public_key);
        break;
    case HDL_KEYX_CIPHER_HDL:
        if (!(err = hdl_get_bytes(&r, HDL_MAX_HANDLE_LEN, &s->key_handle)))
            err = hdl_get_u32(&r, &s->key_index);
        break;
    case HDL_KEYX_CIPHER_SERVER:
        break;
    default:
        return HDL_ERR_UNSUPPORTED;
    }
    if (err)
        return err;
    return read_pad(&r, &s->pad);
}

void hdl_session_request_encode(struct hdl_writer *w, const struct hdl_session_request *s)
{
    hdl_put_u16(w, s->mode);
    hdl_put_u32(w, s->timeout);
    hdl_put_bytes(w, s->identity_handle.ptr, s->identity_handle.len);
    hdl_put_u32(w, s->identity_index);
    switch (s->mode) {
    case HDL_KEYX_CIPHER_CLIENT:
    case HDL_KEYX_DH:
        hdl_put_bytes(w, s->public_key.ptr, s->public_key.len);
        break;
    case HDL_KEYX_CIPHER_HDL:
        hdl_put_bytes(w, s->key_handle.ptr, s->key_handle.len);
        hdl_put_u32(w, s->key_index);
        break;
    }
    write_pad(w, s->pad);
}

int hdl_session_response_decode(const uint8_t *body, size_t len, struct hdl_session_response *s)
{
    struct hdl_reader r;
    hdl_reader_init(&r, body, len);
    int err;
    if ((err = hdl_get_u16(&r, &s->mode)) || (err = hdl_get_bytes(&r, KEY_FIELD_MAX, &s->data)))
        return err;
    return read_pad(&r, &s->pad);
}

void hdl_session_response_encode(struct hdl_writer *w, const struct hdl_session_response *s)
{
    hdl_put_u16(w, s->mode);
    hdl_put_bytes(w, s->data.ptr, s->data.len);
    write_pad(w, s->pad);
}

int hdl_session_dh_data_decode(const uint8_t *data, size_t len, uint32_t *cipher,
                               struct hdl_slice *key)
{
    struct hdl_reader r;
    hdl_reader_init(&r, data, len);
    int err = hdl_get_u32(&r, cipher);
    if (!err)
        err = hdl_get_raw(&r, hdl_reader_left(&r), key);
    return err;
}

void hdl_session_dh_data_encode(struct hdl_writer *w, uint32_t cipher, struct hdl_slice key)
{
    hdl_put_u32(w, cipher);
    hdl_put_raw(w, key.ptr, key.len);
}
