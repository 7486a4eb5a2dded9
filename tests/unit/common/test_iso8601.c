/* The one ISO-8601 rule (common/iso8601.h) the JSON, JSON Lines and CSV forms read ttl and
 * timestamp by: 'Z' and ±hh:mm offsets, either case, a dropped fraction, int4 range. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "common/iso8601.h"

static bool parse(const char *s, uint32_t *t)
{
    return iso8601_parse(s, strlen(s), t);
}

static void utc_and_offsets_give_the_same_instant(void **state)
{
    (void)state;
    static const char *const same[] = {"2026-11-26T02:39:16Z",      "2026-11-26t02:39:16z",
                                       "2026-11-26T03:39:16+01:00", "2026-11-25T21:09:16-05:30",
                                       "2026-11-26T02:39:16.999Z",  "2026-11-26T02:39:16.0+00:00",
                                       "2026-11-26T02:39:16-00:00", "2026-11-27T02:38:16+23:59"};
    for (size_t i = 0; i < sizeof same / sizeof same[0]; i++) {
        uint32_t t = 0;
        assert_true(parse(same[i], &t));
        assert_int_equal(t, 1795660756u);
    }
}

static void the_int4_range_ends_are_kept(void **state)
{
    (void)state;
    uint32_t t = 1;
    assert_true(parse("1970-01-01T00:00:00Z", &t));
    assert_int_equal(t, 0);
    assert_true(parse("2106-02-07T06:28:15Z", &t));
    assert_int_equal(t, 4294967295u);
    assert_false(parse("2106-02-07T06:28:16Z", &t));
    assert_false(parse("1969-12-31T23:59:59Z", &t));
    assert_false(parse("1970-01-01T00:00:00+00:01", &t)); /* 1969 in UTC */
    assert_true(parse("1970-01-01T00:01:00+00:01", &t));
    assert_int_equal(t, 0);
}

static void calendar_days_are_checked(void **state)
{
    (void)state;
    uint32_t t;
    assert_true(parse("2024-02-29T00:00:00Z", &t));
    assert_int_equal(t, 1709164800u);
    assert_true(parse("2000-02-29T00:00:00Z", &t));
    assert_false(parse("2026-02-29T00:00:00Z", &t));
    assert_false(parse("2100-02-29T00:00:00Z", &t));
    assert_false(parse("2026-02-30T00:00:00Z", &t));
    assert_false(parse("2026-04-31T00:00:00Z", &t));
    assert_false(parse("2026-00-15T00:00:00Z", &t)); /* the CSV reader's timegm took this */
    assert_false(parse("2026-13-01T00:00:00Z", &t));
    assert_false(parse("2026-01-00T00:00:00Z", &t));
    assert_false(parse("2026-01-01T24:00:00Z", &t));
    assert_false(parse("2026-01-01T00:60:00Z", &t));
    assert_false(parse("2026-01-01T00:00:61Z", &t));
    /* A leap second is the next second, at the end of a month too (timegm moved the day). */
    assert_true(parse("2026-01-31T23:59:60Z", &t));
    uint32_t next;
    assert_true(parse("2026-02-01T00:00:00Z", &next));
    assert_int_equal(t, next);
}

static void other_shapes_are_refused(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "",
        "2026-11-26",
        "2026-11-26T02:39:16",      /* no zone */
        "2026-11-26 02:39:16Z",     /* space for T */
        "2026-11-26T02:39Z",        /* no seconds */
        "2026-11-26T02:39:16.Z",    /* empty fraction */
        "2026-11-26T02:39:16+0100", /* offset without colon */
        "2026-11-26T02:39:16+01",   /* offset without minutes */
        "2026-11-26T02:39:16+24:00",
        "2026-11-26T02:39:16+01:60",
        "2026-11-26T02:39:16ZZ",
        "2026-11-26T02:39:16Z ",
        " 2026-11-26T02:39:16Z",
        "26-11-26T02:39:16Z",
        "+2026-11-26T02:39:16Z",
        "20261126T023916Z", /* the basic format is written, not read */
        "1795660756",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        uint32_t t = 7;
        assert_false(parse(bad[i], &t));
        assert_int_equal(t, 7);
    }
    /* The length bounds the text: no NUL is needed and none is read past. */
    uint32_t t;
    assert_true(iso8601_parse("2026-11-26T02:39:16Zjunk", 20, &t));
    assert_int_equal(t, 1795660756u);
    assert_false(iso8601_parse("2026-11-26T02:39:16Z", 19, &t));
    assert_false(iso8601_parse("2026-11-26T02:39:16Z\0", 21, &t));
}

static void formatting_writes_utc_seconds(void **state)
{
    (void)state;
    char out[ISO8601_MAX];
    assert_int_equal(iso8601_format(1795660756, 0, out), 20);
    assert_string_equal(out, "2026-11-26T02:39:16Z");
    assert_int_equal(iso8601_format(0, 0, out), 20);
    assert_string_equal(out, "1970-01-01T00:00:00Z");
    assert_int_equal(iso8601_format(4294967295, 0, out), 20);
    assert_string_equal(out, "2106-02-07T06:28:15Z");
    assert_int_equal(iso8601_format(1795660756, ISO8601_BASIC, out), 16);
    assert_string_equal(out, "20261126T023916Z");
    uint32_t back;
    assert_int_equal(iso8601_format(1767323045, 0, out), 20);
    assert_true(parse(out, &back));
    assert_int_equal(back, 1767323045u);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(utc_and_offsets_give_the_same_instant),
        cmocka_unit_test(the_int4_range_ends_are_kept),
        cmocka_unit_test(calendar_days_are_checked),
        cmocka_unit_test(other_shapes_are_refused),
        cmocka_unit_test(formatting_writes_utc_seconds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
