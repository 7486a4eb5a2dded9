#include "registry/reg_record.h"

#include "proto/hdl_const.h"
#include "proto/hdl_resolution.h"

int reg_record_parse(const uint8_t *buf, size_t len, int validate, struct reg_record_view *view)
{
    struct hdl_reader r;
    uint8_t version, flags;
    uint16_t reserved;
    uint32_t count;
    int err;
    hdl_reader_init(&r, buf, len);
    if ((err = hdl_get_u8(&r, &version)) || (err = hdl_get_u8(&r, &flags)) ||
        (err = hdl_get_u16(&r, &reserved)) || (err = hdl_get_u32(&r, &count)))
        return err;
    if (version != REG_RECORD_VERSION)
        return HDL_ERR_VERSION;
    if (count > HDL_MAX_VALUES)
        return HDL_ERR_LIMIT;
    if (hdl_reader_left(&r) > UINT32_MAX)
        return HDL_ERR_LIMIT;

    struct hdl_slice values = {buf + r.pos, (uint32_t)hdl_reader_left(&r)};
    if (validate) {
        uint32_t prev = 0;
        for (uint32_t i = 0; i < count; i++) {
            struct hdl_value v;
            if ((err = hdl_value_decode(&r, &v)))
                return err;
            /* What the hot path relies on: index order, and a public-only flag that never
             * lets a private value out. */
            if ((i > 0 && v.index <= prev) ||
                ((flags & REG_RECORD_ALL_PUBLIC) && !(v.perms & HDL_PERM_PUBLIC_READ)))
                return HDL_ERR_MALFORMED;
            prev = v.index;
        }
        if (hdl_reader_left(&r) != 0)
            return HDL_ERR_TRAILING;
    }
    view->flags = flags;
    view->value_count = count;
    view->values = values;
    return HDL_OK;
}

/* Insertion sort: stable, in place, and linear on the already-sorted input most writers pass. */
static void sort_by_index(struct hdl_value *values, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        struct hdl_value v = values[i];
        size_t j = i;
        for (; j > 0 && values[j - 1].index > v.index; j--)
            values[j] = values[j - 1];
        values[j] = v;
    }
}

int reg_record_prepare(struct hdl_value *values, size_t n, uint8_t *flags)
{
    if (n > HDL_MAX_VALUES)
        return HDL_ERR_LIMIT;
    sort_by_index(values, n);
    *flags = REG_RECORD_ALL_PUBLIC;
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && values[i].index == values[i - 1].index)
            return HDL_ERR_MALFORMED;
        if (!(values[i].perms & HDL_PERM_PUBLIC_READ))
            *flags = 0;
    }
    return HDL_OK;
}

int reg_record_build(struct hdl_writer *w, struct hdl_value *values, size_t n)
{
    uint8_t flags;
    int rc = reg_record_prepare(values, n, &flags);
    if (rc != HDL_OK)
        return rc;
    hdl_put_u8(w, REG_RECORD_VERSION);
    hdl_put_u8(w, flags);
    hdl_put_u16(w, 0);
    hdl_put_u32(w, (uint32_t)n);
    for (size_t i = 0; i < n; i++)
        hdl_value_encode(w, &values[i]);
    return hdl_writer_status(w);
}

uint32_t reg_record_put_selected(struct hdl_writer *w, const struct reg_record_view *rec,
                                    const struct hdl_resolution_request *rr, bool public_only)
{
    bool unfiltered = rr->index_count == 0 && rr->type_count == 0;
    if (unfiltered && (!public_only || (rec->flags & REG_RECORD_ALL_PUBLIC))) {
        hdl_put_raw(w, rec->values.ptr, rec->values.len);
        return rec->value_count;
    }
    uint32_t n = 0;
    struct hdl_reader r;
    hdl_reader_init(&r, rec->values.ptr, rec->values.len);
    for (uint32_t i = 0; i < rec->value_count; i++) {
        size_t start = r.pos;
        struct hdl_value v;
        if (hdl_value_decode(&r, &v) != HDL_OK)
            break; /* records are validated when written; stop rather than trust a bad tail */
        if (public_only && !(v.perms & HDL_PERM_PUBLIC_READ))
            continue;
        if (!unfiltered && !hdl_resolution_selects(rr, v.index, v.type))
            continue;
        hdl_put_raw(w, r.buf + start, r.pos - start);
        n++;
    }
    return n;
}
