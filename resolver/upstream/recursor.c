/*
 * The recursion engine. A task is one question (handle, index and type lists, kept flags) being
 * asked of other sites; clients and other tasks wait on it. A handle "P/S" first needs the
 * sites of P: a child task asks the root servers for the prefix handle 0.NA/P (or reads it from
 * this node's registry, where the node delegated P itself), and HS_SERV values lead to one more
 * child for the service handle. Then the task asks the chosen server of each site in turn until
 * one answers; a referral (302, 303) replaces the sites and counts a hop. The final answer goes
 * to every waiter and into the cache. Everything runs on the worker's loop: upstream exchanges
 * (client/exchange_ev) and DNS lookups (dns.c) are events, and nothing a task does calls back
 * into a front end before recursor_submit has returned.
 *
 * This file is over 600 lines: the task's life (start, children, targets, answers, deadline,
 * finish) is one state machine, clearer read in one place than split across files that would
 * all share its private structures.
 */
#include "resolver/upstream/recursor.h"

#include <event2/event.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "client/exchange_ev.h"
#include "client/request.h"
#include "client/resolve_msg.h"
#include "client/site_pick.h"
#include "common/handle_name.h"
#include "proto/hdl_const.h"
#include "proto/hdl_error_body.h"
#include "proto/hdl_site.h"
#include "proto/hdl_value.h"
#include "registry/reg_db.h"
#include "registry/reg_record.h"
#include "resolver/upstream/dns.h"
#include "resolver/upstream/rec_cache.h"
#include "resolver/upstream/rec_question.h"
#include "resolver/upstream/rec_reply.h"
#include "resolver/upstream/upstream_ttl.h"

#define MAX_TARGETS 32
#define MAX_SITES 8
#define MAX_SERVICES 4
#define TABLE_SIZE 1024 /* buckets of the table of tasks in flight */

/* What the answer of a child task is for. */
enum child_use { CHILD_PREFIX, CHILD_SERVICE };

/* Sites and service handles among values of the types named. */
struct found {
    struct hdl_site sites[MAX_SITES];
    struct hdl_slice services[MAX_SERVICES];
    struct rmsg_sites set;
};

struct task;

struct waiter {
    struct waiter *prev, *next;
    struct task *task; /* waited on */
    bool is_task;
    /* a client */
    struct rec_owner owner;
    uint8_t *req;
    size_t req_len;
    uint64_t started_ns;
    /* a task waiting on a child */
    struct task *parent;
    enum child_use use;
};

struct target {
    bool root; /* resolver.root[root_index], not yet looked up */
    int root_index;
    struct sockaddr_storage addr;
    socklen_t addr_len;
    bool tcp_only;
};

struct task {
    struct task *chain; /* the table's bucket */
    struct recursor *r;
    uint32_t hash;
    uint8_t *key;
    size_t key_len;
    struct hdl_resolution_request rr; /* slices into body */
    uint8_t *body;                     /* the resolution request body sent upstream */
    size_t body_len;
    uint32_t flags; /* REC_FLAGS_KEPT */
    uint8_t hops;   /* the recursionCount of the next upstream query */
    struct task *creator;
    struct waiter *waiters;
    struct waiter as_child; /* in a child's waiters while waiting for it */
    bool waiting_child;
    struct target targets[MAX_TARGETS];
    int ntargets, next;
    struct cx_exchange *cx;
    struct updns_wait *dns;
    struct event *deadline;
    struct event *kick; /* starts the task from the loop */
    int last_fail;      /* NODE_REC_* that ends the task when no target is left */
};

struct recursor {
    struct event_base *base;
    struct node *node;
    const struct conf *conf;
    struct node_stats *stats;
    struct rec_cache *cache;
    struct updns *dns;
    struct task *table[TABLE_SIZE];
    unsigned live;
    uint8_t *out; /* a client's answer being built */
    uint8_t *key; /* a key being built */
    struct hdl_slice site_types; /* HS_SITE, HS_SITE.6, HS_SERV, HS_NAMESPACE, encoded */
    uint8_t site_types_buf[64];
    struct hdl_slice serv_types; /* HS_SITE, HS_SITE.6, HS_SERV, encoded */
    uint8_t serv_types_buf[48];
    struct found found; /* sites being read from an answer (about 40 KiB: not on the stack) */
};

static const char *const SITE_TYPES[] = {RMSG_TYPE_SITE, RMSG_TYPE_SITE_6, RMSG_TYPE_SERV,
                                         "HS_NAMESPACE"};

