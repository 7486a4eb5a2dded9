/* The locatt list a proxy request carries: its own, then Accept's, then Accept-Language's. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/queue.h>

#include <cmocka.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "resolver/http/http_proxy_att.h"

static void expect(const char *accept, const char *ua, const char *lang, const char *const *want,
                   size_t n, struct evkeyvalq *query)
{
    const char *out[64];
    char buf[2048];
    size_t got = http_proxy_locatt(query, accept, ua, lang, out, 64, buf, sizeof buf);
    assert_int_equal(got, n);
    for (size_t i = 0; i < n; i++)
        assert_string_equal(out[i], want[i]);
}

static void no_accept_is_a_browser_by_its_user_agent(void **state)
{
    (void)state;
    const char *const browser[] = {"http_role:browser", "ctype:text/html", "media-type:text/html"};
    expect(NULL, "Mozilla/5.0 (X11)", NULL, browser, 3, NULL);
    expect("*/*", "Opera/9.80", NULL, browser, 3, NULL);
    const char *const plain[] = {"http_role:no_conneg"};
    expect(NULL, NULL, NULL, plain, 1, NULL);
    expect("*/*", "curl/8.0", NULL, plain, 1, NULL);
}

static void a_preferred_non_page_type_asks_for_negotiation(void **state)
{
    (void)state;
    const char *const want[] = {"ctype:application/rdf+xml", "media-type:application/rdf+xml",
                                "ctype:text/turtle",         "media-type:text/turtle",
                                "ctype:text/html",           "media-type:text/html",
                                "http_role:conneg"};
    /* Every type up to the first wildcard, best first. */
    expect("text/turtle;q=0.9, application/RDF+XML, text/html;q=0.5, */*;q=0.1, text/csv;q=0.05",
           NULL, NULL, want, 7, NULL);
}

static void a_browser_accept_stays_a_browser(void **state)
{
    (void)state;
    const char *const want[] = {"http_role:browser", "ctype:text/html", "media-type:text/html"};
    expect("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", NULL, NULL, want, 3,
           NULL);
    const char *const pics[] = {"http_role:browser"};
    expect("image/png", NULL, NULL, pics, 1, NULL);
}

static void own_locatt_first_languages_last_best_first(void **state)
{
    (void)state;
    struct evkeyvalq q;
    TAILQ_INIT(&q);
    evhttp_add_header(&q, "locatt", "country:cn");
    evhttp_add_header(&q, "type", "URL");
    evhttp_add_header(&q, "locatt", "lang:zh");
    const char *const want[] = {"country:cn",     "lang:zh",     "http_role:no_conneg",
                                "language:zh-cn", "language:zh", "language:en"};
    expect(NULL, NULL, "en;q=0.5, zh-CN, zh;q=0.9", want, 6, &q);
    evhttp_clear_headers(&q);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(no_accept_is_a_browser_by_its_user_agent),
        cmocka_unit_test(a_preferred_non_page_type_asks_for_negotiation),
        cmocka_unit_test(a_browser_accept_stays_a_browser),
        cmocka_unit_test(own_locatt_first_languages_last_best_first),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
