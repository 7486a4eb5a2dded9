#include "resolver/admin/job_pool.h"

#include <event2/event.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/sockaddr_text.h"
#include "resolver/access_log.h"
#include "resolver/admin/auth_request.h"

/* A job's answers waiting for its worker are capped; a listing waits for the client to read. */
#define JOB_QUEUE_BYTES (4u << 20)

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
    bool live; /* counted in the pool's live jobs */
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
};

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

/* In the pool thread: queues one answer for the worker; waits while the queue is full. */
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
    while (j->queued > JOB_QUEUE_BYTES && !j->cancelled)
        pthread_cond_wait(&j->drained, &j->mu);
    if (j->cancelled) {
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
    event_active(j->ev, 0, 0);
    pthread_mutex_unlock(&j->mu);
    return 0;
}

static void *pool_main(void *arg)
{
    struct job_pool *p = arg;
    for (;;) {
        pthread_mutex_lock(&p->mu);
        while (!p->head && !p->stopping)
            pthread_cond_wait(&p->ready, &p->mu);
        struct job *j = p->head;
        if (!j) {
            pthread_mutex_unlock(&p->mu);
            return NULL;
        }
        p->head = j->next;
        if (!p->head)
            p->tail = NULL;
        p->queued--;
        pthread_mutex_unlock(&p->mu);

        struct auth_request_sink sink = {job_emit, j, j->fd};
        access_log_admin_context(j->fn ? NODE_HTTP : j->transport, j->client);
        if (j->fn) {
            j->fn(j->arg, &sink);
            if (j->free_arg)
                j->free_arg(j->arg);
            j->arg = NULL;
        } else {
            auth_request_answer(j->node, j->transport, j->source[0] ? j->source : NULL, j->req, j->req_len,
                         &sink);
        }
        /* The last touch of the job from this thread: the worker may free it once unlocked. */
        pthread_mutex_lock(&j->mu);
        j->done = true;
        event_active(j->ev, 0, 0);
        pthread_mutex_unlock(&j->mu);
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
    pthread_cond_signal(&p->ready);
    pthread_mutex_unlock(&p->mu);
    return j;
}

/* A request for auth_request_answer; fd (owned from here: closed with the job) or -1. */
static struct job *submit_request(struct job_pool *p, struct event_base *base,
                                  enum node_transport transport, const struct sockaddr *peer,
                                  int fd, const uint8_t *req, size_t len,
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
    return enqueue(p, j);
}

struct job *job_submit(struct job_pool *p, struct event_base *base,
                               enum node_transport transport, const struct sockaddr *peer,
                               const uint8_t *req, size_t len, const struct admin_owner *owner)
{
    return submit_request(p, base, transport, peer, -1, req, len, owner);
}

struct job *job_submit_conn(struct job_pool *p, struct event_base *base,
                            const struct sockaddr *peer, int fd, const uint8_t *req, size_t len,
                            const struct admin_owner *owner)
{
    int dup_fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
    if (dup_fd < 0)
        return NULL;
    return submit_request(p, base, NODE_TCP, peer, dup_fd, req, len, owner);
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
