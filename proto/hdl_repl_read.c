/*
 * Reading a replication stream (the mirror's side of proto/hdl_repl.h): the stream type word,
 * the headers and records of the dump (1002) and transaction (1001) streams, and PK mode's
 * signatures. Every reader works on the bytes received so far: a record not yet complete is
 * HDL_ERR_TRUNCATED, so the caller reads more and tries again from the same start.
 */
#include "proto/hdl_repl.h"

#include "proto/hdl_const.h"
#include "proto/hdl_value.h"

/* Longest hash id a PK stream names ("SHA-256" and the like), and signature (RSA-8192). */
#define HASH_ID_MAX 32u
#define SIGNATURE_MAX 1024u

int hdl_repl_read_stream_type(const uint8_t *p, size_t len, size_t *used, uint32_t *type,
                              struct hdl_slice *hash_id)
{
    struct hdl_reader r;
    hdl_reader_init(&r, p, len);
    int rc = hdl_get_u32(&r, type);
    if (rc != HDL_OK)
        return rc;
    hash_id->ptr = NULL;
    hash_id->len = 0;
    if (*type == HDL_REPL_STREAM_PK) {
        rc = hdl_get_bytes(&r, HASH_ID_MAX, hash_id);
        if (rc == HDL_ERR_LIMIT)
            return HDL_ERR_MALFORMED;
        if (rc != HDL_OK)
            return rc;
    } else if (*type != HDL_REPL_STREAM_TLS && *type != HDL_REPL_STREAM_UNSIGNED) {
        return HDL_ERR_MALFORMED;
    }
    *used = r.pos;
    return HDL_OK;
}

int hdl_repl_read_dump_header(const uint8_t *p, size_t len, size_t *used)
{
    struct hdl_reader r;
    uint32_t version;
    hdl_reader_init(&r, p, len);
    int rc = hdl_get_u32(&r, &version);
    if (rc != HDL_OK)
        return rc;
    /* Version 1 streams end after the replication info record, which we do not take. */
    if (version != HDL_REPL_DUMP_VERSION)
        return HDL_ERR_UNSUPPORTED;
    *used = r.pos;
    return HDL_OK;
}

int hdl_repl_read_txn_header(const uint8_t *p, size_t len, size_t *used, uint32_t *status)
{
    struct hdl_reader r;
    uint32_t version;
    hdl_reader_init(&r, p, len);
    int rc = hdl_get_u32(&r, &version);
    if (rc == HDL_OK && version != HDL_REPL_TXN_VERSION)
        return HDL_ERR_UNSUPPORTED; /* form B (2) answers pull-all requests, never sent */
    if (rc == HDL_OK)
        rc = hdl_get_u32(&r, status);
    if (rc != HDL_OK)
        return rc;
    if (*status != HDL_REPL_STATUS_SENDING && *status != HDL_REPL_STATUS_NEED_REDUMP)
        return HDL_ERR_MALFORMED;
    *used = r.pos;
    return HDL_OK;
}

/* A handle field: int4 length + bytes, not empty and not longer than a handle may be. */
static int get_handle(struct hdl_reader *r, struct hdl_slice *out)
{
    uint32_t n;
    int rc = hdl_get_u32(r, &n);
    if (rc != HDL_OK)
        return rc;
    if (n == 0 || n > HDL_MAX_HANDLE_LEN)
        return HDL_ERR_MALFORMED;
    return hdl_get_raw(r, n, out);
}

/* int4 count, then count × (int4 len + one wire-encoded value that fills exactly len). */
static int get_values(struct hdl_reader *r, struct hdl_repl_record *rec)
{
    int rc = hdl_get_u32(r, &rec->value_count);
    if (rc != HDL_OK)
        return rc;
    if (rec->value_count > HDL_MAX_VALUES)
        return HDL_ERR_LIMIT;
    size_t start = r->pos;
    for (uint32_t i = 0; i < rec->value_count; i++) {
        uint32_t n;
        struct hdl_slice v;
        rc = hdl_get_u32(r, &n);
        if (rc == HDL_OK)
            rc = hdl_get_raw(r, n, &v);
        if (rc != HDL_OK)
            return rc;
        /* The value is all here: anything wrong inside it is malformed, not truncated. */
        struct hdl_reader vr;
        hdl_reader_init(&vr, v.ptr, v.len);
        if (hdl_value_skip(&vr) != HDL_OK || hdl_reader_left(&vr) != 0)
            return HDL_ERR_MALFORMED;
    }
    rec->values.ptr = r->buf + start;
    rec->values.len = (uint32_t)(r->pos - start);
    return HDL_OK;
}

