#include "common/base64.h"

#include <stdbool.h>

static const char std_digits[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char url_digits[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

size_t b64_encoded_len(size_t n, unsigned flags)
{
    if (flags & B64_URL)
        return n / 3 * 4 + (n % 3 ? n % 3 + 1 : 0);
    return (n + 2) / 3 * 4;
}

size_t b64_encode(const uint8_t *in, size_t n, char *out, unsigned flags)
{
    const char *digits = (flags & B64_URL) ? url_digits : std_digits;
    bool pad = !(flags & B64_URL);
    size_t o = 0;
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16;
        if (i + 1 < n)
            v |= (uint32_t)in[i + 1] << 8;
        if (i + 2 < n)
            v |= in[i + 2];
        out[o++] = digits[(v >> 18) & 63];
        out[o++] = digits[(v >> 12) & 63];
        if (i + 1 < n)
            out[o++] = digits[(v >> 6) & 63];
        else if (pad)
            out[o++] = '=';
        if (i + 2 < n)
            out[o++] = digits[v & 63];
        else if (pad)
            out[o++] = '=';
    }
    out[o] = '\0';
    return o;
}

static int sextet(char c, unsigned flags)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+' || (c == '-' && (flags & B64_URL)))
        return 62;
    if (c == '/' || (c == '_' && (flags & B64_URL)))
        return 63;
    return -1;
}

int b64_decode(const char *in, size_t n, uint8_t *out, size_t cap, size_t *outlen, unsigned flags)
{
    size_t pad = 0;
    while (pad < 2 && n > pad && in[n - 1 - pad] == '=')
        pad++;
    size_t body = n - pad;
    for (size_t i = 0; i < body; i++)
        if (sextet(in[i], flags) < 0) {
            *outlen = i;
            return B64_ERR_DIGIT;
        }
    if (body % 4 == 1 || (pad && n % 4 != 0))
        return B64_ERR_LENGTH;
    size_t need = body / 4 * 3 + (body % 4 ? body % 4 - 1 : 0);
    if (need > cap) {
        *outlen = need;
        return B64_ERR_NOSPACE;
    }
    uint32_t acc = 0;
    int bits = 0;
    size_t o = 0;
    for (size_t i = 0; i < body; i++) {
        acc = (acc << 6) | (uint32_t)sextet(in[i], flags);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (uint8_t)(acc >> bits);
        }
    }
    *outlen = o;
    return B64_OK;
}
