#include "proto/hdl_site.h"

#include <string.h>

#include "proto/hdl_const.h"

static int server_decode(struct hdl_reader *r, struct hdl_site_server *s)
{
    struct hdl_slice addr;
    int err;
    if ((err = hdl_get_u32(r, &s->server_id)) || (err = hdl_get_raw(r, 16, &addr)) ||
        (err = hdl_get_bytes(r, HDL_MAX_MESSAGE_LEN, &s->public_key)) ||
        (err = hdl_get_u32(r, &s->iface_count)))
        return err;
    memcpy(s->address, addr.ptr, 16);
    if (s->iface_count > HDL_SITE_MAX_IFACES)
        return HDL_ERR_LIMIT;
    for (uint32_t i = 0; i < s->iface_count; i++) {
        struct hdl_site_iface *f = &s->ifaces[i];
        if ((err = hdl_get_u8(r, &f->type)) || (err = hdl_get_u8(r, &f->protocol)) ||
            (err = hdl_get_u32(r, &f->port)))
            return err;
    }
    return HDL_OK;
}

int hdl_site_decode(const uint8_t *buf, size_t len, struct hdl_site *site)
{
    struct hdl_reader r;
    hdl_reader_init(&r, buf, len);
    int err;
    if ((err = hdl_get_u16(&r, &site->data_version)) ||
        (err = hdl_get_u8(&r, &site->proto_major)) || (err = hdl_get_u8(&r, &site->proto_minor)) ||
        (err = hdl_get_u16(&r, &site->serial)) || (err = hdl_get_u8(&r, &site->flags)) ||
        (err = hdl_get_u8(&r, &site->hash_option)) ||
        (err = hdl_get_bytes(&r, HDL_MAX_MESSAGE_LEN, &site->hash_filter)) ||
        (err = hdl_get_u32(&r, &site->attr_count)))
        return err;
    if (site->attr_count > HDL_SITE_MAX_ATTRS)
        return HDL_ERR_LIMIT;
    for (uint32_t i = 0; i < site->attr_count; i++) {
        if ((err = hdl_get_bytes(&r, HDL_MAX_MESSAGE_LEN, &site->attrs[i].name)) ||
            (err = hdl_get_bytes(&r, HDL_MAX_MESSAGE_LEN, &site->attrs[i].value)))
            return err;
    }
    if ((err = hdl_get_u32(&r, &site->server_count)))
        return err;
    if (site->server_count > HDL_SITE_MAX_SERVERS)
        return HDL_ERR_LIMIT;
    for (uint32_t i = 0; i < site->server_count; i++)
        if ((err = server_decode(&r, &site->servers[i])))
            return err;
    return hdl_reader_left(&r) ? HDL_ERR_TRAILING : HDL_OK;
}

void hdl_site_encode(struct hdl_writer *w, const struct hdl_site *site)
{
    hdl_put_u16(w, site->data_version);
    hdl_put_u8(w, site->proto_major);
    hdl_put_u8(w, site->proto_minor);
    hdl_put_u16(w, site->serial);
    hdl_put_u8(w, site->flags);
    hdl_put_u8(w, site->hash_option);
    hdl_put_bytes(w, site->hash_filter.ptr, site->hash_filter.len);
    uint32_t na = site->attr_count < HDL_SITE_MAX_ATTRS ? site->attr_count : HDL_SITE_MAX_ATTRS;
    hdl_put_u32(w, na);
    for (uint32_t i = 0; i < na; i++) {
        hdl_put_bytes(w, site->attrs[i].name.ptr, site->attrs[i].name.len);
        hdl_put_bytes(w, site->attrs[i].value.ptr, site->attrs[i].value.len);
    }
    uint32_t ns =
        site->server_count < HDL_SITE_MAX_SERVERS ? site->server_count : HDL_SITE_MAX_SERVERS;
    hdl_put_u32(w, ns);
    for (uint32_t i = 0; i < ns; i++) {
        const struct hdl_site_server *s = &site->servers[i];
        hdl_put_u32(w, s->server_id);
        hdl_put_raw(w, s->address, 16);
        hdl_put_bytes(w, s->public_key.ptr, s->public_key.len);
        uint32_t nf = s->iface_count < HDL_SITE_MAX_IFACES ? s->iface_count : HDL_SITE_MAX_IFACES;
        hdl_put_u32(w, nf);
        for (uint32_t j = 0; j < nf; j++) {
            hdl_put_u8(w, s->ifaces[j].type);
            hdl_put_u8(w, s->ifaces[j].protocol);
            hdl_put_u32(w, s->ifaces[j].port);
        }
    }
}
