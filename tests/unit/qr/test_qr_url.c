/* The URL a QR code holds (qr/qr_url.h): the public URL, '/', and the handle percent-encoded
 * byte by byte so that the proxy's decoding gives the handle back. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "qr/qr_url.h"

static size_t compose(const char *base, const char *handle, char *buf, size_t cap)
{
    return qr_url_compose(base, handle, strlen(handle), buf, cap);
}

static void plain_handles_stay_readable(void **state)
{
    (void)state;
    char buf[256];
    assert_int_equal(
        compose("http://127.0.0.1:8000", "88.100.1/LOT-2026_000123.a~b", buf, sizeof buf),
        strlen("http://127.0.0.1:8000/88.100.1/LOT-2026_000123.a~b"));
    assert_string_equal(buf, "http://127.0.0.1:8000/88.100.1/LOT-2026_000123.a~b");
    /* One trailing '/' of the base is not doubled; a path in the base is kept. */
    compose("https://id.example.com/hdl/", "88.100.1/x/y", buf, sizeof buf);
    assert_string_equal(buf, "https://id.example.com/hdl/88.100.1/x/y");
}

static void reserved_bytes_and_utf8_are_percent_encoded(void **state)
{
    (void)state;
    char buf[256];
    compose("http://[::1]:8080", "88.100.1/LOT 1#a?b%c&d+e", buf, sizeof buf);
    assert_string_equal(buf, "http://[::1]:8080/88.100.1/LOT%201%23a%3Fb%25c%26d%2Be");
    compose("http://n", "88.100.1/\xe4\xba\xa7\xe5\x93\x81-\xc3\xa9", buf, sizeof buf);
    assert_string_equal(buf, "http://n/88.100.1/%E4%BA%A7%E5%93%81-%C3%A9");
}

static void too_small_buffers_give_zero(void **state)
{
    (void)state;
    char buf[16];
    /* "http://n/a/%20" is 14 bytes and its NUL: 15 fits, 14 does not. */
    assert_int_equal(compose("http://n", "a/ ", buf, 15), 14);
    assert_string_equal(buf, "http://n/a/%20");
    assert_int_equal(compose("http://n", "a/ ", buf, 14), 0);
    assert_int_equal(compose("http://n", "a/b", buf, 13), 12);
    assert_int_equal(compose("http://n", "a/b", buf, 12), 0);
    assert_int_equal(compose("http://n", "", buf, sizeof buf), 0);
}

static void file_names_encode_the_slash_too(void **state)
{
    (void)state;
    char buf[64];
    const char *h = "88.100.1/LOT 7/\xc3\xa9";
    assert_int_equal(qr_url_file_name(h, strlen(h), buf, sizeof buf),
                     strlen("88.100.1%2FLOT%207%2F%C3%A9"));
    assert_string_equal(buf, "88.100.1%2FLOT%207%2F%C3%A9");
    assert_int_equal(qr_url_file_name(h, strlen(h), buf, 10), 0);
}

static void handles_need_a_prefix_and_text(void **state)
{
    (void)state;
    assert_null(qr_url_handle_problem("88.100.1/x", 10));
    assert_null(qr_url_handle_problem("0.NA/88.100.1", 13));
    assert_null(qr_url_handle_problem("88.100.1/", 9));
    assert_string_equal(qr_url_handle_problem("", 0), "the handle is empty");
    assert_null(qr_url_handle_problem("88.100.1", 8));
    assert_string_equal(qr_url_handle_problem("/x", 2), "the prefix before the '/' is empty");
    const char *why = "the handle is not UTF-8 text without control characters";
    assert_string_equal(qr_url_handle_problem("88.100.1/\xc3(", 11), why);
    assert_string_equal(qr_url_handle_problem("88.100.1/a\nb", 12), why);
    assert_string_equal(qr_url_handle_problem("88.100.1/a\0b", 12), why);
    assert_string_equal(qr_url_handle_problem("88.100.1/a\tb", 12), why);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(plain_handles_stay_readable),
        cmocka_unit_test(reserved_bytes_and_utf8_are_percent_encoded),
        cmocka_unit_test(too_small_buffers_give_zero),
        cmocka_unit_test(file_names_encode_the_slash_too),
        cmocka_unit_test(handles_need_a_prefix_and_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
