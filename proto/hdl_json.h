/*
 * The JSON form of handle values (PROTOCOL.md §15), shared by the HTTP API and the command line
 * (`pazhou resolve --json`, `pazhou import`): one piece of code for both directions.
 */
#ifndef HDL_JSON_H
#define HDL_JSON_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/hdl_buf.h"
#include "proto/hdl_value.h"

/* A new JSON object for v, field for field as the reference's REST API writes it:
 * index, type, data {format, value}, permissions only when not "1110", ttl (number, or ISO-8601
 * string for absolute), timestamp ISO-8601 UTC (left out when 0), references only if any.
 * NULL on allocation failure. */
json_t *hdl_value_to_json(const struct hdl_value *v);

/* The reference's siteinfo.json object for HS_SITE data (version, protocolVersion, serialNumber,
 * primarySite, multiPrimary, hashOption unless 2, hashFilter if any, attributes, servers with
 * serverId, address, publicKey and interfaces). NULL when the bytes are not a site record. */
json_t *hdl_site_to_json(const uint8_t *buf, size_t len);

/* The JWK-like object of public key bytes (PROTOCOL.md §9.3): {"kty":"RSA","n","e"} or
 * {"kty":"DSA","y","p","q","g"}, unsigned big-endian numbers in base64url without padding.
 * NULL for DH keys and bytes that are not a key. */
json_t *hdl_pubkey_to_json(const uint8_t *buf, size_t len);

/*
 * Parses one JSON value object into v. Bytes that must be produced (decoded base64 or hex,
 * encoded HS_ADMIN / HS_VLIST data, type) are appended to store, and v's slices point into the
 * store's buffer, so they stay valid as long as it does. Defaults: ttl 86400 relative,
 * permissions 1110, timestamp 0 (the server sets it). "data" may be a bare string (UTF-8).
 * On failure returns HDL_ERR_MALFORMED (or HDL_ERR_NOSPACE when store is full) and writes a
 * message naming the field into err.
 */
/* The TTL of a value given without one (seconds). */
#define HDL_JSON_DEFAULT_TTL 86400u

int hdl_value_from_json(const json_t *obj, struct hdl_writer *store, struct hdl_value *v, char *err,
                        size_t errlen);

#endif
