/* The symbol libqrencode lays out (qr/qr_symbol.h): the smallest version for the text, the
 * finder patterns where readers look for them, the capacity limit, the level names. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "qr/qr_symbol.h"

static void short_text_makes_a_version_1_symbol_with_finder_patterns(void **state)
{
    (void)state;
    struct qr_symbol s;
    assert_int_equal(qr_symbol_encode("HELLO", 5, QR_ECC_M, &s), QR_OK);
    assert_int_equal(s.width, 21);
    /* Each finder pattern: a dark 7x7 ring around a light ring around a dark 3x3 core, then a
     * light separator. */
    unsigned corners[3][2] = {{0, 0}, {14, 0}, {0, 14}};
    for (int c = 0; c < 3; c++) {
        unsigned x0 = corners[c][0], y0 = corners[c][1];
        assert_true(qr_symbol_dark(&s, x0, y0));
        assert_true(qr_symbol_dark(&s, x0 + 6, y0 + 6));
        assert_false(qr_symbol_dark(&s, x0 + 1, y0 + 1));
        assert_true(qr_symbol_dark(&s, x0 + 3, y0 + 3));
    }
    assert_false(qr_symbol_dark(&s, 7, 7));
    qr_symbol_free(&s);
    assert_null(s.modules);
    assert_int_equal(s.width, 0);
}

static void higher_levels_need_larger_symbols(void **state)
{
    (void)state;
    const char *url = "http://127.0.0.1:8000/88.100.1/LOT-2026-000123";
    unsigned widths[4];
    for (int e = QR_ECC_L; e <= QR_ECC_H; e++) {
        struct qr_symbol s;
        assert_int_equal(qr_symbol_encode(url, strlen(url), (enum qr_ecc)e, &s), QR_OK);
        widths[e] = s.width;
        qr_symbol_free(&s);
    }
    /* 46 bytes (ISO/IEC 18004 table 7): version 3 holds them at L, version 4 at M and Q (46
     * exactly), version 6 at H. */
    assert_int_equal(widths[QR_ECC_L], 29);
    assert_int_equal(widths[QR_ECC_M], 33);
    assert_int_equal(widths[QR_ECC_Q], 33);
    assert_int_equal(widths[QR_ECC_H], 41);
}

static void capacity_ends_at_version_40(void **state)
{
    (void)state;
    char *big = malloc(5000);
    assert_non_null(big);
    memset(big, 'x', 5000);
    struct qr_symbol s;
    assert_int_equal(qr_symbol_encode(big, 2953, QR_ECC_L, &s), QR_OK);
    assert_int_equal(s.width, 177);
    qr_symbol_free(&s);
    assert_int_equal(qr_symbol_encode(big, 2954, QR_ECC_L, &s), QR_ERR_TOO_LONG);
    assert_int_equal(qr_symbol_encode(big, 1273, QR_ECC_H, &s), QR_OK);
    qr_symbol_free(&s);
    assert_int_equal(qr_symbol_encode(big, 1274, QR_ECC_H, &s), QR_ERR_TOO_LONG);
    assert_int_equal(qr_symbol_encode(big, 5000, QR_ECC_L, &s), QR_ERR_TOO_LONG);
    assert_null(s.modules);
    free(big);
    assert_int_equal(qr_symbol_encode("", 0, QR_ECC_L, &s), QR_ERR_ARG);
}

static void levels_are_named_by_letter(void **state)
{
    (void)state;
    enum qr_ecc e = QR_ECC_M;
    assert_int_equal(qr_ecc_parse("L", &e), QR_OK);
    assert_int_equal(e, QR_ECC_L);
    assert_int_equal(qr_ecc_parse("m", &e), QR_OK);
    assert_int_equal(e, QR_ECC_M);
    assert_int_equal(qr_ecc_parse("Q", &e), QR_OK);
    assert_int_equal(e, QR_ECC_Q);
    assert_int_equal(qr_ecc_parse("h", &e), QR_OK);
    assert_int_equal(e, QR_ECC_H);
    assert_int_equal(qr_ecc_parse("", &e), QR_ERR_ARG);
    assert_int_equal(qr_ecc_parse("X", &e), QR_ERR_ARG);
    assert_int_equal(qr_ecc_parse("LL", &e), QR_ERR_ARG);
    assert_int_equal(qr_ecc_parse("\xcc", &e), QR_ERR_ARG);
    assert_int_equal(qr_ecc_parse(" ", &e), QR_ERR_ARG);
    assert_int_equal(qr_ecc_parse(NULL, &e), QR_ERR_ARG);
    assert_int_equal(e, QR_ECC_H);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(short_text_makes_a_version_1_symbol_with_finder_patterns),
        cmocka_unit_test(higher_levels_need_larger_symbols),
        cmocka_unit_test(capacity_ends_at_version_40),
        cmocka_unit_test(levels_are_named_by_letter),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
