/* A mirror following a source server's transaction log (RETRIEVE_TXN_LOG; mirror_internal.h). */
#include <stdio.h>
#include <string.h>

#include "common/errcode.h"
#include "proto/hdl_const.h"
#include "proto/hdl_site.h"
#include "resolver/log.h"
#include "resolver/node.h"
#include "resolver/replication/mirror_internal.h"

/* Applies one transaction with the position that includes it. */
static int apply_txn(struct mirror *m, struct source *s, const struct hdl_repl_record *rec,
                     bool *prefixes_changed)
{
    struct reg_db *db = m->node->db;
    struct repl_pos next = s->pos;
    next.txn_id = rec->txn_id;
    uint8_t pbuf[REPL_POS_MAX];
    struct reg_meta_put meta = {s->meta_key, pbuf, repl_pos_encode(&next, pbuf)};
    int rc = REG_OK;
    switch (rec->action) {
    case HDL_REPL_ACT_CREATE:
    case HDL_REPL_ACT_UPDATE:
        /* The values are the handle's as the stream was written; none means it is gone since
         * (its delete follows), so the mirror drops it now. */
        if (rec->value_count > 0) {
            const uint8_t *record;
            size_t len;
            rc = repl_record_build(&m->rec, rec, &record, &len);
            if (rc == HDL_OK)
                rc = reg_mirror_record(db, rec->handle.ptr, rec->handle.len, record, len, &meta);
            break;
        }
        /* fall through */
    case HDL_REPL_ACT_DELETE:
        rc = reg_mirror_record(db, rec->handle.ptr, rec->handle.len, NULL, 0, &meta);
        break;
    case HDL_REPL_ACT_HOME:
    case HDL_REPL_ACT_UNHOME:
        rc = reg_mirror_prefix(db, (const char *)rec->handle.ptr, rec->handle.len,
                               rec->action == HDL_REPL_ACT_HOME, &meta);
        *prefixes_changed = true;
        break;
    default:
        /* DELETE_ALL (multi-primary housekeeping): nothing this mirror can act on. */
        rc = reg_meta_write(db, meta.key, meta.val, meta.len);
        break;
    }
    if (rc == HDL_ERR_MALFORMED || rc == HDL_ERR_LIMIT || rc == REG_ERR_INVALID) {
        /* A record the registry cannot hold: said loudly, and passed so the rest follows. */
        log_error("replication from %s: txn %llu for %.*s not applied: %s", s->st.name,
                  (unsigned long long)rec->txn_id, (int)rec->handle.len,
                  (const char *)rec->handle.ptr, pz_strerror(rc));
        rc = reg_meta_write(db, meta.key, meta.val, meta.len);
    }
    if (rc == REG_OK)
        s->pos.txn_id = rec->txn_id;
    return rc;
}

/* One RETRIEVE_TXN_LOG: everything after the position, applied in order. */
void mirror_poll(struct mirror *m, struct source *s)
{
    uint8_t body[32];
    struct hdl_writer w;
    hdl_writer_init(&w, body, sizeof body);
    struct hdl_repl_retrieve r = {.last_txn_id = s->pos.txn_id,
                                  .last_query_date = s->pos.date_ms,
                                  .hash_type = HDL_HASH_BY_HANDLE,
                                  .num_servers = 1,
                                  .server_num = 0};
    hdl_repl_retrieve_encode(&w, HDL_MAJOR_VERSION,
                             conf_replication_pk(m->rc) ? 7 : HDL_MINOR_VERSION, &r);
    struct repl_conn c;
    repl_conn_init(&c, (int)m->rc->timeout_ms);
    struct repl_stream st;
    int64_t sent = mirror_mono_ms();
    if (mirror_open_stream(m, s, &c, HDL_OC_RETRIEVE_TXN_LOG, body, w.len, &st) != 0) {
        repl_conn_close(&c);
        mirror_track_conn(m, -1);
        pthread_mutex_lock(&m->mu);
        s->st.polls_failed++;
        pthread_mutex_unlock(&m->mu);
        return;
    }
    uint32_t status = 0;
    int err = repl_stream_txn_header(&st, &status);
    const char *why = st.err;
    bool ended = false, prefixes = false;
    uint64_t applied = 0, last_txn_date = 0;
    struct reg_db *db = m->node->db;
    reg_defer_sync_begin(db);
    while (err == 0 && !ended) {
        struct hdl_repl_record rec;
        err = repl_stream_next(&st, &rec);
        if (err != 0)
            break;
        if (rec.type == HDL_REPL_TXN_END) {
            ended = true;
            if (status == HDL_REPL_STATUS_SENDING)
                s->pos.date_ms = rec.date_ms;
            break;
        }
        if (status != HDL_REPL_STATUS_SENDING || rec.txn_id <= s->pos.txn_id)
            continue; /* already applied (a primary resending) */
        if ((err = apply_txn(m, s, &rec, &prefixes)) != 0) {
            why = "cannot write a transaction into the registry";
            break;
        }
        applied++;
        last_txn_date = rec.date_ms;
    }
    if (ended && status == HDL_REPL_STATUS_SENDING) {
        uint8_t pbuf[REPL_POS_MAX];
        struct reg_meta_put meta = mirror_pos_meta(s, pbuf);
        if (reg_meta_write(db, meta.key, meta.val, meta.len) != REG_OK) {
            err = REG_ERR_IO;
            why = "cannot store the replication position";
        }
    }
    if (reg_defer_sync_end(db) != REG_OK && err == 0) {
        err = REG_ERR_IO;
        why = "cannot sync the registry";
    }
    repl_conn_close(&c);
    mirror_track_conn(m, -1);
    if (prefixes)
        mirror_reload_prefixes(m);
    pthread_mutex_lock(&m->mu);
    s->st.applied += applied;
    s->st.last_txn_id = s->pos.txn_id;
    if (last_txn_date)
        s->st.last_txn_date_ms = last_txn_date;
    if (err == 0 && ended) {
        s->st.polls_ok++;
        s->st.last_contact = time(NULL);
        s->st.last_date_ms = s->pos.date_ms;
        if (status == HDL_REPL_STATUS_SENDING) {
            s->last_ok_ms = sent;
            s->st.lag_transactions = (int64_t)applied;
        } else {
            s->st.lag_transactions = -1; /* NEED_TO_REDUMP: a copy follows */
        }
    } else {
        s->st.polls_failed++;
    }
    pthread_mutex_unlock(&m->mu);
    if (err != 0 || !ended) {
        mirror_set_state(m, s, mirror_state_of_error(err), err ? why : "the stream ended early");
        return;
    }
    if (status == HDL_REPL_STATUS_NEED_REDUMP) {
        /* The primary no longer holds what comes after our position: copy it again. */
        log_warn("replication from %s: the primary answers NEED_TO_REDUMP at txn %llu: copying "
                 "again",
                 s->st.name, (unsigned long long)s->pos.txn_id);
        s->pos = (struct repl_pos){.state = REPL_POS_DUMPING};
        uint8_t pbuf[REPL_POS_MAX];
        struct reg_meta_put meta = mirror_pos_meta(s, pbuf);
        reg_meta_write(db, meta.key, meta.val, meta.len);
        pthread_mutex_lock(&m->mu);
        s->st.redumps++;
        pthread_mutex_unlock(&m->mu);
        return;
    }
    mirror_set_state(m, s, MIRROR_FOLLOWING, NULL);
}
