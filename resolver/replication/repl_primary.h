/*
 * The primary's side of replication (docs/replication.md): DUMP_HANDLES (1002) and
 * RETRIEVE_TXN_LOG (1001) for mirrors that authenticate as replication_admins or server_admins,
 * streamed on the request's TCP connection; GET_NEXT_TXN_ID (1000) refused. The admin room's
 * session and challenge machinery authenticates; these run on its threads.
 */
#ifndef REPL_PRIMARY_H
#define REPL_PRIMARY_H

#include <stdbool.h>
#include <stdint.h>

#include "proto/hdl_repl.h"
#include "resolver/admin/auth_request.h"
#include "resolver/admin/identity.h"
#include "resolver/node.h"
#include "resolver/replication/repl_stream.h"

/* Routes opcodes 1000-1002 to this room (auth_request_route); once, from any thread. */
void repl_primary_register(void);

/* Whether who may replicate: a replication_admins or server_admins entry names it. */
bool repl_primary_may_replicate(struct node *node, const struct identity *who);

/* The dump stream after the success answer: header, replication info (unless resuming), every
 * handle the requester's server holds in key order, the homed prefixes, ABSOLUTELY_DONE. */
int repl_primary_dump(struct node *node, struct repl_stream *st, const struct hdl_repl_dump *req);

/* The transaction stream: header with SENDING or NEED_TO_REDUMP, the transactions after the
 * requester's position up to the last durable one, END. */
int repl_primary_txns(struct node *node, struct repl_stream *st,
                      const struct hdl_repl_retrieve *req);

/* Whether handle goes to server server_num of a site of num_servers hashed by hash_type (the
 * reference client's rule, client/site_pick); a one-server site takes everything. A handle
 * that cannot be hashed goes everywhere. */
bool repl_primary_selects(uint8_t hash_type, uint32_t num_servers, uint32_t server_num,
                          const uint8_t *handle, size_t len);

/* What the log holds, for the NEED_TO_REDUMP rules (docs/replication.md). */
struct repl_log_state {
    uint64_t last_id;       /* the last durable txn id; 0: the log is empty */
    uint64_t first_id;      /* the first txn id still in the log */
    uint64_t first_date_ms; /* its date */
    uint64_t import_id;     /* the last bulk import (REG_TXN_IMPORT) in the log, 0: none */
};
/* True when a mirror at (last_txn_id, last_query_date) must re-dump: the rules of the reference
 * (docs/replication.md), with dates in ms, plus a bulk import newer than its position (an
 * import's handles are not in the log). now_ms is the primary's clock. */
bool repl_primary_need_redump(const struct repl_log_state *log, uint64_t last_txn_id,
                              uint64_t last_query_date, uint64_t now_ms);

/* The primary's clock in ms. */
uint64_t repl_now_ms(void);

#endif
