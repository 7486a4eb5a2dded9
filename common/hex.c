#include "common/hex.h"

int hex_nibble(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

void hex_encode(const uint8_t *in, size_t n, char *out, unsigned flags)
{
    const char *digits = (flags & HEX_UPPER) ? "0123456789ABCDEF" : "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 15];
    }
    out[2 * n] = '\0';
}

int hex_decode(const char *in, size_t n, uint8_t *out, size_t cap, size_t *outlen)
{
    if (n % 2)
        return HEX_ERR_ODD;
    for (size_t i = 0; i < n; i++)
        if (hex_nibble(in[i]) < 0) {
            *outlen = i;
            return HEX_ERR_DIGIT;
        }
    if (n / 2 > cap)
        return HEX_ERR_NOSPACE;
    for (size_t i = 0; i < n; i += 2)
        out[i / 2] = (uint8_t)(hex_nibble(in[i]) << 4 | hex_nibble(in[i + 1]));
    *outlen = n / 2;
    return HEX_OK;
}
