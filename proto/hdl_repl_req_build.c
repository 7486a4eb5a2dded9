/*
 * The mirror's requests (proto/hdl_repl.h): the bodies of RETRIEVE_TXN_LOG (1001, form A) and
 * DUMP_HANDLES (1002), laid out as REPLICATION.md §6.2 and §6.3 describe them.
 */
#include "proto/hdl_repl.h"

void hdl_repl_retrieve_encode(struct hdl_writer *w, uint8_t major, uint8_t minor,
                              const struct hdl_repl_retrieve *r)
{
    /* The pull-all byte exists from 2.9 on; a 2.7 body is the 25 bytes of form A. */
    if (major > 2 || (major == 2 && minor >= HDL_REPL_PULL_ALL_MINOR))
        hdl_put_u8(w, 0);
    hdl_put_u64(w, r->last_txn_id);
    hdl_put_u64(w, r->last_query_date);
    hdl_put_u8(w, r->hash_type);
    hdl_put_u32(w, r->num_servers);
    hdl_put_u32(w, r->server_num);
}

void hdl_repl_dump_encode(struct hdl_writer *w, const struct hdl_repl_dump *d)
{
    hdl_put_u8(w, d->hash_type);
    hdl_put_u32(w, d->num_servers);
    hdl_put_u32(w, d->server_num);
    if (d->has_start) {
        hdl_put_bytes(w, d->start.ptr, d->start.len);
        hdl_put_u32(w, d->start_type);
    }
}
