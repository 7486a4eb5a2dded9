/*
 * A replication record's values (int4 length + wire value, each) turned into the registry's
 * stored record (registry/reg_record.h): sorted by index, duplicates refused.
 */
#ifndef MIRROR_RECORD_H
#define MIRROR_RECORD_H

#include <stddef.h>
#include <stdint.h>

#include "proto/hdl_repl.h"
#include "proto/hdl_value.h"

struct repl_record_buf {
    struct hdl_value *values; /* HDL_MAX_VALUES */
    uint8_t *buf;
    size_t cap;
};

/* 0 or PZ_ERR_NOMEM. */
int repl_record_buf_init(struct repl_record_buf *b);
void repl_record_buf_free(struct repl_record_buf *b);

/* Builds the stored record of rec's values into b; *out and *len stay valid until the next call.
 * Returns HDL_OK, HDL_ERR_MALFORMED (a value that does not decode, duplicate indexes),
 * HDL_ERR_LIMIT, or PZ_ERR_NOMEM. */
int repl_record_build(struct repl_record_buf *b, const struct hdl_repl_record *rec,
                      const uint8_t **out, size_t *len);

#endif
