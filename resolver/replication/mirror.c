/*
 * The mirror's thread (mirror.h): per source server, the site's key, then a first copy or the
 * next poll, every interval. Problems are logged once per change of state, not per poll.
 */
#include "resolver/replication/mirror.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "client/admin_auth.h"
#include "common/errcode.h"
#include "crypto/key.h"
#include "proto/hdl_const.h"
#include "proto/hdl_site.h"
#include "registry/reg_mirror.h"
#include "resolver/log.h"
#include "resolver/node.h"
#include "resolver/replication/mirror_conn.h"
#include "resolver/replication/mirror_pos.h"
#include "resolver/replication/mirror_record.h"
#include "resolver/replication/mirror_site.h"
#include "resolver/replication/mirror_stream.h"

/* Handles per atomic write during a first copy (with the position to resume from). */
#define DUMP_BATCH 1000

struct source {
    struct mirror_source_status st; /* under mirror.mu */
    char meta_key[320];
    struct client_opts addr;
    bool addr_ok;
    struct repl_site_info site;
    bool site_ok;
    EVP_PKEY *pinned; /* the site key, for TLS */
    struct repl_pos pos;
    int64_t last_ok_ms; /* CLOCK_MONOTONIC ms the last successful poll was sent; under mu */
    bool first_copy;    /* the current dump started from nothing (else a redump or resume) */
};

struct mirror {
    struct node *node;
    const struct conf_replication *rc;
    struct admin_auth auth;
    SSL_CTX *tls;
    struct repl_record_buf rec;
    struct source *sources;
    int count;
    pthread_t thread;
    bool running;
    pthread_mutex_t mu; /* sources' st, stop, conn_fd */
    pthread_cond_t cv;
    bool stop;
    int conn_fd; /* the connection under way, shut down by mirror_stop */
};

const char *mirror_state_name(enum mirror_state s)
{
    switch (s) {
    case MIRROR_STARTING:
        return "starting";
    case MIRROR_COPYING:
        return "copying";
    case MIRROR_FOLLOWING:
        return "following";
    case MIRROR_UNREACHABLE:
        return "unreachable";
    case MIRROR_REFUSED:
        return "refused";
    case MIRROR_FAILING:
    default:
        return "failing";
    }
}

static int64_t mono_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* Changes a source's state and problem; logs when the state changes. */
static void set_state(struct mirror *m, struct source *s, enum mirror_state state,
                      const char *problem)
{
    pthread_mutex_lock(&m->mu);
    enum mirror_state was = s->st.state;
    s->st.state = state;
    snprintf(s->st.error, sizeof s->st.error, "%.255s", problem ? problem : "");
    pthread_mutex_unlock(&m->mu);
    if (was == state)
        return;
    if (state == MIRROR_FOLLOWING)
        log_info("replication from %s: following (last txn %llu)", s->st.name,
                 (unsigned long long)s->pos.txn_id);
    else if (state == MIRROR_COPYING)
        log_info("replication from %s: copying (DUMP_HANDLES%s)", s->st.name,
                 s->pos.resume_len ? ", resumed" : "");
    else if (state != MIRROR_STARTING)
        log_warn("replication from %s: %s: %s; serving what is stored, retrying every %u ms",
                 s->st.name, mirror_state_name(state), problem ? problem : "", m->rc->interval_ms);
}

static enum mirror_state state_of_error(int err)
{
    switch (err) {
    case CLI_ERR_NETWORK:
    case CLI_ERR_TIMEOUT:
    case CLI_ERR_CLOSED:
        return MIRROR_UNREACHABLE;
    default:
        return MIRROR_FAILING;
    }
}

static void track_conn(struct mirror *m, int fd)
{
    pthread_mutex_lock(&m->mu);
    m->conn_fd = fd;
    pthread_mutex_unlock(&m->mu);
}

static bool stopping(struct mirror *m)
{
    pthread_mutex_lock(&m->mu);
    bool stop = m->stop;
    pthread_mutex_unlock(&m->mu);
    return stop;
}

/* The position as a metadata put. */
static struct reg_meta_put pos_meta(const struct source *s, uint8_t *buf)
{
    return (struct reg_meta_put){s->meta_key, buf, repl_pos_encode(&s->pos, buf)};
}

