/* The one base64 rule (common/base64.h): exact bytes both ways, and the inputs the three copies
 * it replaces disagreed on (padding that does not complete a group, the URL-safe alphabet). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "common/base64.h"

/* Decodes text (NUL-terminated) with flags; the error code, bytes in out. */
static int dec(const char *text, unsigned flags, uint8_t *out, size_t cap, size_t *n)
{
    return b64_decode(text, strlen(text), out, cap, n, flags);
}

static void encoding_writes_rfc4648_vectors(void **state)
{
    (void)state;
    static const char *const want[] = {"",         "Zg==",     "Zm8=",    "Zm9v",
                                       "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
    char out[16];
    for (size_t i = 0; i < 7; i++) {
        assert_int_equal(b64_encoded_len(i, 0), strlen(want[i]));
        assert_int_equal(b64_encode((const uint8_t *)"foobar", i, out, 0), strlen(want[i]));
        assert_string_equal(out, want[i]);
    }
    assert_int_equal(b64_encode((const uint8_t *)"\xfb\xff", 2, out, 0), 4);
    assert_string_equal(out, "+/8=");
}

static void url_encoding_has_no_padding(void **state)
{
    (void)state;
    char out[16];
    assert_int_equal(b64_encoded_len(2, B64_URL), 3);
    assert_int_equal(b64_encode((const uint8_t *)"\xfb\xff", 2, out, B64_URL), 3);
    assert_string_equal(out, "-_8");
    assert_int_equal(b64_encode((const uint8_t *)"\x01\x00\x01", 3, out, B64_URL), 4);
    assert_string_equal(out, "AQAB");
    assert_int_equal(b64_encode((const uint8_t *)"a", 1, out, B64_URL), 2);
    assert_string_equal(out, "YQ");
    assert_int_equal(b64_encoded_len(0, B64_URL), 0);
}

static void decoding_takes_padding_or_none(void **state)
{
    (void)state;
    static const struct {
        const char *b64, *bytes;
    } cases[] = {{"", ""},      {"YQ==", "a"},   {"YQ", "a"},          {"YWI=", "ab"},
                 {"YWI", "ab"}, {"YWJj", "abc"}, {"YWJjZA==", "abcd"}, {"YWJjZA", "abcd"}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint8_t out[16];
        size_t n = 99;
        assert_int_equal(dec(cases[i].b64, 0, out, sizeof out, &n), B64_OK);
        assert_int_equal(n, strlen(cases[i].bytes));
        assert_memory_equal(out, cases[i].bytes, n);
    }
    uint8_t out[4];
    size_t n;
    assert_int_equal(dec("+/8=", 0, out, sizeof out, &n), B64_OK);
    assert_int_equal(n, 2);
    assert_memory_equal(out, "\xfb\xff", 2);
}

static void padding_must_complete_the_last_group(void **state)
{
    (void)state;
    /* The CSV importer and HTTP auth used to strip any run of '='; JSON rejected these. */
    static const char *const bad_length[] = {"YQ=", "YWJj=", "YWJjZA=", "A", "YWJjZ", "A=="};
    uint8_t out[16];
    size_t n;
    for (size_t i = 0; i < sizeof bad_length / sizeof bad_length[0]; i++)
        assert_int_equal(dec(bad_length[i], 0, out, sizeof out, &n), B64_ERR_LENGTH);
    /* A third '=' or '=' inside is a bad digit, at its offset. */
    assert_int_equal(dec("YQ===", 0, out, sizeof out, &n), B64_ERR_DIGIT);
    assert_int_equal(n, 2);
    assert_int_equal(dec("Y=Q=", 0, out, sizeof out, &n), B64_ERR_DIGIT);
    assert_int_equal(n, 1);
    assert_int_equal(dec("YQ==YQ==", 0, out, sizeof out, &n), B64_ERR_DIGIT);
    assert_int_equal(n, 2);
}

static void bad_digits_are_named_by_offset(void **state)
{
    (void)state;
    uint8_t out[16];
    size_t n;
    assert_int_equal(dec("AP8*", 0, out, sizeof out, &n), B64_ERR_DIGIT);
    assert_int_equal(n, 3);
    assert_int_equal(dec("YW Jj", 0, out, sizeof out, &n), B64_ERR_DIGIT);
    assert_int_equal(n, 2);
    assert_int_equal(dec("YWJj\n", 0, out, sizeof out, &n), B64_ERR_DIGIT);
    assert_int_equal(n, 4);
}

static void url_safe_digits_only_with_the_flag(void **state)
{
    (void)state;
    uint8_t out[16];
    size_t n;
    assert_int_equal(dec("-_8", 0, out, sizeof out, &n), B64_ERR_DIGIT);
    assert_int_equal(n, 0);
    assert_int_equal(dec("-_8", B64_URL, out, sizeof out, &n), B64_OK);
    assert_int_equal(n, 2);
    assert_memory_equal(out, "\xfb\xff", 2);
    /* Both alphabets mixed, and padding by the same rule. */
    assert_int_equal(dec("+_8=", B64_URL, out, sizeof out, &n), B64_OK);
    assert_int_equal(n, 2);
    assert_memory_equal(out, "\xfb\xff", 2);
    assert_int_equal(dec("-_8==", B64_URL, out, sizeof out, &n), B64_ERR_LENGTH);
}

static void no_byte_is_written_past_cap(void **state)
{
    (void)state;
    uint8_t out[4] = {0xee, 0xee, 0xee, 0xee};
    size_t n;
    assert_int_equal(dec("YWJjZA==", 0, out, 3, &n), B64_ERR_NOSPACE);
    assert_int_equal(n, 4);
    assert_memory_equal(out, "\xee\xee\xee\xee", 4);
    assert_int_equal(dec("YWJjZA==", 0, out, 4, &n), B64_OK);
    assert_memory_equal(out, "abcd", 4);
}

static void every_byte_round_trips(void **state)
{
    (void)state;
    uint8_t in[256], back[256];
    char text[400];
    for (size_t i = 0; i < 256; i++)
        in[i] = (uint8_t)(255 - i);
    for (size_t len = 250; len <= 256; len++)
        for (unsigned flags = 0; flags <= B64_URL; flags++) {
            size_t n = b64_encode(in, len, text, flags);
            size_t got;
            assert_int_equal(b64_decode(text, n, back, sizeof back, &got, flags), B64_OK);
            assert_int_equal(got, len);
            assert_memory_equal(back, in, len);
        }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(encoding_writes_rfc4648_vectors),
        cmocka_unit_test(url_encoding_has_no_padding),
        cmocka_unit_test(decoding_takes_padding_or_none),
        cmocka_unit_test(padding_must_complete_the_last_group),
        cmocka_unit_test(bad_digits_are_named_by_offset),
        cmocka_unit_test(url_safe_digits_only_with_the_flag),
        cmocka_unit_test(no_byte_is_written_past_cap),
        cmocka_unit_test(every_byte_round_trips),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
