/*
 * Phase 1 of an import (bulk_import.h): the calling thread reads the input in blocks and cuts them
 * at line (JSON) or handle-run (CSV) boundaries into chunks; o->threads parser threads parse and
 * sort them; the calling thread collects them in input order into m->mem, spilling sorted runs
 * when they outgrow the memory budget (bulk_run.h).
 */
#ifndef BULK_READ_H
#define BULK_READ_H

#include "registry/import/bulk_job.h"

/* Reads, parses and sorts the whole input into m->mem and m->runs; counts handles and bad lines
 * in m->s. 0, also when it stopped on bad input (bulk_stopped, s->aborted), or -1 on an error
 * (reported). Every thread it started is joined when it returns. */
int bulk_read_and_sort(struct bulk_job *m);

#endif