static void task_ask_next(struct task *t);
static void task_finish(struct task *t, uint32_t rc, uint32_t op_flags, uint16_t serial,
                        const uint8_t *body, size_t body_len, int fail_kind);

/* ---- the table of tasks in flight ---- */

static struct task **table_find(struct recursor *r, const uint8_t *key, size_t len, uint32_t h)
{
    struct task **p = &r->table[h % TABLE_SIZE];
    while (*p && !((*p)->hash == h && (*p)->key_len == len && memcmp((*p)->key, key, len) == 0))
        p = &(*p)->chain;
    return p;
}

static void table_remove(struct task *t)
{
    struct task **p = &t->r->table[t->hash % TABLE_SIZE];
    while (*p && *p != t)
        p = &(*p)->chain;
    if (*p)
        *p = t->chain;
}

/* ---- waiters ---- */

static void waiter_attach(struct task *t, struct waiter *w)
{
    w->task = t;
    w->prev = NULL;
    w->next = t->waiters;
    if (t->waiters)
        t->waiters->prev = w;
    t->waiters = w;
}

static void waiter_detach(struct waiter *w)
{
    struct task *t = w->task;
    if (!t)
        return;
    if (w->prev)
        w->prev->next = w->next;
    else if (t->waiters == w)
        t->waiters = w->next;
    if (w->next)
        w->next->prev = w->prev;
    w->prev = w->next = NULL;
    w->task = NULL;
}

/* ---- tasks ---- */

/* A list of type names as a resolution request carries it: byteStrings back to back. */
static void types_encode(const char *const *names, int n, struct hdl_slice *list, uint8_t *buf,
                         size_t cap)
{
    struct hdl_writer w;
    hdl_writer_init(&w, buf, cap);
    for (int i = 0; i < n; i++)
        hdl_put_cstr(&w, names[i]);
    list->ptr = buf;
    list->len = w.len;
}

static void on_deadline(evutil_socket_t fd, short what, void *arg);
static void on_kick(evutil_socket_t fd, short what, void *arg);

/* A new task for question rr (handle and lists copied) with flags; NULL when memory is short.
 * It is in the table and starts from the loop. */
static struct task *task_new(struct recursor *r, const struct hdl_resolution_request *rr,
                             uint32_t flags, const uint8_t *key, size_t key_len, uint8_t hops,
                             struct task *creator)
{
    struct task *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    struct hdl_resolution_request q = *rr;
    q.has_auth_bytes = false;
    q.auth_bytes.ptr = NULL;
    q.auth_bytes.len = 0;
    size_t cap = 16 + q.handle.len + q.indexes.len + q.types.len;
    t->body = malloc(cap);
    t->key = malloc(key_len);
    t->deadline = evtimer_new(r->base, on_deadline, t);
    t->kick = evtimer_new(r->base, on_kick, t);
    if (!t->body || !t->key || !t->deadline || !t->kick) {
        if (t->deadline)
            event_free(t->deadline);
        if (t->kick)
            event_free(t->kick);
        free(t->body);
        free(t->key);
        free(t);
        return NULL;
    }
    struct hdl_writer w;
    hdl_writer_init(&w, t->body, cap);
    hdl_resolution_request_encode(&w, &q);
    t->body_len = w.len;
    /* The question as sent, with slices into the copy. */
    hdl_resolution_request_decode(t->body, t->body_len, &t->rr);
    memcpy(t->key, key, key_len);
    t->key_len = key_len;
    t->hash = rec_hash(key, key_len);
    t->r = r;
    t->flags = flags;
    t->hops = hops;
    t->creator = creator;
    t->last_fail = NODE_REC_UNREACHABLE;
    struct task **slot = table_find(r, key, key_len, t->hash);
    t->chain = *slot;
    *slot = t;
    r->live++;
    uint32_t ms = NODE_LIVE(r->node, recursion_timeout_ms);
    struct timeval tv = {ms / 1000, (ms % 1000) * 1000};
    evtimer_add(t->deadline, &tv);
    event_active(t->kick, EV_TIMEOUT, 0);
    return t;
}

static void task_free(struct task *t)
{
    if (t->cx)
        cx_cancel(t->cx);
    if (t->dns)
        updns_cancel(t->dns);
    if (t->waiting_child)
        waiter_detach(&t->as_child);
    event_free(t->deadline);
    event_free(t->kick);
    t->r->live--;
    free(t->body);
    free(t->key);
    free(t);
}

