/*
 * A site's HS_SITE bytes (siteinfo.bin, docs/protocol.md §9.2) and the reference's siteinfo.json
 * form, both ways, for `pazhou site export` and `pazhou prefix delegate`. The text is laid out
 * as the reference's hdl-convert-siteinfo writes it (two-space indent, "key": value, no final
 * newline), and every form of site JSON the reference reads is read here too.
 */
#ifndef TOOLS_SITE_JSON_H
#define TOOLS_SITE_JSON_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The siteinfo.json text of HS_SITE bytes, malloc'd and NUL-terminated (the caller frees it), or
 * NULL when the bytes are not a site record (or memory is short). */
char *site_json_from_bin(const uint8_t *buf, size_t len);

/*
 * HS_SITE bytes from site JSON. root may be a siteinfo.json object (also the older layout with
 * capitalised keys, "serverList", "interfaceList", attributes as an object and a hex public
 * key), a GET_SITE_INFO answer {"site": {...}}, or an HS_SITE handle value {"type": "HS_SITE",
 * "data": {"format": "site", "value": {...}}}. On success *out is malloc'd (the caller frees it)
 * and 0 is returned; otherwise -1 with a message in err.
 */
int site_json_to_bin(const json_t *root, uint8_t **out, size_t *len, char *err, size_t errlen);

/* Whether file contents are binary rather than text, as the reference's converter decides
 * (a control character other than white space, or bytes that are not UTF-8). */
bool site_json_looks_binary(const uint8_t *buf, size_t len);

/*
 * Reads a site file: siteinfo.json or siteinfo.bin (told apart as site_json_looks_binary does,
 * or binary when force_binary), and checks that binary contents decode as a site. On success
 * *out is malloc'd and 0 is returned; otherwise -1 with a message in err naming the file
 * (missing, unreadable, not JSON, not a site).
 */
int site_file_read(const char *path, bool force_binary, uint8_t **out, size_t *len, char *err,
                   size_t errlen);

#endif
