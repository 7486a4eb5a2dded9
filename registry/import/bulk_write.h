/*
 * Phase 2 of an import (bulk_import.h): the key space is split at sampled keys into one range per
 * writer thread; each merges its range of every run and chunk on its own (bulk_merge.h), drops
 * repeated keys, checks which keys the registry holds (--existing), counts the new ones per
 * prefix and writes its own table files into the staging directory, so the files of different
 * threads never overlap and no thread waits for another.
 */
#ifndef BULK_WRITE_H
#define BULK_WRITE_H

#include "registry/import/bulk_job.h"
#include "registry/reg_bulk.h"

/* Writes the table files of m->mem and m->runs under m->stage and adds the new handles' per-prefix
 * counts to deltas (the caller's). Call with the registry's writes held (reg_hold_writes). Adds
 * the writers' counts to m->s; 0, also when it stopped on a repeated key or an existing handle
 * (s->aborted, s->existing_refused), or -1 on an error (reported). */
int bulk_write_tables(struct bulk_job *m, struct reg_bulk_deltas *deltas);

#endif
