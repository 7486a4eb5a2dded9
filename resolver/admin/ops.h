/*
 * The administration operations (docs/protocol.md §8, §17), apart from any wire format: the binary
 * protocol (auth_request.c) and the HTTP API both call these, so there is one implementation of
 * every rule. Each checks permissions (perm.h), applies its change whole or not at all (one atomic,
 * durable registry write under the handle's lock) and returns a Handle response code with a
 * message. Blocking: call from an admin thread, never from an event loop.
 */
#ifndef NODE_OPS_H
#define NODE_OPS_H

#include <stddef.h>
#include <stdint.h>

#include "proto/hdl_value.h"
#include "resolver/admin/identity.h"
#include "resolver/node.h"

#define OPS_OVERWRITE 0x1u /* create: replace an existing handle; add: replace existing indexes */
#define OPS_MINT 0x2u      /* create: the node appends a fresh suffix */

struct ops_result {
    uint32_t rc;         /* HDL_RC_* */
    char message[256];   /* empty on success */
    bool replaced;       /* create: the handle existed; add: a value was replaced */
    uint32_t handle_len; /* create: the handle created (minted or as given) */
    uint8_t handle[HDL_MAX_HANDLE_LEN + 40];
};

/* Fills res with rc and a message made from fmt; returns rc. */
uint32_t ops_done(struct ops_result *res, uint32_t rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* values: n values whose timestamps the node sets; the array may be reordered. */
uint32_t ops_create(struct node *node, const struct identity *who, const uint8_t *handle,
                    size_t len, struct hdl_value *values, size_t n, unsigned flags,
                    struct ops_result *res);
uint32_t ops_delete(struct node *node, const struct identity *who, const uint8_t *handle,
                    size_t len, struct ops_result *res);
uint32_t ops_add_values(struct node *node, const struct identity *who, const uint8_t *handle,
                        size_t len, struct hdl_value *values, size_t n, unsigned flags,
                        struct ops_result *res);
uint32_t ops_modify_values(struct node *node, const struct identity *who, const uint8_t *handle,
                           size_t len, struct hdl_value *values, size_t n, struct ops_result *res);
uint32_t ops_remove_values(struct node *node, const struct identity *who, const uint8_t *handle,
                           size_t len, const uint32_t *indexes, size_t n, struct ops_result *res);

/* Lists the handles under a prefix handle ("0.NA/88.100.1"), calling fn for each (canonical
 * spelling) until it returns non-zero; streams from the registry without holding the list. */
uint32_t ops_list_handles(struct node *node, const struct identity *who, const uint8_t *prefix,
                          size_t len, int (*fn)(void *ctx, const uint8_t *h, size_t len), void *ctx,
                          struct ops_result *res);

/* Homed prefixes: server administrators only. Changes take effect for resolution at once. */
uint32_t ops_home(struct node *node, const struct identity *who, const uint8_t *prefix, size_t len,
                  struct ops_result *res);
uint32_t ops_unhome(struct node *node, const struct identity *who, const uint8_t *prefix,
                    size_t len, struct ops_result *res);
uint32_t ops_list_homed(struct node *node, const struct identity *who,
                        int (*fn)(void *ctx, const uint8_t *h, size_t len), void *ctx,
                        struct ops_result *res);

/* Whether who may read the values of handle that lack public read (READ_VALUE). */
bool ops_may_read_private(struct node *node, const struct identity *who, const uint8_t *handle,
                          size_t len);

#endif
