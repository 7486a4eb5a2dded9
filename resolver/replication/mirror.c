/*
 * The mirror's thread (mirror.h): per source server, the site's key, then a first copy
 * (mirror_dump.c) or the next poll (mirror_poll.c), every interval. Problems are logged once per
 * change of state, not per poll.
 */
#include "resolver/replication/mirror.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "common/errcode.h"
#include "crypto/key.h"
#include "proto/hdl_const.h"
#include "resolver/log.h"
#include "resolver/node.h"
#include "resolver/replication/mirror_internal.h"

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

int64_t mirror_mono_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* Changes a source's state and problem; logs when the state changes. */
void mirror_set_state(struct mirror *m, struct source *s, enum mirror_state state,
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

enum mirror_state mirror_state_of_error(int err)
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

void mirror_track_conn(struct mirror *m, int fd)
{
    pthread_mutex_lock(&m->mu);
    m->conn_fd = fd;
    pthread_mutex_unlock(&m->mu);
}

bool mirror_stopping(struct mirror *m)
{
    pthread_mutex_lock(&m->mu);
    bool stop = m->stop;
    pthread_mutex_unlock(&m->mu);
    return stop;
}

/* The position as a metadata put. */
struct reg_meta_put mirror_pos_meta(const struct source *s, uint8_t *buf)
{
    return (struct reg_meta_put){s->meta_key, buf, repl_pos_encode(&s->pos, buf)};
}

int mirror_ensure_site(struct mirror *m, struct source *s)
{
    char err[256];
    if (!s->addr_ok) {
        char text[300];
        snprintf(text, sizeof text, "%s", s->st.name);
        if (client_parse_server(text, &s->addr, err, sizeof err) != 0) {
            mirror_set_state(m, s, MIRROR_UNREACHABLE, err);
            return -1;
        }
        s->addr.tcp = true;
        s->addr_ok = true;
    }
    if (s->site_ok)
        return 0;
    int rc = repl_site_fetch(&s->addr, (int)m->rc->timeout_ms, &s->site, err, sizeof err);
    if (rc != 0) {
        mirror_set_state(m, s, mirror_state_of_error(rc), err);
        return -1;
    }
    EVP_PKEY *key = cry_pubkey_load(s->site.key, s->site.key_len);
    if (!key) {
        mirror_set_state(m, s, MIRROR_FAILING, "the source server's HS_SITE key is not usable");
        return -1;
    }
    cry_key_free(s->pinned);
    s->pinned = key;
    s->site_ok = true;
    return 0;
}

/* Sends a 1001/1002 request and starts reading its stream; on failure logs and returns -1. */
int mirror_open_stream(struct mirror *m, struct source *s, struct repl_conn *c, uint32_t opcode,
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
    mirror_track_conn(m, c->fd);
    if (err != 0) {
        mirror_set_state(m, s, mirror_state_of_error(err), c->err);
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
        mirror_set_state(m, s, refused ? MIRROR_REFUSED : MIRROR_FAILING, why);
        /* The key may have changed with the site: fetch it again next time. */
        if (!refused)
            s->site_ok = false;
        return -1;
    }
    err = repl_stream_begin(st, c, opcode == HDL_OC_DUMP_HANDLES, m->tls, s->pinned, s->site.key,
                            s->site.key_len);
    if (err != 0) {
        mirror_set_state(m, s, mirror_state_of_error(err), st->err);
        s->site_ok = false;
        return -1;
    }
    return 0;
}

void mirror_reload_prefixes(struct mirror *m)
{
    size_t n = 0;
    if (node_reload_prefixes(m->node, &n) != 0)
        log_error("replication: cannot reload the homed prefixes");
}

static void *mirror_main(void *arg)
{
    struct mirror *m = arg;
    while (!mirror_stopping(m)) {
        for (int i = 0; i < m->count && !mirror_stopping(m); i++) {
            struct source *s = &m->sources[i];
            if (mirror_ensure_site(m, s) != 0)
                continue;
            if (s->pos.state != REPL_POS_FOLLOWING)
                mirror_dump(m, s);
            else
                mirror_poll(m, s);
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
        mirror_free(m);
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
            mirror_free(m);
            return -1;
        }
        s->st.last_txn_id = s->pos.txn_id;
        s->st.last_date_ms = s->pos.date_ms;
        s->st.lag_transactions = -1;
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
    m->running = false;
}

void mirror_free(struct mirror *m)
{
    if (!m)
        return;
    mirror_stop(m);
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
    int64_t d = mirror_mono_ms() - since;
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
