/* The import's entry point: sets the job up, runs the two phases, seals and ingests the table
 * files (reg_bulk.h), and cleans up whatever happened. */
#include "registry/import/bulk_import.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "registry/import/bulk_job.h"
#include "registry/import/bulk_read.h"
#include "registry/import/bulk_run.h"
#include "registry/import/bulk_stage.h"
#include "registry/import/bulk_write.h"
#include "registry/reg_bulk.h"

static void free_mem_chunks(struct bulk_job *m)
{
    for (size_t i = 0; i < m->nmem; i++)
        bulk_chunk_free(m->mem[i]);
    m->nmem = 0;
    m->mem_bytes = 0;
}

int bulk_import(const struct bulk_opts *o, struct bulk_summary *s)
{
    memset(s, 0, sizeof *s);
    struct bulk_job *m = calloc(1, sizeof *m); /* large: the key range buffers */
    if (!m) {
        if (o->messages)
            fputs("out of memory\n", o->messages);
        else
            fputs("pazhou: out of memory\n", stderr);
        return PZ_ERR_NOMEM;
    }
    m->o = o;
    m->s = s;
    m->out = o->messages ? o->messages : stderr;
    bulk_yield_cpu(m);
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
    int rc = bulk_stage_make(m, info.id);
    if (rc == 0)
        rc = (deltas = reg_bulk_deltas_new()) ? bulk_read_and_sort(m) : -1;
    s->parse_seconds = bulk_elapsed(m);
    /* From the existence checks to the ingestion nothing else writes handles (see the header). */
    bool held = rc == 0 && !bulk_stopped(m);
    if (held) {
        reg_hold_writes(o->db);
        rc = bulk_write_tables(m, deltas);
    }
    s->write_seconds = bulk_elapsed(m) - s->parse_seconds;
    bulk_runs_free(m);
    free_mem_chunks(m);
    free(m->mem);
    for (size_t i = 0; i < m->nspare; i++)
        free(m->spare_texts[i]);
    if (o->progress)
        fputs("\r\033[K", stderr);

    int status = PZ_OK;
    if (rc != 0) /* its messages say why */
        status = bulk_cancelled(m) ? BULK_ERR_CANCELLED : BULK_ERR_FAILED;
    else if (s->aborted || s->existing_refused > 0) {
        s->aborted = true;
        status = BULK_ERR_ABORTED;
    } else if (bulk_cancelled(m)) {
        bulk_report(m, "the import was cancelled");
        status = BULK_ERR_CANCELLED;
    } else if (s->loaded > 0) {
        char err[512];
        info.handles = s->loaded;
        info.created = s->created;
        double before = bulk_elapsed(m);
        bulk_progress(m, "ingesting", -1, s->loaded);
        if ((status = reg_bulk_seal(o->db, m->stage, &info, deltas, err, sizeof err)) != REG_OK ||
            (status = reg_bulk_ingest(o->db, m->stage, &info, err, sizeof err)) != REG_OK) {
            bulk_report(m, "%s", err);
        } else {
            s->txn_id = info.txn_id;
        }
        s->ingest_seconds = bulk_elapsed(m) - before;
    }
    if (held)
        reg_release_writes(o->db);
    if (status != PZ_OK) {
        s->loaded = s->created = s->replaced = 0;
    }
    bulk_stage_clear(m);
    reg_bulk_deltas_free(deltas);
    s->seconds = bulk_elapsed(m);
    pthread_mutex_destroy(&m->mu);
    pthread_cond_destroy(&m->cv);
    pthread_mutex_destroy(&m->print_mu);
    free(m);
    return status;
}
