/* What a mirror tells about each source server it follows (mirror.h), for /metrics and
 * GET /api/status. */
#ifndef MIRROR_STATUS_H
#define MIRROR_STATUS_H

#include <stdint.h>

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
    uint64_t dumps, redumps;
    uint64_t dumped_handles; /* stored by copies since start (the one under way so far) */
    /* Transactions the last successful poll carried: the backlog the primary held past the
     * mirror's position when it was asked (0: caught up). -1: not known (no poll since the
     * start or since a copy began). */
    int64_t lag_transactions;
};

#endif