/* Whether waiting on task x would make t wait on itself. */
static bool would_loop(const struct task *t, const struct task *x)
{
    for (int depth = 0; t && depth < 64; t = t->creator, depth++)
        if (t == x)
            return true;
    return false;
}

/* Asks question (handle, types) for t, as a child task: from the cache at once, or by joining
 * or starting a task. */
static void task_ask_child(struct task *t, const uint8_t *handle, size_t len,
                           struct hdl_slice types, uint32_t type_count, enum child_use use);

/* ---- answers from the registry and the cache ---- */

/* When this node holds the prefix handle t asks (it delegated the prefix itself), answers t
 * from its registry with the values selected, public ones only. Returns true when answered. */
static bool task_answer_locally(struct task *t)
{
    struct recursor *r = t->r;
    if (!hname_is_prefix_handle(t->rr.handle.ptr, t->rr.handle.len))
        return false;
    /* Only a prefix handle this node serves (it homes 0.NA or a parent of the prefix): one left
     * behind by an unhomed prefix says nothing. */
    struct reg_prefix_set *prefixes =
        atomic_load_explicit(&r->node->prefixes, memory_order_acquire);
    if (!reg_prefix_set_serves(prefixes, t->rr.handle.ptr, t->rr.handle.len))
        return false;
    struct reg_pin pin;
    if (reg_get_record(r->node->db, t->rr.handle.ptr, t->rr.handle.len, &pin) != REG_OK)
        return false;
    struct reg_record_view rec;
    bool answered = false;
    if (reg_record_parse(pin.data, pin.len, 0, &rec) == HDL_OK) {
        struct hdl_writer w;
        hdl_writer_init(&w, r->out, REC_OUT_MAX);
        hdl_put_bytes(&w, t->rr.handle.ptr, t->rr.handle.len);
        size_t count_at = hdl_reserve_u32(&w);
        uint32_t n = reg_record_put_selected(&w, &rec, &t->rr, true);
        hdl_patch_u32(&w, count_at, n);
        if (!w.overflow) {
            /* The node's own record: no other site's TTL applies, so it is not cached. */
            uint32_t rc = n == 0 && rec.value_count > 0 ? HDL_RC_VALUES_NOT_FOUND : HDL_RC_SUCCESS;
            reg_pin_release(&pin);
            pin.data = NULL;
            if (rc == HDL_RC_SUCCESS)
                task_finish(t, rc, HDL_FLAG_AT, r->node->site_serial, r->out, w.len, -2);
            else
                task_finish(t, rc, HDL_FLAG_AT, r->node->site_serial, NULL, 0, -2);
            answered = true;
        }
    }
    if (pin.data)
        reg_pin_release(&pin);
    return answered;
}

/* ---- targets ---- */

static void targets_roots(struct task *t)
{
    const struct conf *c = t->r->conf;
    t->ntargets = 0;
    t->next = 0;
    for (int i = 0; i < c->root_count && t->ntargets < MAX_TARGETS; i++) {
        struct target *tg = &t->targets[t->ntargets++];
        memset(tg, 0, sizeof *tg);
        tg->root = true;
        tg->root_index = i;
    }
}

static void target_add_server(struct task *t, const struct hdl_site_server *s)
{
    if (t->ntargets >= MAX_TARGETS)
        return;
    struct target *tg = &t->targets[t->ntargets];
    memset(tg, 0, sizeof *tg);
    if (site_pick_endpoint(s, HDL_IF_UDP, &tg->addr, &tg->addr_len) == 0) {
        t->ntargets++;
    } else if (site_pick_endpoint(s, HDL_IF_TCP, &tg->addr, &tg->addr_len) == 0) {
        tg->tcp_only = true;
        t->ntargets++;
    }
}

/* The servers to ask for t's handle: in each site (primaries first), the server the site's hash
 * names, then the sites' other servers. */
static void targets_sites(struct task *t, const struct hdl_site *sites, uint32_t n)
{
    t->ntargets = 0;
    t->next = 0;
    for (int pass = 0; pass < 2; pass++)
        for (uint32_t i = 0; i < n; i++) {
            const struct hdl_site *s = &sites[i];
            if (((s->flags & HDL_SITE_PRIMARY) != 0) != (pass == 0))
                continue;
            uint32_t pick;
            if (site_pick_server(s, t->rr.handle.ptr, t->rr.handle.len, &pick) == 0)
                target_add_server(t, &s->servers[pick]);
        }
    for (uint32_t i = 0; i < n; i++) {
        const struct hdl_site *s = &sites[i];
        uint32_t pick = UINT32_MAX;
        site_pick_server(s, t->rr.handle.ptr, t->rr.handle.len, &pick);
        for (uint32_t k = 0; k < s->server_count; k++)
            if (k != pick)
                target_add_server(t, &s->servers[k]);
    }
}

