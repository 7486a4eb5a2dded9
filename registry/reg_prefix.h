/*
 * An immutable in-memory set of homed prefixes, for the hot path: built once from the registry
 * (at start-up, and again after HOME/UNHOME) and read without locks by every worker.
 */
#ifndef REG_PREFIX_H
#define REG_PREFIX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "registry/reg_db.h"

struct reg_prefix_set;

/* Loads every homed prefix of db. NULL on allocation failure. */
struct reg_prefix_set *reg_prefix_set_load(struct reg_db *db);
void reg_prefix_set_free(struct reg_prefix_set *set);
size_t reg_prefix_set_count(const struct reg_prefix_set *set);

/* True when the prefix handle ("0.NA/88.100.1", any case unless the registry is case-sensitive)
 * is homed. */
bool reg_prefix_set_has(const struct reg_prefix_set *set, const uint8_t *prefix_handle, size_t len);

/* True when handle ("88.100.1/X", or a prefix handle "0.NA/88.100.1") is served by this node:
 * the prefix handle of its prefix part is homed. For "0.NA/P" handles, P itself or 0.NA/0.NA
 * being homed counts too, so a node answers for its own prefix handles. */
bool reg_prefix_set_serves(const struct reg_prefix_set *set, const uint8_t *handle, size_t len);

#endif
