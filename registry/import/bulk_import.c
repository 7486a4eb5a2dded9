#include "registry/import/bulk_import.h"

#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "registry/import/bulk_csv.h"
#include "registry/reg_bulk.h"

#define BLOCK_BYTES (16u << 20)
#define SPARE_TEXTS 8
#define RUN_BUFFER (1u << 20)
#define MAX_PRINTED 10000
#define EXISTS_BATCH 1024
#define MAX_THREADS 64
#define STAGING "bulk-import"

/* Every RUN_MARK_EVERY-th entry of a run file: where it starts and its key, so that a merge of
 * one key range starts reading a run near the range's first key. */
#define RUN_MARK_EVERY 1024
struct run_mark {
    uint64_t off;
    const uint8_t *key;
    size_t klen;
};

struct run {
    char *path;
    struct run_mark *marks;
    size_t nmarks;
    uint8_t *keys; /* the marks' keys, back to back */
};

/* Where a merge reads entries from: a sorted chunk in memory or a run file, up to a key. */
struct source {
    const uint8_t *cur; /* the current entry, NULL at the end */
    struct bulk_chunk *chunk;
    size_t i, end;
    FILE *f;
    uint8_t *buf;
    size_t len, pos;
    const uint8_t *hi; /* runs: stop at the first key >= hi (when not NULL) */
    size_t hi_len;
};

struct writer_stats {
    uint64_t loaded, created, replaced, kept, refused, duplicates, bytes;
    struct reg_bulk_deltas *deltas;
    int failed, aborted;
};

struct imp {
    const struct bulk_opts *o;
    struct bulk_summary *s;
    char stage[4096];
    struct timespec start, last_progress;

    pthread_mutex_t mu;
    pthread_cond_t cv;
    /* phase 1: chunks to parse, parsed chunks waiting to be collected in input order */
    struct bulk_chunk *work_head, *work_tail, *done;
    size_t inflight;
    bool input_done;
    uint64_t next_collect;
    /* abort: stop parsing, write nothing. Set under mu by phase 1, but read and set by the
     * reader and the writer threads of phase 2 without it. */
    atomic_bool stop;
    bool oom;
    struct bulk_chunk **mem; /* collected sorted chunks */
    size_t nmem, capmem;
    size_t mem_bytes;
    uint64_t total_bytes; /* entry bytes of the whole input */
    struct run *runs;     /* appended by the spill thread under mu */
    size_t nruns;
    uint64_t read_bytes;

    /* The spill thread merges one set of chunks into a run while parsing goes on. */
    pthread_t spiller;
    bool spiller_started, spill_quit, spill_failed;
    bool spilled;                  /* a set was handed over (read by the collector only) */
    struct bulk_chunk **spill_set; /* handed over, NULL when the thread is idle */
    size_t spill_n;

    /* phase 2 */
    uint8_t lo[REG_MAX_KEY], hi[REG_MAX_KEY];
    size_t lo_len, hi_len;
    bool registry_empty;
    size_t file_target; /* record bytes per table file */
    _Atomic uint64_t merged;
    _Atomic int parts_done;

    pthread_mutex_t print_mu;
    uint64_t printed;
    /* Parsed chunks' text buffers (BLOCK_BYTES), reused for the next ones: fresh pages would
     * cost the kernel's zeroing for every chunk (a quarter of a 10M import's CPU). Under mu. */
    char *spare_texts[SPARE_TEXTS];
    size_t nspare;
    FILE *out; /* o->messages, or stderr */
};

static double elapsed(const struct imp *m)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - m->start.tv_sec) + (double)(now.tv_nsec - m->start.tv_nsec) / 1e9;
}

