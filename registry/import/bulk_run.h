/*
 * Sorted runs: when the parsed input outgrows o->memory_bytes, sets of sorted chunks are merged
 * into run files in the staging directory by a spill thread of their own, while parsing goes on.
 * Used by the collector of phase 1 (bulk_read.c); the writers of phase 2 read the runs back.
 */
#ifndef BULK_RUN_H
#define BULK_RUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "registry/import/bulk_job.h"

/* Every BULK_RUN_MARK_EVERY-th entry of a run file: where it starts and its key, so that a merge of
 * one key range starts reading a run near the range's first key. */
#define BULK_RUN_MARK_EVERY 1024
struct bulk_run_mark {
    uint64_t off;
    const uint8_t *key;
    size_t klen;
};

struct bulk_run {
    char *path;
    struct bulk_run_mark *marks;
    size_t nmarks;
    uint8_t *keys; /* the marks' keys, back to back */
};

/* Whether the chunks in m->mem go to a run now (the collector's thread). */
bool bulk_spill_due(const struct bulk_job *m);
/* Hands m->mem's chunks (then owned by the spill thread, which frees them) to the spill thread,
 * starting it on first use, after the previous set is written; m->mem starts empty again. 0, or
 * -1 when the thread cannot start or a spill failed. */
int bulk_spill(struct bulk_job *m);
/* Stops the spill thread once its last set is written; 0, or -1 when a spill failed. */
int bulk_spill_finish(struct bulk_job *m);
/* Deletes the run files and frees m->runs. */
void bulk_runs_free(struct bulk_job *m);

#endif
