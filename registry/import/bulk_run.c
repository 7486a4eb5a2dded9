#include "registry/import/bulk_run.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "registry/import/bulk_merge.h"

/* Merges a set of sorted chunks into the run file r->path, marking every BULK_RUN_MARK_EVERY-th
 * entry. Runs on the spill thread; frees nothing. */
static int write_run(struct bulk_job *m, struct bulk_chunk **set, size_t nset, struct bulk_run *r)
{
    size_t entries = 0, key_bytes = 0;
    for (size_t i = 0; i < nset; i++)
        entries += set[i]->n;
    size_t nmarks = entries / BULK_RUN_MARK_EVERY + 1;
    size_t keys_cap = nmarks * REG_MAX_KEY < (64u << 20) ? nmarks * REG_MAX_KEY : (64u << 20);
    FILE *f = fopen(r->path, "wb");
    struct bulk_source *src = calloc(nset, sizeof *src);
    struct bulk_source **h = calloc(nset, sizeof *h);
    r->marks = calloc(nmarks, sizeof *r->marks);
    r->keys = malloc(keys_cap);
    int rc = 0;
    if (!f || !src || !h || !r->marks || !r->keys) {
        bulk_report(m, "cannot write %s: %s", r->path, strerror(errno));
        rc = -1;
        goto out;
    }
    setvbuf(f, NULL, _IOFBF, BULK_RUN_BUFFER);
    for (size_t i = 0; i < nset; i++) {
        src[i].chunk = set[i];
        src[i].end = set[i]->n;
        bulk_source_next(&src[i]);
    }
    size_t n = bulk_heap_init(h, src, nset);
    uint64_t off = 0;
    for (size_t k = 0; n > 0; k++) {
        const uint8_t *e = h[0]->cur;
        size_t size = bulk_ent_size(e);
        if (k % BULK_RUN_MARK_EVERY == 0 && r->nmarks < nmarks &&
            keys_cap - key_bytes >= bulk_ent_klen(e)) {
            memcpy(r->keys + key_bytes, bulk_ent_key(e), bulk_ent_klen(e));
            r->marks[r->nmarks++] =
                (struct bulk_run_mark){off, r->keys + key_bytes, bulk_ent_klen(e)};
            key_bytes += bulk_ent_klen(e);
        }
        fwrite(e, 1, size, f);
        off += size;
        n = bulk_heap_pop(h, n);
    }
    if (ferror(f))
        rc = -1;
out:
    if (f && fclose(f) != 0)
        rc = -1;
    if (rc && f)
        bulk_report(m, "writing %s failed: %s", r->path, strerror(errno));
    free(src);
    free(h);
    return rc;
}

static void *spill_main(void *arg)
{
    struct bulk_job *m = arg;
    bulk_yield_cpu(m);
    pthread_mutex_lock(&m->mu);
    for (;;) {
        while (!m->spill_set && !m->spill_quit)
            pthread_cond_wait(&m->cv, &m->mu);
        if (!m->spill_set)
            break;
        struct bulk_chunk **set = m->spill_set;
        size_t nset = m->spill_n, seq = m->nruns + 1;
        pthread_mutex_unlock(&m->mu);

        struct bulk_run r = {0};
        char path[4200];
        snprintf(path, sizeof path, "%s/run-%06zu.tmp", m->stage, seq);
        r.path = strdup(path);
        int rc = r.path ? write_run(m, set, nset, &r) : -1;
        for (size_t i = 0; i < nset; i++)
            bulk_chunk_free(set[i]);
        free(set);

        pthread_mutex_lock(&m->mu);
        struct bulk_run *grown = rc ? NULL : realloc(m->runs, (m->nruns + 1) * sizeof *grown);
        if (grown) {
            m->runs = grown;
            m->runs[m->nruns++] = r;
            m->s->runs++;
        } else {
            if (r.path)
                unlink(r.path);
            free(r.path);
            free(r.marks);
            free(r.keys);
            m->spill_failed = true;
        }
        m->spill_set = NULL;
        pthread_cond_broadcast(&m->cv);
    }
    pthread_mutex_unlock(&m->mu);
    return NULL;
}

/* Waits until the spill thread is idle; -1 when a spill failed. */
static int spill_wait(struct bulk_job *m)
{
    pthread_mutex_lock(&m->mu);
    while (m->spill_set)
        pthread_cond_wait(&m->cv, &m->mu);
    int rc = m->spill_failed ? -1 : 0;
    pthread_mutex_unlock(&m->mu);
    return rc;
}

int bulk_spill(struct bulk_job *m)
{
    if (!m->spiller_started) {
        if (pthread_create(&m->spiller, NULL, spill_main, m) != 0)
            return -1;
        m->spiller_started = true;
    }
    if (spill_wait(m) != 0)
        return -1;
    pthread_mutex_lock(&m->mu);
    m->spill_set = m->mem;
    m->spill_n = m->nmem;
    pthread_cond_broadcast(&m->cv);
    pthread_mutex_unlock(&m->mu);
    m->mem = NULL;
    m->nmem = m->capmem = 0;
    m->mem_bytes = 0;
    m->spilled = true;
    return 0;
}

int bulk_spill_finish(struct bulk_job *m)
{
    if (!m->spiller_started)
        return 0;
    int rc = spill_wait(m);
    pthread_mutex_lock(&m->mu);
    m->spill_quit = true;
    pthread_cond_broadcast(&m->cv);
    pthread_mutex_unlock(&m->mu);
    pthread_join(m->spiller, NULL);
    m->spiller_started = false;
    return rc;
}

/* Whether the chunks in memory go to a run now. The input is kept whole in memory when it fits
 * the budget; when it will not (judged from the share read so far, or at once for input of
 * unknown size), sets of half the budget are spilled, each while the next fills. */
bool bulk_spill_due(const struct bulk_job *m)
{
    size_t budget = m->o->memory_bytes;
    if (m->mem_bytes > budget)
        return true;
    if (m->mem_bytes <= budget / 2 || m->read_bytes == 0)
        return false;
    double expected = (double)m->mem_bytes * ((double)m->o->size / (double)m->read_bytes);
    return m->o->size == 0 || m->spilled || expected > (double)budget;
}

void bulk_runs_free(struct bulk_job *m)
{
    for (size_t i = 0; i < m->nruns; i++) {
        unlink(m->runs[i].path);
        free(m->runs[i].path);
        free(m->runs[i].marks);
        free(m->runs[i].keys);
    }
    free(m->runs);
    m->runs = NULL;
    m->nruns = 0;
}