/* Reports an error (a line of its own; "pazhou: " first on stderr). */
static void report(struct imp *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void report(struct imp *m, const char *fmt, ...)
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
static void print_errors(struct imp *m, const char *text, size_t len, uint64_t count)
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
static void yield_cpu(const struct imp *m)
{
    if (m->o->nice > 0)
        setpriority(PRIO_PROCESS, (id_t)gettid(), m->o->nice);
}

static bool cancelled(const struct imp *m)
{
    return m->o->cancel && atomic_load(m->o->cancel);
}

static void progress(struct imp *m, const char *phase, double fraction, uint64_t handles)
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
    double t = elapsed(m);
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

/* ---- merging ---- */

static int key_cmp(const uint8_t *a, size_t al, const uint8_t *b, size_t bl)
{
    int c = memcmp(a, b, al < bl ? al : bl);
    return c ? c : (al > bl) - (al < bl);
}

static void source_next(struct source *s)
{
    if (s->chunk) {
        s->cur = s->i < s->end ? s->chunk->ents[s->i++] : NULL;
        return;
    }
    /* Run file: make sure the whole next entry is in the buffer. */
    s->cur = NULL;
    for (int pass = 0; pass < 2; pass++) {
        size_t left = s->len - s->pos;
        if (left >= BULK_ENT_HDR && left >= bulk_ent_size(s->buf + s->pos)) {
            const uint8_t *e = s->buf + s->pos;
            if (s->hi && key_cmp(bulk_ent_key(e), bulk_ent_klen(e), s->hi, s->hi_len) >= 0)
                return;
            s->cur = e;
            s->pos += bulk_ent_size(e);
            return;
        }
        memmove(s->buf, s->buf + s->pos, left);
        s->len = left + fread(s->buf + left, 1, RUN_BUFFER - left, s->f);
        s->pos = 0;
    }
}

static void sift_down(struct source **h, size_t n, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, min = i;
        if (l < n && bulk_ent_cmp(h[l]->cur, h[min]->cur) < 0)
            min = l;
        if (r < n && bulk_ent_cmp(h[r]->cur, h[min]->cur) < 0)
            min = r;
        if (min == i)
            return;
        struct source *t = h[i];
        h[i] = h[min];
        h[min] = t;
        i = min;
    }
}

/* Builds a heap of the primed sources that have an entry; returns its size. */
static size_t heap_init(struct source **h, struct source *src, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (src[i].cur)
            h[k++] = &src[i];
    for (size_t i = k / 2; i-- > 0;)
        sift_down(h, k, i);
    return k;
}

/* Advances the top source; returns the heap's new size. */
static size_t heap_pop(struct source **h, size_t n)
{
    source_next(h[0]);
    if (!h[0]->cur)
        h[0] = h[--n];
    sift_down(h, n, 0);
    return n;
}

static void free_mem_chunks(struct imp *m)
{
    for (size_t i = 0; i < m->nmem; i++)
        bulk_chunk_free(m->mem[i]);
    m->nmem = 0;
    m->mem_bytes = 0;
}

/* Merges a set of sorted chunks into the run file r->path, marking every RUN_MARK_EVERY-th
 * entry. Runs on the spill thread; frees nothing. */
static int write_run(struct imp *m, struct bulk_chunk **set, size_t nset, struct run *r)
{
    size_t entries = 0, key_bytes = 0;
    for (size_t i = 0; i < nset; i++)
        entries += set[i]->n;
    size_t nmarks = entries / RUN_MARK_EVERY + 1;
    size_t keys_cap = nmarks * REG_MAX_KEY < (64u << 20) ? nmarks * REG_MAX_KEY : (64u << 20);
    FILE *f = fopen(r->path, "wb");
    struct source *src = calloc(nset, sizeof *src);
    struct source **h = calloc(nset, sizeof *h);
    r->marks = calloc(nmarks, sizeof *r->marks);
    r->keys = malloc(keys_cap);
    int rc = 0;
    if (!f || !src || !h || !r->marks || !r->keys) {
        report(m, "cannot write %s: %s", r->path, strerror(errno));
        rc = -1;
        goto out;
    }
    setvbuf(f, NULL, _IOFBF, RUN_BUFFER);
    for (size_t i = 0; i < nset; i++) {
        src[i].chunk = set[i];
        src[i].end = set[i]->n;
        source_next(&src[i]);
    }
    size_t n = heap_init(h, src, nset);
    uint64_t off = 0;
    for (size_t k = 0; n > 0; k++) {
        const uint8_t *e = h[0]->cur;
        size_t size = bulk_ent_size(e);
        if (k % RUN_MARK_EVERY == 0 && r->nmarks < nmarks &&
            keys_cap - key_bytes >= bulk_ent_klen(e)) {
            memcpy(r->keys + key_bytes, bulk_ent_key(e), bulk_ent_klen(e));
            r->marks[r->nmarks++] = (struct run_mark){off, r->keys + key_bytes, bulk_ent_klen(e)};
            key_bytes += bulk_ent_klen(e);
        }
        fwrite(e, 1, size, f);
        off += size;
        n = heap_pop(h, n);
    }
    if (ferror(f))
        rc = -1;
out:
    if (f && fclose(f) != 0)
        rc = -1;
    if (rc && f)
        report(m, "writing %s failed: %s", r->path, strerror(errno));
    free(src);
    free(h);
    return rc;
}

