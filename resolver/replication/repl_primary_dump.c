/* DUMP_HANDLES (1002) on the primary: the whole registry as one stream (docs/replication.md). */
#include <stdlib.h>
#include <string.h>

#include "proto/hdl_const.h"
#include "registry/reg_bulk.h"
#include "registry/reg_db.h"
#include "registry/reg_record.h"
#include "resolver/log.h"
#include "resolver/replication/repl_primary.h"

struct dump {
    struct repl_stream *st;
    const struct hdl_repl_dump *req;
    uint8_t start[REG_MAX_KEY]; /* the canonical resume point (handle) */
    size_t start_len;
    uint8_t *buf; /* one record */
    size_t cap;
    int failed;
};

static int put_handle(void *ctx, const uint8_t *key, size_t klen, const uint8_t *record,
                      size_t rlen)
{
    struct dump *d = ctx;
    if (d->start_len) {
        size_t n = klen < d->start_len ? klen : d->start_len;
        int c = memcmp(key, d->start, n);
        if (c < 0 || (c == 0 && klen <= d->start_len))
            return 0; /* at or before the resume point */
    }
    if (!repl_primary_selects(d->req->hash_type, d->req->num_servers, d->req->server_num, key,
                              klen))
        return 0;
    struct reg_record_view rec;
    if (reg_record_parse(record, rlen, 0, &rec) != HDL_OK) {
        log_warn("replication: dump skips %.*s: its stored record does not parse", (int)klen,
                 (const char *)key);
        return 0;
    }
    size_t need = 1 + 4 + klen + 4 + (size_t)rec.value_count * 4 + rec.values.len;
    if (need > d->cap) {
        uint8_t *b = realloc(d->buf, need);
        if (!b) {
            d->failed = -1;
            return 1;
        }
        d->buf = b;
        d->cap = need;
    }
    struct hdl_writer w;
    hdl_writer_init(&w, d->buf, d->cap);
    if (hdl_repl_put_dump_handle(&w, (struct hdl_slice){key, (uint32_t)klen}, rec.value_count,
                                 rec.values) != HDL_OK ||
        hdl_writer_status(&w) != HDL_OK) {
        log_warn("replication: dump skips %.*s: malformed values", (int)klen, (const char *)key);
        return 0;
    }
    if (repl_stream_block(d->st, d->buf, w.len) != 0) {
        d->failed = -1;
        return 1;
    }
    return 0;
}

static int put_homed(void *ctx, const char *prefix_handle, size_t len)
{
    struct dump *d = ctx;
    if (d->req->has_start && d->req->start_type == HDL_REPL_START_NA) {
        size_t n = len < d->req->start.len ? len : d->req->start.len;
        int c = memcmp(prefix_handle, d->req->start.ptr, n);
        if (c < 0 || (c == 0 && len <= d->req->start.len))
            return 0;
    }
    uint8_t buf[1 + 4 + HDL_MAX_HANDLE_LEN];
    struct hdl_writer w;
    hdl_writer_init(&w, buf, sizeof buf);
    hdl_repl_put_dump_homed(&w, (struct hdl_slice){(const uint8_t *)prefix_handle, (uint32_t)len});
    if (hdl_writer_status(&w) != HDL_OK)
        return 0;
    if (repl_stream_block(d->st, buf, w.len) != 0) {
        d->failed = -1;
        return 1;
    }
    return 0;
}

int repl_primary_dump(struct node *node, struct repl_stream *st, const struct hdl_repl_dump *req)
{
    struct dump d = {.st = st, .req = req};
    uint8_t small[64];
    struct hdl_writer w;
    hdl_writer_init(&w, small, sizeof small);
    hdl_repl_put_dump_header(&w);
    if (repl_stream_block(st, small, w.len) != 0)
        return -1;
    bool handles = true;
    if (req->has_start) {
        /* Resuming: no replication info again; after an NA point the handles are all sent. */
        if (req->start_type == HDL_REPL_START_NA)
            handles = false;
        else if (req->start_type == HDL_REPL_START_HANDLE &&
                 !(d.start_len =
                       reg_canonical_key(node->db, req->start.ptr, req->start.len, d.start)))
            handles = false;
    } else {
        /* The log's last durable id before the first handle is read: a change during the scan is
         * then also in the log after it, and the mirror's next RETRIEVE carries it. */
        uint64_t last = reg_stable_txn_id(node->db);
        hdl_writer_init(&w, small, sizeof small);
        hdl_repl_put_dump_info(&w, repl_now_ms(), last);
        if (repl_stream_block(st, small, w.len) != 0)
            return -1;
    }
    int rc = REG_OK;
    if (handles)
        rc = reg_bulk_scan(node->db, NULL, 0, put_handle, &d);
    free(d.buf);
    if (d.failed || rc != REG_OK) {
        if (rc != REG_OK)
            log_error("replication: dump: registry scan failed (%d)", rc);
        return -1;
    }
    rc = reg_list_prefixes(node->db, put_homed, &d);
    if (d.failed || rc != REG_OK)
        return -1;
    hdl_writer_init(&w, small, sizeof small);
    hdl_repl_put_dump_done(&w);
    return repl_stream_finish(st, small, w.len);
}
