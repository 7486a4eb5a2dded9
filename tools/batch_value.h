/*
 * Value lines of the reference batch format (docs/batch.md), shared by `pazhou batch` and the
 * `--value` option of the administration commands:
 *   <index> <type> <ttl> <perms> UTF8 <text>
 *   <index> <type> <ttl> <perms> ADMIN <index>:<12 permission characters>:<handle>
 *   <index> <type> <ttl> <perms> FILE <path>
 *   <index> <type> <ttl> <perms> LIST <index>:<handle>;<index>:<handle>;
 */
#ifndef TOOLS_BATCH_VALUE_H
#define TOOLS_BATCH_VALUE_H

#include <stddef.h>

#include "proto/hdl_buf.h"
#include "proto/hdl_value.h"

/* Parses one value line (without its newline) into v: ttl relative, timestamp 0, no references.
 * The type and data bytes are appended to store and v's slices point into store's buffer, so
 * they live as long as it does (store must not be moved). Returns 0, or -1 with a message
 * naming the field in err. FILE paths are read relative to the working directory. */
int batch_value_parse(const char *line, struct hdl_writer *store, struct hdl_value *v, char *err,
                      size_t errlen);

/* Value permissions from the four 0/1 characters admin read, admin write, public read, public
 * write ("1110" -> 0x0e). Returns -1 when s is not exactly that. */
int batch_value_perms(const char *s, size_t len, uint8_t *perms);

#endif
