/*
 * The URL a label's QR code holds: the node's public proxy URL and the handle, percent-encoded
 * so that every byte a URL path cannot carry as it is (space, '#', '?', '%', UTF-8, ...) comes
 * back unchanged when the proxy decodes the path.
 */
#ifndef QR_URL_H
#define QR_URL_H

#include <stddef.h>

/* Whether handle[0..len) can be written as a proxy URL: not empty, no empty prefix before a
 * '/' (a name without '/' names a prefix, common/handle_name.h), well-formed UTF-8, no control
 * byte. Returns NULL when it can, else a reason for an error message. The caller checks the
 * length limit of its protocol. */
const char *qr_url_handle_problem(const char *handle, size_t len);

/* Writes base (an http:// or https:// URL; one trailing '/' is dropped), '/', and handle[0..len)
 * percent-encoded (bytes other than ALPHA, DIGIT, '-', '.', '_', '~' and '/' become %XX) into
 * buf (cap bytes, NUL-terminated). Returns the length, 0 when it does not fit. */
size_t qr_url_compose(const char *base, const char *handle, size_t len, char *buf, size_t cap);

/* Percent-encodes handle[0..len) into buf (cap bytes, NUL-terminated) like qr_url_compose but
 * with '/' encoded too, so that the result is one file name ("88.100.1%2FLOT-1"). Returns the
 * length, 0 when it does not fit. */
size_t qr_url_file_name(const char *handle, size_t len, char *buf, size_t cap);

#endif
