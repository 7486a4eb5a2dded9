/* The admin job pool (job_pool.h). Over 600 lines because a job's whole life (submitted from a
 * worker's loop, run on a pool thread, grouped with others behind one synced write, its answers
 * handed back through the worker's kick event, cancelled or resumed) keeps its invariants under
 * the pool's one mutex, in one place. */
#include "resolver/admin/job_pool.h"

#include <event2/event.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/sockaddr_text.h"
#include "proto/hdl_const.h"
#include "proto/hdl_envelope.h"
#include "proto/hdl_header.h"
#include "registry/reg_db.h"
#include "resolver/access_log.h"
#include "resolver/admin/auth_request.h"

/* A job's answers waiting for its worker are capped; a listing waits for the client to read. */
#define JOB_QUEUE_BYTES (4u << 20)
/* Binary-protocol requests an admin thread takes at once, whose writes share one WAL sync; and
 * how long the first of them waits at most for the others to run before the sync. */
#define GROUP_MAX 64
#define GROUP_WAIT_US 2000

struct chunk {
    struct chunk *next;
    size_t len;
    uint8_t data[];
};

struct job {
    struct job *next;                /* the pool's queue */
    struct job *all_prev, *all_next; /* every live job, for shutdown */
    struct job_pool *pool;
    struct node *node;
    enum node_transport transport;
    char source[64]; /* the client's address as text, "" unknown */
    char client[ACCESS_CLIENT_MAX]; /* "addr:port" for the access log, "" unknown */
    uint8_t *req;
    size_t req_len;
    int fd; /* a duplicate of the TCP connection's socket, or -1 */
    void (*fn)(void *arg, const struct auth_request_sink *sink); /* instead of auth_request_answer */
    void *arg;
    void (*free_arg)(void *arg);
    struct admin_owner owner;
    struct event *ev; /* on the worker's base: answers are ready */

    pthread_mutex_t mu;
    pthread_cond_t drained;
    struct chunk *head, *tail;
    size_t queued;
    bool done, cancelled, paused;
    bool live;   /* counted in the pool's live jobs */
    bool groupable; /* may run in a group (request_groupable), set before it is queued */
    bool held;   /* in a group whose WAL sync is still to come: answers wait for it */
    bool failed; /* that sync failed: the job's answer has been replaced by an error */
};

/* A worker's wake-up of the admin threads, once per turn of its loop (see enqueue). */
struct kick {
    struct job_pool *pool;
    struct event_base *base;
    struct event *ev;
    bool armed;
};

struct job_pool {
    struct node *node;
    pthread_mutex_t mu;
    pthread_cond_t ready;
    struct job *head, *tail;
    size_t queued;
    size_t live; /* jobs queued, running or delivering: limits.max_admin_jobs caps them */
    bool stopping;
    struct job *all; /* live jobs: those still unfinished at shutdown are freed there */
    int nthreads;
    pthread_t *threads;
    struct kick **kicks; /* one for each worker base that submitted */
    int nkicks;
    bool grouping; /* a thread runs a group: groupable jobs wait for it (see pool_main) */
};

/*
 * The binary-protocol requests one admin thread runs together: their writes reach the WAL
 * unsynced (reg_defer_sync_begin) but the last request's, whose sync makes them all durable (or,
 * when it writes nothing, one sync after it: reg_defer_sync_end), and only then are their
 * answers handed to the workers, so that a create costs a share of a sync and of a wake-up instead of
 * each. Answers wait in their jobs (held) until the sync. An answer too long to wait (a large
 * listing) or an operation about to wait on its client (auth_stream_fd) settles the group
 * early: the sync is made for what ran before, and the rest runs as it would alone. So does a
 * group whose requests have taken GROUP_WAIT_US to run (signature checks, PBKDF2): what ran is
 * synced and answered, and the rest goes on as a group of its own.
 */
struct group {
    struct reg_db *db;
    struct job *jobs[GROUP_MAX];
    int n;
    int cur;        /* the job running */
    int first;      /* jobs before it are handed back */
    bool deferring; /* inside reg_defer_sync_begin */
};

static __thread struct group *running_group;

static uint64_t now_us(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000u + (uint64_t)t.tv_nsec / 1000u;
}

