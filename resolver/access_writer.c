/* The access log's per-thread buffers and the thread that writes them (access_writer.h). */
#include "resolver/access_writer.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct tbuf {
    struct tbuf *next; /* every thread's, for the writer */
    pthread_mutex_t mu;
    size_t len;
    char data[ACCESS_WRITER_BUF];
};

static const int *out_fd;
static pthread_mutex_t list_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;
static struct tbuf *all;
static atomic_bool running;
static bool stopping;
static pthread_t writer;
static _Thread_local struct tbuf *mine;

static void write_all(const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(*out_fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return; /* a full disk or a bad file: the log loses these lines, the node goes on */
        p += w;
        n -= (size_t)w;
    }
}

/* Writes b out; called with b->mu held. */
static void drain(struct tbuf *b)
{
    if (b->len) {
        write_all(b->data, b->len);
        b->len = 0;
    }
}

static void flush_all(void)
{
    pthread_mutex_lock(&list_mu);
    struct tbuf *head = all;
    pthread_mutex_unlock(&list_mu);
    /* Buffers are only ever added at the head and never freed: the list from head is stable. */
    for (struct tbuf *b = head; b; b = b->next) {
        pthread_mutex_lock(&b->mu);
        drain(b);
        pthread_mutex_unlock(&b->mu);
    }
}

static void *writer_main(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&list_mu);
    while (!stopping) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_nsec += ACCESS_WRITER_PERIOD_MS * 1000000L;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&wake, &list_mu, &until);
        pthread_mutex_unlock(&list_mu);
        flush_all();
        pthread_mutex_lock(&list_mu);
    }
    pthread_mutex_unlock(&list_mu);
    return NULL;
}

int access_writer_start(const int *fd)
{
    out_fd = fd;
    if (pthread_create(&writer, NULL, writer_main, NULL) != 0)
        return -1;
    atomic_store(&running, true);
    return 0;
}

static struct tbuf *own_buffer(void)
{
    if (mine)
        return mine;
    struct tbuf *b = malloc(sizeof *b);
    if (!b)
        return NULL;
    pthread_mutex_init(&b->mu, NULL);
    b->len = 0;
    pthread_mutex_lock(&list_mu);
    b->next = all;
    all = b;
    pthread_mutex_unlock(&list_mu);
    mine = b;
    return b;
}

void access_writer_append(const char *line, size_t n)
{
    struct tbuf *b = atomic_load_explicit(&running, memory_order_relaxed) ? own_buffer() : NULL;
    if (!b) {
        write_all(line, n);
        return;
    }
    pthread_mutex_lock(&b->mu);
    if (b->len + n > sizeof b->data)
        drain(b);
    memcpy(b->data + b->len, line, n);
    b->len += n;
    pthread_mutex_unlock(&b->mu);
}

void access_writer_flush(void)
{
    flush_all();
}

void access_writer_stop(void)
{
    if (!atomic_load(&running))
        return;
    pthread_mutex_lock(&list_mu);
    stopping = true;
    pthread_cond_signal(&wake);
    pthread_mutex_unlock(&list_mu);
    pthread_join(writer, NULL);
    atomic_store(&running, false);
    flush_all();
}
