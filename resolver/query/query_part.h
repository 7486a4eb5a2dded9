/*
 * This server's part of a multi-server site (site.servers): which handles it answers for, and
 * what it answers for the others. The reference server (HandleServer.errorIfNotHaveHandle,
 * doResolution, doCreateHandle, doDeleteHandle in net/handle/server/HandleServer.java) checks
 * the hash first, before the handle's prefix, its records or any authentication: a handle that
 * SiteInfo.determineServerNum puts on another server of the site gets 301 SERVER_NOT_RESP
 * "Request was hashed incorrectly" (a recursive resolution, where recursion is on, is resolved
 * elsewhere instead, as for a prefix not homed here). A one-server site answers everything.
 */
#ifndef NODE_QUERY_PART_H
#define NODE_QUERY_PART_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "resolver/node.h"

/* The message of the reference's answer for a handle of another server's part. */
#define QUERY_PART_WRONG_SERVER "Request was hashed incorrectly"

/* Whether handle (len bytes, as the client spelled it) belongs to another server of this node's
 * site: hashed by the site's hashOption as the reference client and server hash it, a handle
 * without '/' as "0.NA/handle" (the reference resolves it as that prefix handle). False on a
 * one-server site, and for a handle the hash cannot place (too long; the one hash whose index
 * the reference cannot compute), which the usual checks then answer. */
bool query_part_elsewhere(const struct node *node, const uint8_t *handle, size_t len);

/* The index of the server of node's site that holds the handle whose registry key is key (len
 * bytes), or -1 when the hash cannot place it: registry/import/bulk_opts.h's part_of, ctx being
 * the node, so that an import on a server of a multi-server site keeps that server's part. */
int query_part_of_key(void *ctx, const uint8_t *key, size_t len);

#endif