static void job_free(struct job *j)
{
    struct job_pool *p = j->pool;
    pthread_mutex_lock(&p->mu);
    if (j->all_prev)
        j->all_prev->all_next = j->all_next;
    else if (p->all == j)
        p->all = j->all_next;
    if (j->all_next)
        j->all_next->all_prev = j->all_prev;
    if (j->live)
        p->live--;
    pthread_mutex_unlock(&p->mu);
    while (j->head) {
        struct chunk *c = j->head;
        j->head = c->next;
        free(c);
    }
    if (j->ev)
        event_free(j->ev);
    pthread_mutex_destroy(&j->mu);
    pthread_cond_destroy(&j->drained);
    if (j->arg && j->free_arg)
        j->free_arg(j->arg);
    if (j->fd >= 0)
        close(j->fd);
    free(j->req);
    free(j);
}

/* On the worker: hands queued answers to the owner, then finishes the job if it is done. */
static void on_job_event(evutil_socket_t fd, short what, void *arg)
{
    struct job *j = arg;
    (void)fd;
    (void)what;
    for (;;) {
        pthread_mutex_lock(&j->mu);
        if (j->cancelled) {
            bool done = j->done;
            pthread_mutex_unlock(&j->mu);
            if (done)
                job_free(j);
            return;
        }
        struct chunk *c = j->paused ? NULL : j->head;
        if (c) {
            j->head = c->next;
            if (!j->head)
                j->tail = NULL;
            j->queued -= c->len;
            pthread_cond_signal(&j->drained);
        }
        bool done = j->done && !j->head;
        pthread_mutex_unlock(&j->mu);
        if (c) {
            int pause = j->owner.deliver(j->owner.ctx, c->data, c->len);
            free(c);
            if (pause) {
                pthread_mutex_lock(&j->mu);
                j->paused = true;
                pthread_mutex_unlock(&j->mu);
                return;
            }
            continue;
        }
        if (done) {
            j->owner.done(j->owner.ctx);
            job_free(j);
        }
        return;
    }
}

static void group_settle_early(struct group *g);

/* In the pool thread: queues one answer for the worker; waits while the queue is full, or keeps
 * it back while the job is held. */
static int job_emit(void *ctx, const uint8_t *msg, size_t len)
{
    struct job *j = ctx;
    struct chunk *c = malloc(sizeof *c + len);
    if (!c)
        return 1;
    c->next = NULL;
    c->len = len;
    memcpy(c->data, msg, len);
    pthread_mutex_lock(&j->mu);
    if (j->held && j->queued + len > JOB_QUEUE_BYTES) {
        /* Held answers cannot wait on the worker, which does not see them yet. */
        pthread_mutex_unlock(&j->mu);
        group_settle_early(running_group);
        pthread_mutex_lock(&j->mu);
    }
    while (j->queued > JOB_QUEUE_BYTES && !j->cancelled)
        pthread_cond_wait(&j->drained, &j->mu);
    if (j->cancelled || j->failed) {
        pthread_mutex_unlock(&j->mu);
        free(c);
        return 1;
    }
    if (j->tail)
        j->tail->next = c;
    else
        j->head = c;
    j->tail = c;
    j->queued += len;
    if (!j->held)
        event_active(j->ev, 0, 0);
    pthread_mutex_unlock(&j->mu);
    return 0;
}

static void job_flush(void *ctx)
{
    struct job *j = ctx;
    if (j->held)
        group_settle_early(running_group);
}

/* The last touch of a job from its admin thread: the worker may free it once unlocked. */
static void job_finish(struct job *j)
{
    pthread_mutex_lock(&j->mu);
    j->held = false;
    j->done = true;
    event_active(j->ev, 0, 0);
    pthread_mutex_unlock(&j->mu);
}

static void run_request(struct job *j)
{
    struct auth_request_sink sink = {job_emit, j, j->fd, job_flush};
    access_log_admin_context(j->transport, j->client);
    auth_request_answer(j->node, j->transport, j->source[0] ? j->source : NULL, j->req, j->req_len,
                        &sink);
}

/* The group's sync failed: the job's answers, made on the belief that its writes would last,
 * give way to an error, and anything more it would send is dropped. */
static void job_refuse(struct job *j)
{
    pthread_mutex_lock(&j->mu);
    while (j->head) {
        struct chunk *c = j->head;
        j->head = c->next;
        free(c);
    }
    j->tail = NULL;
    j->queued = 0;
    j->held = false;
    pthread_mutex_unlock(&j->mu);
    struct auth_request_sink sink = {job_emit, j, -1, NULL};
    auth_request_refuse(j->node, j->transport, j->req, j->req_len, HDL_RC_ERROR,
                        "The registry could not make the change durable", &sink);
    pthread_mutex_lock(&j->mu);
    j->failed = true;
    pthread_mutex_unlock(&j->mu);
}

