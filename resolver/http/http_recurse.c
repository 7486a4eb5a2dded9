#include "resolver/http/http_recurse.h"

#include <sys/queue.h>

#include <event2/event.h>
#include <event2/keyvalq_struct.h>
#include <stdlib.h>
#include <string.h>

#include "proto/hdl_const.h"
#include "proto/hdl_message.h"
#include "resolver/http/http_conn.h"
#include "resolver/http/http_req.h"
#include "resolver/http/http_send.h"
#include "resolver/net/worker.h"
#include "resolver/query/query.h"
#include "resolver/upstream/recursor.h"

#define NATIVE_TYPE "application/x-hdl-message"

/* A request held for the recursor. The answer is taken in from the recursor's loop and handled on
 * the next turn of the worker's, so that a continuation may ask the recursor again (an alias
 * leading to another site) while the recursor is not in the middle of its own work. */
struct waiting {
    struct http_deferred d; /* first: the close callback hands this back */
    struct http_call call;  /* the handler's, with its own copy of the query */
    struct evkeyvalq query;
    struct rec_request *rq; /* until the recursor is done with it */
    struct event *later;    /* runs the continuation */
    uint8_t *answer;        /* the answer message, once delivered */
    size_t answer_len;
    http_recurse_fn fn; /* NULL: the native tunnel, which sends the answer as it is */
    void *ctx;
    void (*free_ctx)(void *ctx);
    uint8_t *req; /* the native tunnel's request, to answer it with an error */
    size_t req_len;
};

bool http_recurse_on(const struct http_call *c)
{
    return c->w->query.rec != NULL;
}

static void waiting_free(struct waiting *wt)
{
    if (wt->later)
        event_free(wt->later);
    evhttp_clear_headers(&wt->query);
    free(wt->answer);
    free(wt->req);
    free(wt);
}

/* The native tunnel's answer: the recursor's message, or an error answering the request. */
static void send_native(struct waiting *wt)
{
    struct http_call *c = &wt->call;
    if (wt->answer) {
        http_send_bytes(c, 200, NATIVE_TYPE, wt->answer, wt->answer_len);
        return;
    }
    size_t out_len = 0;
    if (query_error(&c->w->query, wt->req, wt->req_len, HDL_RC_ERROR, "Recursive resolution failed",
                    c->w->out, &out_len) == QUERY_REPLY)
        http_send_bytes(c, 200, NATIVE_TYPE, c->w->out, out_len);
    else
        http_send_rc(c, HDL_RC_ERROR, NULL, "Recursive resolution failed");
}

/* Hands the answer (NULL: none) to the continuation, which owns ctx from then on. */
static void finish(struct http_call *c, http_recurse_fn fn, void *ctx, const uint8_t *msg,
                   size_t len)
{
    struct rmsg_answer a;
    bool ok = msg && rmsg_parse_answer(msg, len, &a) == 0;
    fn(c, ctx, ok ? &a : NULL);
}

static void on_later(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    struct waiting *wt = arg;
    /* From here the request belongs to libevent again. */
    http_defer_unwatch(wt->call.w, &wt->d);
    if (wt->fn)
        finish(&wt->call, wt->fn, wt->ctx, wt->answer, wt->answer_len);
    else
        send_native(wt);
    waiting_free(wt);
}

static int deliver(void *ctx, const uint8_t *msg, size_t len)
{
    struct waiting *wt = ctx;
    free(wt->answer);
    wt->answer = malloc(len);
    wt->answer_len = wt->answer ? len : 0;
    if (wt->answer)
        memcpy(wt->answer, msg, len);
    return 0;
}

static void done(void *ctx)
{
    struct waiting *wt = ctx;
    wt->rq = NULL;
    event_active(wt->later, EV_TIMEOUT, 0);
}

static void cancel(struct http_deferred *d, bool pool_alive)
{
    (void)pool_alive; /* the recursor outlives the HTTP front end (worker_free) */
    struct waiting *wt = (struct waiting *)d;
    if (wt->rq)
        recursor_cancel(wt->rq);
    if (wt->free_ctx)
        wt->free_ctx(wt->ctx);
    http_req_release(wt->call.req);
    waiting_free(wt);
}

