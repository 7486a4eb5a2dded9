/* Authorization headers of the REST API (docs/protocol.md §15) as http_auth_parse reads them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/base64.h"
#include "resolver/http/http_auth.h"

static struct http_auth a;

static void basic_takes_an_urlencoded_index_and_handle(void **state)
{
    (void)state;
    /* base64("300%3A88.100.1%2FADMIN:anchor-secret") */
    http_auth_parse("Basic MzAwJTNBODguMTAwLjElMkZBRE1JTjphbmNob3Itc2VjcmV0", &a);
    assert_int_equal(a.kind, HTTP_AUTH_BASIC);
    assert_int_equal(a.index, 300);
    assert_int_equal(a.handle_len, strlen("88.100.1/ADMIN"));
    assert_memory_equal(a.handle, "88.100.1/ADMIN", a.handle_len);
    assert_int_equal(a.secret_len, strlen("anchor-secret"));
    assert_memory_equal(a.secret, "anchor-secret", a.secret_len);
    /* base64("88.100.1/ADMIN:pa:ss"): no index, and the password keeps its colons */
    http_auth_parse("basic ODguMTAwLjEvQURNSU46cGE6c3M=", &a);
    assert_int_equal(a.kind, HTTP_AUTH_BASIC);
    assert_int_equal(a.index, 0);
    assert_memory_equal(a.secret, "pa:ss", 5);
}

static void basic_user_typed_without_percent_encoding_is_refused_with_the_fix(void **state)
{
    (void)state;
    /* base64("300:0.NA/88.100.1:anchor-secret"): the first ':' would end the user at "300". */
    http_auth_parse("Basic MzAwOjAuTkEvODguMTAwLjE6YW5jaG9yLXNlY3JldA==", &a);
    assert_int_equal(a.kind, HTTP_AUTH_MALFORMED);
    assert_string_equal(a.error, "The Basic user name must be percent-encoded: "
                                 "300%3A0.NA%2F88.100.1, not 300:0.NA/88.100.1");
    /* base64("300:ab:cd"): no handle after the index, so an ordinary (failing) Basic login. */
    http_auth_parse("Basic MzAwOmFiOmNk", &a);
    assert_int_equal(a.kind, HTTP_AUTH_BASIC);
}

static void handle_scheme_reads_quoted_and_token_values(void **state)
{
    (void)state;
    http_auth_parse("Handle sessionId=\"0123456789abcdef0123456789abcdef\", "
                    "id=\"300%3A0.NA%2F88.100.1\",type=HS_PUBKEY , cnonce=\"AAEC\", "
                    "alg=\"SHA\\256\", signature=\"/w==\", clientCert=\"false\"",
                    &a);
    assert_int_equal(a.kind, HTTP_AUTH_HANDLE);
    assert_string_equal(a.session_id, "0123456789abcdef0123456789abcdef");
    assert_true(a.authenticating);
    assert_int_equal(a.index, 300);
    assert_memory_equal(a.handle, "0.NA/88.100.1", a.handle_len);
    assert_string_equal(a.type, "HS_PUBKEY");
    assert_string_equal(a.alg, "SHA256");
    assert_int_equal(a.cnonce_len, 3);
    assert_int_equal(a.signature_len, 1);
    assert_int_equal(a.signature[0], 0xff);
    assert_false(a.has_pbkdf2);
}

static void handle_scheme_with_pbkdf2_parameters(void **state)
{
    (void)state;
    http_auth_parse("Handle sessionId=\"0123456789abcdef0123456789abcdef\", id=\"300:88.100.1/A\", "
                    "type=\"HS_SECKEY\", alg=\"PBKDF2-HMAC-SHA1\", cnonce=\"AAAA\", "
                    "signature=\"AAAA\", salt=\"AAEC\", iterations=\"10000\", length=\"160\"",
                    &a);
    assert_int_equal(a.kind, HTTP_AUTH_HANDLE);
    assert_true(a.has_pbkdf2);
    assert_int_equal(a.iterations, 10000);
    assert_int_equal(a.length, 160);
    assert_int_equal(a.salt_len, 3);
}

static void session_only_is_not_authenticating(void **state)
{
    (void)state;
    http_auth_parse("Handle sessionId=\"0123456789abcdef0123456789abcdef\"", &a);
    assert_int_equal(a.kind, HTTP_AUTH_HANDLE);
    assert_false(a.authenticating);
    assert_false(a.bad_session_id);
    http_auth_parse("Handle sessionId=\"node-0001\"", &a);
    assert_int_equal(a.kind, HTTP_AUTH_HANDLE);
    assert_true(a.bad_session_id);
    assert_string_equal(a.session_id, "");
}

