/* Handle values from the JSON form of docs/protocol.md §15 (HTTP PUT, `pazhou import`, batch files). */
#ifndef HDL_JSON_PARSE_H
#define HDL_JSON_PARSE_H

#include <jansson.h>
#include <stddef.h>

#include "proto/hdl_buf.h"
#include "proto/hdl_value.h"

/* The TTL of a value given without one (seconds). */
#define HDL_JSON_DEFAULT_TTL 86400u

/*
 * Parses one JSON value object into v. Bytes that must be produced (decoded base64 or hex,
 * encoded HS_ADMIN / HS_VLIST / HS_SITE / HS_PUBKEY data, type) are appended to store, and v's
 * slices point into the store's buffer, so they stay valid as long as it does. Defaults: ttl
 * 86400 relative, permissions 1110, timestamp 0 (the server sets it). "data" may be a bare
 * string (UTF-8). Base64 follows common/base64.h, times common/iso8601.h. On failure returns
 * HDL_ERR_MALFORMED (or HDL_ERR_NOSPACE when store is full), writes a message naming the field
 * into err, and leaves nothing of the value in store.
 */
int hdl_value_from_json(const json_t *obj, struct hdl_writer *store, struct hdl_value *v, char *err,
                        size_t errlen);

/*
 * The bytes of one "data" field alone (a bare string, or {"format","value"} in any of the
 * formats above), appended to store. The same return codes as hdl_value_from_json, with
 * HDL_ERR_NOSPACE when store is full; nothing stays in store on failure.
 */
int hdl_data_from_json(const json_t *data, struct hdl_writer *store, char *err, size_t errlen);

#endif
