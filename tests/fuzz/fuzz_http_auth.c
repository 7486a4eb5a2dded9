/*
 * libFuzzer target for the REST API's Authorization header (resolver/http_auth.c): the bytes are
 * parsed as a header value as they come, and again behind "Basic " as base64, so that the
 * user-id part ("index:handle" percent-encoded, ':' secret) is reached without the fuzzer having
 * to find base64. Whatever kind comes out, every length stays within its field. Built by
 * -DPAZHOU_FUZZ=ON (docs/fuzzing.md).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/base64.h"
#include "resolver/http/http_auth.h"

static struct http_auth a;

static void parse_or_die(const char *value)
{
    http_auth_parse(value, &a);
    if (a.kind > HTTP_AUTH_MALFORMED || memchr(a.error, '\0', sizeof a.error) == NULL ||
        a.handle_len > sizeof a.handle || a.secret_len > sizeof a.secret ||
        a.cnonce_len > sizeof a.cnonce || a.signature_len > sizeof a.signature ||
        a.salt_len > sizeof a.salt || !memchr(a.session_id, '\0', sizeof a.session_id) ||
        !memchr(a.type, '\0', sizeof a.type) || !memchr(a.alg, '\0', sizeof a.alg))
        abort();
    if (a.kind == HTTP_AUTH_MALFORMED && a.error[0] == '\0')
        abort(); /* a refusal always says why */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 16384)
        return 0;
    char *value = malloc(size + 1);
    memcpy(value, data, size);
    value[size] = '\0';
    parse_or_die(value);
    free(value);

    char *basic = malloc(6 + 4 * (size / 3 + 1) + 1);
    memcpy(basic, "Basic ", 6);
    b64_encode(data, size, basic + 6, 0);
    parse_or_die(basic);
    free(basic);
    return 0;
}
