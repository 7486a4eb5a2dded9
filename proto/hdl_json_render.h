/* Handle values to the JSON form of docs/protocol.md §15 (the HTTP API, `pazhou resolve --json`,
 * `pazhou export`). */
#ifndef HDL_JSON_RENDER_H
#define HDL_JSON_RENDER_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/hdl_value.h"

/* A new JSON object for v, field for field as the reference's REST API writes it:
 * index, type, data {format, value}, permissions only when not "1110", ttl (number, or ISO-8601
 * string for absolute), timestamp ISO-8601 UTC (left out when 0), references only if any.
 * data is in a form hdl_value_from_json reads back to the same bytes: "admin", "vlist", "site"
 * or "key" only where that form carries every byte, "base64" where it would not.
 * NULL on allocation failure. */
json_t *hdl_value_to_json(const struct hdl_value *v);

/* The reference's siteinfo.json object for HS_SITE data (version, protocolVersion, serialNumber,
 * primarySite, multiPrimary, hashOption unless 2, hashFilter if any, attributes, servers with
 * serverId, address, publicKey and interfaces). It may not carry every byte (unnamed flag bits,
 * text that is not UTF-8). NULL when the bytes are not a site record. */
json_t *hdl_site_to_json(const uint8_t *buf, size_t len);

/* The JWK-like object of public key bytes (docs/protocol.md §9.3): {"kty":"RSA","n","e"} or
 * {"kty":"DSA","y","p","q","g"}, unsigned big-endian numbers in base64url without padding.
 * The key's flags and any padding are not in it. NULL for DH keys and bytes that are not a key. */
json_t *hdl_pubkey_to_json(const uint8_t *buf, size_t len);

#endif
