#include "proto/hdl_credential.h"

#include "proto/hdl_const.h"

/* Signatures and MACs are small; the bound only stops absurd lengths early. */
#define CRED_FIELD_MAX 65536u

static void parse_section(struct hdl_credential *c)
{
    struct hdl_reader r;
    hdl_reader_init(&r, c->section.ptr, c->section.len);
    c->has_alg = !hdl_get_bytes(&r, CRED_FIELD_MAX, &c->digest_alg) &&
                 !hdl_get_bytes(&r, CRED_FIELD_MAX, &c->signature) && hdl_reader_left(&r) == 0;
    if (!c->has_alg) {
        c->digest_alg.len = c->signature.len = 0;
        c->digest_alg.ptr = c->signature.ptr = NULL;
    }
}

int hdl_credential_decode(const uint8_t *buf, size_t len, struct hdl_credential *c)
{
    struct hdl_reader r;
    hdl_reader_init(&r, buf, len);
    int err;
    if ((err = hdl_get_u8(&r, &c->version)) || (err = hdl_get_u8(&r, &c->reserved)) ||
        (err = hdl_get_u16(&r, &c->flags)) ||
        (err = hdl_get_bytes(&r, HDL_MAX_HANDLE_LEN, &c->signer_handle)) ||
        (err = hdl_get_u32(&r, &c->signer_index)) ||
        (err = hdl_get_bytes(&r, CRED_FIELD_MAX, &c->type)) ||
        (err = hdl_get_bytes(&r, HDL_MAX_MESSAGE_LEN, &c->section)))
        return err;
    if (hdl_reader_left(&r))
        return HDL_ERR_TRAILING;
    parse_section(c);
    return HDL_OK;
}

void hdl_credential_encode(struct hdl_writer *w, const struct hdl_credential *c)
{
    hdl_put_u8(w, c->version);
    hdl_put_u8(w, c->reserved);
    hdl_put_u16(w, c->flags);
    hdl_put_bytes(w, c->signer_handle.ptr, c->signer_handle.len);
    hdl_put_u32(w, c->signer_index);
    hdl_put_bytes(w, c->type.ptr, c->type.len);
    if (!c->has_alg) {
        hdl_put_bytes(w, c->section.ptr, c->section.len);
        return;
    }
    hdl_put_u32(w, 8 + c->digest_alg.len + c->signature.len);
    hdl_put_bytes(w, c->digest_alg.ptr, c->digest_alg.len);
    hdl_put_bytes(w, c->signature.ptr, c->signature.len);
}
