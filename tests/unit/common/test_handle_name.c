/* The one rule for prefix handles (common/handle_name.h): "0.NA/" in any case, and a bare name
 * standing for the prefix handle. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "common/handle_name.h"

static void the_constants_spell_the_rule(void **state)
{
    (void)state;
    assert_string_equal(HNAME_NA, "0.NA");
    assert_string_equal(HNAME_NA_PREFIX, "0.NA/");
    assert_int_equal(HNAME_NA_PREFIX_LEN, 5);
    assert_string_equal(HNAME_ROOT, "0.NA/0.NA");
    assert_int_equal(HNAME_ROOT_LEN, 9);
}

static void prefix_handles_are_recognised_in_any_case(void **state)
{
    (void)state;
    assert_true(hname_is_prefix_handle("0.NA/88.100.1", 13));
    assert_true(hname_is_prefix_handle("0.na/88.100.1", 13));
    assert_true(hname_is_prefix_handle("0.nA/x", 6));
    assert_false(hname_is_prefix_handle("0.NA/", 5)); /* nothing after the slash */
    assert_false(hname_is_prefix_handle("0.NA", 4));
    assert_false(hname_is_prefix_handle("0,NA/x", 6));
    assert_false(hname_is_prefix_handle("88.100.1/0.NA/x", 15));
    assert_false(hname_is_prefix_handle("0.NA/x", 4)); /* the length bounds it */
    assert_true(hname_has_na_prefix("0.NA/", 5));
    assert_true(hname_has_na_prefix("0.Na/x", 6));
    assert_false(hname_has_na_prefix("0.NA", 4));
    assert_false(hname_has_na_prefix("0.NB/x", 6));
    assert_false(hname_has_na_prefix("0\xaeNA/x", 6)); /* no folding beyond ASCII letters */
}

static void a_bare_name_means_its_prefix_handle(void **state)
{
    (void)state;
    uint8_t buf[32];
    assert_int_equal(hname_lookup("88.100.1", 8, buf, sizeof buf), 13);
    assert_memory_equal(buf, "0.NA/88.100.1", 13);
    assert_int_equal(hname_lookup("88.100.1/X", 10, buf, sizeof buf), 10);
    assert_memory_equal(buf, "88.100.1/X", 10);
    assert_int_equal(hname_lookup("0.NA/88.100.1", 13, buf, sizeof buf), 13);
    assert_memory_equal(buf, "0.NA/88.100.1", 13);
    assert_int_equal(hname_lookup("0.NA", 4, buf, sizeof buf), 9); /* the root */
    assert_memory_equal(buf, "0.NA/0.NA", 9);
    assert_int_equal(hname_lookup("88.100.1", 8, buf, 12), 0); /* too long */
    assert_int_equal(hname_lookup("88.100.1", 8, buf, 13), 13);
}

static void prefix_handles_are_made_once(void **state)
{
    (void)state;
    char buf[32];
    assert_int_equal(hname_prefix_handle("88.100.1", 8, buf, sizeof buf), 13);
    assert_string_equal(buf, "0.NA/88.100.1");
    assert_int_equal(hname_prefix_handle("0.na/88.100.1", 13, buf, sizeof buf), 13);
    assert_string_equal(buf, "0.na/88.100.1");
    assert_int_equal(hname_prefix_handle("0.NA/", 5, buf, sizeof buf), 10);
    assert_string_equal(buf, "0.NA/0.NA/");
    assert_int_equal(hname_prefix_handle("88.100.1", 8, buf, 13), 0); /* no room for the NUL */
    assert_string_equal(buf, "");
    assert_int_equal(hname_prefix_handle("88.100.1", 8, buf, 14), 13);
}

static void stripping_leaves_the_prefix(void **state)
{
    (void)state;
    size_t n = 13;
    const char *p = hname_strip_na("0.NA/88.100.1", &n);
    assert_int_equal(n, 8);
    assert_memory_equal(p, "88.100.1", 8);
    const char *bare = "88.100.1";
    n = 8;
    assert_ptr_equal(hname_strip_na(bare, &n), bare);
    assert_int_equal(n, 8);
    const char *empty = "0.NA/";
    n = 5;
    assert_ptr_equal(hname_strip_na(empty, &n), empty);
    assert_int_equal(n, 5);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(the_constants_spell_the_rule),
        cmocka_unit_test(prefix_handles_are_recognised_in_any_case),
        cmocka_unit_test(a_bare_name_means_its_prefix_handle),
        cmocka_unit_test(prefix_handles_are_made_once),
        cmocka_unit_test(stripping_leaves_the_prefix),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