static void find_sites(const struct hdl_slice *values, uint32_t count,
                       const struct rmsg_types *site_types, const struct rmsg_types *serv_types,
                       struct found *f)
{
    memset(&f->set, 0, sizeof f->set);
    f->set.sites = f->sites;
    f->set.max_sites = MAX_SITES;
    f->set.servs = f->services;
    f->set.max_servs = MAX_SERVICES;
    if (rmsg_sites_of(values->ptr, values->len, count, site_types, serv_types, &f->set) != 0)
        f->set.site_count = f->set.serv_count = 0;
}

/* t learnt where to ask (sites) or whom to ask about it (service handles). */
static void task_use_found(struct task *t, struct found *f)
{
    if (f->set.site_count > 0) {
        targets_sites(t, f->sites, f->set.site_count);
        if (t->ntargets > 0) {
            task_ask_next(t);
            return;
        }
    }
    if (f->set.serv_count > 0) {
        /* A service handle stands for the sites it holds; HS_SERV "0.NA/0.NA" means the roots. */
        const struct hdl_slice *s = &f->services[0];
        if (s->len == HNAME_ROOT_LEN && strncasecmp((const char *)s->ptr, HNAME_ROOT, s->len) == 0) {
            targets_roots(t);
            task_ask_next(t);
            return;
        }
        task_ask_child(t, s->ptr, s->len, t->r->serv_types, 3, CHILD_SERVICE);
        return;
    }
    t->last_fail = NODE_REC_NO_SITE;
    task_finish(t, 0, 0, 0, NULL, 0, NODE_REC_NO_SITE);
}

/* A child answered: rc, and on success its values. */
static void task_child_answered(struct task *t, enum child_use use, uint32_t rc,
                                const uint8_t *body, size_t body_len, int fail_kind)
{
    if (rc == HDL_RC_SUCCESS) {
        struct hdl_resolution_response resp;
        if (hdl_resolution_response_decode(body, body_len, &resp) == HDL_OK) {
            struct found *f = &t->r->found;
            find_sites(&resp.values, resp.value_count, &rmsg_site_types, &rmsg_serv_types, f);
            task_use_found(t, f);
            return;
        }
        task_finish(t, 0, 0, 0, NULL, 0, NODE_REC_NO_SITE);
        return;
    }
    if (fail_kind >= 0) {
        task_finish(t, 0, 0, 0, NULL, 0, fail_kind);
        return;
    }
    if (rc == HDL_RC_HANDLE_NOT_FOUND || rc == HDL_RC_VALUES_NOT_FOUND) {
        /* No prefix handle (or no service handle) anywhere: the handle cannot exist. As the
         * reference resolver's SERVICE_NOT_FOUND. */
        char msg[160];
        snprintf(msg, sizeof msg, "Unable to find service for %s",
                 use == CHILD_PREFIX ? "prefix" : "service handle");
        struct hdl_writer w;
        uint8_t buf[192];
        hdl_writer_init(&w, buf, sizeof buf);
        hdl_error_body_encode(&w, msg);
        task_finish(t, HDL_RC_HANDLE_NOT_FOUND, 0, 0, buf, w.len, -1);
        return;
    }
    /* Any other answer about the prefix is the client's answer too. */
    task_finish(t, rc, 0, 0, body, body_len, -1);
}

/* ---- asking ---- */

static void on_answer(void *ctx, const struct cx_result *res);
static void on_dns(void *ctx, const struct updns_answer *a);

/* Puts the addresses a of root target at position at, in its place. */
static void targets_expand(struct task *t, int at, const struct updns_answer *a)
{
    int n = a->count;
    if (n <= 0)
        return;
    int room = MAX_TARGETS - t->ntargets;
    if (n - 1 > room)
        n = room + 1;
    memmove(&t->targets[at + n], &t->targets[at + 1],
            (size_t)(t->ntargets - at - 1) * sizeof t->targets[0]);
    for (int i = 0; i < n; i++) {
        struct target *tg = &t->targets[at + i];
        memset(tg, 0, sizeof *tg);
        tg->addr = a->addrs[i];
        tg->addr_len = a->lens[i];
    }
    t->ntargets += n - 1;
}

