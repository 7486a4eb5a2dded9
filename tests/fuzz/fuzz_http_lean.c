/*
 * libFuzzer target for the requests the lean front end of plain HTTP takes (http_lean_parse.h):
 * a stream of pipelined requests split as the front end splits it. Every request taken lies
 * within what was given, names a handle of the characters it allows that follows "/api/handles/"
 * (REST) or "/" and starts with a digit (the proxy) in its request line, and is taken the same
 * way alone. Built by -DPAZHOU_FUZZ=ON (docs/fuzzing.md).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/hdl_const.h"
#include "resolver/http/http_lean_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* A copy of exactly size bytes: reading past it is caught. */
    char *buf = malloc(size ? size : 1);
    if (!buf)
        return 0;
    memcpy(buf, data, size);
    size_t at = 0;
    while (at < size) {
        size_t used = 0;
        struct http_lean_request r = {0};
        if (http_lean_parse(buf + at, size - at, &used, &r) != HTTP_LEAN_FAST)
            break;
        enum http_lean_route route = r.route;
        const char *handle = r.handle;
        size_t handle_len = r.handle_len;
        if (r.language && (r.language < buf + at || r.language + r.language_len > buf + at + used))
            abort();
        size_t skip = route == HTTP_LEAN_REST ? 17 : 5;
        if (used == 0 || used > size - at || !handle || handle < buf + at ||
            handle + handle_len > buf + at + used || handle_len == 0 ||
            handle_len > HDL_MAX_HANDLE_LEN || handle != buf + at + skip ||
            memcmp(buf + at, route == HTTP_LEAN_REST ? "GET /api/handles/" : "GET /", skip) != 0 ||
            (route == HTTP_LEAN_PROXY && (handle[0] < '0' || handle[0] > '9')))
            abort();
        for (size_t i = 0; i < handle_len; i++)
            if (handle[i] == '%' || handle[i] == '?' || handle[i] == '#' ||
                (unsigned char)handle[i] <= ' ' || (unsigned char)handle[i] >= 0x7f)
                abort();
        /* The same request alone is taken the same way. */
        size_t used2 = 0;
        struct http_lean_request r2 = {0};
        if (http_lean_parse(buf + at, used, &used2, &r2) != HTTP_LEAN_FAST || used2 != used ||
            r2.route != route || r2.handle != handle || r2.handle_len != handle_len ||
            r2.language != r.language || r2.language_len != r.language_len)
            abort();
        at += used;
    }
    free(buf);
    return 0;
}
