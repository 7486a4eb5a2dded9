/*
 * An administration client (docs/protocol.md §13, §14): keeps one TCP connection to a node (and opens
 * a new one when the node has closed it), answers the node's 402 challenges with the identity it
 * was given, and optionally runs its requests in a Diffie-Hellman session, where each request
 * carries an HS_MAC credential with an increasing counter and only the first one is challenged.
 * One client serves one thread; the command line and the load generator share it.
 *
 *     struct admin_client *c = admin_client_new(&server, 30000);
 *     admin_client_set_auth(c, &auth);
 *     struct hdl_writer *w = admin_client_begin(c, HDL_OC_DELETE_HANDLE, ADMIN_FLAGS);
 *     hdl_put_cstr(w, "88.100.1/X");
 *     if (admin_client_call(c, NULL, NULL, &res) != 0) ... admin_client_error(c) ...
 *     admin_client_free(c);
 */
#ifndef TOOLS_ADMIN_CLIENT_H
#define TOOLS_ADMIN_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "client/admin_auth.h"
#include "client/client.h"
#include "proto/hdl_buf.h"
#include "proto/hdl_const.h"
#include "proto/hdl_message.h"

/* The opFlags the reference tools put on administration requests: REC | CA | PO. */
#define ADMIN_FLAGS (HDL_FLAG_REC | HDL_FLAG_CA | HDL_FLAG_PO)

struct admin_client;

/* What came back for one request. */
struct admin_result {
    uint32_t rc;         /* responseCode of the (last) response */
    char message[512];   /* the error message when rc is not SUCCESS (may be empty) */
    const uint8_t *body; /* body of the last response, after any request digest; valid until the
                            next call on the client */
    size_t body_len;
};

/* Receives every successful response message of a request with its body (after any digest):
 * several for LIST_HANDLES, all but the last with HDL_FLAG_CN. Returns non-zero to fail the
 * call: a code of common/errcode.h is what the call returns, any other value (-1) makes it
 * CLI_ERR_REJECTED. */
typedef int (*admin_stream_fn)(void *ctx, const struct hdl_message *m, const uint8_t *body,
                               size_t len);

/* A client of the node at server (TCP is used whatever server->tcp says); timeout_ms bounds
 * each exchange (0: 30 s). NULL when memory is short. No connection is made yet. */
struct admin_client *admin_client_new(const struct client_opts *server, int timeout_ms);

/* Ends any session (best effort), closes the connection and frees c. */
void admin_client_free(struct admin_client *c);

/* Who answers challenges (borrowed: it must outlive its use; NULL for nobody). Call it again
 * whenever the identity changes: an open session belongs to the previous one, so it is ended. */
void admin_client_set_auth(struct admin_client *c, const struct admin_auth *auth);

/* Progress lines ("session 7 set up", "challenge answered as ...") to f, or none with NULL. */
void admin_client_set_trace(struct admin_client *c, FILE *f);

/* Sets up a DH session that lasts timeout_s seconds at most. Returns 0 with res->rc
 * (SUCCESS: later requests run in the session), or admin_client_call's codes, HDL_ERR_CRYPTO,
 * or a decoder's code or CLI_ERR_MALFORMED for an unusable set-up answer. */
int admin_client_session_start(struct admin_client *c, uint32_t timeout_s,
                               struct admin_result *res);
/* Terminates the session (OC 401, MACed); the client then works without one. */
int admin_client_session_end(struct admin_client *c, struct admin_result *res);
/* The current session id, 0 for none. */
uint32_t admin_client_session_id(const struct admin_client *c);

/* Starts a request: returns a writer at the start of its body, which the caller appends. */
struct hdl_writer *admin_client_begin(struct admin_client *c, uint32_t opcode, uint32_t op_flags);

/* Sends the request begun last and collects its response, answering a challenge on the way.
 * fn (may be NULL) sees each successful message. Returns 0 when a final response came (res
 * holds its code, whatever it is); otherwise a code, with admin_client_error saying more:
 * CLI_ERR_NETWORK (no connection, send failed), CLI_ERR_TIMEOUT (no answer in timeout_ms),
 * CLI_ERR_CLOSED (the node closed the connection), CLI_ERR_TOO_LARGE, a decoder's HDL_ERR_*
 * for an answer (or challenge) that does not decode or a request that does not encode,
 * CLI_ERR_MALFORMED (a challenge of another request), HDL_ERR_CRYPTO (no challenge answer),
 * or fn's code. */
int admin_client_call(struct admin_client *c, admin_stream_fn fn, void *ctx,
                      struct admin_result *res);

/* Why the last call returned a code other than 0. */
const char *admin_client_error(const struct admin_client *c);

/* Counters for tests and benchmarks. */
struct admin_client_stats {
    unsigned connects;   /* TCP connections opened */
    unsigned challenges; /* 402 challenges answered */
    unsigned requests;   /* requests sent (answers not counted) */
};
void admin_client_stats(const struct admin_client *c, struct admin_client_stats *out);

#endif
