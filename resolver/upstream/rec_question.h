/*
 * A question asked of other sites: a handle and the index and type lists of a resolution
 * request, and the request flags that change the answer (public only). Its key names it in the
 * recursion cache and in the worker's table of questions in flight; its body is what goes to
 * the other site.
 */
#ifndef UPSTREAM_REC_QUESTION_H
#define UPSTREAM_REC_QUESTION_H

#include <stddef.h>
#include <stdint.h>

#include "proto/hdl_resolution.h"

#define REC_KEY_MAX (8 + 4 * 1024 + 2 * 1024 + 65536)

/* Flags of a client's request that the answer depends on, kept in the key and sent upstream. */
#define REC_FLAGS_KEPT HDL_FLAG_PO

/* The key of the question rr with flags into key (cap bytes): the handle with its prefix part
 * (before the first '/') upper-cased in ASCII, as the reference client's cache keys it, the
 * flags kept, the index and type lists as sent. Returns its length, 0 when it does not fit. */
size_t rec_question_key(const struct hdl_resolution_request *rr, uint32_t flags, uint8_t *key,
                        size_t cap);

/* The prefix handle ("0.NA/<prefix>") that says where handle[0..len) lives, into buf (cap):
 * for "P/suffix" it is "0.NA/P"; a prefix handle "0.NA/P" is itself asked of the root servers,
 * so it gives 0; a name without '/' stands for "0.NA/<name>" (gives 0 too, the caller asks the
 * roots). Returns its length, or 0. */
size_t rec_question_prefix_handle(const uint8_t *handle, size_t len, uint8_t *buf, size_t cap);

#endif
