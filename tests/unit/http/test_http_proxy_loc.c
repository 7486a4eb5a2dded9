/* 10320/loc: parsing the locations XML and choosing among locations as the reference proxy does. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "resolver/http/http_proxy_loc.h"

static const char XML[] =
    "<?xml version=\"1.0\"?>\n<!-- two places -->\n"
    "<locations chooseby=\"locatt,weighted\" http_sc=\"307\">\n"
    "  <location href=\"https://example.com/en?a=1&amp;b=2\" weight=\"0\" lang=\"en\" />\n"
    "  <location href='https://example.cn/&#x4E2D;' weight=\"1\" lang=\"zh\" country=\"cn\"/>\n"
    "</locations>";

static const char *href(const struct http_loc_set *set, const struct http_loc *loc)
{
    return loc ? http_loc_attr(set, loc, "href", false) : NULL;
}

static void parse_reads_locations_last_first_with_references_decoded(void **state)
{
    (void)state;
    struct http_loc_set *set = malloc(sizeof *set);
    http_loc_init(set);
    assert_true(http_loc_parse(set, XML, strlen(XML)));
    assert_int_equal(set->count, 2);
    assert_string_equal(href(set, &set->locs[0]), "https://example.cn/\xE4\xB8\xAD");
    assert_string_equal(href(set, &set->locs[1]), "https://example.com/en?a=1&b=2");
    assert_string_equal(http_loc_attr(set, &set->locs[0], "country", false), "cn");
    assert_null(http_loc_attr(set, &set->locs[1], "country", false));
    assert_string_equal(http_loc_attr(set, &set->locs[1], "chooseby", true), "locatt,weighted");
    assert_null(http_loc_attr(set, &set->locs[1], "chooseby", false));
    assert_int_equal(http_loc_status(set, &set->locs[0]), 307);
    free(set);
}

static void parse_refuses_what_holds_no_element(void **state)
{
    (void)state;
    struct http_loc_set *set = malloc(sizeof *set);
    http_loc_init(set);
    assert_false(http_loc_parse(set, "just text", 9));
    assert_false(http_loc_parse(set, "", 0));
    assert_int_equal(set->count, 0);
    /* A tag cut short keeps what came before it. */
    assert_true(http_loc_parse(set, "<locations><location href=\"a\"/><location href=\"b", 48));
    assert_int_equal(set->count, 1);
    free(set);
}

static void locatt_narrows_only_when_something_matches(void **state)
{
    (void)state;
    struct http_loc_set *set = malloc(sizeof *set);
    http_loc_init(set);
    assert_true(http_loc_parse(set, XML, strlen(XML)));
    const char *en[] = {"lang:en"};
    const char *nothing[] = {"lang:fr", "colour"};
    const char *bare[] = {"country"};
    struct http_loc_request req = {.locatt = en, .locatt_count = 1, .draw = 0.99};
    assert_string_equal(href(set, http_loc_choose(set, &req)), "https://example.com/en?a=1&b=2");
    /* No match: the weights decide (en weighs 0; only a draw of exactly 0 lands on it, as in the
     * reference). */
    req.locatt = nothing;
    req.locatt_count = 2;
    for (double d = 0.125; d < 1; d += 0.125) {
        req.draw = d;
        assert_string_equal(href(set, http_loc_choose(set, &req)),
                            "https://example.cn/\xE4\xB8\xAD");
    }
    /* A name alone matches every location that has the attribute. */
    req.locatt = bare;
    req.locatt_count = 1;
    assert_string_equal(href(set, http_loc_choose(set, &req)), "https://example.cn/\xE4\xB8\xAD");
    free(set);
}

static void weighted_draw_follows_the_weights(void **state)
{
    (void)state;
    static const char xml[] = "<locations><location href=\"a\" weight=\"1\"/>"
                              "<location href=\"b\" weight=\"3\"/></locations>";
    struct http_loc_set *set = malloc(sizeof *set);
    http_loc_init(set);
    assert_true(http_loc_parse(set, xml, strlen(xml)));
    /* The draw walks the document order, a (1) then b (3): a while d * 4 <= 1. */
    struct http_loc_request req = {.draw = 0.2};
    assert_string_equal(href(set, http_loc_choose(set, &req)), "a");
    req.draw = 0.25;
    assert_string_equal(href(set, http_loc_choose(set, &req)), "a");
    req.draw = 0.3;
    assert_string_equal(href(set, http_loc_choose(set, &req)), "b");
    req.draw = 0.99;
    assert_string_equal(href(set, http_loc_choose(set, &req)), "b");
    free(set);
}

static void legacy_urls_score_and_address(void **state)
{
    (void)state;
    static const char xml[] =
        "<locations><location href=\"net\" addresses=\"10.0.0.0/8, 2001:db8::/32\"/>"
        "<location href=\"best\" score=\"5\"/><location href=\"other\" score=\"1\"/></locations>";
    struct http_loc_set *set = malloc(sizeof *set);
    http_loc_init(set);
    http_loc_add_url(set, "https://legacy", 14, "0.0");
    assert_true(http_loc_parse(set, xml, strlen(xml)));
    assert_int_equal(set->count, 4);
    assert_string_equal(http_loc_attr(set, &set->locs[0], "mode", false), "legacy");
    struct http_loc_request req = {.client_address = "10.1.2.3", .draw = 0.5};
    assert_string_equal(href(set, http_loc_choose(set, &req)), "net");
    req.client_address = "2001:db8::1";
    assert_string_equal(href(set, http_loc_choose(set, &req)), "net");
    req.client_address = "192.0.2.1";
    assert_string_equal(href(set, http_loc_choose(set, &req)), "best");
    req.client_address = NULL;
    assert_string_equal(href(set, http_loc_choose(set, &req)), "best");
    const char *legacy[] = {"mode:legacy"};
    req.locatt = legacy;
    req.locatt_count = 1;
    assert_string_equal(href(set, http_loc_choose(set, &req)), "https://legacy");
    assert_int_equal(http_loc_status(set, &set->locs[0]), 302);
    free(set);
}

static void empty_set_chooses_nothing(void **state)
{
    (void)state;
    struct http_loc_set *set = malloc(sizeof *set);
    http_loc_init(set);
    struct http_loc_request req = {.draw = 0};
    assert_null(http_loc_choose(set, &req));
    free(set);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parse_reads_locations_last_first_with_references_decoded),
        cmocka_unit_test(parse_refuses_what_holds_no_element),
        cmocka_unit_test(locatt_narrows_only_when_something_matches),
        cmocka_unit_test(weighted_draw_follows_the_weights),
        cmocka_unit_test(legacy_urls_score_and_address),
        cmocka_unit_test(empty_set_chooses_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