/* Syncs what the group wrote so far and hands back the jobs before upto. Returns the sync's
 * REG_* result (REG_OK when nothing was to sync). */
static int group_settle(struct group *g, int upto)
{
    int rc = REG_OK;
    if (g->deferring) {
        rc = reg_defer_sync_end(g->db);
        g->deferring = false;
    }
    for (int i = g->first; i < upto; i++) {
        if (rc != REG_OK)
            job_refuse(g->jobs[i]);
        job_finish(g->jobs[i]);
    }
    g->first = upto;
    return rc;
}

/* The running job may not wait on the sync (see struct group): the group settles up to it, and
 * it goes on with its answers sent as they come and its writes synced each. */
static void group_settle_early(struct group *g)
{
    if (!g || g->cur < g->first)
        return;
    struct job *j = g->jobs[g->cur];
    int rc = group_settle(g, g->cur);
    g->first = g->cur + 1;
    if (rc != REG_OK) {
        job_refuse(j);
    } else {
        pthread_mutex_lock(&j->mu);
        j->held = false;
        if (j->head)
            event_active(j->ev, 0, 0);
        pthread_mutex_unlock(&j->mu);
    }
}

static void run_group(struct group *g, struct node *node)
{
    atomic_fetch_add_explicit(&node->admin_counts.groups, 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&node->admin_counts.requests, (unsigned long)g->n,
                              memory_order_relaxed);
    running_group = g;
    uint64_t since = now_us();
    for (g->cur = 0; g->cur < g->n; g->cur++) {
        struct job *j = g->jobs[g->cur];
        if (g->cur > g->first && now_us() - since > GROUP_WAIT_US) {
            /* Slow requests (signatures, PBKDF2) ahead: what ran goes out now. */
            group_settle(g, g->cur);
            since = now_us();
        }
        if (!g->deferring) {
            reg_defer_sync_begin(g->db);
            g->deferring = true;
        }
        if (g->cur == g->n - 1) /* its synced write syncs the group's (a group of one: as alone) */
            reg_defer_sync_last(g->db);
        j->held = true; /* no other thread looks at it before its first answer */
        run_request(j);
        if (g->first > g->cur) /* settled early: it runs as alone */
            job_finish(j);
    }
    group_settle(g, g->n);
    running_group = NULL;
}

static void run_fn(struct job *j)
{
    struct auth_request_sink sink = {job_emit, j, j->fd, NULL};
    access_log_admin_context(NODE_HTTP, j->client);
    j->fn(j->arg, &sink);
    if (j->free_arg)
        j->free_arg(j->arg);
    j->arg = NULL;
    job_finish(j);
}

/* Whether a request may join a group: a change of a handle in a session, whose checks are a MAC
 * and reads. The rest runs alone (as a group of one): challenge answers (signatures, PBKDF2),
 * session setups (Diffie-Hellman), listings and replication streams would hold the others back;
 * so do the HTTP API's jobs (a batch makes its own group). */
static bool request_groupable(const uint8_t *req, size_t len)
{
    struct hdl_reader r;
    struct hdl_envelope env;
    struct hdl_header hdr;
    hdl_reader_init(&r, req, len);
    if (hdl_envelope_decode(&r, &env) != HDL_OK || !env.session_id ||
        (env.flags & HDL_ENV_ENCRYPTED) || hdl_header_decode(&r, &hdr) != HDL_OK)
        return false;
    switch (hdr.opcode) {
    case HDL_OC_CREATE_HANDLE:
    case HDL_OC_DELETE_HANDLE:
    case HDL_OC_ADD_VALUE:
    case HDL_OC_REMOVE_VALUE:
    case HDL_OC_MODIFY_VALUE:
        return true;
    default:
        return false;
    }
}

static struct job *take(struct job_pool *p)
{
    struct job *j = p->head;
    p->head = j->next;
    if (!p->head)
        p->tail = NULL;
    p->queued--;
    return j;
}

