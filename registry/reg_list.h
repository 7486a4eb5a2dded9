/*
 * Listing handles: those of a prefix, one range scan of the "handles" family, which keeps a
 * prefix's handles contiguous ("88.100.1/..." sorts together), in canonical key order; or every
 * handle with its record, for loading the registry into memory.
 */
#ifndef REG_LIST_H
#define REG_LIST_H

#include <stddef.h>
#include <stdint.h>

#include "registry/reg_db.h"

/*
 * Calls fn with the canonical key of every handle under prefix ("88.100.1", or the prefix handle
 * "0.NA/88.100.1"; folded like any handle), in key order. With after_key, the scan resumes past
 * that key (exclusive): a cursor for paging or for streaming a long list in parts. The key given
 * to fn is valid during the call only. Stops early, returning REG_OK, when fn returns non-zero.
 * REG_ERR_INVALID for an empty or over-long prefix; a RocksDB error otherwise.
 */
int reg_scan_prefix(struct reg_db *db, const uint8_t *prefix, size_t len, const uint8_t *after_key,
                    size_t after_len, int (*fn)(void *ctx, const uint8_t *key, size_t len),
                    void *ctx);

/*
 * Calls fn with every handle's canonical key and its record as stored (reg_stored.h; expand it
 * with reg_pin_expand), in key order, from one consistent view of the registry, without filling
 * the block cache. Key and record are valid during the call only. Stops early, returning REG_OK,
 * when fn returns non-zero; a RocksDB error otherwise.
 */
int reg_scan_stored(struct reg_db *db, int (*fn)(void *ctx, const uint8_t *key, size_t klen,
                                                 const uint8_t *stored, size_t len),
                    void *ctx);

#endif
