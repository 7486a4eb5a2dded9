/*
 * The start-up load of the resident registry (resident.h): one thread scans the registry in key
 * order and adds every record while the node already serves (what it has not reached yet is
 * read from the registry, as without the table), then logs what it took in and ends.
 */
#ifndef NODE_RESIDENT_LOAD_H
#define NODE_RESIDENT_LOAD_H

#include <stddef.h>
#include <stdint.h>

#include "registry/reg_db.h"
#include "resolver/node.h"

struct resident;
struct resident_loader;

/* The table's budget in bytes for registry.resident_mb: the MiB given, or for -1 (the default)
 * a quarter of the memory available at start (sys_mem_available). */
size_t resident_budget(int32_t mb);

/* Makes node->resident from registry.resident_mb, sized for the registry's estimated handles,
 * and starts its load; returns the loader for resident_load_stop. NULL, with node->resident
 * NULL, when the setting is 0 or memory cannot be reserved (logged): the node then reads the
 * registry for every record outside the workers' answer caches. Before the workers start. */
struct resident_loader *resident_start(struct node *node);

/* Starts the load of r from db on a thread of its own. NULL when the thread cannot start (the
 * table then fills from reads only). */
struct resident_loader *resident_load_start(struct resident *r, struct reg_db *db);

/* Stops a load still running, at its next record, and waits for its thread; before the registry
 * closes. NULL is allowed. */
void resident_load_stop(struct resident_loader *l);

#endif