static void *pool_main(void *arg)
{
    struct job_pool *p = arg;
    for (;;) {
        pthread_mutex_lock(&p->mu);
        while (!(p->head && !(p->grouping && p->head->groupable)) && !p->stopping)
            pthread_cond_wait(&p->ready, &p->mu);
        if (!p->head) {
            pthread_mutex_unlock(&p->mu);
            return NULL;
        }
        if (p->grouping && p->head->groupable) { /* stopping: the group's thread drains it */
            pthread_mutex_unlock(&p->mu);
            return NULL;
        }
        /* The HTTP API's jobs run alone (a batch makes its own group); changes in binary-
         * protocol sessions in groups of those queued next to each other, up to GROUP_MAX, and
         * other binary requests as groups of one. What is left wakes another thread. */
        struct job *j = take(p);
        struct group g = {.db = p->node->db, .jobs = {j}, .n = 1};
        bool grouped = j->groupable;
        if (grouped) {
            while (p->head && g.n < GROUP_MAX && p->head->groupable)
                g.jobs[g.n++] = take(p);
            p->grouping = true;
        }
        if (p->head && !(grouped && p->head->groupable))
            pthread_cond_signal(&p->ready);
        pthread_mutex_unlock(&p->mu);
        if (j->fn) {
            run_fn(j);
        } else {
            run_group(&g, p->node);
            if (grouped) {
                pthread_mutex_lock(&p->mu);
                p->grouping = false;
                pthread_mutex_unlock(&p->mu);
            }
        }
    }
}

struct job_pool *job_pool_new(struct node *node, int threads)
{
    struct job_pool *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->node = node;
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->ready, NULL);
    p->threads = calloc((size_t)threads, sizeof *p->threads);
    if (!p->threads) {
        job_pool_free(p);
        return NULL;
    }
    for (int i = 0; i < threads; i++) {
        if (pthread_create(&p->threads[i], NULL, pool_main, p) != 0)
            break;
        p->nthreads++;
    }
    if (p->nthreads == 0) {
        job_pool_free(p);
        return NULL;
    }
    return p;
}

void job_pool_free(struct job_pool *p)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->mu);
    p->stopping = true;
    pthread_cond_broadcast(&p->ready);
    pthread_mutex_unlock(&p->mu);
    for (int i = 0; i < p->nthreads; i++)
        pthread_join(p->threads[i], NULL);
    /* The workers' loops have stopped: jobs never started, or finished but never collected,
     * are freed here, while their workers' bases still exist. */
    while (p->all)
        job_free(p->all);
    for (int i = 0; i < p->nkicks; i++) {
        event_free(p->kicks[i]->ev);
        free(p->kicks[i]);
    }
    free(p->kicks);
    free(p->threads);
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->ready);
    free(p);
}

static struct job *job_new(struct job_pool *p, struct event_base *base,
                                 const struct admin_owner *owner)
{
    struct job *j = calloc(1, sizeof *j);
    if (!j)
        return NULL;
    pthread_mutex_init(&j->mu, NULL);
    pthread_cond_init(&j->drained, NULL);
    j->pool = p;
    j->node = p->node;
    j->owner = *owner;
    j->fd = -1;
    j->ev = event_new(base, -1, 0, on_job_event, j);
    if (!j->ev) {
        job_free(j);
        return NULL;
    }
    return j;
}

static void on_kick(evutil_socket_t fd, short what, void *arg)
{
    struct kick *k = arg;
    (void)fd;
    (void)what;
    pthread_mutex_lock(&k->pool->mu);
    k->armed = false;
    bool queued = k->pool->head != NULL;
    pthread_mutex_unlock(&k->pool->mu);
    /* Signalled after the unlock: a thread woken on this core would otherwise run only to wait
     * for the mutex, and switch back. */
    if (queued)
        pthread_cond_signal(&k->pool->ready);
}

/*
 * With p->mu held, on the worker's thread: the admin threads are woken once the worker's loop
 * has run this turn's other callbacks, so that the requests one turn read are queued together
 * and one thread takes them as a group. Woken at once instead, a thread takes each request as
 * it comes (on one core it runs before the worker reads the next), and every create costs a
 * sync and two thread switches of its own.
 */
static void arm_kick(struct job_pool *p, struct event_base *base)
{
    struct kick *k = NULL;
    for (int i = 0; i < p->nkicks && !k; i++)
        if (p->kicks[i]->base == base)
            k = p->kicks[i];
    if (!k) {
        struct kick **grown = realloc(p->kicks, (size_t)(p->nkicks + 1) * sizeof *grown);
        if (grown) {
            p->kicks = grown;
            if ((k = calloc(1, sizeof *k))) {
                k->pool = p;
                k->base = base;
                if ((k->ev = event_new(base, -1, 0, on_kick, k)))
                    p->kicks[p->nkicks++] = k;
                else
                    free(k), k = NULL;
            }
        }
    }
    if (!k) {
        pthread_cond_signal(&p->ready); /* out of memory: wake a thread now */
        return;
    }
    if (!k->armed) {
        k->armed = true;
        event_active(k->ev, 0, 0);
    }
}

