/* The one hex codec (common/hex.h) the JSON and CSV importers, session ids and minted suffixes
 * share: exact digits, either case in, the first bad digit by offset. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "common/hex.h"

static void nibbles_of_every_digit(void **state)
{
    (void)state;
    const char *digits = "0123456789abcdef", *upper = "0123456789ABCDEF";
    for (int i = 0; i < 16; i++) {
        assert_int_equal(hex_nibble(digits[i]), i);
        assert_int_equal(hex_nibble(upper[i]), i);
    }
    assert_int_equal(hex_nibble('g'), -1);
    assert_int_equal(hex_nibble('G'), -1);
    assert_int_equal(hex_nibble('/'), -1);
    assert_int_equal(hex_nibble(':'), -1);
    assert_int_equal(hex_nibble('@'), -1);
    assert_int_equal(hex_nibble('`'), -1);
    assert_int_equal(hex_nibble('\0'), -1);
}

static void encoding_is_lower_case_unless_asked(void **state)
{
    (void)state;
    char out[16];
    hex_encode((const uint8_t *)"\x00\xff\x10\xab", 4, out, 0);
    assert_string_equal(out, "00ff10ab");
    hex_encode((const uint8_t *)"\x00\xff\x10\xab", 4, out, HEX_UPPER);
    assert_string_equal(out, "00FF10AB");
    hex_encode(NULL, 0, out, 0);
    assert_string_equal(out, "");
}

static void decoding_takes_either_case(void **state)
{
    (void)state;
    uint8_t out[8];
    size_t n;
    assert_int_equal(hex_decode("00fF10aB", 8, out, sizeof out, &n), HEX_OK);
    assert_int_equal(n, 4);
    assert_memory_equal(out, "\x00\xff\x10\xab", 4);
    assert_int_equal(hex_decode("", 0, out, sizeof out, &n), HEX_OK);
    assert_int_equal(n, 0);
}

static void bad_input_is_named(void **state)
{
    (void)state;
    uint8_t out[8] = {0xee};
    size_t n;
    assert_int_equal(hex_decode("abc", 3, out, sizeof out, &n), HEX_ERR_ODD);
    assert_int_equal(hex_decode("zzz", 3, out, sizeof out, &n), HEX_ERR_ODD); /* length first */
    assert_int_equal(hex_decode("0g", 2, out, sizeof out, &n), HEX_ERR_DIGIT);
    assert_int_equal(n, 1);
    assert_int_equal(hex_decode("00 1", 4, out, sizeof out, &n), HEX_ERR_DIGIT);
    assert_int_equal(n, 2);
    assert_int_equal(out[0], 0xee); /* nothing written */
    assert_int_equal(hex_decode("00112233", 8, out, 3, &n), HEX_ERR_NOSPACE);
    assert_int_equal(out[0], 0xee);
}

static void every_byte_round_trips(void **state)
{
    (void)state;
    uint8_t in[256], back[256];
    char text[513];
    for (int i = 0; i < 256; i++)
        in[i] = (uint8_t)i;
    for (unsigned flags = 0; flags <= HEX_UPPER; flags++) {
        hex_encode(in, 256, text, flags);
        assert_int_equal(strlen(text), 512);
        size_t n;
        assert_int_equal(hex_decode(text, 512, back, sizeof back, &n), HEX_OK);
        assert_int_equal(n, 256);
        assert_memory_equal(back, in, 256);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(nibbles_of_every_digit),
        cmocka_unit_test(encoding_is_lower_case_unless_asked),
        cmocka_unit_test(decoding_takes_either_case),
        cmocka_unit_test(bad_input_is_named),
        cmocka_unit_test(every_byte_round_trips),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
