/*
 * The primary's writing of replication streams (proto/hdl_repl.h): the stream type word, the
 * dump and transaction stream headers and records, and PK mode's signature blocks. Each
 * function appends one block to the writer; the caller signs or encrypts it.
 */
#include "proto/hdl_repl.h"

#include "proto/hdl_const.h"
#include "proto/hdl_value.h"

void hdl_repl_put_stream_type(struct hdl_writer *w, uint32_t type, const char *hash_id)
{
    hdl_put_u32(w, type);
    if (type == HDL_REPL_STREAM_PK)
        hdl_put_cstr(w, hash_id ? hash_id : "SHA1");
}

void hdl_repl_put_dump_header(struct hdl_writer *w)
{
    hdl_put_u32(w, HDL_REPL_DUMP_VERSION);
}

void hdl_repl_put_dump_info(struct hdl_writer *w, uint64_t date_ms, uint64_t last_txn_id)
{
    hdl_put_u8(w, HDL_REPL_DUMP_INFO);
    hdl_put_u64(w, date_ms);
    hdl_put_u64(w, last_txn_id);
}

/* count × (int4 len + value) from a run of count values back to back. */
static int put_framed_values(struct hdl_writer *w, uint32_t count, struct hdl_slice values)
{
    if (count > HDL_MAX_VALUES)
        return HDL_ERR_MALFORMED;
    struct hdl_reader r;
    hdl_reader_init(&r, values.ptr, values.len);
    hdl_put_u32(w, count);
    for (uint32_t i = 0; i < count; i++) {
        size_t start = r.pos;
        if (hdl_value_skip(&r) != HDL_OK)
            return HDL_ERR_MALFORMED;
        hdl_put_bytes(w, values.ptr + start, r.pos - start);
    }
    return hdl_reader_left(&r) ? HDL_ERR_MALFORMED : HDL_OK;
}

int hdl_repl_put_dump_handle(struct hdl_writer *w, struct hdl_slice handle, uint32_t count,
                             struct hdl_slice values)
{
    hdl_put_u8(w, HDL_REPL_DUMP_HANDLE);
    hdl_put_bytes(w, handle.ptr, handle.len);
    return put_framed_values(w, count, values);
}

void hdl_repl_put_dump_homed(struct hdl_writer *w, struct hdl_slice prefix_handle)
{
    hdl_put_u8(w, HDL_REPL_DUMP_HOMED);
    hdl_put_bytes(w, prefix_handle.ptr, prefix_handle.len);
}

void hdl_repl_put_dump_done(struct hdl_writer *w)
{
    hdl_put_u8(w, (uint8_t)HDL_REPL_DUMP_DONE);
}

void hdl_repl_put_txn_header(struct hdl_writer *w, uint32_t status)
{
    hdl_put_u32(w, HDL_REPL_TXN_VERSION);
    hdl_put_u32(w, status);
}

int hdl_repl_put_txn(struct hdl_writer *w, uint64_t txn_id, struct hdl_slice handle, uint8_t action,
                     uint64_t date_ms, uint32_t count, struct hdl_slice values)
{
    hdl_put_u8(w, HDL_REPL_TXN);
    hdl_put_u64(w, txn_id);
    hdl_put_bytes(w, handle.ptr, handle.len);
    hdl_put_u8(w, action);
    hdl_put_u64(w, date_ms);
    if (action == HDL_REPL_ACT_CREATE || action == HDL_REPL_ACT_UPDATE)
        return put_framed_values(w, count, values);
    return HDL_OK;
}

void hdl_repl_put_txn_end(struct hdl_writer *w, uint64_t date_ms)
{
    hdl_put_u8(w, HDL_REPL_TXN_END);
    hdl_put_u64(w, date_ms);
}

void hdl_repl_put_signature(struct hdl_writer *w, struct hdl_slice signature)
{
    hdl_put_bytes(w, signature.ptr, signature.len);
}
