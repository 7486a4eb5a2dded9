#include "proto/hdl_header.h"

int hdl_header_decode(struct hdl_reader *r, struct hdl_header *h)
{
    int err;
    if ((err = hdl_get_u32(r, &h->opcode)) || (err = hdl_get_u32(r, &h->response_code)) ||
        (err = hdl_get_u32(r, &h->op_flags)) || (err = hdl_get_u16(r, &h->site_serial)) ||
        (err = hdl_get_u8(r, &h->recursion_count)) || (err = hdl_get_u8(r, &h->reserved)) ||
        (err = hdl_get_u32(r, &h->expiration)) || (err = hdl_get_u32(r, &h->body_length)))
        return err;
    return HDL_OK;
}

void hdl_header_encode(struct hdl_writer *w, const struct hdl_header *h)
{
    hdl_put_u32(w, h->opcode);
    hdl_put_u32(w, h->response_code);
    hdl_put_u32(w, h->op_flags);
    hdl_put_u16(w, h->site_serial);
    hdl_put_u8(w, h->recursion_count);
    hdl_put_u8(w, h->reserved);
    hdl_put_u32(w, h->expiration);
    hdl_put_u32(w, h->body_length);
}
