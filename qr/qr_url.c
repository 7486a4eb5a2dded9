#include "qr/qr_url.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "common/percent.h"
#include "common/utf8.h"

const char *qr_url_handle_problem(const char *handle, size_t len)
{
    const char *slash = memchr(handle, '/', len);
    if (len == 0)
        return "the handle is empty";
    if (slash == handle)
        return "the prefix before the '/' is empty";
    if (!utf8_is_text((const uint8_t *)handle, len) || memchr(handle, '\t', len) ||
        memchr(handle, '\r', len) || memchr(handle, '\n', len))
        return "the handle is not UTF-8 text without control characters";
    return 0;
}

/* Appends handle[0..len) encoded to buf at at, NUL-terminated; '/' kept when keep_slash.
 * Returns the new length, 0 when it does not fit in cap. */
static size_t encode(const char *handle, size_t len, bool keep_slash, char *buf, size_t cap,
                     size_t at)
{
    const char *keep = keep_slash ? PCT_UNRESERVED "/" : PCT_UNRESERVED;
    const uint8_t *h = (const uint8_t *)handle;
    if (cap - at < pct_encoded_len(h, len, keep) + 1)
        return 0;
    at += pct_encode(buf + at, h, len, keep);
    buf[at] = '\0';
    return at;
}

size_t qr_url_compose(const char *base, const char *handle, size_t len, char *buf, size_t cap)
{
    size_t n = strlen(base);
    if (n > 0 && base[n - 1] == '/')
        n--;
    if (cap < n + 2 || len == 0)
        return 0;
    memcpy(buf, base, n);
    buf[n++] = '/';
    return encode(handle, len, true, buf, cap, n);
}

size_t qr_url_file_name(const char *handle, size_t len, char *buf, size_t cap)
{
    if (cap == 0 || len == 0)
        return 0;
    return encode(handle, len, false, buf, cap, 0);
}
