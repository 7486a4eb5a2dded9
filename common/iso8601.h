/*
 * ISO-8601 times as handle values carry them (ttl and timestamp of the JSON, JSON Lines and CSV
 * forms): "YYYY-MM-DDTHH:MM:SS[.fff](Z|+HH:MM|-HH:MM)", 'T' and 'Z' in either case; a fraction
 * of any number of digits is read and dropped; second 60 (a leap second) is the next second;
 * the offset is at most 23:59. The result must fit an int4: 1970-01-01T00:00:00Z to
 * 2106-02-07T06:28:15Z. Written as "YYYY-MM-DDTHH:MM:SSZ".
 */
#ifndef COMMON_ISO8601_H
#define COMMON_ISO8601_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Room for what iso8601_format writes, NUL included. */
#define ISO8601_MAX 24

/* Write the basic format "YYYYMMDDTHHMMSSZ" (for names of files and jobs). */
#define ISO8601_BASIC 1u

/* The n characters at s (no NUL needed) as epoch seconds in *out; false when they are not such a
 * time or it does not fit. */
bool iso8601_parse(const char *s, size_t n, uint32_t *out);

/* Epoch seconds t as "YYYY-MM-DDTHH:MM:SSZ" (or the basic form) and a NUL into out; returns the
 * length, 0 when t is not representable (out is then ""). */
size_t iso8601_format(int64_t t, unsigned flags, char out[ISO8601_MAX]);

#endif