static void task_ask_next(struct task *t)
{
    struct recursor *r = t->r;
    while (t->next < t->ntargets) {
        struct target *tg = &t->targets[t->next];
        if (tg->root) {
            const struct conf_hostport *hp = &r->conf->roots[tg->root_index];
            struct updns_answer now;
            int rc = r->dns ? updns_lookup(r->dns, hp->host, hp->port, &now, on_dns, t, &t->dns)
                            : PZ_ERR_DNS_FAILED;
            if (rc == 1)
                return; /* on_dns goes on */
            if (rc != 0 || now.err != 0 || now.count == 0) {
                t->last_fail = NODE_REC_DNS;
                t->next++;
                continue;
            }
            targets_expand(t, t->next, &now);
            continue;
        }
        if (t->hops > NODE_LIVE(r->node, max_recursion)) {
            task_finish(t, 0, 0, 0, NULL, 0, NODE_REC_TOO_DEEP);
            return;
        }
        t->next++;
        uint8_t msg[16 + 24 + HDL_MAX_HANDLE_LEN + 4096];
        struct hdl_envelope env = {
            .major = HDL_MAJOR_VERSION,
            .minor = HDL_MINOR_VERSION,
            .sugg_major = HDL_MAJOR_VERSION,
            .sugg_minor = HDL_MINOR_VERSION,
            .request_id = request_new_id(),
        };
        struct hdl_header hdr = {
            .opcode = HDL_OC_RESOLUTION,
            .op_flags = t->flags & REC_FLAGS_KEPT, /* never REC: the other site answers itself */
            .site_serial = 0xffff,
            .recursion_count = t->hops,
            .expiration = (uint32_t)time(NULL) + 43200,
        };
        struct hdl_writer w;
        hdl_writer_init(&w, msg, sizeof msg);
        size_t body_at = hdl_message_begin(&w, &env, &hdr);
        hdl_put_raw(&w, t->body, t->body_len);
        if (hdl_message_finish_unsigned(&w, body_at) != HDL_OK) {
            task_finish(t, HDL_RC_ERROR, 0, 0, NULL, 0, NODE_REC_UNREACHABLE);
            return;
        }
        struct cx_opts o;
        cx_opts_default(&o);
        o.udp_timeout_ms = NODE_LIVE(r->node, upstream_timeout_ms);
        o.tcp_timeout_ms = 2 * NODE_LIVE(r->node, upstream_timeout_ms);
        if (t->next < t->ntargets) {
            /* Another server can be asked: one try, and on silence on to it, so a dead server
             * costs one wait and not the whole deadline. The last gets the full schedule. */
            o.udp_tries = 1;
            o.tcp_after_silence = false;
        }
        if (tg->tcp_only)
            o.udp = false;
        t->cx = cx_start(r->base, (const struct sockaddr *)&tg->addr, tg->addr_len, msg, w.len, &o,
                         on_answer, t);
        if (t->cx) {
            node_count(&r->stats->rec.upstream, 1);
            return;
        }
    }
    task_finish(t, 0, 0, 0, NULL, 0, t->last_fail);
}

static void on_dns(void *ctx, const struct updns_answer *a)
{
    struct task *t = ctx;
    t->dns = NULL;
    if (a->err != 0 || a->count == 0) {
        t->last_fail = NODE_REC_DNS;
        t->next++;
    } else {
        targets_expand(t, t->next, a);
    }
    task_ask_next(t);
}

