/*
 * One bulk import under way (bulk_import.h): the state its threads share, the stop flag, and how
 * they report errors, bad lines and progress. Internal to the import pipeline: the reader and
 * parsers (bulk_read.h), the spill thread (bulk_run.h) and the writers (bulk_write.h) all work on
 * one struct bulk_job that bulk_import owns.
 */
#ifndef BULK_JOB_H
#define BULK_JOB_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "registry/import/bulk_opts.h"
#include "registry/import/bulk_parse.h"
#include "registry/reg_db.h"

/* Input is read in blocks of this size (a chunk's text, and the parsers' unit of work). */
#define BULK_BLOCK_BYTES (16u << 20)
/* Text buffers of parsed chunks kept for reuse. */
#define BULK_SPARE_TEXTS 8
/* Most parser and writer threads. */
#define BULK_MAX_THREADS 64

struct bulk_run; /* bulk_run.h */

/*
 * Who touches what: phase 1's queues and hand-overs (work_*, done, inflight, input_done,
 * next_collect, oom, runs and s->runs, spill_*, spare_texts) are under mu; mem, the byte counts
 * and the other summary counts belong to the calling thread, which reads, collects and reports
 * progress.
 * What the writer threads of phase 2 read (mem, runs, lo, hi, registry_empty, file_target) is set
 * before they start and not changed while they run; each returns its counts in its own struct,
 * read after pthread_join. merged and parts_done are atomic counters; stop is below. Output goes
 * through print_mu.
 */
struct bulk_job {
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
    /* abort: stop parsing, write nothing. Only through bulk_stop and bulk_stopped (below). */
    atomic_bool stop;
    bool oom;
    struct bulk_chunk **mem; /* collected sorted chunks */
    size_t nmem, capmem;
    size_t mem_bytes;
    uint64_t total_bytes;  /* entry bytes of the whole input */
    struct bulk_run *runs; /* appended by the spill thread under mu */
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
    /* Parsed chunks' text buffers (BULK_BLOCK_BYTES), reused for the next ones: fresh pages would
     * cost the kernel's zeroing for every chunk (a quarter of a 10M import's CPU). Under mu. */
    char *spare_texts[BULK_SPARE_TEXTS];
    size_t nspare;
    FILE *out; /* o->messages, or stderr */
};

/*
 * The stop flag. Any thread sets it (a parser out of memory, the collector on a bad line with
 * --on-error abort, a writer on a failure or a repeated key, the reader on a read error) and
 * every other thread polls it to give up early (the merge loop once per entry). The writer
 * threads of phase 2 and the reader set and read it without holding mu, hence atomic; phase 1
 * also reads it under mu, together with the queues. Relaxed order is enough: the flag carries no
 * data with it. Whoever sets it leaves its reason in its own memory (p->st.failed and .aborted,
 * m->oom under mu, s->aborted on the calling thread), and those are read only after pthread_join or
 * under mu, which order them; a thread that sees the flag a moment late does a little work that
 * is thrown away, since nothing reaches the registry before every thread is joined.
 */
static inline void bulk_stop(struct bulk_job *m)
{
    atomic_store_explicit(&m->stop, true, memory_order_relaxed);
}
static inline bool bulk_stopped(struct bulk_job *m)
{
    return atomic_load_explicit(&m->stop, memory_order_relaxed);
}

/* Seconds since the import started. */
double bulk_elapsed(const struct bulk_job *m);
/* Reports an error (a line of its own; "pazhou: " first on stderr); any thread. */
void bulk_report(struct bulk_job *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Prints count bad-line messages (text: one a line, len bytes, the caller's), up to 10,000 in all
 * the import; any thread. */
void bulk_print_errors(struct bulk_job *m, const char *text, size_t len, uint64_t count);
/* Lowers the calling thread's priority to o->nice (Linux: niceness is per thread). */
void bulk_yield_cpu(const struct bulk_job *m);
/* Whether the caller cancelled the import (o->cancel). */
bool bulk_cancelled(const struct bulk_job *m);
/* Reports progress (o->progress, o->on_progress) at most five times a second, and always at
 * fraction 1.0; the calling thread only (bulk_import's). */
void bulk_progress(struct bulk_job *m, const char *phase, double fraction, uint64_t handles);

#endif
