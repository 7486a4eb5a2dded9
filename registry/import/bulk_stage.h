/*
 * The staging directory of an import: DATA/bulk-import/ID, holding the run files and the table
 * files until they are ingested (reg_bulk.h).
 */
#ifndef BULK_STAGE_H
#define BULK_STAGE_H

#include "registry/import/bulk_job.h"

/* Creates DATA/bulk-import/ID (o->data_dir, id) into m->stage, after clearing what an interrupted
 * import left under DATA/bulk-import. 0, or -1 (reported). */
int bulk_stage_make(struct bulk_job *m, const char *id);
/* Removes m->stage with what it holds, and DATA/bulk-import when that is then empty. */
void bulk_stage_clear(struct bulk_job *m);

#endif