static void on_answer(void *ctx, const struct cx_result *res)
{
    struct task *t = ctx;
    struct recursor *r = t->r;
    t->cx = NULL;
    if (res->err != 0) {
        t->last_fail = NODE_REC_UNREACHABLE;
        task_ask_next(t);
        return;
    }
    struct rmsg_answer a;
    if (rmsg_parse_answer(res->msg, res->len, &a) != HDL_OK || a.opcode != HDL_OC_RESOLUTION) {
        node_count(&r->stats->rec.upstream_dropped, 1);
        task_ask_next(t);
        return;
    }
    switch (a.response_code) {
    case HDL_RC_SERVICE_REFERRAL:
    case HDL_RC_PREFIX_REFERRAL: {
        /* The site that answered names others: ask them, one hop further. */
        t->hops++;
        if (t->hops > NODE_LIVE(r->node, max_recursion)) {
            task_finish(t, 0, 0, 0, NULL, 0, NODE_REC_TOO_DEEP);
            return;
        }
        struct found *f = &r->found;
        if (a.response_code == HDL_RC_PREFIX_REFERRAL)
            find_sites(&a.values, a.value_count, &rmsg_referral_site_types,
                       &rmsg_referral_serv_types, f);
        else
            find_sites(&a.values, a.value_count, &rmsg_site_types, &rmsg_serv_types, f);
        task_use_found(t, f);
        return;
    }
    case HDL_RC_SERVER_TOO_BUSY:
        /* Another server of the site may not be. */
        t->last_fail = NODE_REC_UNREACHABLE;
        task_ask_next(t);
        return;
    default:
        task_finish(t, a.response_code, a.op_flags, a.site_serial, a.body.ptr, a.body.len, -1);
        return;
    }
}

static void on_kick(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    struct task *t = arg;
    if (task_answer_locally(t))
        return;
    uint8_t prefix[HDL_MAX_HANDLE_LEN + 8];
    size_t plen = rec_question_prefix_handle(t->rr.handle.ptr, t->rr.handle.len, prefix,
                                             sizeof prefix);
    if (plen == 0) {
        /* A prefix handle (or a bare prefix): the root servers hold it. */
        targets_roots(t);
        if (t->ntargets == 0) {
            task_finish(t, 0, 0, 0, NULL, 0, NODE_REC_NO_SITE);
            return;
        }
        task_ask_next(t);
        return;
    }
    task_ask_child(t, prefix, plen, t->r->site_types, 4, CHILD_PREFIX);
}

static void on_deadline(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    task_finish(arg, 0, 0, 0, NULL, 0, NODE_REC_TIMEOUT);
}

static void task_ask_child(struct task *t, const uint8_t *handle, size_t len,
                           struct hdl_slice types, uint32_t type_count, enum child_use use)
{
    struct recursor *r = t->r;
    if ((uint32_t)t->hops + 1 > NODE_LIVE(r->node, max_recursion)) {
        task_finish(t, 0, 0, 0, NULL, 0, NODE_REC_TOO_DEEP);
        return;
    }
    struct hdl_resolution_request q = {
        .handle = {handle, len},
        .type_count = type_count,
        .types = types,
    };
    size_t key_len = rec_question_key(&q, 0, r->key, REC_KEY_MAX);
    if (key_len == 0) {
        task_finish(t, HDL_RC_INVALID_HANDLE, 0, 0, NULL, 0, -1);
        return;
    }
    struct rec_cached hit;
    if (rec_cache_get(r->cache, r->key, key_len, node_now_ns(), &hit)) {
        /* The body is the cache's until it changes: copy before going on. */
        uint8_t *copy = hit.body_len ? malloc(hit.body_len) : NULL;
        if (hit.body_len && !copy) {
            task_finish(t, HDL_RC_ERROR, 0, 0, NULL, 0, NODE_REC_UNREACHABLE);
            return;
        }
        if (copy)
            memcpy(copy, hit.body, hit.body_len);
        task_child_answered(t, use, hit.response_code, copy, hit.body_len, -1);
        free(copy);
        return;
    }
    uint32_t h = rec_hash(r->key, key_len);
    struct task *child = *table_find(r, r->key, key_len, h);
    if (child && would_loop(t, child)) {
        task_finish(t, 0, 0, 0, NULL, 0, NODE_REC_TOO_DEEP);
        return;
    }
    if (!child)
        child = task_new(r, &q, 0, r->key, key_len, (uint8_t)(t->hops + 1), t);
    if (!child) {
        task_finish(t, 0, 0, 0, NULL, 0, NODE_REC_BUSY);
        return;
    }
    memset(&t->as_child, 0, sizeof t->as_child);
    t->as_child.is_task = true;
    t->as_child.parent = t;
    t->as_child.use = use;
    waiter_attach(child, &t->as_child);
    t->waiting_child = true;
}

/* ---- the end of a task ---- */

static const char *failure_text(int kind)
{
    switch (kind) {
    case NODE_REC_TIMEOUT:
        return "Recursive resolution timed out";
    case NODE_REC_TOO_DEEP:
        return "Recursion limit exceeded";
    case NODE_REC_DNS:
        return "Cannot resolve the name of a root server";
    case NODE_REC_BUSY:
        return "Server too busy";
    case NODE_REC_NO_SITE:
        return "No usable site found for the prefix";
    case NODE_REC_UNREACHABLE:
    default:
        return "No server of the site answered";
    }
}

