#include "resolver/replication/repl_primary.h"

#include <pthread.h>
#include <string.h>
#include <time.h>

#include "client/site_pick.h"
#include "proto/hdl_const.h"
#include "proto/hdl_error.h"
#include "proto/hdl_message.h"
#include "resolver/admin/perm.h"
#include "resolver/log.h"

uint64_t repl_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

bool repl_primary_may_replicate(struct node *node, const struct identity *who)
{
    if (!who->authenticated)
        return false;
    const struct conf *c = node->conf;
    for (int i = 0; i < c->repl_admin_count; i++)
        if (identity_is(who, (const uint8_t *)c->repl_admins[i].handle,
                        strlen(c->repl_admins[i].handle), c->repl_admins[i].index))
            return true;
    return perm_is_server_admin(node, who);
}

bool repl_primary_selects(uint8_t hash_type, uint32_t num_servers, uint32_t server_num,
                          const uint8_t *handle, size_t len)
{
    if (num_servers <= 1)
        return true;
    static _Thread_local struct hdl_site site; /* large: not on the stack */
    site.hash_option = hash_type;
    site.server_count = num_servers < HDL_SITE_MAX_SERVERS ? num_servers : HDL_SITE_MAX_SERVERS;
    if (site.server_count != num_servers)
        return true; /* a site this large cannot be described here: send everything */
    uint32_t index;
    if (site_pick_server(&site, handle, len, &index) != 0)
        return true;
    return index == server_num;
}

/* Requesters suggesting 2.8 or later get TLS, older ones PK-signed blocks, as the reference. */
static enum repl_mode mode_for(const struct hdl_message *op)
{
    uint8_t major = op->env.sugg_major ? op->env.sugg_major : op->env.major;
    uint8_t minor = op->env.sugg_major ? op->env.sugg_minor : op->env.minor;
    if (major > 2 || (major == 2 && minor >= HDL_REPL_TLS_MINOR))
        return REPL_MODE_TLS;
    return REPL_MODE_PK;
}

static void serve(struct auth_stream *s, struct node *node, const struct hdl_message *op,
                  const struct identity *who)
{
    uint32_t opcode = op->hdr.opcode;
    if (opcode == HDL_OC_GET_NEXT_TXN_ID) {
        /* Ids are this server's own (registry/reg_txlog): none is handed out to others, and an
         * unauthenticated request may not consume one (docs/replication.md). */
        auth_stream_error(s, HDL_RC_OPERATION_NOT_SUPPORTED,
                          "GET_NEXT_TXN_ID is not served: transaction ids are per server");
        return;
    }
    if (!repl_primary_may_replicate(node, who)) {
        auth_stream_error(s, HDL_RC_INVALID_ADMIN, "Not a replication administrator");
        return;
    }
    struct hdl_repl_retrieve rr;
    struct hdl_repl_dump dr;
    int err = opcode == HDL_OC_RETRIEVE_TXN_LOG
                  ? hdl_repl_retrieve_decode(op->body.ptr, op->body.len, op->env.major,
                                             op->env.minor, &rr)
                  : hdl_repl_dump_decode(op->body.ptr, op->body.len, &dr);
    if (err == HDL_ERR_UNSUPPORTED) {
        auth_stream_error(s, HDL_RC_OPERATION_NOT_SUPPORTED,
                          "Pulling all queues (multi-primary replication) is not supported");
        return;
    }
    if (err != HDL_OK) {
        auth_stream_error(s, hdl_rc_of_error(err), "Malformed replication request");
        return;
    }
    enum repl_mode mode = mode_for(op);
    if (mode == REPL_MODE_TLS && !repl_tls_ctx(node))
        mode = REPL_MODE_PK; /* the reference client takes PK streams whatever it asked */
    /* RETRIEVE's answer: one flags byte (no keep-alive); DUMP's: empty. */
    static const uint8_t flags = 0;
    if (auth_stream_reply(s, HDL_RC_SUCCESS, &flags, opcode == HDL_OC_RETRIEVE_TXN_LOG ? 1 : 0) !=
            0 ||
        auth_stream_begin_raw(s) != 0)
        return;
    struct repl_stream *st = repl_stream_open(node, s, mode);
    if (!st)
        return;
    int rc = opcode == HDL_OC_RETRIEVE_TXN_LOG ? repl_primary_txns(node, st, &rr)
                                               : repl_primary_dump(node, st, &dr);
    if (rc != 0)
        log_info("replication: %s stream to %.*s stopped before its end",
                 opcode == HDL_OC_RETRIEVE_TXN_LOG ? "transaction" : "dump", (int)who->handle_len,
                 (const char *)who->handle);
    repl_stream_free(st);
}

static void route_all(void)
{
    auth_request_route(HDL_OC_GET_NEXT_TXN_ID, HDL_OC_GET_NEXT_TXN_ID, false, serve);
    auth_request_route(HDL_OC_RETRIEVE_TXN_LOG, HDL_OC_DUMP_HANDLES, true, serve);
}

void repl_primary_register(void)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, route_all);
}
