#include "registry/import/bulk_job.h"

#include <stdarg.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#define MAX_PRINTED 10000

double bulk_elapsed(const struct bulk_job *m)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - m->start.tv_sec) + (double)(now.tv_nsec - m->start.tv_nsec) / 1e9;
}

void bulk_report(struct bulk_job *m, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    pthread_mutex_lock(&m->print_mu);
    if (m->o->progress)
        fputs("\r\033[K", stderr);
    if (m->out == stderr)
        fputs("pazhou: ", stderr);
    vfprintf(m->out, fmt, ap);
    fputc('\n', m->out);
    pthread_mutex_unlock(&m->print_mu);
    va_end(ap);
}

/* Prints bad-line messages, up to MAX_PRINTED in all. */
void bulk_print_errors(struct bulk_job *m, const char *text, size_t len, uint64_t count)
{
    pthread_mutex_lock(&m->print_mu);
    if (m->o->progress)
        fputs("\r\033[K", stderr);
    while (len > 0 && m->printed < MAX_PRINTED) {
        const char *nl = memchr(text, '\n', len);
        size_t n = nl ? (size_t)(nl - text) + 1 : len;
        fwrite(text, 1, n, m->out);
        text += n;
        len -= n;
        m->printed++;
        count--;
    }
    if (count > 0 && m->printed == MAX_PRINTED) {
        fprintf(m->out, "%sfurther bad lines are counted, not shown\n",
                m->out == stderr ? "pazhou: " : "");
        m->printed++;
    }
    pthread_mutex_unlock(&m->print_mu);
}

/* Lowers the calling thread's priority to o->nice (Linux: niceness is per thread). */
void bulk_yield_cpu(const struct bulk_job *m)
{
    if (m->o->nice > 0)
        setpriority(PRIO_PROCESS, (id_t)gettid(), m->o->nice);
}

bool bulk_cancelled(const struct bulk_job *m)
{
    return m->o->cancel && atomic_load(m->o->cancel);
}

void bulk_progress(struct bulk_job *m, const char *phase, double fraction, uint64_t handles)
{
    if (!m->o->progress && !m->o->on_progress)
        return;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    double since = (double)(now.tv_sec - m->last_progress.tv_sec) +
                   (double)(now.tv_nsec - m->last_progress.tv_nsec) / 1e9;
    if (since < 0.2 && fraction < 1.0)
        return;
    m->last_progress = now;
    if (m->o->on_progress)
        m->o->on_progress(m->o->progress_ctx, phase, fraction, handles);
    if (!m->o->progress)
        return;
    double t = bulk_elapsed(m);
    char bar[21];
    int filled = fraction >= 0 ? (int)(fraction * 20) : 0;
    for (int i = 0; i < 20; i++)
        bar[i] = i < filled ? '#' : '.';
    bar[20] = '\0';
    pthread_mutex_lock(&m->print_mu);
    fprintf(stderr, "\r\033[K%s [%s] ", phase, bar);
    if (fraction >= 0)
        fprintf(stderr, "%3.0f%% ", fraction * 100);
    fprintf(stderr, "%llu handles, %.0f/s", (unsigned long long)handles,
            t > 0 ? (double)handles / t : 0.0);
    if (fraction > 0.01 && fraction < 1.0) {
        double eta = t / fraction - t;
        fprintf(stderr, ", ETA %d:%02d", (int)eta / 60, (int)eta % 60);
    }
    pthread_mutex_unlock(&m->print_mu);
}
