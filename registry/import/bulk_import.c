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

/* Phase 2 and the ingestion for one registry (m->o, m->s, m->stage): nothing when phase 1
 * stopped. Returns the import's status (bulk_import.h). */
static int write_and_ingest(struct bulk_job *m, int rc, struct reg_bulk_info *info)
{
    const struct bulk_opts *o = m->o;
    struct bulk_summary *s = m->s;
    struct reg_bulk_deltas *deltas = rc == 0 ? reg_bulk_deltas_new() : NULL;
    if (rc == 0 && !deltas)
        rc = -1;
    double started = bulk_elapsed(m);
    /* From the existence checks to the ingestion nothing else writes handles (see the header). */
    bool held = rc == 0 && !bulk_stopped(m);
    if (held) {
        reg_hold_writes(o->db);
        rc = bulk_write_tables(m, deltas);
    }
    s->write_seconds = bulk_elapsed(m) - started;
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
        info->handles = s->loaded;
        info->created = s->created;
        double before = bulk_elapsed(m);
        bulk_progress(m, "ingesting", -1, s->loaded);
        if ((status = reg_bulk_seal(o->db, m->stage, info, deltas, err, sizeof err)) != REG_OK ||
            (status = reg_bulk_ingest(o->db, m->stage, info, err, sizeof err)) != REG_OK) {
            bulk_report(m, "%s", err);
        } else {
            s->txn_id = info->txn_id;
        }
        s->ingest_seconds = bulk_elapsed(m) - before;
    }
    if (held)
        reg_release_writes(o->db);
    if (status != PZ_OK) {
        s->loaded = s->created = s->replaced = 0;
    }
    reg_bulk_deltas_free(deltas);
    return status;
}

int bulk_import_site(const struct bulk_opts *o, size_t n, struct bulk_summary *s)
{
    for (size_t i = 0; i < n; i++)
        memset(&s[i], 0, sizeof s[i]);
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
    int rc = bulk_stage_make(m, info.id);
    if (rc == 0)
        rc = bulk_read_and_sort(m);
    s->parse_seconds = bulk_elapsed(m);

    /* The first registry's stage holds the runs every pass reads; the others stage their table
     * files under their own directories, passes 1.. first so that the runs outlive them. */
    int status = PZ_OK;
    char runs_stage[sizeof m->stage];
    memcpy(runs_stage, m->stage, sizeof runs_stage);
    for (size_t k = 1; k <= n; k++) {
        size_t i = k % n;
        if (i != 0) {
            s[i].handles = s[0].handles;
            s[i].bad = s[0].bad;
            s[i].runs = s[0].runs;
            s[i].parse_seconds = s[0].parse_seconds;
            s[i].aborted = s[0].aborted;
        }
        /* Stopped by an earlier pass: this registry gets nothing either. */
        if (k > 1 && bulk_stopped(m))
            s[i].aborted = true;
        m->o = &o[i];
        m->s = &s[i];
        struct reg_bulk_info pass = info;
        if (i != 0) {
            /* An id of its own: each registry logs its share of the import. */
            reg_bulk_new_id(pass.id);
        }
        int prc = rc;
        if (prc == 0 && i != 0)
            prc = bulk_stage_make(m, pass.id);
        else if (i == 0)
            memcpy(m->stage, runs_stage, sizeof m->stage);
        int st = write_and_ingest(m, prc, &pass);
        if (st == PZ_OK && s[i].aborted)
            st = BULK_ERR_ABORTED;
        s[i].status = st;
        s[i].seconds = bulk_elapsed(m);
        if (i != 0 && prc == 0)
            bulk_stage_clear(m);
        if (st != PZ_OK && status == PZ_OK)
            status = st;
    }
    bulk_runs_free(m);
    free_mem_chunks(m);
    free(m->mem);
    for (size_t i = 0; i < m->nspare; i++)
        free(m->spare_texts[i]);
    m->o = &o[0];
    bulk_stage_clear(m);
    pthread_mutex_destroy(&m->mu);
    pthread_cond_destroy(&m->cv);
    pthread_mutex_destroy(&m->print_mu);
    free(m);
    return status;
}

int bulk_import(const struct bulk_opts *o, struct bulk_summary *s)
{
    return bulk_import_site(o, 1, s);
}
