/* The proxy's text handling: URIs as the reference makes them, HTML escaping, UTF-8, forms. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include <cmocka.h>
#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "common/utf8.h"
#include "resolver/http/http_page_text.h"
#include "resolver/http/http_proxy_url.h"

static char *text(struct evbuffer *b)
{
    size_t n = evbuffer_get_length(b);
    char *s = malloc(n + 1);
    evbuffer_remove(b, s, n);
    s[n] = '\0';
    return s;
}

static void uri_keeps_reserved_and_percent_and_encodes_the_rest(void **state)
{
    (void)state;
    struct evbuffer *b = evbuffer_new();
    const char *url = "https://example.com/a b?x=1&y=\xC3\xA9#f%20<\">";
    http_url_encode_uri(b, url, strlen(url));
    char *s = text(b);
    assert_string_equal(s, "https://example.com/a%20b?x=1&y=%C3%A9#f%20%3C%22%3E");
    free(s);
    const char *h = "88.100.1/A?B#C+D&E'F;G=H";
    http_url_encode_path(b, h, strlen(h));
    s = text(b);
    assert_string_equal(s, "88.100.1/A%3FB%23C%2BD%26E%27F;G=H");
    free(s);
    evbuffer_free(b);
}

static void html_escape_covers_the_five(void **state)
{
    (void)state;
    struct evbuffer *b = evbuffer_new();
    const char *v = "<script>alert('x&y')</script>\"";
    http_html_text(b, (const uint8_t *)v, strlen(v));
    char *s = text(b);
    assert_string_equal(s, "&lt;script&gt;alert(&#39;x&amp;y&#39;)&lt;/script&gt;&quot;");
    free(s);
    evbuffer_free(b);
}

static void utf8_is_checked_strictly(void **state)
{
    (void)state;
    assert_true(utf8_is_valid((const uint8_t *)"88.100.1/\xE4\xBA\xA7\xE5\x93\x81", 15));
    assert_true(utf8_is_valid((const uint8_t *)"", 0));
    assert_false(utf8_is_valid((const uint8_t *)"\xFF\xFE", 2));
    assert_false(utf8_is_valid((const uint8_t *)"\xE4\xBA", 2));         /* cut short */
    assert_false(utf8_is_valid((const uint8_t *)"\xC0\xAF", 2));         /* overlong */
    assert_false(utf8_is_valid((const uint8_t *)"\xED\xA0\x80", 3));     /* surrogate */
    assert_false(utf8_is_valid((const uint8_t *)"\xF4\x90\x80\x80", 4)); /* past U+10FFFF */
    assert_true(utf8_is_valid((const uint8_t *)"\xF0\x9F\x98\x80", 4));
}

static void form_fields_are_decoded(void **state)
{
    (void)state;
    struct evkeyvalq q;
    TAILQ_INIT(&q);
    assert_int_equal(http_url_parse_form("hdl=88.100.1%2FX+Y&noredirect&lang=zh", &q), 0);
    assert_string_equal(evhttp_find_header(&q, "hdl"), "88.100.1/X Y");
    assert_string_equal(evhttp_find_header(&q, "noredirect"), "");
    assert_string_equal(evhttp_find_header(&q, "lang"), "zh");
    evhttp_clear_headers(&q);
    assert_int_equal(http_url_parse_form("", &q), 0);
    assert_null(TAILQ_FIRST(&q));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(uri_keeps_reserved_and_percent_and_encodes_the_rest),
        cmocka_unit_test(html_escape_covers_the_five),
        cmocka_unit_test(utf8_is_checked_strictly),
        cmocka_unit_test(form_fields_are_decoded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
