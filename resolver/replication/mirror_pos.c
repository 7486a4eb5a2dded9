/* A mirror's stored position (mirror_pos.h). */
#include "resolver/replication/mirror_pos.h"

#include <string.h>

#include "proto/hdl_buf.h"
#include "registry/reg_mirror.h"

#define POS_LAYOUT 1

size_t repl_pos_encode(const struct repl_pos *p, uint8_t *out)
{
    struct hdl_writer w;
    hdl_writer_init(&w, out, REPL_POS_MAX);
    hdl_put_u8(&w, POS_LAYOUT);
    hdl_put_u8(&w, p->state);
    hdl_put_u64(&w, p->txn_id);
    hdl_put_u64(&w, p->date_ms);
    hdl_put_bytes(&w, p->resume, p->resume_len);
    return w.len;
}

int repl_pos_decode(const uint8_t *buf, size_t len, struct repl_pos *p)
{
    struct hdl_reader r;
    uint8_t layout;
    struct hdl_slice resume;
    memset(p, 0, sizeof *p);
    hdl_reader_init(&r, buf, len);
    int rc = hdl_get_u8(&r, &layout);
    if (rc == HDL_OK && layout != POS_LAYOUT)
        return HDL_ERR_UNSUPPORTED;
    if (rc == HDL_OK)
        rc = hdl_get_u8(&r, &p->state);
    if (rc == HDL_OK)
        rc = hdl_get_u64(&r, &p->txn_id);
    if (rc == HDL_OK)
        rc = hdl_get_u64(&r, &p->date_ms);
    if (rc == HDL_OK)
        rc = hdl_get_bytes(&r, HDL_MAX_HANDLE_LEN, &resume);
    if (rc != HDL_OK)
        return rc;
    if (hdl_reader_left(&r) != 0)
        return HDL_ERR_TRAILING;
    if (p->state > REPL_POS_FOLLOWING)
        return HDL_ERR_MALFORMED;
    memcpy(p->resume, resume.ptr, resume.len);
    p->resume_len = resume.len;
    return HDL_OK;
}

int repl_pos_load(struct reg_db *db, const char *key, struct repl_pos *p)
{
    uint8_t buf[REPL_POS_MAX];
    size_t len = 0;
    memset(p, 0, sizeof *p);
    int rc = reg_meta_read(db, key, buf, sizeof buf, &len);
    if (rc == REG_NOT_FOUND)
        return REG_OK;
    if (rc != REG_OK)
        return rc;
    return repl_pos_decode(buf, len, p) == HDL_OK ? REG_OK : REG_ERR_CORRUPT;
}
