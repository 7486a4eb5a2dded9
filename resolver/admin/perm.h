/*
 * Who may do what (docs/protocol.md §9.1, §13): server administrators from the configuration may do
 * everything; anyone else needs an HS_ADMIN value of the handle concerned that names them,
 * directly or through HS_VLIST groups (nested, to a bounded depth), with the permission bit.
 */
#ifndef NODE_PERM_H
#define NODE_PERM_H

#include <stdbool.h>
#include <stdint.h>

#include "registry/reg_record.h"
#include "resolver/admin/identity.h"
#include "resolver/node.h"

#define PERM_VLIST_DEPTH 8

bool perm_is_server_admin(const struct node *node, const struct identity *who);

/* Returns HDL_RC_SUCCESS when who holds every bit of need (HDL_ADM_*) through rec's HS_ADMIN
 * values; HDL_RC_INSUFFICIENT_PERMISSIONS when an HS_ADMIN names who without those bits;
 * HDL_RC_INVALID_ADMIN when none names who. rec may be NULL (no such handle). */
uint32_t perm_check(struct node *node, const struct identity *who,
                    const struct reg_record_view *rec, uint16_t need);

/* The same against a handle in the registry (loaded here). */
uint32_t perm_check_handle(struct node *node, const struct identity *who, const uint8_t *handle,
                           size_t len, uint16_t need);

#endif
