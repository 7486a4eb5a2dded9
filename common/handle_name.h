/*
 * The one naming rule of handles that is not in their bytes: prefixes are themselves handles
 * under the prefix "0.NA" ("88.100.1" is homed as the prefix handle "0.NA/88.100.1", the root
 * as "0.NA/0.NA"), and a name without a '/' typed where a handle is asked for names a prefix,
 * so "88.100.1" means "0.NA/88.100.1". The "0.NA" part is compared case-insensitively (ASCII),
 * even in a case-sensitive registry.
 */
#ifndef COMMON_HANDLE_NAME_H
#define COMMON_HANDLE_NAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HNAME_NA "0.NA"
#define HNAME_NA_PREFIX HNAME_NA "/"
#define HNAME_NA_PREFIX_LEN (sizeof HNAME_NA_PREFIX - 1)
#define HNAME_ROOT HNAME_NA_PREFIX HNAME_NA /* the root prefix handle, "0.NA/0.NA" */
#define HNAME_ROOT_LEN (sizeof HNAME_ROOT - 1)

/* Whether h[0..n) starts with "0.NA/" (any case); "0.NA/" alone counts. */
bool hname_has_na_prefix(const void *h, size_t n);

/* Whether h[0..n) is a prefix handle: "0.NA/" (any case) and at least one character more. */
bool hname_is_prefix_handle(const void *h, size_t n);

/* The handle name h[0..n) stands for, into buf (cap bytes): "0.NA/" + h when h has no '/', h as
 * it is otherwise. Returns its length, 0 when it does not fit. */
size_t hname_lookup(const void *h, size_t n, uint8_t *buf, size_t cap);

/* The prefix handle of prefix[0..n), a bare prefix ("88.100.1") or already a prefix handle
 * ("0.NA/88.100.1"), and a NUL into buf (cap bytes). Returns its length, 0 (and "" in buf when
 * cap > 0) when it does not fit. */
size_t hname_prefix_handle(const char *prefix, size_t n, char *buf, size_t cap);

/* The prefix a prefix handle names: past "0.NA/" when h[0..*n) is a prefix handle, with *n
 * shortened to match; h and *n unchanged otherwise. */
const char *hname_strip_na(const char *h, size_t *n);

#endif
