/* RETRIEVE_TXN_LOG (1001) on the primary: the transactions a mirror lacks (docs/replication.md). */
#include <stdlib.h>
#include <string.h>

#include "proto/hdl_const.h"
#include "registry/reg_db.h"
#include "registry/reg_record.h"
#include "resolver/log.h"
#include "resolver/replication/repl_primary.h"

#define DAY_MS (86400ull * 1000u)

bool repl_primary_need_redump(const struct repl_log_state *log, uint64_t last_txn_id,
                              uint64_t last_query_date, uint64_t now_ms)
{
    if (log->last_id == 0 || last_txn_id >= log->last_id)
        return false; /* nothing to send */
    if (log->import_id > last_txn_id)
        return true; /* an import's handles are not in the log */
    if (log->first_id == 0)
        return true; /* changes were made, but the log holds none of them */
    if (log->first_date_ms <= last_query_date)
        return false; /* the log began before the mirror's last pull */
    if (last_txn_id == 0 && log->first_id == 1) {
        if (now_ms - log->first_date_ms < 10 * DAY_MS && log->first_date_ms <= now_ms)
            return false;
        if (log->first_date_ms <= last_query_date + DAY_MS)
            return false;
    }
    if (last_txn_id > 0 && log->first_date_ms <= last_query_date + DAY_MS &&
        log->first_id == last_txn_id + 1)
        return false;
    return true;
}

/* The first entry of the log, and the last import after `after`. */
struct log_probe {
    struct repl_log_state *state;
    uint64_t after;
    bool first_seen;
};

static int probe_first(void *ctx, uint64_t id, int op, uint32_t time, const uint8_t *handle,
                       size_t len)
{
    struct log_probe *p = ctx;
    (void)op;
    (void)handle;
    (void)len;
    if (id > p->state->last_id)
        return 1;
    p->state->first_id = id;
    p->state->first_date_ms = (uint64_t)time * 1000u;
    return 1;
}

static int probe_imports(void *ctx, uint64_t id, int op, uint32_t time, const uint8_t *handle,
                         size_t len)
{
    struct log_probe *p = ctx;
    (void)time;
    (void)handle;
    (void)len;
    if (id > p->state->last_id)
        return 1;
    if (op == REG_TXN_IMPORT)
        p->state->import_id = id;
    return 0;
}

struct txn_send {
    struct node *node;
    struct repl_stream *st;
    const struct hdl_repl_retrieve *req;
    uint64_t last_id;
    uint8_t *buf;
    size_t cap;
    int failed;
};

static uint8_t action_of(int op)
{
    switch (op) {
    case REG_TXN_PUT:
        return HDL_REPL_ACT_UPDATE; /* a mirror replaces the record whole for either */
    case REG_TXN_DELETE:
        return HDL_REPL_ACT_DELETE;
    case REG_TXN_HOME:
        return HDL_REPL_ACT_HOME;
    case REG_TXN_UNHOME:
        return HDL_REPL_ACT_UNHOME;
    default:
        return 0;
    }
}

static int send_txn(void *ctx, uint64_t id, int op, uint32_t time, const uint8_t *handle,
                    size_t len)
{
    struct txn_send *t = ctx;
    if (id > t->last_id)
        return 1;
    uint8_t action = action_of(op);
    if (action == 0)
        return 0; /* imports were ruled out before (NEED_TO_REDUMP) */
    bool prefix_op = action == HDL_REPL_ACT_HOME || action == HDL_REPL_ACT_UNHOME;
    if (!prefix_op && !repl_primary_selects(t->req->hash_type, t->req->num_servers,
                                            t->req->server_num, handle, len))
        return 0;
    /* The handle's values as they are now (none once deleted), as the reference sends them. */
    struct reg_pin pin = {0};
    bool pinned = false;
    struct reg_record_view rec = {0};
    if (action == HDL_REPL_ACT_UPDATE && reg_get_record(t->node->db, handle, len, &pin) == REG_OK) {
        pinned = true;
        if (reg_record_parse(pin.data, pin.len, 0, &rec) != HDL_OK)
            rec = (struct reg_record_view){0};
    }
    size_t need = 1 + 8 + 4 + len + 1 + 8 + 4 + (size_t)rec.value_count * 4 + rec.values.len;
    int rc = 0;
    if (need > t->cap) {
        uint8_t *b = realloc(t->buf, need);
        if (!b) {
            rc = 1;
            t->failed = -1;
            goto out;
        }
        t->buf = b;
        t->cap = need;
    }
    struct hdl_writer w;
    hdl_writer_init(&w, t->buf, t->cap);
    if (hdl_repl_put_txn(&w, id, (struct hdl_slice){handle, (uint32_t)len}, action,
                         (uint64_t)time * 1000u, rec.value_count, rec.values) != HDL_OK ||
        hdl_writer_status(&w) != HDL_OK) {
        log_warn("replication: txn %llu (%.*s) not sent: malformed values", (unsigned long long)id,
                 (int)len, (const char *)handle);
        goto out;
    }
    if (repl_stream_block(t->st, t->buf, w.len) != 0) {
        t->failed = -1;
        rc = 1;
    }
out:
    if (pinned)
        reg_pin_release(&pin);
    return rc;
}

int repl_primary_txns(struct node *node, struct repl_stream *st,
                      const struct hdl_repl_retrieve *req)
{
    struct repl_log_state log = {.last_id = reg_stable_txn_id(node->db)};
    struct log_probe probe = {.state = &log};
    int rc = REG_OK;
    if (log.last_id > 0)
        rc = reg_txlog_scan(node->db, 0, probe_first, &probe);
    if (rc == REG_OK && log.last_id > req->last_txn_id)
        rc = reg_txlog_scan(node->db, req->last_txn_id + 1, probe_imports, &probe);
    if (rc != REG_OK) {
        log_error("replication: transaction log scan failed (%d)", rc);
        return -1;
    }
    uint64_t now = repl_now_ms();
    bool redump = repl_primary_need_redump(&log, req->last_txn_id, req->last_query_date, now);
    uint8_t small[32];
    struct hdl_writer w;
    hdl_writer_init(&w, small, sizeof small);
    hdl_repl_put_txn_header(&w, redump ? HDL_REPL_STATUS_NEED_REDUMP : HDL_REPL_STATUS_SENDING);
    if (repl_stream_block(st, small, w.len) != 0)
        return -1;
    if (!redump && log.last_id > req->last_txn_id) {
        struct txn_send t = {.node = node, .st = st, .req = req, .last_id = log.last_id};
        rc = reg_txlog_scan(node->db, req->last_txn_id + 1, send_txn, &t);
        free(t.buf);
        if (t.failed || rc != REG_OK)
            return -1;
    }
    /* END: the clock the mirror sends back next time; with NEED_TO_REDUMP its own date echoed. */
    hdl_writer_init(&w, small, sizeof small);
    hdl_repl_put_txn_end(&w, redump ? req->last_query_date : now);
    if (repl_stream_block(st, small, w.len) != 0)
        return -1;
    return repl_stream_finish(st, NULL, 0);
}
