/* HTTP's date (common/http_date.h), which Date and Expires carry: the IMF-fixdate of known
 * instants, English names under any locale, and the refused range. */
#include <locale.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "common/http_date.h"

static void known_instants(void **state)
{
    (void)state;
    char out[HTTP_DATE_MAX];
    assert_int_equal(http_date_format(0, out), 29);
    assert_string_equal(out, "Thu, 01 Jan 1970 00:00:00 GMT");
    assert_int_equal(http_date_format(1795600000, out), 29);
    assert_string_equal(out, "Wed, 25 Nov 2026 09:46:40 GMT");
    assert_int_equal(http_date_format(951782400, out), 29);
    assert_string_equal(out, "Tue, 29 Feb 2000 00:00:00 GMT");
    assert_int_equal(http_date_format(4294967295, out), 29);
    assert_string_equal(out, "Sun, 07 Feb 2106 06:28:15 GMT");
}

static void names_ignore_the_locale(void **state)
{
    (void)state;
    char out[HTTP_DATE_MAX];
    /* Where a French locale is installed strftime would write "jeu., 01 janv."; not here. */
    setlocale(LC_TIME, "fr_FR.UTF-8");
    http_date_format(0, out);
    setlocale(LC_TIME, "C");
    assert_string_equal(out, "Thu, 01 Jan 1970 00:00:00 GMT");
}

static void out_of_range_is_empty(void **state)
{
    (void)state;
    char out[HTTP_DATE_MAX] = "x";
    assert_int_equal(http_date_format(-1, out), 0);
    assert_string_equal(out, "");
    assert_int_equal(http_date_format(253402300800, out), 0); /* 10000-01-01 */
    assert_string_equal(out, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(known_instants),
        cmocka_unit_test(names_ignore_the_locale),
        cmocka_unit_test(out_of_range_is_empty),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
