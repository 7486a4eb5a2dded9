/*
 * The form a record takes on disk and in the block cache. Everything outside the registry sees
 * records as reg_record.h lays them out (values in wire encoding, ready to copy into a
 * response); what RocksDB holds is, when that is smaller, a compact encoding of the same bytes:
 *
 *   int1    2 (REG_STORED_COMPACT; a whole record starts with its version, 1)
 *   int1    the record's flags
 *   varint  length of the record it expands to
 *   varint  value count
 *   when the count is not 0, the fields most values share (the first value's):
 *     int1 permissions, int1 TTL type, int4 TTL, int4 timestamp
 *   each value, in index order:
 *     int1    what follows (REG_STORED_V_*)
 *     varint  index, unless it is the previous index + 1 (the first value's previous is 0)
 *     type    int1 code of a well-known type (reg_stored.c), or varint length + bytes
 *     varint  data length + data
 *     int1 permissions, int1 TTL type + int4 TTL, int4 timestamp: each only where it differs
 *     varint  reference count + varint length + the references as the wire carries them
 *             (only when there are references)
 *
 * Varints are LEB128 (7 bits a byte, least significant first). The wire form repeats per value
 * a timestamp, TTL and permissions that are nearly always the same, and four-byte lengths of
 * short strings: 60-80 bytes of a typical 220-byte record. Fewer bytes per record put more of
 * the registry in the same block cache, which decides uniform lookup rates once the registry
 * outgrows the cache. Expanding is a pass over a few values per lookup. Records stored whole
 * (version 1, by earlier releases or where compact is no smaller) are read as they are.
 */
#ifndef REG_STORED_H
#define REG_STORED_H

#include <stddef.h>
#include <stdint.h>

#include "proto/hdl_buf.h"
#include "proto/hdl_value.h"

#define REG_STORED_COMPACT 2

/* Writes the stored form of a whole record (reg_record_build's output, validated here) into w,
 * which needs room for len bytes at most: compact when that is smaller, else the record as it
 * is. HDL_OK, or the error the record's parse gives. */
int reg_stored_encode(const uint8_t *record, size_t len, struct hdl_writer *w);

/* reg_record_build, writing the stored form: the same checks and errors (sorts values by index,
 * rejects duplicate indexes with HDL_ERR_MALFORMED), no intermediate record. */
int reg_stored_build(struct hdl_writer *w, struct hdl_value *values, size_t n);

/* Length of the record a compact stored value expands to, from its header; 0 when the header is
 * damaged or the value is not compact. */
size_t reg_stored_record_len(const uint8_t *stored, size_t len);

/* Expands a compact stored value into out (cap bytes; reg_stored_record_len of them are
 * written). HDL_OK, or HDL_ERR_* when the value is damaged (nothing in out is then usable). */
int reg_stored_expand(const uint8_t *stored, size_t len, uint8_t *out, size_t cap);

#endif
