/*
 * The node as a mirror of a primary site (docs/replication.md, "Running a mirror"): a thread of
 * its own that copies each configured source server with DUMP_HANDLES when it has no position,
 * then every replication.interval_ms asks RETRIEVE_TXN_LOG for what came after its position and
 * applies it, keeping the position in the registry with the changes. Blocking calls are fine
 * there: no worker waits for it. Clients keep being answered from the registry whatever the
 * primary does.
 */
#ifndef MIRROR_H
#define MIRROR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "resolver/replication/mirror_status.h"

struct node;
struct mirror;

/* Sets up the mirror for node->conf->replication (enabled): loads the administrator's key and
 * the stored positions (node->db open). Returns 0, or -1 with a message in err. Called before
 * the workers start, so that node->mirror never changes while they read it. */
int mirror_new(struct node *node, struct mirror **out, char *err, size_t errlen);

/* Starts the thread, once the workers serve (a first copy reloads their prefix sets). Returns 0
 * or -1. */
int mirror_run(struct mirror *m);

/* Stops the thread (an exchange under way is cut at its next timeout or read); its status stays
 * readable, for workers still serving. Again, or with NULL, does nothing. */
void mirror_stop(struct mirror *m);

/* Stops the thread if it runs and frees m, once nothing reads it (the workers joined); NULL is
 * ignored. */
void mirror_free(struct mirror *m);

/* Number of source servers, and a copy of one's status. */
int mirror_source_count(const struct mirror *m);
void mirror_source_status(struct mirror *m, int i, struct mirror_source_status *out);

/* "following", "copying", ... */
const char *mirror_state_name(enum mirror_state s);

#endif
