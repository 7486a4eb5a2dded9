/*
 * The administration operations as client calls (docs/protocol.md §17): each encodes its request
 * body, runs it through an admin_client and returns as admin_client_call does (0 with res->rc,
 * or a code of common/errcode.h on a transport or encoding failure).
 */
#ifndef TOOLS_ADMIN_OPS_H
#define TOOLS_ADMIN_OPS_H

#include <stddef.h>
#include <stdint.h>

#include "client/admin_client.h"
#include "proto/hdl_value.h"

/* CREATE_HANDLE (flags may add HDL_FLAG_OVRW, HDL_FLAG_MINT), ADD_VALUE (HDL_FLAG_OVRW) or
 * MODIFY_VALUE with n values. After a successful create, the created handle is in created
 * (cap bytes, NUL-terminated; may be NULL). */
int admin_op_values(struct admin_client *c, uint32_t opcode, uint32_t flags, const char *handle,
                    const struct hdl_value *values, size_t n, struct admin_result *res,
                    char *created, size_t cap);

/* REMOVE_VALUE of n indexes. */
int admin_op_remove(struct admin_client *c, const char *handle, const uint32_t *indexes, size_t n,
                    struct admin_result *res);

/* DELETE_HANDLE, HOME_NA or UNHOME_NA: a body of one handle. */
int admin_op_handle(struct admin_client *c, uint32_t opcode, const char *handle,
                    struct admin_result *res);

/* LIST_HANDLES under a prefix handle ("0.NA/88.100.1"): fn sees every handle in order; its
 * non-zero return stops the list with CLI_ERR_REJECTED. */
int admin_op_list(struct admin_client *c, const char *prefix,
                  int (*fn)(void *ctx, const uint8_t *handle, size_t len), void *ctx,
                  struct admin_result *res);

#endif