static int ensure_site(struct mirror *m, struct source *s)
{
    char err[256];
    if (!s->addr_ok) {
        char text[300];
        snprintf(text, sizeof text, "%s", s->st.name);
        if (client_parse_server(text, &s->addr, err, sizeof err) != 0) {
            set_state(m, s, MIRROR_UNREACHABLE, err);
            return -1;
        }
        s->addr.tcp = true;
        s->addr_ok = true;
    }
    if (s->site_ok)
        return 0;
    int rc = repl_site_fetch(&s->addr, (int)m->rc->timeout_ms, &s->site, err, sizeof err);
    if (rc != 0) {
        set_state(m, s, state_of_error(rc), err);
        return -1;
    }
    EVP_PKEY *key = cry_pubkey_load(s->site.key, s->site.key_len);
    if (!key) {
        set_state(m, s, MIRROR_FAILING, "the source server's HS_SITE key is not usable");
        return -1;
    }
    cry_key_free(s->pinned);
    s->pinned = key;
    s->site_ok = true;
    return 0;
}

/* Sends a 1001/1002 request and starts reading its stream; on failure logs and returns -1. */
static int open_stream(struct mirror *m, struct source *s, struct repl_conn *c, uint32_t opcode,
                       const uint8_t *body, size_t body_len, struct repl_stream *st)
{
    struct repl_request rq = {
        .opcode = opcode,
        .body = body,
        .body_len = body_len,
        .minor = conf_replication_pk(m->rc) ? 7 : HDL_MINOR_VERSION,
        .site_serial = s->site.serial,
    };
    uint32_t rc = 0;
    char msg[256];
    int err = repl_call(c, &s->addr, &m->auth, &rq, &rc, msg, sizeof msg);
    track_conn(m, c->fd);
    if (err != 0) {
        set_state(m, s, state_of_error(err), c->err);
        return -1;
    }
    if (rc != HDL_RC_SUCCESS) {
        char why[400];
        snprintf(why, sizeof why, "the primary answered %u%s%s", rc, msg[0] ? ": " : "", msg);
        /* Refusals of the identity stay until someone fixes the primary's configuration; a 500
         * (session or challenge expired) is tried again with a new challenge next time. */
        bool refused = rc == HDL_RC_INVALID_ADMIN || rc == HDL_RC_INSUFFICIENT_PERMISSIONS ||
                       rc == HDL_RC_AUTHENTICATION_FAILED || rc == HDL_RC_INVALID_CREDENTIAL ||
                       rc == HDL_RC_SERVER_NOT_RESP;
        set_state(m, s, refused ? MIRROR_REFUSED : MIRROR_FAILING, why);
        /* The key may have changed with the site: fetch it again next time. */
        if (!refused)
            s->site_ok = false;
        return -1;
    }
    err = repl_stream_begin(st, c, opcode == HDL_OC_DUMP_HANDLES, m->tls, s->pinned, s->site.key,
                            s->site.key_len);
    if (err != 0) {
        set_state(m, s, state_of_error(err), st->err);
        s->site_ok = false;
        return -1;
    }
    return 0;
}

static void reload_prefixes(struct mirror *m)
{
    size_t n = 0;
    if (node_reload_prefixes(m->node, &n) != 0)
        log_error("replication: cannot reload the homed prefixes");
}

/* Commits a dump batch with the position to resume from. */
static int commit_dump_batch(struct source *s, struct reg_batch *b)
{
    if (reg_batch_count(b) == 0)
        return REG_OK;
    uint8_t buf[REPL_POS_MAX];
    struct reg_meta_put meta = pos_meta(s, buf);
    reg_batch_put_meta(b, &meta);
    return reg_batch_commit(b);
}

