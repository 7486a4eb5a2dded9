#include "registry/import/bulk_read.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "registry/import/bulk_csv.h"
#include "registry/import/bulk_mem.h"
#include "registry/import/bulk_run.h"

struct parse_worker {
    struct bulk_job *m;
    struct bulk_parser parser;
    pthread_t thread;
};

static void *parse_main(void *arg)
{
    struct parse_worker *w = arg;
    struct bulk_job *m = w->m;
    bulk_yield_cpu(m);
    for (;;) {
        pthread_mutex_lock(&m->mu);
        while (!m->work_head && !m->input_done)
            pthread_cond_wait(&m->cv, &m->mu);
        struct bulk_chunk *c = m->work_head;
        if (c && !(m->work_head = c->next))
            m->work_tail = NULL;
        bool stop = bulk_stopped(m);
        pthread_mutex_unlock(&m->mu);
        if (!c)
            return NULL;
        int rc = 0;
        if (!stop)
            rc = bulk_parse_chunk(&w->parser, c);
        pthread_mutex_lock(&m->mu);
        if (rc) {
            m->oom = true;
            bulk_stop(m);
        }
        if (c->text_cap == BULK_BLOCK_BYTES && m->nspare < BULK_SPARE_TEXTS)
            m->spare_texts[m->nspare++] = c->text;
        else
            free(c->text);
        c->text = NULL;
        c->next = m->done;
        m->done = c;
        pthread_cond_broadcast(&m->cv);
        pthread_mutex_unlock(&m->mu);
    }
}

/* Takes in the parsed chunks in input order; with wait, blocks until at least one arrives (or
 * none is in flight). Returns -1 when a spill fails. */
static int collect(struct bulk_job *m, bool wait)
{
    for (;;) {
        pthread_mutex_lock(&m->mu);
        struct bulk_chunk **pp = &m->done, *c = NULL;
        for (; *pp; pp = &(*pp)->next)
            if ((*pp)->seq == m->next_collect) {
                c = *pp;
                *pp = c->next;
                break;
            }
        while (!c && wait && m->inflight > 0) {
            pthread_cond_wait(&m->cv, &m->mu);
            for (pp = &m->done; *pp; pp = &(*pp)->next)
                if ((*pp)->seq == m->next_collect) {
                    c = *pp;
                    *pp = c->next;
                    break;
                }
        }
        if (c) {
            m->inflight--;
            m->next_collect++;
        }
        bool stop = bulk_stopped(m);
        pthread_mutex_unlock(&m->mu);
        if (!c)
            return 0;
        wait = false;
        if (stop) {
            bulk_chunk_free(c);
            continue;
        }
        m->s->handles += c->handles;
        m->s->bad += c->bad;
        if (c->bad)
            bulk_print_errors(m, c->errs, c->errs_len, c->bad);
        if (c->bad && m->o->abort_on_error) {
            pthread_mutex_lock(&m->mu);
            bulk_stop(m);
            pthread_mutex_unlock(&m->mu);
            m->s->aborted = true;
            bulk_chunk_free(c);
            continue;
        }
        free(c->errs);
        c->errs = NULL;
        if (m->nmem == m->capmem) {
            size_t cap = m->capmem ? m->capmem * 2 : 64;
            struct bulk_chunk **grown = realloc(m->mem, cap * sizeof *grown);
            if (!grown)
                return -1;
            m->mem = grown;
            m->capmem = cap;
        }
        m->mem[m->nmem++] = c;
        m->mem_bytes += c->arena_cap + c->n * sizeof(uint8_t *);
        m->total_bytes += c->arena_len;
        if (bulk_spill_due(m) && bulk_spill(m) != 0)
            return -1;
    }
}

/* A text buffer of BULK_BLOCK_BYTES (and the padding): a spare one, or a new one. */
static char *take_text(struct bulk_job *m)
{
    pthread_mutex_lock(&m->mu);
    char *t = m->nspare ? m->spare_texts[--m->nspare] : NULL;
    pthread_mutex_unlock(&m->mu);
    return t ? t : bulk_mem_alloc(BULK_BLOCK_BYTES + BULK_TEXT_PADDING);
}

static int push_chunk(struct bulk_job *m, char *text, size_t cap, size_t len, uint64_t seq,
                      uint64_t first_line)
{
    struct bulk_chunk *c = calloc(1, sizeof *c);
    if (!c) {
        free(text);
        return -1;
    }
    c->text = text;
    c->text_cap = cap;
    c->len = len;
    c->seq = seq;
    c->first_line = first_line;
    pthread_mutex_lock(&m->mu);
    if (m->work_tail)
        m->work_tail->next = c;
    else
        m->work_head = c;
    m->work_tail = c;
    m->inflight++;
    size_t inflight = m->inflight;
    pthread_cond_broadcast(&m->cv);
    pthread_mutex_unlock(&m->mu);
    /* Bounded read-ahead: at most two chunks per parser wait. */
    return collect(m, inflight > (size_t)m->o->threads * 2 + 1);
}

