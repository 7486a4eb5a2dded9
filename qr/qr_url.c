#include "qr/qr_url.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

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

/* RFC 3986 unreserved characters, and '/' when keep_slash. */
static bool kept(unsigned char ch, bool keep_slash)
{
    return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
           ch == '-' || ch == '.' || ch == '_' || ch == '~' || (keep_slash && ch == '/');
}

static size_t encode(const char *handle, size_t len, bool keep_slash, char *buf, size_t cap,
                     size_t at)
{
    static const char hex[] = "0123456789ABCDEF";
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)handle[i];
        if (kept(ch, keep_slash)) {
            if (cap - at < 2)
                return 0;
            buf[at++] = (char)ch;
        } else {
            if (cap - at < 4)
                return 0;
            buf[at++] = '%';
            buf[at++] = hex[ch >> 4];
            buf[at++] = hex[ch & 15];
        }
    }
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
