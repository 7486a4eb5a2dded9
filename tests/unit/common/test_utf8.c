/* The one UTF-8 rule (common/utf8.h) the JSON and CSV forms both show text by: RFC 3629
 * sequences only, and no control bytes but tab, CR and LF. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "common/utf8.h"

static size_t seq(const char *s, size_t n)
{
    return utf8_seq_len((const uint8_t *)s, n);
}

static bool text(const char *s, size_t n)
{
    return utf8_is_text((const uint8_t *)s, n);
}

static void sequences_have_their_length(void **state)
{
    (void)state;
    assert_int_equal(seq("a", 1), 1);
    assert_int_equal(seq("\x00", 1), 1);
    assert_int_equal(seq("\xc2\x80", 2), 2);         /* U+0080 */
    assert_int_equal(seq("\xdf\xbf", 2), 2);         /* U+07FF */
    assert_int_equal(seq("\xe0\xa0\x80", 3), 3);     /* U+0800 */
    assert_int_equal(seq("\xed\x9f\xbf", 3), 3);     /* U+D7FF */
    assert_int_equal(seq("\xee\x80\x80", 3), 3);     /* U+E000 */
    assert_int_equal(seq("\xef\xbf\xbd", 3), 3);     /* U+FFFD */
    assert_int_equal(seq("\xf0\x90\x80\x80", 4), 4); /* U+10000 */
    assert_int_equal(seq("\xf4\x8f\xbf\xbf", 4), 4); /* U+10FFFF */
}

static void ill_formed_sequences_have_none(void **state)
{
    (void)state;
    assert_int_equal(seq("\x80", 1), 0);             /* lone continuation */
    assert_int_equal(seq("\xc0\xaf", 2), 0);         /* overlong '/' */
    assert_int_equal(seq("\xc1\xbf", 2), 0);         /* overlong */
    assert_int_equal(seq("\xe0\x9f\xbf", 3), 0);     /* overlong U+07FF */
    assert_int_equal(seq("\xed\xa0\x80", 3), 0);     /* surrogate U+D800 */
    assert_int_equal(seq("\xed\xbf\xbf", 3), 0);     /* surrogate U+DFFF */
    assert_int_equal(seq("\xf0\x8f\xbf\xbf", 4), 0); /* overlong U+FFFF */
    assert_int_equal(seq("\xf4\x90\x80\x80", 4), 0); /* U+110000 */
    assert_int_equal(seq("\xf5\x80\x80\x80", 4), 0);
    assert_int_equal(seq("\xff", 1), 0);
    assert_int_equal(seq("\xc3(", 2), 0);        /* bad continuation */
    assert_int_equal(seq("\xe2\x82\x28", 3), 0); /* bad third byte */
    assert_int_equal(seq("\xe2\x82\xac", 2), 0); /* cut short by n */
    assert_int_equal(seq("\xf0\x9f\x98", 3), 0);
}

static void text_allows_tab_cr_lf_only(void **state)
{
    (void)state;
    assert_true(text("", 0));
    assert_true(text("a\tb\r\nc", 6));
    assert_true(text("\xe2\x82\xac 5", 5));
    assert_false(text("a\x01", 2));
    assert_false(text("a\x7f", 2));
    assert_false(text("a\x00", 2));
    assert_false(text("a\x1b[0m", 5));
    assert_false(text("\xc3(", 2));
    assert_false(text("\xc0\xaf", 2));
    assert_false(text("\xed\xa0\x80", 3));
    assert_false(text("ok\xe2\x82", 4)); /* a sequence cut at the end */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sequences_have_their_length),
        cmocka_unit_test(ill_formed_sequences_have_none),
        cmocka_unit_test(text_allows_tab_cr_lf_only),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