static void *spill_main(void *arg)
{
    struct imp *m = arg;
    yield_cpu(m);
    pthread_mutex_lock(&m->mu);
    for (;;) {
        while (!m->spill_set && !m->spill_quit)
            pthread_cond_wait(&m->cv, &m->mu);
        if (!m->spill_set)
            break;
        struct bulk_chunk **set = m->spill_set;
        size_t nset = m->spill_n, seq = m->nruns + 1;
        pthread_mutex_unlock(&m->mu);

        struct run r = {0};
        char path[4200];
        snprintf(path, sizeof path, "%s/run-%06zu.tmp", m->stage, seq);
        r.path = strdup(path);
        int rc = r.path ? write_run(m, set, nset, &r) : -1;
        for (size_t i = 0; i < nset; i++)
            bulk_chunk_free(set[i]);
        free(set);

        pthread_mutex_lock(&m->mu);
        struct run *grown = rc ? NULL : realloc(m->runs, (m->nruns + 1) * sizeof *grown);
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
static int spill_wait(struct imp *m)
{
    pthread_mutex_lock(&m->mu);
    while (m->spill_set)
        pthread_cond_wait(&m->cv, &m->mu);
    int rc = m->spill_failed ? -1 : 0;
    pthread_mutex_unlock(&m->mu);
    return rc;
}

/* Hands the chunks in memory to the spill thread (after the previous set is written). */
static int spill(struct imp *m)
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

/* Stops the spill thread once its last set is written; -1 when a spill failed. */
static int spill_finish(struct imp *m)
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
static bool spill_due(const struct imp *m)
{
    size_t budget = m->o->memory_bytes;
    if (m->mem_bytes > budget)
        return true;
    if (m->mem_bytes <= budget / 2 || m->read_bytes == 0)
        return false;
    double expected = (double)m->mem_bytes * ((double)m->o->size / (double)m->read_bytes);
    return m->o->size == 0 || m->spilled || expected > (double)budget;
}

/* ---- phase 1: reading and parsing ---- */

struct parse_worker {
    struct imp *m;
    struct bulk_parser parser;
    pthread_t thread;
};

static void *parse_main(void *arg)
{
    struct parse_worker *w = arg;
    struct imp *m = w->m;
    yield_cpu(m);
    for (;;) {
        pthread_mutex_lock(&m->mu);
        while (!m->work_head && !m->input_done)
            pthread_cond_wait(&m->cv, &m->mu);
        struct bulk_chunk *c = m->work_head;
        if (c && !(m->work_head = c->next))
            m->work_tail = NULL;
        bool stop = m->stop;
        pthread_mutex_unlock(&m->mu);
        if (!c)
            return NULL;
        int rc = 0;
        if (!stop)
            rc = bulk_parse_chunk(&w->parser, c);
        pthread_mutex_lock(&m->mu);
        if (rc) {
            m->oom = true;
            m->stop = true;
        }
        if (c->text_cap == BLOCK_BYTES && m->nspare < SPARE_TEXTS)
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
static int collect(struct imp *m, bool wait)
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
        bool stop = m->stop;
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
            print_errors(m, c->errs, c->errs_len, c->bad);
        if (c->bad && m->o->abort_on_error) {
            pthread_mutex_lock(&m->mu);
            m->stop = true;
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
        if (spill_due(m) && spill(m) != 0)
            return -1;
    }
}

/* A text buffer of BLOCK_BYTES (and the padding): a spare one, or a new one. */
static char *take_text(struct imp *m)
{
    pthread_mutex_lock(&m->mu);
    char *t = m->nspare ? m->spare_texts[--m->nspare] : NULL;
    pthread_mutex_unlock(&m->mu);
    return t ? t : malloc(BLOCK_BYTES + BULK_TEXT_PADDING);
}

static int push_chunk(struct imp *m, char *text, size_t cap, size_t len, uint64_t seq,
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
static int read_input(struct imp *m)
{
    size_t cap = BLOCK_BYTES, len = 0;
    char *buf = take_text(m);
    uint64_t seq = 0, line = 1;
    bool eof = false;
    if (!buf)
        return -1;
    while (!eof && !m->stop) {
        if (cancelled(m)) {
            report(m, "the import was cancelled");
            free(buf);
            return -1;
        }
        while (len < cap && !eof) {
            ssize_t n = read(m->o->fd, buf + len, cap - len);
            if (n < 0 && errno == EINTR)
                continue;
            if (n < 0) {
                report(m, "reading %s: %s", m->o->name, strerror(errno));
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
            char *next = cap == BLOCK_BYTES ? take_text(m) : malloc(cap + BULK_TEXT_PADDING);
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
        progress(m, "reading", fraction > 1 ? 1 : fraction, m->s->handles);
    }
    free(buf);
    return 0;
}

/* ---- phase 2: merging and writing table files ----
 *
 * The key space is split at sampled keys into one range per writer thread; each merges its range
 * of every run and chunk on its own and writes its own table files, so the files of different
 * threads never overlap and no thread waits for another. */

#define PENDING_BYTES (4u << 20)

struct part {
    struct imp *m;
    int index;
    const uint8_t *lo, *hi; /* [lo, hi); NULL for no bound */
    size_t lo_len, hi_len;
    struct writer_stats st;
    pthread_t thread;
    /* entries waiting for their existence check, copied */
    uint8_t *pending;
    size_t pending_len, offs[EXISTS_BATCH], npending;
    struct reg_bulk_file *file;
    uint64_t file_bytes;
    int file_seq;
};

static bool in_range(const struct imp *m, const uint8_t *k, size_t len)
{
    return !m->registry_empty && key_cmp(k, len, m->lo, m->lo_len) >= 0 &&
           key_cmp(k, len, m->hi, m->hi_len) <= 0;
}

/* Which pending entries the registry holds: exists[i]. */
static int check_existing(struct part *p, uint8_t *exists)
{
    const uint8_t *keys[EXISTS_BATCH];
    size_t lens[EXISTS_BATCH], at[EXISTS_BATCH], k = 0;
    uint8_t found[EXISTS_BATCH];
    memset(exists, 0, p->npending);
    for (size_t i = 0; i < p->npending; i++) {
        const uint8_t *e = p->pending + p->offs[i];
        if (!in_range(p->m, bulk_ent_key(e), bulk_ent_klen(e)))
            continue;
        keys[k] = bulk_ent_key(e);
        lens[k] = bulk_ent_klen(e);
        at[k++] = i;
    }
    if (k == 0)
        return 0;
    int rc = reg_bulk_exists(p->m->o->db, k, keys, lens, found);
    for (size_t j = 0; rc == 0 && j < k; j++)
        exists[at[j]] = found[j];
    return rc;
}

static int file_put(struct part *p, const uint8_t *e)
{
    struct imp *m = p->m;
    char err[512];
    if (!p->file) {
        char path[4200];
        snprintf(path, sizeof path, "%s/%03d-%06d.sst", m->stage, p->index, p->file_seq++);
        if (reg_bulk_file_open(m->o->db, path, &p->file, err, sizeof err) != REG_OK) {
            report(m, "%s", err);
            return -1;
        }
        p->file_bytes = 0;
    }
    if (reg_bulk_file_add(p->file, bulk_ent_key(e), bulk_ent_klen(e), bulk_ent_record(e),
                          bulk_ent_rlen(e)) != REG_OK) {
        report(m, "writing a table file failed");
        return -1;
    }
    p->file_bytes += bulk_ent_size(e);
    return 0;
}

static int file_close(struct part *p)
{
    if (!p->file)
        return 0;
    char err[512];
    uint64_t bytes;
    int rc = reg_bulk_file_finish(p->file, &bytes, err, sizeof err);
    p->file = NULL;
    if (rc != REG_OK) {
        report(p->m, "%s", err);
        return -1;
    }
    p->st.bytes += bytes;
    return 0;
}

/* Checks the pending entries against the registry and writes those --existing lets through. */
static int flush_pending(struct part *p)
{
    struct imp *m = p->m;
    struct writer_stats *st = &p->st;
    uint8_t exists[EXISTS_BATCH];
    int rc = check_existing(p, exists);
    if (rc) {
        report(m, "checking existing handles: %s", reg_strerror(rc));
        return -1;
    }
    for (size_t i = 0; i < p->npending; i++) {
        const uint8_t *e = p->pending + p->offs[i];
        if (exists[i] && m->o->existing == BULK_SKIP) {
            st->kept++;
            continue;
        }
        if (exists[i] && m->o->existing == BULK_FAIL) {
            char msg[REG_MAX_KEY + 96];
            int n = snprintf(msg, sizeof msg, "%s:%llu: %.*s exists already (--existing fail)\n",
                             m->o->name, (unsigned long long)bulk_ent_line(e),
                             (int)bulk_ent_klen(e), (const char *)bulk_ent_key(e));
            print_errors(m, msg, n > 0 ? (size_t)n : 0, 1);
            st->refused++;
            continue;
        }
        if (exists[i])
            st->replaced++;
        else {
            st->created++;
            if (reg_bulk_deltas_add(st->deltas, bulk_ent_key(e), bulk_ent_klen(e), 1))
                return -1;
        }
        st->loaded++;
        if (file_put(p, e) != 0)
            return -1;
        if (p->file_bytes >= m->file_target && file_close(p) != 0)
            return -1;
    }
    p->npending = 0;
    p->pending_len = 0;
    return 0;
}

/* The first entry of chunk c whose key is >= key. */
static size_t lower_bound(const struct bulk_chunk *c, const uint8_t *key, size_t klen)
{
    size_t lo = 0, hi = c->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const uint8_t *e = c->ents[mid];
        if (key_cmp(bulk_ent_key(e), bulk_ent_klen(e), key, klen) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Opens p's range of every run and chunk, primed on its first entry. */
static int open_sources(struct part *p, struct source *src)
{
    struct imp *m = p->m;
    size_t k = 0;
    for (size_t i = 0; i < m->nruns; i++, k++) {
        const struct run *r = &m->runs[i];
        struct source *s = &src[k];
        s->hi = p->hi;
        s->hi_len = p->hi_len;
        if (!(s->f = fopen(r->path, "rb")) || !(s->buf = malloc(RUN_BUFFER)))
            return -1;
        uint64_t off = 0;
        for (size_t j = 0; p->lo && j < r->nmarks; j++) {
            if (key_cmp(r->marks[j].key, r->marks[j].klen, p->lo, p->lo_len) >= 0)
                break;
            off = r->marks[j].off;
        }
        if (fseeko(s->f, (off_t)off, SEEK_SET) != 0)
            return -1;
        source_next(s);
        while (p->lo && s->cur &&
               key_cmp(bulk_ent_key(s->cur), bulk_ent_klen(s->cur), p->lo, p->lo_len) < 0)
            source_next(s);
    }
    for (size_t i = 0; i < m->nmem; i++, k++) {
        const struct bulk_chunk *c = m->mem[i];
        src[k].chunk = m->mem[i];
        src[k].i = p->lo ? lower_bound(c, p->lo, p->lo_len) : 0;
        src[k].end = p->hi ? lower_bound(c, p->hi, p->hi_len) : c->n;
        source_next(&src[k]);
    }
    return 0;
}

/* Merges p's range, drops repeated keys, and writes the rest. */
static int merge_part(struct part *p, struct source *src, struct source **h)
{
    struct imp *m = p->m;
    size_t nsrc = m->nruns + m->nmem;
    if (open_sources(p, src) != 0) {
        report(m, "reading the sorted runs: %s", strerror(errno));
        return -1;
    }
    size_t n = heap_init(h, src, nsrc);
    uint8_t prev[REG_MAX_KEY];
    size_t prev_len = SIZE_MAX;
    uint64_t prev_line = 0, counted = 0;
    while (n > 0 && !m->stop) {
        const uint8_t *e = h[0]->cur;
        size_t klen = bulk_ent_klen(e);
        if (klen == prev_len && memcmp(prev, bulk_ent_key(e), klen) == 0) {
            char msg[REG_MAX_KEY + 128];
            int len =
                snprintf(msg, sizeof msg, "%s:%llu: %.*s is given again (first at line %llu)\n",
                         m->o->name, (unsigned long long)bulk_ent_line(e), (int)klen,
                         (const char *)bulk_ent_key(e), (unsigned long long)prev_line);
            print_errors(m, msg, len > 0 ? (size_t)len : 0, 1);
            p->st.duplicates++;
            if (m->o->abort_on_error) {
                p->st.aborted = 1;
                m->stop = true;
                break;
            }
        } else {
            memcpy(prev, bulk_ent_key(e), klen);
            prev_len = klen;
            prev_line = bulk_ent_line(e);
            size_t size = bulk_ent_size(e);
            if (p->npending == EXISTS_BATCH || PENDING_BYTES - p->pending_len < size) {
                if (flush_pending(p) != 0)
                    return -1;
            }
            memcpy(p->pending + p->pending_len, e, size);
            p->offs[p->npending++] = p->pending_len;
            p->pending_len += size;
        }
        n = heap_pop(h, n);
        if (++counted == 4096) {
            atomic_fetch_add(&m->merged, counted);
            counted = 0;
            if (cancelled(m)) {
                report(m, "the import was cancelled");
                return -1;
            }
        }
    }
    atomic_fetch_add(&m->merged, counted);
    if (m->stop)
        return 0;
    if (flush_pending(p) != 0 || file_close(p) != 0)
        return -1;
    return 0;
}

static void *part_main(void *arg)
{
    struct part *p = arg;
    struct imp *m = p->m;
    yield_cpu(m);
    size_t nsrc = m->nruns + m->nmem;
    struct source *src = calloc(nsrc + 1, sizeof *src);
    struct source **h = calloc(nsrc + 1, sizeof *h);
    /* Room for one more entry of the largest size past the pending budget. */
    p->pending = malloc(PENDING_BYTES);
    if (!src || !h || !p->pending || merge_part(p, src, h) != 0) {
        p->st.failed = 1;
        m->stop = true;
    }
    if (p->file)
        reg_bulk_file_abandon(p->file);
    p->file = NULL;
    for (size_t i = 0; src && i < m->nruns; i++) {
        if (src[i].f)
            fclose(src[i].f);
        free(src[i].buf);
    }
    free(src);
    free(h);
    free(p->pending);
    atomic_fetch_add(&m->parts_done, 1);
    return NULL;
}

struct sample {
    const uint8_t *key;
    size_t len;
};

static int by_key(const void *a, const void *b)
{
    const struct sample *x = a, *y = b;
    return key_cmp(x->key, x->len, y->key, y->len);
}

/* Keys that split the sorted input into nparts ranges of about equal size: a sample of every
 * chunk and the marks of every run. */
static int splitters(struct imp *m, int nparts, struct sample *out)
{
    size_t total = 0, n = 0;
    for (size_t i = 0; i < m->nmem; i++)
        total += m->mem[i]->n;
    size_t step = total / 4096 + 1;
    size_t cap = total / step + m->nmem + 1;
    for (size_t i = 0; i < m->nruns; i++)
        cap += m->runs[i].nmarks;
    struct sample *all = malloc(cap * sizeof *all);
    if (!all)
        return -1;
    for (size_t i = 0; i < m->nmem; i++)
        for (size_t j = 0; j < m->mem[i]->n && n < cap; j += step)
            all[n++] = (struct sample){bulk_ent_key(m->mem[i]->ents[j]),
                                       bulk_ent_klen(m->mem[i]->ents[j])};
    for (size_t i = 0; i < m->nruns; i++)
        for (size_t j = 0; j < m->runs[i].nmarks && n < cap; j++)
            all[n++] = (struct sample){m->runs[i].marks[j].key, m->runs[i].marks[j].klen};
    qsort(all, n, sizeof *all, by_key);
    for (int i = 1; i < nparts; i++)
        out[i - 1] = n ? all[n * (size_t)i / (size_t)nparts] : (struct sample){NULL, 0};
    free(all);
    return 0;
}

/* ---- staging ---- */

static void remove_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *de;
    char path[4400];
    struct stat st;
    while ((de = readdir(d))) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
            continue;
        snprintf(path, sizeof path, "%.4000s/%.300s", dir, de->d_name);
        if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode))
            remove_dir(path);
        else
            unlink(path);
    }
    closedir(d);
    rmdir(dir);
}

/* Creates DATA/bulk-import/ID, after clearing what an interrupted import left there: the
 * registry is open here, so nobody else is using it. */
static int make_stage(struct imp *m, const char *id)
{
    char base[4096];
    snprintf(base, sizeof base, "%s/%s", m->o->data_dir, STAGING);
    remove_dir(base);
    if (mkdir(base, 0755) != 0 && errno != EEXIST) {
        report(m, "cannot create %s: %s", base, strerror(errno));
        return -1;
    }
    snprintf(m->stage, sizeof m->stage, "%.3000s/%.60s", base, id);
    if (mkdir(m->stage, 0755) != 0) {
        report(m, "cannot create %s: %s", m->stage, strerror(errno));
        return -1;
    }
    return 0;
}

static void clear_stage(struct imp *m)
{
    char base[4096];
    remove_dir(m->stage);
    snprintf(base, sizeof base, "%s/%s", m->o->data_dir, STAGING);
    rmdir(base);
}

static int phase1(struct imp *m)
{
    struct parse_worker workers[MAX_THREADS];
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
        m->stop = true;
    pthread_cond_broadcast(&m->cv);
    pthread_mutex_unlock(&m->mu);
    for (;;) {
        if (collect(m, true) != 0) {
            rc = -1;
            pthread_mutex_lock(&m->mu);
            m->stop = true;
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
    if (spill_finish(m) != 0)
        rc = -1;
    if (m->oom) {
        report(m, "out of memory while parsing");
        rc = -1;
    }
    progress(m, "reading", 1.0, m->s->handles);
    return rc;
}

static int phase2(struct imp *m, struct reg_bulk_deltas *deltas)
{
    int rc = reg_bulk_key_range(m->o->db, m->lo, &m->lo_len, m->hi, &m->hi_len, &m->registry_empty);
    if (rc) {
        report(m, "reading the registry: %s", reg_strerror(rc));
        return -1;
    }
    int nparts = m->o->threads;
    /* Files of up to 256 MiB of records (about 100 MiB compressed), fewer when the input is
     * small, so that each writer writes several. */
    uint64_t target = m->total_bytes / ((uint64_t)nparts * 2) + 1;
    m->file_target = target < (4u << 20)     ? (4u << 20)
                     : target > (256u << 20) ? (256u << 20)
                                             : target;
    struct sample cuts[MAX_THREADS];
    if (splitters(m, nparts, cuts) != 0)
        return -1;
    struct part *parts = calloc((size_t)nparts, sizeof *parts);
    if (!parts) {
        report(m, "out of memory");
        return -1;
    }
    int started = 0;
    for (; started < nparts; started++) {
        struct part *p = &parts[started];
        memset(p, 0, sizeof *p);
        p->m = m;
        p->index = started;
        if (started > 0 && cuts[started - 1].key) {
            p->lo = cuts[started - 1].key;
            p->lo_len = cuts[started - 1].len;
        }
        if (started < nparts - 1 && cuts[started].key) {
            p->hi = cuts[started].key;
            p->hi_len = cuts[started].len;
        }
        /* An empty range (equal splitters) has nothing to do. */
        if (p->lo && p->hi && key_cmp(p->lo, p->lo_len, p->hi, p->hi_len) >= 0)
            p->hi = p->lo, p->hi_len = p->lo_len;
        if (!(p->st.deltas = reg_bulk_deltas_new()) ||
            pthread_create(&p->thread, NULL, part_main, p) != 0) {
            reg_bulk_deltas_free(p->st.deltas);
            rc = -1;
            m->stop = true;
            break;
        }
    }
    while (atomic_load(&m->parts_done) < started) {
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
        uint64_t merged = atomic_load(&m->merged);
        progress(m, "writing", m->s->handles ? (double)merged / (double)m->s->handles : 1, merged);
    }
    for (int i = 0; i < started; i++) {
        struct part *p = &parts[i];
        pthread_join(p->thread, NULL);
        struct writer_stats *st = &p->st;
        m->s->loaded += st->loaded;
        m->s->created += st->created;
        m->s->replaced += st->replaced;
        m->s->kept += st->kept;
        m->s->existing_refused += st->refused;
        m->s->table_bytes += st->bytes;
        m->s->bad += st->duplicates;
        m->s->handles -= st->duplicates;
        if (st->aborted)
            m->s->aborted = true;
        if (st->failed || reg_bulk_deltas_merge(deltas, st->deltas) != 0)
            rc = -1;
        reg_bulk_deltas_free(st->deltas);
    }
    free(parts);
    progress(m, "writing", 1.0, atomic_load(&m->merged));
    return rc;
}

int bulk_import(const struct bulk_opts *o, struct bulk_summary *s)
{
    memset(s, 0, sizeof *s);
    struct imp *m = calloc(1, sizeof *m); /* large: the key range buffers */
    if (!m) {
        if (o->messages)
            fputs("out of memory\n", o->messages);
        else
            fputs("pazhou: out of memory\n", stderr);
        return 2;
    }
    m->o = o;
    m->s = s;
    m->out = o->messages ? o->messages : stderr;
    yield_cpu(m);
    pthread_mutex_init(&m->mu, NULL);
    pthread_cond_init(&m->cv, NULL);
    pthread_mutex_init(&m->print_mu, NULL);
    clock_gettime(CLOCK_MONOTONIC, &m->start);
    /* jansson seeds its hash function on first use; do it before the parsers race to. */
    json_object_seed(0);

    struct reg_bulk_info info = {0};
    reg_bulk_new_id(info.id);
    const char *base = strrchr(o->name, '/');
    snprintf(info.source, sizeof info.source, "%s", base ? base + 1 : o->name);
    struct reg_bulk_deltas *deltas = NULL;
    int rc = make_stage(m, info.id);
    if (rc == 0)
        rc = (deltas = reg_bulk_deltas_new()) ? phase1(m) : -1;
    s->parse_seconds = elapsed(m);
    /* From the existence checks to the ingestion nothing else writes handles (see the header). */
    bool held = rc == 0 && !m->stop;
    if (held) {
        reg_hold_writes(o->db);
        rc = phase2(m, deltas);
    }
    s->write_seconds = elapsed(m) - s->parse_seconds;
    for (size_t i = 0; i < m->nruns; i++) {
        unlink(m->runs[i].path);
        free(m->runs[i].path);
        free(m->runs[i].marks);
        free(m->runs[i].keys);
    }
    free(m->runs);
    free_mem_chunks(m);
    free(m->mem);
    for (size_t i = 0; i < m->nspare; i++)
        free(m->spare_texts[i]);
    if (o->progress)
        fputs("\r\033[K", stderr);

    int status = 0;
    if (rc != 0)
        status = 2;
    else if (s->aborted || s->existing_refused > 0) {
        s->aborted = true;
        status = 1;
    } else if (cancelled(m)) {
        report(m, "the import was cancelled");
        status = 2;
    } else if (s->loaded > 0) {
        char err[512];
        info.handles = s->loaded;
        info.created = s->created;
        double before = elapsed(m);
        progress(m, "ingesting", -1, s->loaded);
        if (reg_bulk_seal(o->db, m->stage, &info, deltas, err, sizeof err) != REG_OK ||
            reg_bulk_ingest(o->db, m->stage, &info, err, sizeof err) != REG_OK) {
            report(m, "%s", err);
            status = 2;
        } else {
            s->txn_id = info.txn_id;
        }
        s->ingest_seconds = elapsed(m) - before;
    }
    if (held)
        reg_release_writes(o->db);
    if (status != 0) {
        s->loaded = s->created = s->replaced = 0;
    }
    clear_stage(m);
    reg_bulk_deltas_free(deltas);
    s->seconds = elapsed(m);
    pthread_mutex_destroy(&m->mu);
    pthread_cond_destroy(&m->cv);
    pthread_mutex_destroy(&m->print_mu);
    free(m);
    return status;
}
