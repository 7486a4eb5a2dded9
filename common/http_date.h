/*
 * HTTP's date (RFC 9110 IMF-fixdate), as Date, Expires and Last-Modified carry it:
 * "Sun, 06 Nov 1994 08:49:37 GMT". Written with English names whatever the process's locale.
 */
#ifndef COMMON_HTTP_DATE_H
#define COMMON_HTTP_DATE_H

#include <stddef.h>
#include <stdint.h>

/* Room for what http_date_format writes, NUL included. */
#define HTTP_DATE_MAX 30

/* Epoch seconds t as an IMF-fixdate and a NUL into out; returns the length (29), 0 when t is
 * before 1970 or after 9999 (out is then ""). */
size_t http_date_format(int64_t t, char out[HTTP_DATE_MAX]);

#endif
