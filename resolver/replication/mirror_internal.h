/*
 * What the mirror's files share (mirror.c: the thread, states and status; mirror_dump.c: first
 * copies; mirror_poll.c: following the transaction log). Only the mirror's thread calls these,
 * except where a field says it is under mu.
 */
#ifndef MIRROR_INTERNAL_H
#define MIRROR_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include <openssl/ssl.h>

#include "client/admin_auth.h"
#include "client/client.h"
#include "conf/conf.h"
#include "registry/reg_mirror.h"
#include "resolver/replication/mirror_conn.h"
#include "resolver/replication/mirror_pos.h"
#include "resolver/replication/mirror_record.h"
#include "resolver/replication/mirror_site.h"
#include "resolver/replication/mirror_status.h"
#include "resolver/replication/mirror_stream.h"

struct node;

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

/* CLOCK_MONOTONIC milliseconds. */
int64_t mirror_mono_ms(void);
/* Changes a source's state and problem (may be NULL); logs when the state changes. */
void mirror_set_state(struct mirror *m, struct source *s, enum mirror_state state,
                      const char *problem);
/* The state a failed exchange's code puts a source in (unreachable or failing). */
enum mirror_state mirror_state_of_error(int err);
/* The connection under way (-1: none), for mirror_stop to cut. */
void mirror_track_conn(struct mirror *m, int fd);
/* Whether mirror_stop was called. */
bool mirror_stopping(struct mirror *m);
/* s's position as a metadata put, encoded into buf (REPL_POS_MAX bytes). */
struct reg_meta_put mirror_pos_meta(const struct source *s, uint8_t *buf);
/* Resolves the source's address and fetches its site key when not done yet: 0 or -1 (state
 * set). */
int mirror_ensure_site(struct mirror *m, struct source *s);
/* Sends a 1001/1002 request and starts reading its stream: 0, or -1 with the state set. */
int mirror_open_stream(struct mirror *m, struct source *s, struct repl_conn *c, uint32_t opcode,
                       const uint8_t *body, size_t body_len, struct repl_stream *st);
/* Reloads the node's homed prefixes after the mirror homed or unhomed some. */
void mirror_reload_prefixes(struct mirror *m);

/* A first copy, or its resumption after the last handle stored (mirror_dump.c). */
void mirror_dump(struct mirror *m, struct source *s);
/* One RETRIEVE_TXN_LOG: everything after the position, applied in order (mirror_poll.c). */
void mirror_poll(struct mirror *m, struct source *s);

#endif
