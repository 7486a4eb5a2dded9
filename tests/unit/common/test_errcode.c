/* The one error space: every code distinct across rooms, every code with its own text, and the
 * list of codes complete. */
#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "common/errcode.h"

/* Above every code: the scan below looks for texts of codes missing from pz_err_all. */
#define SCAN_LIMIT 1000

static size_t count_codes(void)
{
    size_t n = 0;
    while (pz_err_all[n] != -1)
        n++;
    return n;
}

static void codes_are_distinct_across_rooms(void **state)
{
    (void)state;
    size_t n = count_codes();
    assert_true(n > 20);
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++)
            assert_int_not_equal(pz_err_all[i], pz_err_all[j]);
    /* The rooms' old enums all began at 1: these three were one value. */
    assert_int_not_equal(HDL_ERR_TRUNCATED, REG_NOT_FOUND);
    assert_int_not_equal(REG_NOT_FOUND, CONF_ERR_IO);
    assert_int_not_equal(HDL_ERR_TRUNCATED, CONF_ERR_IO);
    assert_int_not_equal(HDL_ERR_NOSPACE, REG_ERR_NOSPACE);
    assert_int_not_equal(HDL_ERR_DIGEST, HDL_ERR_NOSPACE);
    assert_int_not_equal(HDL_ERR_DIGEST, HDL_ERR_CRYPTO);
}

static void success_is_zero_in_every_room(void **state)
{
    (void)state;
    assert_int_equal(PZ_OK, 0);
    assert_int_equal(HDL_OK, 0);
    assert_int_equal(REG_OK, 0);
    assert_int_equal(CONF_OK, 0);
    assert_int_equal(NODE_IMPORT_STARTED, 0);
    assert_int_equal(pz_err_all[0], PZ_OK);
    for (size_t i = 1; pz_err_all[i] != -1; i++)
        assert_true(pz_err_all[i] > 0);
}

static void every_code_has_its_own_text(void **state)
{
    (void)state;
    size_t n = count_codes();
    for (size_t i = 0; i < n; i++) {
        const char *t = pz_strerror(pz_err_all[i]);
        assert_non_null(t);
        assert_true(strlen(t) > 0);
        assert_string_not_equal(t, "unknown error");
        for (size_t j = 0; j < i; j++)
            assert_string_not_equal(t, pz_strerror(pz_err_all[j]));
    }
    assert_string_equal(pz_strerror(-1), "unknown error");
    assert_string_equal(pz_strerror(SCAN_LIMIT), "unknown error");
    /* Texts the node's messages carry (tests/integration/test_crash_safety.py). */
    assert_string_equal(pz_strerror(REG_ERR_NOSPACE), "no space left on the registry's disk");
    assert_string_equal(pz_strerror(REG_ERR_IO), "storage error");
}

static void the_list_holds_every_code_with_a_text(void **state)
{
    (void)state;
    /* pz_strerror switches over the enum without a default (-Wswitch): every member has a
     * text. Every value with a text must then be in the list. */
    size_t n = count_codes();
    for (int e = 0; e < SCAN_LIMIT; e++) {
        if (strcmp(pz_strerror(e), "unknown error") == 0)
            continue;
        bool listed = false;
        for (size_t i = 0; i < n && !listed; i++)
            listed = pz_err_all[i] == e;
        assert_true(listed);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(codes_are_distinct_across_rooms),
        cmocka_unit_test(success_is_zero_in_every_room),
        cmocka_unit_test(every_code_has_its_own_text),
        cmocka_unit_test(the_list_holds_every_code_with_a_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
