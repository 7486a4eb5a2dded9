#include "proto/hdl_admin.h"

#include <string.h>

#include "proto/hdl_const.h"

int hdl_admin_decode(const uint8_t *buf, size_t len, struct hdl_admin *adm)
{
    struct hdl_reader r;
    hdl_reader_init(&r, buf, len);
    int err;
    if ((err = hdl_get_u16(&r, &adm->perms)) ||
        (err = hdl_get_bytes(&r, HDL_MAX_HANDLE_LEN, &adm->handle)) ||
        (err = hdl_get_u32(&r, &adm->index)))
        return err;
    adm->legacy_pad = 0;
    if (hdl_reader_left(&r) == 2 && buf[r.pos] == 0 && buf[r.pos + 1] == 0) {
        adm->legacy_pad = 1;
        return HDL_OK;
    }
    return hdl_reader_left(&r) ? HDL_ERR_TRAILING : HDL_OK;
}

void hdl_admin_encode(struct hdl_writer *w, const struct hdl_admin *adm)
{
    hdl_put_u16(w, adm->perms);
    hdl_put_bytes(w, adm->handle.ptr, adm->handle.len);
    hdl_put_u32(w, adm->index);
    if (adm->legacy_pad)
        hdl_put_u16(w, 0);
}

int hdl_vlist_decode(const uint8_t *buf, size_t len, struct hdl_vlist *vl)
{
    struct hdl_reader r;
    hdl_reader_init(&r, buf, len);
    uint32_t n;
    int err = hdl_get_u32(&r, &n);
    if (err)
        return err;
    if (n > HDL_MAX_ARRAY)
        return HDL_ERR_LIMIT;
    size_t first = r.pos;
    for (uint32_t i = 0; i < n; i++) {
        struct hdl_slice h;
        uint32_t idx;
        if ((err = hdl_get_bytes(&r, HDL_MAX_HANDLE_LEN, &h)) || (err = hdl_get_u32(&r, &idx)))
            return err;
    }
    if (hdl_reader_left(&r))
        return HDL_ERR_TRAILING;
    vl->count = n;
    vl->entries.ptr = buf + first;
    vl->entries.len = (uint32_t)(r.pos - first);
    return HDL_OK;
}

int hdl_vlist_next(const struct hdl_vlist *vl, uint32_t *pos, struct hdl_slice *handle,
                   uint32_t *index)
{
    struct hdl_reader r;
    hdl_reader_init(&r, vl->entries.ptr, vl->entries.len);
    r.pos = *pos;
    if (hdl_get_bytes(&r, HDL_MAX_HANDLE_LEN, handle) || hdl_get_u32(&r, index))
        return HDL_ERR_TRUNCATED;
    *pos = (uint32_t)r.pos;
    return HDL_OK;
}

void hdl_admin_perms_to_json(uint16_t perms, char out[13])
{
    for (int i = 0; i < 12; i++)
        out[i] = (perms & (1u << (11 - i))) ? '1' : '0';
    out[12] = '\0';
}

int hdl_admin_perms_from_json(const char *s, uint16_t *perms)
{
    size_t n = strlen(s);
    if (n == 0 || n > 12)
        return -1;
    uint16_t p = 0;
    /* The last character is addHandle (bit 0); shorter strings leave the high bits clear. */
    for (size_t i = 0; i < n; i++) {
        if (s[i] != '0' && s[i] != '1')
            return -1;
        if (s[i] == '1')
            p |= (uint16_t)(1u << (n - 1 - i));
    }
    *perms = p;
    return 0;
}

void hdl_admin_perms_to_batch(uint16_t perms, char out[13])
{
    for (int i = 0; i < 12; i++)
        out[i] = (perms & (1u << i)) ? '1' : '0';
    out[12] = '\0';
}

int hdl_admin_perms_from_batch(const char *s, uint16_t *perms)
{
    if (strlen(s) != 12)
        return -1;
    uint16_t p = 0;
    for (int i = 0; i < 12; i++) {
        if (s[i] != '0' && s[i] != '1')
            return -1;
        if (s[i] == '1')
            p |= (uint16_t)(1u << i);
    }
    *perms = p;
    return 0;
}