static struct job *enqueue(struct job_pool *p, struct job *j)
{
    pthread_mutex_lock(&p->mu);
    if (p->stopping || p->live >= NODE_LIVE(p->node, max_admin_jobs)) {
        pthread_mutex_unlock(&p->mu);
        if (!p->stopping)
            atomic_fetch_add_explicit(&p->node->limit_counts.jobs_refused, 1, memory_order_relaxed);
        job_free(j);
        return NULL;
    }
    j->live = true;
    p->live++;
    if (p->tail)
        p->tail->next = j;
    else
        p->head = j;
    p->tail = j;
    p->queued++;
    j->all_next = p->all;
    if (p->all)
        p->all->all_prev = j;
    p->all = j;
    arm_kick(p, event_get_base(j->ev));
    pthread_mutex_unlock(&p->mu);
    return j;
}

/* A request for auth_request_answer; fd (owned from here: closed with the job) or -1;
 * groupable: request_groupable(req, len). */
static struct job *submit_request(struct job_pool *p, struct event_base *base,
                                  enum node_transport transport, const struct sockaddr *peer,
                                  int fd, const uint8_t *req, size_t len, bool groupable,
                                  const struct admin_owner *owner)
{
    struct job *j = job_new(p, base, owner);
    if (!j) {
        if (fd >= 0)
            close(fd);
        return NULL;
    }
    j->transport = transport;
    j->fd = fd;
    if (peer) {
        sockaddr_text(peer, j->source, sizeof j->source);
        access_log_client(peer, j->client, sizeof j->client);
    }
    if (!(j->req = malloc(len))) {
        job_free(j);
        return NULL;
    }
    memcpy(j->req, req, len);
    j->req_len = len;
    j->groupable = groupable;
    return enqueue(p, j);
}

struct job *job_submit(struct job_pool *p, struct event_base *base,
                               enum node_transport transport, const struct sockaddr *peer,
                               const uint8_t *req, size_t len, const struct admin_owner *owner)
{
    return submit_request(p, base, transport, peer, -1, req, len, request_groupable(req, len),
                          owner);
}

struct job *job_submit_conn(struct job_pool *p, struct event_base *base,
                            const struct sockaddr *peer, int fd, const uint8_t *req, size_t len,
                            const struct admin_owner *owner)
{
    /* Only an operation that streams to its client (a replication stream: auth_stream_fd)
     * needs the socket; a change in a session, the common request, does not, and is spared
     * a dup and a close. */
    bool groupable = request_groupable(req, len);
    int dup_fd = groupable ? -1 : fcntl(fd, F_DUPFD_CLOEXEC, 0);
    if (!groupable && dup_fd < 0)
        return NULL;
    return submit_request(p, base, NODE_TCP, peer, dup_fd, req, len, groupable, owner);
}

struct job *job_submit_fn(struct job_pool *p, struct event_base *base,
                                  void (*fn)(void *arg, const struct auth_request_sink *sink), void *arg,
                                  void (*free_arg)(void *arg), const struct sockaddr *peer,
                                  const struct admin_owner *owner)
{
    struct job *j = job_new(p, base, owner);
    if (!j) {
        if (free_arg)
            free_arg(arg);
        return NULL;
    }
    j->transport = NODE_HTTP;
    if (peer)
        access_log_client(peer, j->client, sizeof j->client);
    j->fn = fn;
    j->arg = arg;
    j->free_arg = free_arg;
    return enqueue(p, j);
}

bool job_uses_socket(const struct job *j)
{
    return j->fd >= 0;
}

void job_cancel(struct job *j)
{
    pthread_mutex_lock(&j->mu);
    j->cancelled = true;
    pthread_cond_signal(&j->drained);
    bool done = j->done;
    pthread_mutex_unlock(&j->mu);
    /* Finished already: its last event may be pending; let the event free it. */
    if (done)
        event_active(j->ev, 0, 0);
}

void job_resume(struct job *j)
{
    pthread_mutex_lock(&j->mu);
    j->paused = false;
    pthread_mutex_unlock(&j->mu);
    event_active(j->ev, 0, 0);
}
