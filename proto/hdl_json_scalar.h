/*
 * Numbers, booleans and text in JSON bodies, read as leniently as the reference's JSON reader
 * (Gson) reads them, so the REST clients written for HANDLE.NET work unchanged: a number may come
 * as a JSON number or as a string of decimal digits ("index":"200"), a boolean as true or "true",
 * text as a string or a bare number. What the reference refuses stays refused: a string with a
 * fraction, an exponent, blanks or anything but digits and one leading sign.
 */
#ifndef HDL_JSON_SCALAR_H
#define HDL_JSON_SCALAR_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A whole number: a JSON integer, a JSON real without a fraction (1.0, 1e2), or a string of up
 * to 18 decimal digits with an optional + or -. A real with a fraction is refused rather than
 * cut short as the reference does. true and *out set when j is one in [lo, hi]. */
bool hdl_json_int(const json_t *j, int64_t lo, int64_t hi, int64_t *out);

/* hdl_json_int over 0 ... 4294967295. */
bool hdl_json_u32(const json_t *j, uint32_t *out);

/* A JSON boolean, or the string "true" or "false" (any case). */
bool hdl_json_bool(const json_t *j, bool *out);

/* The text of a string, or of a number or boolean as the reference's getAsString gives it
 * (integers in decimal, reals in their shortest exact form). Points into j or into buf (at
 * least 32 bytes); sets *len. NULL for null, objects and arrays. */
const char *hdl_json_text(const json_t *j, char *buf, size_t cap, size_t *len);

#endif
