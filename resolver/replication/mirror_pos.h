/*
 * A mirror's position in one source server's history, as it is kept in the registry's metadata
 * (key REG_META_REPL_PREFIX + "HOST:PORT"), written in the same atomic write as the changes it
 * accounts for (registry/reg_mirror.h):
 *
 *   int1 layout version (1) ; int1 state ; int8 last txn id ; int8 last date (ms, the primary's
 *   clock: END of the last answer, or the dump's info record) ; byteString resume handle
 *
 * state: NONE (no copy yet), DUMPING (a first copy under way: the resume handle is the last one
 * stored, and txn id/date come from the dump's info record), FOLLOWING.
 */
#ifndef MIRROR_POS_H
#define MIRROR_POS_H

#include <stddef.h>
#include <stdint.h>

#include "proto/hdl_const.h"
#include "registry/reg_db.h"

enum repl_pos_state { REPL_POS_NONE = 0, REPL_POS_DUMPING = 1, REPL_POS_FOLLOWING = 2 };

struct repl_pos {
    uint8_t state;
    uint64_t txn_id;
    uint64_t date_ms;
    uint32_t resume_len;
    uint8_t resume[HDL_MAX_HANDLE_LEN];
};

#define REPL_POS_MAX (1 + 1 + 8 + 8 + 4 + HDL_MAX_HANDLE_LEN)

/* Encodes p into out (REPL_POS_MAX bytes); returns the length. */
size_t repl_pos_encode(const struct repl_pos *p, uint8_t *out);
/* Decodes a stored position: HDL_OK, or HDL_ERR_* for bytes that are not one. */
int repl_pos_decode(const uint8_t *buf, size_t len, struct repl_pos *p);
/* Loads the position stored under key: REG_OK (a missing one is state NONE) or REG_ERR_*/
int repl_pos_load(struct reg_db *db, const char *key, struct repl_pos *p);

#endif
