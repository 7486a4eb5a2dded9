/*
 * The stored form of one handle: its values already in wire encoding, so a resolution filters
 * and copies bytes and never re-encodes.
 *
 *   int1  format version (1)
 *   int1  flags          REG_RECORD_ALL_PUBLIC: every value has publicRead, so a public-only
 *                        resolution without filters copies the value run whole
 *   int2  reserved (0)
 *   int4  value count
 *   values, back to back, exactly as a resolution response carries them (docs/protocol.md §9),
 *   sorted by index, indexes unique
 */
#ifndef REG_RECORD_H
#define REG_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/hdl_buf.h"
#include "proto/hdl_value.h"

#define REG_RECORD_VERSION 1
#define REG_RECORD_HEADER_LEN 8
#define REG_RECORD_ALL_PUBLIC 0x01u

struct reg_record_view {
    uint8_t flags;
    uint32_t value_count;
    struct hdl_slice values; /* value_count wire-encoded values */
};

/* Parses the fixed header and checks the value run (HDL_OK / HDL_ERR_*). The run is validated
 * value by value only when validate is non-zero: records written by reg_record_build are trusted
 * on the hot path. */
int reg_record_parse(const uint8_t *buf, size_t len, int validate, struct reg_record_view *view);

struct hdl_resolution_request;
/* Copies the values of rec that rr selects (its index and type lists; both empty: every value),
 * only those with public read when public_only, into w as a resolution response carries them.
 * Returns how many. */
uint32_t reg_record_put_selected(struct hdl_writer *w, const struct reg_record_view *rec,
                                 const struct hdl_resolution_request *rr, bool public_only);

/* Builds a record from values: sorts them by index in place, rejects duplicate indexes
 * (HDL_ERR_MALFORMED) and writes the record. */
int reg_record_build(struct hdl_writer *w, struct hdl_value *values, size_t n);

/* The checks of reg_record_build without the writing: sorts values by index, rejects too many
 * (HDL_ERR_LIMIT) and duplicate indexes (HDL_ERR_MALFORMED); *flags gets the record's flags. */
int reg_record_prepare(struct hdl_value *values, size_t n, uint8_t *flags);

#endif