static uint32_t failure_rc(int kind)
{
    switch (kind) {
    case NODE_REC_TOO_DEEP:
        return HDL_RC_RECURSION_COUNT_TOO_HIGH;
    case NODE_REC_BUSY:
        return HDL_RC_SERVER_TOO_BUSY;
    case NODE_REC_NO_SITE:
        return HDL_RC_HANDLE_NOT_FOUND;
    default:
        return HDL_RC_ERROR;
    }
}

/* Keeps an answer from another site (fail_kind -1) for as long as it may be kept. */
static void task_cache(struct task *t, uint32_t rc, uint32_t op_flags, uint16_t serial,
                       const uint8_t *body, size_t body_len)
{
    struct recursor *r = t->r;
    int64_t ttl = -1;
    if (rc == HDL_RC_SUCCESS) {
        struct hdl_resolution_response resp;
        if (hdl_resolution_response_decode(body, body_len, &resp) == HDL_OK)
            ttl = upstream_ttl_of(&resp, (uint64_t)time(NULL), NODE_LIVE(r->node, max_ttl_s));
    } else if (rc == HDL_RC_HANDLE_NOT_FOUND || rc == HDL_RC_SERVER_NOT_RESP) {
        ttl = NODE_LIVE(r->node, negative_ttl_s);
    }
    if (ttl <= 0)
        return;
    struct rec_cached c = {rc, op_flags, serial, body, body_len};
    rec_cache_put(r->cache, t->key, t->key_len, node_now_ns() + (uint64_t)ttl * 1000000000u, &c);
}

/* Ends t: rc/op_flags/serial/body is the answer (fail_kind -1: another site's, cached; -2: this
 * node's registry, not cached), or fail_kind a NODE_REC_* of the node's own. */
static void task_finish(struct task *t, uint32_t rc, uint32_t op_flags, uint16_t serial,
                        const uint8_t *body, size_t body_len, int fail_kind)
{
    struct recursor *r = t->r;
    table_remove(t);
    evtimer_del(t->deadline);
    event_del(t->kick);
    if (t->cx) {
        cx_cancel(t->cx);
        t->cx = NULL;
    }
    if (t->dns) {
        updns_cancel(t->dns);
        t->dns = NULL;
    }
    if (t->waiting_child) {
        waiter_detach(&t->as_child);
        t->waiting_child = false;
    }
    uint8_t errbuf[192];
    if (fail_kind >= 0) {
        rc = failure_rc(fail_kind);
        struct hdl_writer w;
        hdl_writer_init(&w, errbuf, sizeof errbuf);
        hdl_error_body_encode(&w, failure_text(fail_kind));
        body = errbuf;
        body_len = w.len;
        op_flags = 0;
        serial = r->node->site_serial;
    } else if (fail_kind == -1) {
        task_cache(t, rc, op_flags, serial, body, body_len);
    }
    /* The body may live in r->out (a local answer): clients' answers are built elsewhere. */
    uint8_t *copy = NULL;
    if (body_len && body == r->out) {
        copy = malloc(body_len);
        if (copy)
            memcpy(copy, body, body_len);
        body = copy;
        if (!copy)
            body_len = 0;
    }
    struct waiter *list = t->waiters;
    t->waiters = NULL;
    while (list) {
        struct waiter *w = list;
        list = w->next;
        w->prev = w->next = NULL;
        w->task = NULL;
        if (w->is_task) {
            w->parent->waiting_child = false;
            task_child_answered(w->parent, w->use, rc, body, body_len, fail_kind);
            continue;
        }
        struct hdl_message req;
        size_t n = 0;
        if (hdl_message_split(w->req, w->req_len, &req) == HDL_OK)
            n = rec_reply(&req, rc, op_flags, serial, body, body_len, r->out, REC_OUT_MAX);
        if (fail_kind >= 0)
            node_count(&r->stats->rec.failures[fail_kind], 1);
        node_rec_latency(r->stats, node_now_ns() - w->started_ns);
        if (n > 0)
            w->owner.deliver(w->owner.ctx, r->out, n);
        w->owner.done(w->owner.ctx);
        free(w->req);
        free(w);
    }
    free(copy);
    task_free(t);
}

/* ---- the worker's side ---- */

