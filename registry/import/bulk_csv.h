/*
 * The CSV form of handle values (`pazhou import --format csv`, `pazhou export --format csv`),
 * RFC 4180: comma-separated, rows end with LF or CRLF, a field with a comma, quote or line break
 * is quoted and its quotes doubled. One row per value, the rows of one handle consecutive:
 *
 *   handle,index,type,data[,ttl[,permissions[,timestamp]]]
 *
 * data is the value's bytes as text (UTF-8), unless it starts with one of:
 *   hex:HEX              the bytes in hexadecimal
 *   base64:B64           the bytes in standard base64, padding optional but exact
 *                        (common/base64.h)
 *   admin:INDEX:HANDLE:PERMS   HS_ADMIN data: the admin's index and handle, its 12 permission
 *                        bits as in JSON ("111111111111", most significant first)
 *   text:TEXT            TEXT literally (for text that itself starts with one of these)
 * ttl: seconds (default 86400), or an absolute time as JSON takes it (common/iso8601.h:
 * 2026-11-26T02:39:16Z, 2026-11-26T03:39:16+01:00); permissions: 4
 * characters of 0/1, adminRead adminWrite publicRead publicWrite (default 1110); timestamp: a
 * time as above (default: the import's time). A first row "handle,index,..." is a header.
 */
#ifndef BULK_CSV_H
#define BULK_CSV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "proto/hdl_buf.h"
#include "proto/hdl_value.h"

#define CSV_MAX_FIELDS 7

struct csv_field {
    char *ptr;
    size_t len;
};

struct csv_row {
    uint64_t line; /* the line the row starts on */
    size_t nfields;
    bool too_many; /* more than CSV_MAX_FIELDS fields */
    struct csv_field f[CSV_MAX_FIELDS];
};

/*
 * Reads the row at *pos of buf (len bytes), unquoting fields in place; *line is the line number
 * at *pos and advances with every line break consumed. Returns 1 with a row, 0 at the end, -1 for
 * a malformed row (*msg says why); *pos moves past the row in every case. Empty lines are skipped.
 */
int csv_next_row(char *buf, size_t len, size_t *pos, uint64_t *line, struct csv_row *row,
                 const char **msg);

/* True for a header row: first field "handle", second "index" (any case). */
bool csv_is_header(const struct csv_row *row);

/* Fills v from the index, type, data, ttl, permissions and timestamp fields of row; bytes that
 * must be produced go to store. 0, or -1 with a message naming the column in err. */
int csv_row_value(const struct csv_row *row, struct hdl_writer *store, struct hdl_value *v,
                  char *err, size_t errlen);

/*
 * Where buf (len bytes, a prefix of the input) may be cut so that whole rows and whole handles
 * (runs of rows with the same handle field) lie before the cut: the offset of the start of the
 * last handle run seen, or len when eof. 0 means the buffer holds no complete run yet.
 * *lines gets the number of line breaks before the cut.
 */
size_t csv_cut(const char *buf, size_t len, bool eof, uint64_t *lines);

/* Writes v of handle as one CSV row ("handle,index,type,data,ttl,permissions,timestamp").
 * Returns -1 when the value cannot be written as CSV (it has references) or on a write error. */
int csv_write_value(FILE *out, const uint8_t *handle, size_t hlen, const struct hdl_value *v);

/* The CSV header row export writes. */
#define CSV_HEADER "handle,index,type,data,ttl,permissions,timestamp\n"

#endif