/* A first copy, or its resumption after the last handle stored. */
static void run_dump(struct mirror *m, struct source *s)
{
    struct reg_db *db = m->node->db;
    uint8_t pbuf[REPL_POS_MAX];
    if (s->pos.state != REPL_POS_DUMPING) {
        s->pos = (struct repl_pos){.state = REPL_POS_DUMPING};
        struct reg_meta_put meta = pos_meta(s, pbuf);
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
    if (open_stream(m, s, &c, HDL_OC_DUMP_HANDLES, body, w.len, &st) != 0) {
        repl_conn_close(&c);
        track_conn(m, -1);
        pthread_mutex_lock(&m->mu);
        s->st.polls_failed++;
        pthread_mutex_unlock(&m->mu);
        return;
    }
    int64_t sent = mono_ms();
    set_state(m, s, MIRROR_COPYING, NULL);
    struct reg_batch *b = reg_batch_new(db);
    int err = b ? repl_stream_dump_header(&st) : PZ_ERR_NOMEM;
    const char *why = st.err;
    bool done = false, homed = false;
    uint64_t handles = 0;
    while (err == 0 && !done && !stopping(m)) {
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
            if (rc != 0) {
                log_error("replication from %s: handle %.*s not stored: %s", s->st.name,
                          (int)rec.handle.len, (const char *)rec.handle.ptr, pz_strerror(rc));
                break;
            }
            memcpy(s->pos.resume, rec.handle.ptr, rec.handle.len);
            s->pos.resume_len = rec.handle.len;
            handles++;
            if (reg_batch_count(b) >= DUMP_BATCH && (err = commit_dump_batch(s, b)) != 0)
                why = "cannot write the copy into the registry";
            break;
        }
        case HDL_REPL_DUMP_HOMED: {
            if ((err = commit_dump_batch(s, b)) != 0) {
                why = "cannot write the copy into the registry";
                break;
            }
            struct reg_meta_put meta = pos_meta(s, pbuf);
            if ((err = reg_mirror_prefix(db, (const char *)rec.handle.ptr, rec.handle.len, true,
                                         &meta)) != 0)
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
    track_conn(m, -1);
    if (homed)
        reload_prefixes(m);
    pthread_mutex_lock(&m->mu);
    s->st.dumped_handles += handles;
    s->st.last_txn_id = s->pos.txn_id;
    s->st.last_date_ms = s->pos.date_ms;
    pthread_mutex_unlock(&m->mu);
    if (!done) {
        set_state(m, s, stopping(m) ? s->st.state : state_of_error(err),
                  err ? why : "the dump ended early");
        pthread_mutex_lock(&m->mu);
        s->st.polls_failed++;
        pthread_mutex_unlock(&m->mu);
        return;
    }
    s->pos.state = REPL_POS_FOLLOWING;
    s->pos.resume_len = 0;
    struct reg_meta_put meta = pos_meta(s, pbuf);
    if (reg_meta_write(db, meta.key, meta.val, meta.len) != REG_OK) {
        s->pos.state = REPL_POS_DUMPING;
        set_state(m, s, MIRROR_FAILING, "cannot store the replication position");
        return;
    }
    log_info("replication from %s: copy complete, %llu handles, at txn %llu", s->st.name,
             (unsigned long long)handles, (unsigned long long)s->pos.txn_id);
    pthread_mutex_lock(&m->mu);
    s->st.dumps++;
    s->st.polls_ok++;
    s->st.last_contact = time(NULL);
    s->last_ok_ms = sent;
    pthread_mutex_unlock(&m->mu);
    set_state(m, s, MIRROR_FOLLOWING, NULL);
}

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
static void run_poll(struct mirror *m, struct source *s)
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
    int64_t sent = mono_ms();
    if (open_stream(m, s, &c, HDL_OC_RETRIEVE_TXN_LOG, body, w.len, &st) != 0) {
        repl_conn_close(&c);
        track_conn(m, -1);
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
        struct reg_meta_put meta = pos_meta(s, pbuf);
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
    track_conn(m, -1);
    if (prefixes)
        reload_prefixes(m);
    pthread_mutex_lock(&m->mu);
    s->st.applied += applied;
    s->st.last_txn_id = s->pos.txn_id;
    if (last_txn_date)
        s->st.last_txn_date_ms = last_txn_date;
    if (err == 0 && ended) {
        s->st.polls_ok++;
        s->st.last_contact = time(NULL);
        s->st.last_date_ms = s->pos.date_ms;
        if (status == HDL_REPL_STATUS_SENDING)
            s->last_ok_ms = sent;
    } else {
        s->st.polls_failed++;
    }
    pthread_mutex_unlock(&m->mu);
    if (err != 0 || !ended) {
        set_state(m, s, state_of_error(err), err ? why : "the stream ended early");
        return;
    }
    if (status == HDL_REPL_STATUS_NEED_REDUMP) {
        /* The primary no longer holds what comes after our position: copy it again. */
        log_warn("replication from %s: the primary answers NEED_TO_REDUMP at txn %llu: copying "
                 "again",
                 s->st.name, (unsigned long long)s->pos.txn_id);
        s->pos = (struct repl_pos){.state = REPL_POS_DUMPING};
        uint8_t pbuf[REPL_POS_MAX];
        struct reg_meta_put meta = pos_meta(s, pbuf);
        reg_meta_write(db, meta.key, meta.val, meta.len);
        pthread_mutex_lock(&m->mu);
        s->st.redumps++;
        pthread_mutex_unlock(&m->mu);
        return;
    }
    set_state(m, s, MIRROR_FOLLOWING, NULL);
}

static void *mirror_main(void *arg)
{
    struct mirror *m = arg;
    while (!stopping(m)) {
        for (int i = 0; i < m->count && !stopping(m); i++) {
            struct source *s = &m->sources[i];
            if (ensure_site(m, s) != 0)
                continue;
            if (s->pos.state != REPL_POS_FOLLOWING)
                run_dump(m, s);
            else
                run_poll(m, s);
        }
        struct timespec until;
        clock_gettime(CLOCK_MONOTONIC, &until);
        until.tv_sec += m->rc->interval_ms / 1000;
        until.tv_nsec += (long)(m->rc->interval_ms % 1000) * 1000000L;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        pthread_mutex_lock(&m->mu);
        while (!m->stop && pthread_cond_timedwait(&m->cv, &m->mu, &until) == 0)
            ;
        pthread_mutex_unlock(&m->mu);
    }
    return NULL;
}

int mirror_new(struct node *node, struct mirror **out, char *err, size_t errlen)
{
    const struct conf_replication *rc = &node->conf->replication;
    struct mirror *m = calloc(1, sizeof *m);
    if (!m) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    m->node = node;
    m->rc = rc;
    m->conn_fd = -1;
    pthread_mutex_init(&m->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&m->cv, &ca);
    pthread_condattr_destroy(&ca);
    char id[300];
    snprintf(id, sizeof id, "%u:%s", rc->admin_index, rc->admin_handle);
    m->sources = calloc((size_t)rc->from_count, sizeof *m->sources);
    m->count = rc->from_count;
    if (!m->sources || admin_auth_set_identity(&m->auth, id, err, errlen) != 0 ||
        admin_auth_load_key(&m->auth, rc->key_file, NULL, err, errlen) != 0 ||
        repl_record_buf_init(&m->rec) != 0 || !(m->tls = repl_tls_ctx_new())) {
        if (!err[0])
            snprintf(err, errlen, "cannot set up replication (memory, TLS)");
        mirror_stop(m);
        return -1;
    }
    for (int i = 0; i < m->count; i++) {
        struct source *s = &m->sources[i];
        const struct conf_repl_source *f = &rc->from[i];
        snprintf(s->st.name, sizeof s->st.name, strchr(f->host, ':') ? "[%s]:%u" : "%s:%u", f->host,
                 f->port);
        snprintf(s->meta_key, sizeof s->meta_key, "%s%s", REG_META_REPL_PREFIX, s->st.name);
        if (repl_pos_load(node->db, s->meta_key, &s->pos) != REG_OK) {
            snprintf(err, errlen, "the stored replication position for %s is unreadable",
                     s->st.name);
            mirror_stop(m);
            return -1;
        }
        s->st.last_txn_id = s->pos.txn_id;
        s->st.last_date_ms = s->pos.date_ms;
        log_info("replication from %s as %s: %s", s->st.name, id,
                 s->pos.state == REPL_POS_FOLLOWING
                     ? "following from the stored position"
                     : (s->pos.state == REPL_POS_DUMPING ? "resuming the first copy"
                                                         : "no position: a first copy"));
    }
    *out = m;
    return 0;
}

int mirror_run(struct mirror *m)
{
    if (pthread_create(&m->thread, NULL, mirror_main, m) != 0)
        return -1;
    m->running = true;
    return 0;
}

void mirror_stop(struct mirror *m)
{
    if (!m)
        return;
    pthread_mutex_lock(&m->mu);
    m->stop = true;
    if (m->conn_fd >= 0)
        shutdown(m->conn_fd, SHUT_RDWR);
    pthread_cond_broadcast(&m->cv);
    pthread_mutex_unlock(&m->mu);
    if (m->running)
        pthread_join(m->thread, NULL);
    for (int i = 0; i < m->count; i++)
        cry_key_free(m->sources[i].pinned);
    free(m->sources);
    admin_auth_clear(&m->auth);
    repl_record_buf_free(&m->rec);
    SSL_CTX_free(m->tls);
    pthread_cond_destroy(&m->cv);
    pthread_mutex_destroy(&m->mu);
    free(m);
}

int mirror_source_count(const struct mirror *m)
{
    return m ? m->count : 0;
}

/*
 * Lag: how old the mirror's view of a source may be. A successful poll (or the end of a first
 * copy) brings everything the primary had committed when it answered, so the view is as old as
 * the time since that poll was sent: about interval_ms while the primary answers, and growing
 * while it does not or while a first copy runs. Both clocks are this node's (the primary's
 * dates are never compared with ours). Before the first success it counts from the start.
 */
static double lag_seconds(const struct mirror *m, const struct source *s)
{
    int64_t since = s->last_ok_ms ? s->last_ok_ms : m->node->started * 1000;
    int64_t d = mono_ms() - since;
    return d > 0 ? (double)d / 1000.0 : 0.0;
}

void mirror_source_status(struct mirror *m, int i, struct mirror_source_status *out)
{
    memset(out, 0, sizeof *out);
    if (!m || i < 0 || i >= m->count)
        return;
    pthread_mutex_lock(&m->mu);
    *out = m->sources[i].st;
    out->lag_seconds = lag_seconds(m, &m->sources[i]);
    pthread_mutex_unlock(&m->mu);
}