struct recursor *recursor_new(struct event_base *base, struct node *node, struct node_stats *stats)
{
    const struct conf *c = node->conf;
    if (!c->recursion)
        return NULL;
    struct recursor *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->base = base;
    r->node = node;
    r->conf = c;
    r->stats = stats;
    r->cache = rec_cache_new((size_t)c->recursion_cache_mb << 20);
    r->dns = updns_new(base, c->dns_servers, c->dns_server_count, c->dns_timeout_ms);
    r->out = malloc(REC_OUT_MAX);
    r->key = malloc(REC_KEY_MAX);
    if (!r->out || !r->key) {
        recursor_free(r);
        return NULL;
    }
    types_encode(SITE_TYPES, 4, &r->site_types, r->site_types_buf, sizeof r->site_types_buf);
    types_encode(SITE_TYPES, 3, &r->serv_types, r->serv_types_buf, sizeof r->serv_types_buf);
    return r;
}

void recursor_free(struct recursor *r)
{
    if (!r)
        return;
    for (int i = 0; i < TABLE_SIZE; i++)
        while (r->table[i]) {
            struct task *t = r->table[i];
            r->table[i] = t->chain;
            while (t->waiters) {
                struct waiter *w = t->waiters;
                waiter_detach(w);
                if (w->is_task) {
                    w->parent->waiting_child = false;
                } else {
                    free(w->req);
                    free(w);
                }
            }
            task_free(t);
        }
    rec_cache_free(r->cache);
    if (r->dns)
        updns_free(r->dns);
    free(r->out);
    free(r->key);
    free(r);
}

int recursor_answer_cached(struct recursor *r, const struct hdl_message *req,
                           const struct hdl_resolution_request *rr, uint8_t *out, size_t cap,
                           size_t *out_len)
{
    node_count(&r->stats->rec.requests, 1);
    size_t key_len = rec_question_key(rr, req->hdr.op_flags, r->key, REC_KEY_MAX);
    struct rec_cached hit;
    if (key_len == 0 || !rec_cache_get(r->cache, r->key, key_len, node_now_ns(), &hit)) {
        node_count(&r->stats->rec.cache_misses, 1);
        return 0;
    }
    size_t n = rec_reply(req, hit.response_code, hit.op_flags, hit.site_serial, hit.body,
                         hit.body_len, out, cap);
    if (n == 0) {
        node_count(&r->stats->rec.cache_misses, 1);
        return 0;
    }
    node_count(&r->stats->rec.cache_hits, 1);
    *out_len = n;
    return 1;
}

struct rec_request *recursor_submit(struct recursor *r, const uint8_t *req, size_t len,
                                    const struct rec_owner *owner)
{
    struct hdl_message msg;
    struct hdl_resolution_request rr;
    if (hdl_message_split(req, len, &msg) != HDL_OK ||
        hdl_resolution_request_decode(msg.body.ptr, msg.body.len, &rr) != HDL_OK)
        return NULL;
    size_t key_len = rec_question_key(&rr, msg.hdr.op_flags, r->key, REC_KEY_MAX);
    if (key_len == 0)
        return NULL;
    struct waiter *w = calloc(1, sizeof *w);
    if (!w)
        return NULL;
    w->req = malloc(len);
    if (!w->req) {
        free(w);
        return NULL;
    }
    memcpy(w->req, req, len);
    w->req_len = len;
    w->owner = *owner;
    w->started_ns = node_now_ns();
    uint32_t h = rec_hash(r->key, key_len);
    struct task *t = *table_find(r, r->key, key_len, h);
    if (t) {
        node_count(&r->stats->rec.coalesced, 1);
    } else if (r->live >= NODE_LIVE(r->node, max_upstream)) {
        node_count(&r->stats->rec.failures[NODE_REC_BUSY], 1);
        free(w->req);
        free(w);
        return NULL;
    } else {
        t = task_new(r, &rr, msg.hdr.op_flags & REC_FLAGS_KEPT, r->key, key_len,
                     (uint8_t)(msg.hdr.recursion_count + 1), NULL);
        if (!t) {
            free(w->req);
            free(w);
            return NULL;
        }
    }
    waiter_attach(t, w);
    return (struct rec_request *)w;
}

void recursor_cancel(struct rec_request *q)
{
    struct waiter *w = (struct waiter *)q;
    waiter_detach(w);
    free(w->req);
    free(w);
}

unsigned recursor_outstanding(const struct recursor *r)
{
    return r ? r->live : 0;
}