static void record_clear(struct hdl_repl_record *rec, int type)
{
    *rec = (struct hdl_repl_record){.type = type};
}

int hdl_repl_read_dump_record(const uint8_t *p, size_t len, size_t *used,
                              struct hdl_repl_record *rec)
{
    struct hdl_reader r;
    uint8_t type;
    hdl_reader_init(&r, p, len);
    int rc = hdl_get_u8(&r, &type);
    if (rc != HDL_OK)
        return rc;
    record_clear(rec, (int8_t)type);
    switch ((int8_t)type) {
    case HDL_REPL_DUMP_INFO:
        rc = hdl_get_u64(&r, &rec->date_ms);
        if (rc == HDL_OK)
            rc = hdl_get_u64(&r, &rec->txn_id);
        break;
    case HDL_REPL_DUMP_HANDLE:
        rc = get_handle(&r, &rec->handle);
        if (rc == HDL_OK)
            rc = get_values(&r, rec);
        break;
    case HDL_REPL_DUMP_HOMED:
        rc = get_handle(&r, &rec->handle);
        break;
    case HDL_REPL_DUMP_HANDLE_DATE:
    case HDL_REPL_DUMP_NA_DATE: {
        uint32_t priority;
        rc = get_handle(&r, &rec->handle);
        if (rc == HDL_OK)
            rc = hdl_get_u64(&r, &rec->date_ms);
        if (rc == HDL_OK)
            rc = hdl_get_u32(&r, &priority);
        break;
    }
    case HDL_REPL_DUMP_OTHER_SITE:
        /* The status text of a multi-primary source: read past it. */
        rc = hdl_get_bytes(&r, HDL_MAX_MESSAGE_LEN, &rec->handle);
        break;
    case HDL_REPL_DUMP_DONE:
        break;
    default:
        return HDL_ERR_MALFORMED;
    }
    if (rc != HDL_OK)
        return rc;
    *used = r.pos;
    return HDL_OK;
}

int hdl_repl_read_txn_record(const uint8_t *p, size_t len, size_t *used,
                             struct hdl_repl_record *rec)
{
    struct hdl_reader r;
    uint8_t type;
    hdl_reader_init(&r, p, len);
    int rc = hdl_get_u8(&r, &type);
    if (rc != HDL_OK)
        return rc;
    record_clear(rec, type);
    if (type == HDL_REPL_TXN_END) {
        rc = hdl_get_u64(&r, &rec->date_ms);
    } else if (type == HDL_REPL_TXN) {
        rc = hdl_get_u64(&r, &rec->txn_id);
        if (rc == HDL_OK)
            rc = get_handle(&r, &rec->handle);
        if (rc == HDL_OK)
            rc = hdl_get_u8(&r, &rec->action);
        if (rc == HDL_OK)
            rc = hdl_get_u64(&r, &rec->date_ms);
        if (rc != HDL_OK)
            return rc;
        switch (rec->action) {
        case HDL_REPL_ACT_CREATE:
        case HDL_REPL_ACT_UPDATE:
            rc = get_values(&r, rec);
            break;
        case HDL_REPL_ACT_DELETE:
        case HDL_REPL_ACT_HOME:
        case HDL_REPL_ACT_UNHOME:
        case HDL_REPL_ACT_DELETE_ALL:
            break;
        default:
            return HDL_ERR_MALFORMED;
        }
    } else {
        return HDL_ERR_MALFORMED;
    }
    if (rc != HDL_OK)
        return rc;
    *used = r.pos;
    return HDL_OK;
}

int hdl_repl_read_signature(const uint8_t *p, size_t len, size_t *used, struct hdl_slice *sig)
{
    struct hdl_reader r;
    hdl_reader_init(&r, p, len);
    int rc = hdl_get_bytes(&r, SIGNATURE_MAX, sig);
    if (rc == HDL_ERR_LIMIT || (rc == HDL_OK && sig->len == 0))
        return HDL_ERR_MALFORMED;
    if (rc != HDL_OK)
        return rc;
    *used = r.pos;
    return HDL_OK;
}
