/*
 * Bulk import (`pazhou import`, and a node's POST /api/imports): streams JSON Lines or CSV into
 * prepared table files and ingests them.
 *
 *   1. The calling thread reads the input in blocks and cuts them at line (JSON) or handle-run
 *      (CSV) boundaries into chunks; worker threads parse each chunk into entries (canonical key,
 *      record, line) and sort it. Sorted chunks are kept in memory up to a budget, beyond which
 *      they are merged into a sorted run file in the staging directory (bulk_read.h, bulk_run.h).
 *   2. The key space is split at sampled keys into one range per writer thread. Each writer
 *      merges its range of every run and chunk (a k-way merge, bulk_merge.h), reports a key given
 *      twice as a bad line (the first occurrence stands), checks which keys the registry holds
 *      already (--existing), counts the new ones per prefix and writes its own table files: the
 *      files are sorted and disjoint (bulk_write.h).
 *   3. The directory is sealed with the count deltas and ingested in one atomic step
 *      (reg_bulk.h), which also logs the import in the txlog.
 * Nothing reaches the registry before step 3, so an abort (bad line with --on-error abort, an
 * existing handle with --existing fail, an error, a cancel) leaves it untouched.
 *
 * Steps 2 and 3 hold the registry's handle writes (reg_hold_writes), so a node importing while it
 * serves keeps exact counts; its lookups go on throughout. One process may run several imports
 * at once only into different registries (each stages under its own data_dir).
 */
#ifndef BULK_IMPORT_H
#define BULK_IMPORT_H

#include "common/errcode.h"
/* struct bulk_opts, struct bulk_summary, enum bulk_existing */
#include "registry/import/bulk_opts.h"

/* Runs the import. PZ_OK when it completed (bad lines may have been skipped); else nothing was
 * written: BULK_ERR_ABORTED (bad input with abort_on_error, or existing handles with BULK_FAIL),
 * BULK_ERR_CANCELLED, PZ_ERR_NOMEM, the registry's code when sealing or ingesting failed, or
 * BULK_ERR_FAILED for any other failure (its messages say which). */
int bulk_import(const struct bulk_opts *o, struct bulk_summary *s);

/* One input into the n registries of a multi-server site in one pass: o[0..n) are the options
 * of each registry (db, prefixes, data_dir, part_of with part = its index, existing), the
 * input's fields (fd, name, size, format, threads, memory_bytes, progress, messages,
 * abort_on_error) taken from o[0]. The input is read, parsed and sorted once (phase 1, staged
 * under o[0].data_dir); then each registry gets its part (phase 2 and the ingestion, its table
 * files staged under its own data_dir), summed in s[i]. The registries must be distinct. Returns
 * the first status other than PZ_OK among the registries' (a registry whose pass failed has
 * nothing written; the others keep theirs), else PZ_OK. */
int bulk_import_site(const struct bulk_opts *o, size_t n, struct bulk_summary *s);

#endif