static size_t jsonl_cut(const char *buf, size_t len, bool eof, uint64_t *lines)
{
    size_t cut = len;
    if (!eof) {
        const char *nl = memrchr(buf, '\n', len);
        cut = nl ? (size_t)(nl - buf) + 1 : 0;
    }
    uint64_t n = 0;
    for (const char *p = buf; (p = memchr(p, '\n', (size_t)(buf + cut - p))); p++)
        n++;
    *lines = n;
    return cut;
}

/* Reads the input and feeds the parsers. -1 on a read or memory error. */
static int read_input(struct bulk_job *m)
{
    size_t cap = BULK_BLOCK_BYTES, len = 0;
    char *buf = take_text(m);
    uint64_t seq = 0, line = 1;
    bool eof = false;
    if (!buf)
        return -1;
    while (!eof && !bulk_stopped(m)) {
        if (bulk_cancelled(m)) {
            bulk_report(m, "the import was cancelled");
            free(buf);
            return -1;
        }
        double began = bulk_elapsed(m);
        while (len < cap && !eof) {
            ssize_t n = read(m->o->fd, buf + len, cap - len);
            if (n < 0 && errno == EINTR)
                continue;
            if (n < 0) {
                bulk_report(m, "reading %s: %s", m->o->name, strerror(errno));
                free(buf);
                return -1;
            }
            eof = n == 0;
            len += (size_t)n;
            m->read_bytes += (size_t)n;
        }
        uint64_t lines;
        size_t cut = m->o->format == BULK_CSV ? csv_cut(buf, len, eof, &lines)
                                              : jsonl_cut(buf, len, eof, &lines);
        m->s->read_seconds += bulk_elapsed(m) - began;
        if (cut == 0 && !eof) {
            /* One line or handle larger than the block: read on into a larger one. */
            char *grown = realloc(buf, cap * 2 + BULK_TEXT_PADDING);
            if (!grown) {
                free(buf);
                return -1;
            }
            buf = grown;
            cap *= 2;
            continue;
        }
        if (cut > 0) {
            char *next = cap == BULK_BLOCK_BYTES ? take_text(m) : malloc(cap + BULK_TEXT_PADDING);
            if (!next) {
                free(buf);
                return -1;
            }
            memcpy(next, buf + cut, len - cut);
            len -= cut;
            if (push_chunk(m, buf, cap, cut, seq++, line) != 0) {
                free(next);
                return -1;
            }
            buf = next;
            line += lines;
        }
        double fraction = m->o->size ? (double)m->read_bytes / (double)m->o->size : -1;
        bulk_progress(m, "reading", fraction > 1 ? 1 : fraction, m->s->handles);
    }
    free(buf);
    return 0;
}

int bulk_read_and_sort(struct bulk_job *m)
{
    struct parse_worker workers[BULK_MAX_THREADS];
    int nw = 0, rc = 0;
    for (; nw < m->o->threads; nw++) {
        workers[nw].m = m;
        if (bulk_parser_init(&workers[nw].parser, m->o->db, m->o->prefixes, m->o->name,
                             m->o->format, (uint32_t)time(NULL), m->o->abort_on_error) != 0 ||
            pthread_create(&workers[nw].thread, NULL, parse_main, &workers[nw]) != 0) {
            bulk_parser_free(&workers[nw].parser);
            rc = -1;
            break;
        }
    }
    if (rc == 0)
        rc = read_input(m);
    pthread_mutex_lock(&m->mu);
    m->input_done = true;
    if (rc)
        bulk_stop(m);
    pthread_cond_broadcast(&m->cv);
    pthread_mutex_unlock(&m->mu);
    for (;;) {
        if (collect(m, true) != 0) {
            rc = -1;
            pthread_mutex_lock(&m->mu);
            bulk_stop(m);
            pthread_mutex_unlock(&m->mu);
        }
        pthread_mutex_lock(&m->mu);
        bool drained = m->inflight == 0;
        pthread_mutex_unlock(&m->mu);
        if (drained)
            break;
    }
    for (int i = 0; i < nw; i++) {
        pthread_join(workers[i].thread, NULL);
        bulk_parser_free(&workers[i].parser);
    }
    if (bulk_spill_finish(m) != 0)
        rc = -1;
    if (m->oom) {
        bulk_report(m, "out of memory while parsing");
        rc = -1;
    }
    bulk_progress(m, "reading", 1.0, m->s->handles);
    return rc;
}
