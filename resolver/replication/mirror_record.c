/* Replication values to a stored record (mirror_record.h). */
#include "resolver/replication/mirror_record.h"

#include <stdlib.h>

#include "common/errcode.h"
#include "proto/hdl_const.h"
#include "registry/reg_record.h"

int repl_record_buf_init(struct repl_record_buf *b)
{
    b->values = calloc(HDL_MAX_VALUES, sizeof *b->values);
    b->cap = 65536;
    b->buf = malloc(b->cap);
    if (!b->values || !b->buf) {
        repl_record_buf_free(b);
        return PZ_ERR_NOMEM;
    }
    return 0;
}

void repl_record_buf_free(struct repl_record_buf *b)
{
    free(b->values);
    free(b->buf);
    b->values = NULL;
    b->buf = NULL;
    b->cap = 0;
}

int repl_record_build(struct repl_record_buf *b, const struct hdl_repl_record *rec,
                      const uint8_t **out, size_t *len)
{
    if (rec->value_count > HDL_MAX_VALUES)
        return HDL_ERR_LIMIT;
    struct hdl_reader r;
    hdl_reader_init(&r, rec->values.ptr, rec->values.len);
    for (uint32_t i = 0; i < rec->value_count; i++) {
        uint32_t n;
        struct hdl_slice raw;
        if (hdl_get_u32(&r, &n) != HDL_OK || hdl_get_raw(&r, n, &raw) != HDL_OK)
            return HDL_ERR_MALFORMED;
        struct hdl_reader vr;
        hdl_reader_init(&vr, raw.ptr, raw.len);
        if (hdl_value_decode(&vr, &b->values[i]) != HDL_OK || hdl_reader_left(&vr) != 0)
            return HDL_ERR_MALFORMED;
    }
    /* The stored record is never larger than the framed values plus its header. */
    size_t need = (size_t)rec->values.len + REG_RECORD_HEADER_LEN;
    if (need > b->cap) {
        uint8_t *p = realloc(b->buf, need);
        if (!p)
            return PZ_ERR_NOMEM;
        b->buf = p;
        b->cap = need;
    }
    struct hdl_writer w;
    hdl_writer_init(&w, b->buf, b->cap);
    int rc = reg_record_build(&w, b->values, rec->value_count);
    if (rc == HDL_OK)
        rc = hdl_writer_status(&w);
    if (rc != HDL_OK)
        return rc;
    *out = b->buf;
    *len = w.len;
    return HDL_OK;
}
