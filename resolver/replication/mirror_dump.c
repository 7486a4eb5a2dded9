/* A mirror's first copy of a source server (DUMP_HANDLES), resumable (mirror_internal.h). */
#include <stdio.h>
#include <string.h>

#include "common/errcode.h"
#include "proto/hdl_const.h"
#include "proto/hdl_site.h"
#include "resolver/log.h"
#include "resolver/node.h"
#include "resolver/replication/mirror_internal.h"

/* Handles per atomic write during a first copy (with the position to resume from). */
#define DUMP_BATCH 1000

/* Commits a dump batch with the position to resume from. */
static int commit_dump_batch(struct source *s, struct reg_batch *b)
{
    if (reg_batch_count(b) == 0)
        return REG_OK;
    uint8_t buf[REPL_POS_MAX];
    struct reg_meta_put meta = mirror_pos_meta(s, buf);
    reg_batch_put_meta(b, &meta);
    return reg_batch_commit(b);
}

/* A first copy, or its resumption after the last handle stored. */
void mirror_dump(struct mirror *m, struct source *s)
{
    struct reg_db *db = m->node->db;
    uint8_t pbuf[REPL_POS_MAX];
    /* With one source, the copy marks what it delivers and sweeps the rest at the end; with
     * several, each holds only part of the handles and no one copy can tell what is gone. */
    bool sweep = m->count == 1;
    if (s->pos.state != REPL_POS_DUMPING) {
        if (sweep && reg_mirror_marks_clear(db) != REG_OK) {
            mirror_set_state(m, s, MIRROR_FAILING, "cannot clear the marks of a previous copy");
            return;
        }
        s->pos = (struct repl_pos){.state = REPL_POS_DUMPING};
        struct reg_meta_put meta = mirror_pos_meta(s, pbuf);
        reg_meta_write(db, meta.key, meta.val, meta.len);
    }
    uint8_t body[16 + HDL_MAX_HANDLE_LEN];
    struct hdl_writer w;
    hdl_writer_init(&w, body, sizeof body);
    struct hdl_repl_dump d = {.hash_type = HDL_HASH_BY_HANDLE, .num_servers = 1, .server_num = 0};
    if (s->pos.resume_len) {
        d.has_start = true;
        d.start = (struct hdl_slice){s->pos.resume, s->pos.resume_len};
        d.start_type = HDL_REPL_START_HANDLE;
    }
    hdl_repl_dump_encode(&w, &d);
    struct repl_conn c;
    repl_conn_init(&c, (int)m->rc->timeout_ms);
    struct repl_stream st;
    if (mirror_open_stream(m, s, &c, HDL_OC_DUMP_HANDLES, body, w.len, &st) != 0) {
        repl_conn_close(&c);
        mirror_track_conn(m, -1);
        pthread_mutex_lock(&m->mu);
        s->st.polls_failed++;
        pthread_mutex_unlock(&m->mu);
        return;
    }
    int64_t sent = mirror_mono_ms();
    mirror_set_state(m, s, MIRROR_COPYING, NULL);
    struct reg_batch *b = reg_batch_new(db);
    int err = b ? repl_stream_dump_header(&st) : PZ_ERR_NOMEM;
    const char *why = st.err;
    bool done = false, homed = false;
    uint64_t handles = 0;
    pthread_mutex_lock(&m->mu);
    uint64_t base = s->st.dumped_handles;
    s->st.lag_transactions = -1; /* unknown until the first poll after the copy */
    pthread_mutex_unlock(&m->mu);
    while (err == 0 && !done && !mirror_stopping(m)) {
        struct hdl_repl_record rec;
        err = repl_stream_next(&st, &rec);
        if (err != 0)
            break;
        switch (rec.type) {
        case HDL_REPL_DUMP_INFO:
            s->pos.txn_id = rec.txn_id;
            s->pos.date_ms = rec.date_ms;
            break;
        case HDL_REPL_DUMP_HANDLE: {
            const uint8_t *record;
            size_t len;
            int rc = repl_record_build(&m->rec, &rec, &record, &len);
            if (rc == HDL_OK)
                rc = reg_batch_put(b, rec.handle.ptr, rec.handle.len, record, len);
            if (rc == HDL_OK && sweep)
                rc = reg_batch_mark(b, rec.handle.ptr, rec.handle.len);
            if (rc != 0) {
                log_error("replication from %s: handle %.*s not stored: %s", s->st.name,
                          (int)rec.handle.len, (const char *)rec.handle.ptr, pz_strerror(rc));
                break;
            }
            memcpy(s->pos.resume, rec.handle.ptr, rec.handle.len);
            s->pos.resume_len = rec.handle.len;
            handles++;
            if (reg_batch_count(b) < DUMP_BATCH)
                break;
            if ((err = commit_dump_batch(s, b)) != 0) {
                why = "cannot write the copy into the registry";
                break;
            }
            /* Progress for the status: handles stored by this copy so far. */
            pthread_mutex_lock(&m->mu);
            s->st.dumped_handles = base + handles;
            pthread_mutex_unlock(&m->mu);
            break;
        }
        case HDL_REPL_DUMP_HOMED: {
            if ((err = commit_dump_batch(s, b)) != 0) {
                why = "cannot write the copy into the registry";
                break;
            }
            struct reg_meta_put meta = mirror_pos_meta(s, pbuf);
            if (sweep && (err = reg_mirror_mark_prefix(db, (const char *)rec.handle.ptr,
                                                       rec.handle.len)) == REG_ERR_INVALID)
                err = 0; /* not a prefix handle: reg_mirror_prefix says so below */
            if (err != 0)
                why = "cannot mark a prefix";
            else if ((err = reg_mirror_prefix(db, (const char *)rec.handle.ptr, rec.handle.len,
                                              true, &meta)) != 0)
                why = "cannot home a prefix";
            homed = true;
            break;
        }
        case HDL_REPL_DUMP_DONE:
            done = true;
            break;
        default:
            break; /* handle/NA dates, other sites' status: not kept here */
        }
    }
    if (b && commit_dump_batch(s, b) != 0 && err == 0) {
        err = REG_ERR_IO;
        why = "cannot write the copy into the registry";
    }
    reg_batch_free(b);
    repl_conn_close(&c);
    mirror_track_conn(m, -1);
    if (homed)
        mirror_reload_prefixes(m);
    pthread_mutex_lock(&m->mu);
    s->st.dumped_handles = base + handles;
    s->st.last_txn_id = s->pos.txn_id;
    s->st.last_date_ms = s->pos.date_ms;
    pthread_mutex_unlock(&m->mu);
    if (!done) {
        mirror_set_state(m, s, mirror_stopping(m) ? s->st.state : mirror_state_of_error(err),
                         err ? why : "the dump ended early");
        pthread_mutex_lock(&m->mu);
        s->st.polls_failed++;
        pthread_mutex_unlock(&m->mu);
        return;
    }
    /* What the primary no longer has goes now; a sweep broken here runs again on the next try,
     * which resumes after the last handle stored and ends here again. */
    uint64_t deleted = 0, unhomed = 0;
    if (sweep) {
        int rc = reg_mirror_sweep(db, &deleted, &unhomed);
        if (unhomed)
            mirror_reload_prefixes(m);
        if (rc != REG_OK) {
            mirror_set_state(m, s, MIRROR_FAILING, "cannot remove what the primary no longer has");
            return;
        }
    }
    s->pos.state = REPL_POS_FOLLOWING;
    s->pos.resume_len = 0;
    struct reg_meta_put meta = mirror_pos_meta(s, pbuf);
    if (reg_meta_write(db, meta.key, meta.val, meta.len) != REG_OK) {
        s->pos.state = REPL_POS_DUMPING;
        mirror_set_state(m, s, MIRROR_FAILING, "cannot store the replication position");
        return;
    }
    log_info("replication from %s: copy complete, %llu handles, at txn %llu; %llu handles deleted "
             "and %llu prefixes unhomed that the primary no longer has",
             s->st.name, (unsigned long long)handles, (unsigned long long)s->pos.txn_id,
             (unsigned long long)deleted, (unsigned long long)unhomed);
    pthread_mutex_lock(&m->mu);
    s->st.dumps++;
    s->st.polls_ok++;
    s->st.last_contact = time(NULL);
    s->last_ok_ms = sent;
    pthread_mutex_unlock(&m->mu);
    mirror_set_state(m, s, MIRROR_FOLLOWING, NULL);
}