/* A waiting request for c, its query copied; NULL when memory is short. */
static struct waiting *waiting_new(struct http_call *c)
{
    struct waiting *wt = calloc(1, sizeof *wt);
    if (!wt)
        return NULL;
    TAILQ_INIT(&wt->query);
    wt->call = *c;
    wt->call.query = &wt->query;
    wt->d.cancel = cancel;
    wt->later = event_new(c->w->base, -1, 0, on_later, wt);
    bool ok = wt->later != NULL;
    struct evkeyval *kv;
    if (c->query)
        TAILQ_FOREACH(kv, c->query, next)
        {
            if (ok && evhttp_add_header(&wt->query, kv->key, kv->value) != 0)
                ok = false;
        }
    if (!ok) {
        waiting_free(wt);
        return NULL;
    }
    return wt;
}

/* Submits msg for wt and holds c's request; false when the recursor does not take it. */
static bool hold(struct http_call *c, struct waiting *wt, const uint8_t *msg, size_t len)
{
    struct rec_owner owner = {wt, deliver, done};
    wt->rq = recursor_submit(c->w->query.rec, msg, len, &owner);
    if (!wt->rq)
        return false;
    http_defer_watch(c, &wt->d);
    return true;
}

/* The request message for handle and rr's lists, in a buffer of the caller's to free; NULL
 * when memory is short or the lists do not fit a message. */
static uint8_t *build_request(const char *handle, size_t len,
                              const struct hdl_resolution_request *rr, size_t *msg_len)
{
    struct hdl_slice *types = calloc(rr->type_count + 1, sizeof *types);
    uint32_t *indexes = calloc(rr->index_count + 1, sizeof *indexes);
    size_t cap = 128 + len + rr->indexes.len + rr->types.len + 4u * rr->type_count;
    uint8_t *msg = malloc(cap);
    bool ok = types && indexes && msg;
    uint32_t pos = 0;
    for (uint32_t i = 0; ok && i < rr->type_count; i++)
        ok = hdl_resolution_next_type(rr, &pos, &types[i]) == HDL_OK;
    for (uint32_t i = 0; ok && i < rr->index_count; i++)
        indexes[i] = hdl_resolution_index_at(rr, i);
    /* What the reference's own client sends for a web page: public values, resolved anywhere. */
    struct rmsg_query q = {
        .handle = (const uint8_t *)handle,
        .handle_len = len,
        .types = types,
        .type_count = rr->type_count,
        .indexes = indexes,
        .index_count = rr->index_count,
        .op_flags = HDL_FLAG_REC | HDL_FLAG_PO,
        .request_id = 1,
        .site_serial = 0xffff,
    };
    *msg_len = ok ? rmsg_build_resolution(&q, msg, cap) : 0;
    free(types);
    free(indexes);
    if (*msg_len == 0) {
        free(msg);
        return NULL;
    }
    return msg;
}

bool http_recurse_resolve(struct http_call *c, const char *handle, size_t len,
                          const struct hdl_resolution_request *rr, http_recurse_fn fn, void *ctx,
                          void (*free_ctx)(void *ctx))
{
    struct worker *w = c->w;
    size_t msg_len = 0;
    uint8_t *msg = build_request(handle, len, rr, &msg_len);
    if (!msg)
        return false;
    struct hdl_message m;
    struct hdl_resolution_request mrr;
    size_t hit_len = 0;
    if (hdl_message_split(msg, msg_len, &m) == HDL_OK &&
        hdl_resolution_request_decode(m.body.ptr, m.body.len, &mrr) == HDL_OK &&
        recursor_answer_cached(w->query.rec, &m, &mrr, w->out, QUERY_OUT_MAX, &hit_len)) {
        free(msg);
        /* The continuation may use the worker's buffer for its own work: the answer moves out. */
        uint8_t *hit = malloc(hit_len);
        if (!hit)
            return false;
        memcpy(hit, w->out, hit_len);
        finish(c, fn, ctx, hit, hit_len);
        free(hit);
        return true;
    }
    struct waiting *wt = waiting_new(c);
    bool ok = wt != NULL;
    if (ok) {
        wt->fn = fn;
        wt->ctx = ctx;
        wt->free_ctx = free_ctx;
        ok = hold(c, wt, msg, msg_len);
        if (!ok)
            waiting_free(wt);
    }
    free(msg);
    return ok;
}

bool http_recurse_native(struct http_call *c, const uint8_t *msg, size_t len)
{
    struct waiting *wt = waiting_new(c);
    if (!wt)
        return false;
    wt->req = malloc(len);
    if (!wt->req) {
        waiting_free(wt);
        return false;
    }
    memcpy(wt->req, msg, len);
    wt->req_len = len;
    if (!hold(c, wt, msg, len)) {
        waiting_free(wt);
        return false;
    }
    return true;
}
