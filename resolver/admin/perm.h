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
 * HDL_RC_INVALID_ADMIN when none names who; HDL_RC_AUTHEN_ERROR when none names who but a group
 * could not be read from the server of the site that holds it (site_values.h). rec may be NULL
 * (no such handle). Groups held by another server of the site are read from it: blocking. */
uint32_t perm_check(struct node *node, const struct identity *who,
                    const struct reg_record_view *rec, uint16_t need);

/* The same against a handle's values as the site holds them (site_values_get): the registry's,
 * or another server's of the site, HDL_RC_AUTHEN_ERROR when that server does not answer. */
uint32_t perm_check_handle(struct node *node, const struct identity *who, const uint8_t *handle,
                           size_t len, uint16_t need);

#endif
