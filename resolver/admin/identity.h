/* Who sends a request: an index:handle pair once authenticated. */
#ifndef NODE_IDENTITY_H
#define NODE_IDENTITY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/hdl_const.h"

struct identity {
    bool authenticated;
    uint32_t index;
    uint32_t handle_len;
    uint8_t handle[HDL_MAX_HANDLE_LEN];
};

/* Sets id to index:handle (authenticated); returns false when the handle is too long. */
bool identity_set(struct identity *id, const uint8_t *handle, size_t len, uint32_t index);

/* Reads "index:handle" (index digits, at most 4294967295) or a bare handle (index 0), as the
 * reference reads an identity; *handle points into s. False when no handle remains. */
bool identity_parse(const char *s, size_t len, uint32_t *index, const char **handle,
                    size_t *handle_len);

/* True when index:handle names id: handles compare ASCII case-insensitively, and an index of 0
 * (as an HS_ADMIN or group entry may hold) stands for any index. */
bool identity_is(const struct identity *id, const uint8_t *handle, size_t len, uint32_t index);

#endif
