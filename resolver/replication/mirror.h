/*
 * The node as a mirror of a primary site (docs/replication.md, "Running a mirror"): a thread of
 * its own that copies each configured source server with DUMP_HANDLES when it has no position,
 * then every replication.interval_ms asks RETRIEVE_TXN_LOG for what came after its position and
 * applies it, keeping the position in the registry with the changes. Blocking calls are fine
 * there: no worker waits for it. Clients keep being answered from the registry whatever the
 * primary does.
 */
#ifndef MIRROR_H
#define MIRROR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct node;
struct mirror;

/* What one source server looks like from here (for /metrics and /api/status). */
enum mirror_state {
    MIRROR_STARTING = 0,
    MIRROR_COPYING,     /* first copy (DUMP_HANDLES) under way */
    MIRROR_FOLLOWING,   /* the last poll succeeded */
    MIRROR_UNREACHABLE, /* no answer from the primary */
    MIRROR_REFUSED,     /* the primary refused the replication administrator */
    MIRROR_FAILING,     /* answers that cannot be used (stream, key, TLS, storage) */
};

struct mirror_source_status {
    char name[300]; /* "HOST:PORT" as configured */
    enum mirror_state state;
    char error[256];           /* the last problem, "" when none */
    uint64_t last_txn_id;      /* last transaction applied (or the dump's) */
    uint64_t last_date_ms;     /* the primary's clock at its last answer (0: none yet) */
    uint64_t last_txn_date_ms; /* the primary's date of the last transaction applied */
    int64_t last_contact;      /* wall-clock seconds of the last successful exchange; 0 */
    double lag_seconds;        /* see mirror_lag_seconds() in mirror.c and the docs */
    uint64_t applied;          /* transactions applied since start */
    uint64_t polls_ok, polls_failed;
    uint64_t dumps, dumped_handles, redumps;
};

/* Sets up the mirror for node->conf->replication (enabled): loads the administrator's key and
 * the stored positions (node->db open). Returns 0, or -1 with a message in err. Called before
 * the workers start, so that node->mirror never changes while they read it. */
int mirror_new(struct node *node, struct mirror **out, char *err, size_t errlen);

/* Starts the thread, once the workers serve (a first copy reloads their prefix sets). Returns 0
 * or -1. */
int mirror_run(struct mirror *m);

/* Stops the thread (an exchange under way is cut at its next timeout or read) and frees m;
 * NULL is ignored. */
void mirror_stop(struct mirror *m);

/* Number of source servers, and a copy of one's status. */
int mirror_source_count(const struct mirror *m);
void mirror_source_status(struct mirror *m, int i, struct mirror_source_status *out);

/* "following", "copying", ... */
const char *mirror_state_name(enum mirror_state s);

#endif