static void malformed_headers_say_why(void **state)
{
    (void)state;
    const char *bad[] = {
        "Bearer abc",
        "Basic !!!",
        "Basic bm9jb2xvbg==", /* "nocolon" */
        "Handle sessionId",
        "Handle id=\"300:88.100.1/A\" type=\"HS_SECKEY\"",
        "Handle alg=\"unterminated",
        "Handle signature=\"not base64!\"",
        "Handle version=\"1\"",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        http_auth_parse(bad[i], &a);
        assert_int_equal(a.kind, HTTP_AUTH_MALFORMED);
        assert_true(a.error[0] != '\0');
    }
    http_auth_parse(NULL, &a);
    assert_int_equal(a.kind, HTTP_AUTH_NONE);
}

/* tests/fuzz/corpus/fuzz_http_auth/crash-basic-long-password, sent as Basic credentials (as the
 * fuzz target sends it): an empty user and a password longer than the secret field. The header
 * was refused, but the secret length past the field was left behind. */
static void basic_too_long_password_leaves_no_length(void **state)
{
    (void)state;
    FILE *f = fopen(PAZHOU_SOURCE_DIR "/tests/fuzz/corpus/fuzz_http_auth/crash-basic-long-password",
                    "rb");
    assert_non_null(f);
    uint8_t in[2048];
    size_t n = fread(in, 1, sizeof in, f);
    fclose(f);
    assert_int_equal(n, 1047);
    char *header = malloc(6 + 4 * (n / 3 + 1) + 1);
    memcpy(header, "Basic ", 6);
    b64_encode(in, n, header + 6, 0);
    http_auth_parse(header, &a);
    free(header);
    assert_int_equal(a.kind, HTTP_AUTH_MALFORMED);
    assert_string_equal(a.error, "Basic password too long");
    assert_int_equal(a.secret_len, 0);
    assert_false(a.has_id);
}

/* The same for the Handle scheme's base64 fields (a salt past its 256 bytes, a signature or
 * cnonce past 1,024, a bad digit): the header is refused and the field's length stays as it was. */
static void handle_scheme_bad_base64_fields_leave_no_length(void **state)
{
    (void)state;
    static const char *fields[] = {"salt", "signature", "cnonce"};
    char header[2048];
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        int n = snprintf(header, sizeof header, "Handle id=\"300:88.100.1/ADMIN\", %s=\"", fields[i]);
        memset(header + n, 'A', 1400); /* 1,050 bytes once decoded */
        snprintf(header + n + 1400, sizeof header - (size_t)n - 1400, "\"");
        http_auth_parse(header, &a);
        assert_int_equal(a.kind, HTTP_AUTH_MALFORMED);
        assert_int_equal(a.salt_len, 0);
        assert_int_equal(a.signature_len, 0);
        assert_int_equal(a.cnonce_len, 0);
        snprintf(header, sizeof header, "Handle %s=\"AA*A\"", fields[i]);
        http_auth_parse(header, &a);
        assert_int_equal(a.kind, HTTP_AUTH_MALFORMED);
        assert_int_equal(a.salt_len + a.signature_len + a.cnonce_len, 0);
    }
}

static void base64_of_nonces(void **state)
{
    (void)state;
    char out[16];
    b64_encode((const uint8_t *)"foobar", 6, out, 0);
    assert_string_equal(out, "Zm9vYmFy");
    b64_encode((const uint8_t *)"fo", 2, out, 0);
    assert_string_equal(out, "Zm8=");
    b64_encode((const uint8_t *)"\xff", 1, out, 0);
    assert_string_equal(out, "/w==");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(basic_takes_an_urlencoded_index_and_handle),
        cmocka_unit_test(basic_user_typed_without_percent_encoding_is_refused_with_the_fix),
        cmocka_unit_test(handle_scheme_reads_quoted_and_token_values),
        cmocka_unit_test(handle_scheme_with_pbkdf2_parameters),
        cmocka_unit_test(session_only_is_not_authenticating),
        cmocka_unit_test(malformed_headers_say_why),
        cmocka_unit_test(basic_too_long_password_leaves_no_length),
        cmocka_unit_test(handle_scheme_bad_base64_fields_leave_no_length),
        cmocka_unit_test(base64_of_nonces),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
