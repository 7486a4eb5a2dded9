/* The proxy's HTML pages (resolver/http/http_page.h): every value escaped, shown by its type, in
 * English and Chinese. Pages are rendered into an evbuffer and checked for exact fragments. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <event2/buffer.h>

#include "proto/hdl_admin.h"
#include "proto/hdl_const.h"
#include "proto/hdl_pubkey.h"
#include "resolver/http/http_page.h"

static char page[1 << 16];

static struct hdl_value value(uint32_t index, const char *type, const void *data, size_t len)
{
    struct hdl_value v = {0};
    v.index = index;
    v.perms = HDL_PERM_DEFAULT;
    v.ttl = 86400;
    v.type = (struct hdl_slice){(const uint8_t *)type, (uint32_t)strlen(type)};
    v.data = (struct hdl_slice){(const uint8_t *)data, (uint32_t)len};
    return v;
}

static struct hdl_value text_value(uint32_t index, const char *type, const char *data)
{
    return value(index, type, data, strlen(data));
}

/* The values page of handle holding the given values, as a C string in page. */
static const char *values_page(enum http_lang lang, const char *handle,
                               const struct hdl_value *values, size_t count)
{
    struct evbuffer *out = evbuffer_new();
    http_page_values(out, lang, handle, values, count);
    size_t n = evbuffer_get_length(out);
    assert_true(n < sizeof page);
    evbuffer_remove(out, page, n);
    page[n] = 0;
    evbuffer_free(out);
    return page;
}

static const char *one_value_page(enum http_lang lang, struct hdl_value v)
{
    return values_page(lang, "88.100.1/LOT-1", &v, 1);
}

static void contains(const char *haystack, const char *needle)
{
    if (!strstr(haystack, needle))
        fail_msg("missing: %s\nin: %s", needle, haystack);
}

static void lacks(const char *haystack, const char *needle)
{
    if (strstr(haystack, needle))
        fail_msg("unexpected: %s", needle);
}

static void script_in_a_value_type_or_handle_shows_as_text(void **state)
{
    (void)state;
    struct hdl_value v[2] = {text_value(1, "DESC", "<script>alert('x')</script> & \"q\""),
                             text_value(2, "<script>", "x")};
    const char *p = values_page(HTTP_LANG_EN, "88.100.1/<script>alert(1)</script>", v, 2);
    contains(p, "<span class=\"t\">&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; "
                "&quot;q&quot;</span>");
    contains(p, "<span class=\"ty\">&lt;script&gt;</span>");
    contains(p, "<h1>88.100.1/&lt;script&gt;alert(1)&lt;/script&gt;</h1>");
    contains(p, "<title>88.100.1/&lt;script&gt;alert(1)&lt;/script&gt; · Values of the handle"
                "</title>");
    contains(p, "value=\"88.100.1/&lt;script&gt;alert(1)&lt;/script&gt;\"");
    /* in links the handle is percent-encoded */
    contains(p, "href=\"/api/handles/88.100.1/%3Cscript%3Ealert%281%29%3C/script%3E\"");
    lacks(p, "<script");
}

static void ill_formed_utf8_and_controls_become_replacement_characters(void **state)
{
    (void)state;
    const char data[] = "a\xff"
                        "b\x01"
                        "c\r\n\xe4\xb8\xad";
    const char *p = one_value_page(HTTP_LANG_EN, value(1, "DESC", data, sizeof data - 1));
    /* not text, so the bytes are not shown at all */
    contains(p, "<span class=\"b\">10 bytes of binary data</span>");
    const char *p2 = values_page(HTTP_LANG_EN, "88.100.1/\xff\x01x", NULL, 0);
    contains(p2, "<h1>88.100.1/\xef\xbf\xbd\xef\xbf\xbdx</h1>");
    contains(p2, "<p>This handle has no public values.</p>");
}

static void urls_link_only_with_http_or_https(void **state)
{
    (void)state;
    const char *p =
        one_value_page(HTTP_LANG_EN, text_value(1, "URL", "https://example.com/a?b=1&c=\"2\""));
    contains(p, "<div class=\"d\"><a class=\"u\" rel=\"nofollow noopener noreferrer\" "
                "href=\"https://example.com/a?b=1&amp;c=&quot;2&quot;\">"
                "https://example.com/a?b=1&amp;c=&quot;2&quot;</a></div>");
    p = one_value_page(HTTP_LANG_EN, text_value(1, "url", "HTTP://EXAMPLE.COM/"));
    contains(p, "href=\"HTTP://EXAMPLE.COM/\"");
    static const char *const not_links[] = {"javascript:alert(1)",
                                            "JavaScript:alert(document.cookie)",
                                            "data:text/html,<script>alert(1)</script>",
                                            " https://example.com/",
                                            "https://example.com/ onmouseover=alert(1)",
                                            "vbscript:msgbox(1)",
                                            "//example.com/"};
    for (size_t i = 0; i < sizeof not_links / sizeof *not_links; i++) {
        p = one_value_page(HTTP_LANG_EN, text_value(1, "URL", not_links[i]));
        lacks(p, "class=\"u\"");
        lacks(p, "<script");
        contains(p, "<div class=\"d\"><span class=\"t\">");
    }
    p = one_value_page(HTTP_LANG_EN, text_value(1, "URL", "javascript:alert(1)"));
    contains(p, "<div class=\"d\"><span class=\"t\">javascript:alert(1)</span></div>");
}

static void emails_link_as_mailto(void **state)
{
    (void)state;
    const char *p = one_value_page(HTTP_LANG_EN, text_value(1, "EMAIL", "qa@example.cn"));
    contains(p, "<div class=\"d\"><a class=\"u\" href=\"mailto:qa@example.cn\">qa@example.cn"
                "</a></div>");
    p = one_value_page(HTTP_LANG_EN, text_value(1, "EMAIL", "MAILTO:qa@example.cn"));
    contains(p, "<a class=\"u\" href=\"mailto:qa@example.cn\">qa@example.cn</a>");
    p = one_value_page(HTTP_LANG_EN, text_value(1, "EMAIL", "not an address"));
    contains(p, "<div class=\"d\"><span class=\"t\">not an address</span></div>");
    p = one_value_page(HTTP_LANG_EN, text_value(1, "EMAIL", "a@b\"><script>"));
    contains(p, "href=\"mailto:a@b&quot;&gt;&lt;script&gt;\"");
    lacks(p, "<script");
}

static void json_shows_as_a_table(void **state)
{
    (void)state;
    const char *json = "{\"name\": \"Lot \\u4e2d <b>\", \"sizes\": [1, 2.5e3, true, null],"
                       " \"site\": \"https://x.example/\", \"bad\": \"javascript:1\","
                       " \"made\": {\"by\": \"F\\\"1\"}, \"none\": {}, \"empty\": []}";
    const char *p = one_value_page(HTTP_LANG_EN, text_value(1, "METADATA", json));
    contains(p, "<div class=\"d\"><table class=\"j\">"
                "<tr><th>name</th><td>Lot 中 &lt;b&gt;</td></tr>"
                "<tr><th>sizes</th><td><ol class=\"j\"><li>1</li><li>2.5e3</li><li>true</li>"
                "<li>null</li></ol></td></tr>"
                "<tr><th>site</th><td><a rel=\"nofollow noopener noreferrer\" "
                "href=\"https://x.example/\">https://x.example/</a></td></tr>"
                "<tr><th>bad</th><td>javascript:1</td></tr>"
                "<tr><th>made</th><td><table class=\"j\"><tr><th>by</th><td>F&quot;1</td></tr>"
                "</table></td></tr>"
                "<tr><th>none</th><td>{}</td></tr><tr><th>empty</th><td>[]</td></tr>"
                "</table></div>");
    /* a surrogate pair decodes to one character; a lone one to U+FFFD */
    p = one_value_page(HTTP_LANG_EN, text_value(1, "X", "[\"\\ud83d\\ude00\", \"\\udc00\"]"));
    contains(p, "<ol class=\"j\"><li>\xf0\x9f\x98\x80</li><li>\xef\xbf\xbd</li></ol>");
}

static void text_that_is_not_json_stays_text(void **state)
{
    (void)state;
    static const char *const not_json[] = {"{\"a\": 1", "{\"a\" 1}", "[1,]",
                                           "[01]",      "{} x",      "\"just a string\"",
                                           "42",        "[1.]",      "[[[[[[[[[1]]]]]]]]]"};
    for (size_t i = 0; i < sizeof not_json / sizeof *not_json; i++) {
        const char *p = one_value_page(HTTP_LANG_EN, text_value(1, "METADATA", not_json[i]));
        lacks(p, "class=\"j\"");
        contains(p, "<div class=\"d\"><span class=\"t\">");
    }
    const char *p = one_value_page(HTTP_LANG_EN, text_value(1, "X", "[[[[[[[[1]]]]]]]]"));
    contains(p, "<ol class=\"j\"><li><ol class=\"j\">");
}

static struct hdl_value admin_value(uint8_t *buf, size_t cap, uint16_t perms)
{
    struct hdl_writer w;
    hdl_writer_init(&w, buf, cap);
    struct hdl_admin adm = {
        .perms = perms, .handle = {(const uint8_t *)"0.NA/88.100.1", 13}, .index = 200};
    hdl_admin_encode(&w, &adm);
    assert_int_equal(hdl_writer_status(&w), HDL_OK);
    return value(100, "HS_ADMIN", buf, w.len);
}

static void hs_admin_in_words_in_both_languages(void **state)
{
    (void)state;
    uint8_t buf[64];
    struct hdl_value v = admin_value(
        buf, sizeof buf, HDL_ADM_ADD_HANDLE | HDL_ADM_MODIFY_VALUE | HDL_ADM_READ_VALUE);
    const char *p = one_value_page(HTTP_LANG_EN, v);
    contains(p, "<dl class=\"a\"><dt>Administrator</dt><dd>0.NA/88.100.1 (index 200)</dd>"
                "<dt>May</dt><dd>add handles, modify values, read values</dd></dl>");
    p = one_value_page(HTTP_LANG_ZH, v);
    contains(p, "<dl class=\"a\"><dt>管理员</dt><dd>0.NA/88.100.1 (索引 200)</dd>"
                "<dt>权限</dt><dd>创建标识、修改值、读取值</dd></dl>");
    p = one_value_page(HTTP_LANG_EN, admin_value(buf, sizeof buf, 0));
    contains(p, "<dt>May</dt><dd>no permissions</dd>");
    p = one_value_page(HTTP_LANG_EN, admin_value(buf, sizeof buf, HDL_ADM_ALL));
    contains(p, "<dd>add handles, delete handles, add prefixes, delete prefixes, modify values, "
                "remove values, add values, modify administrators, remove administrators, "
                "add administrators, read values, list handles</dd>");
    /* HS_ADMIN bytes that do not decode are shown by their size */
    p = one_value_page(HTTP_LANG_EN, value(100, "HS_ADMIN", "\x00\x01\x00", 3));
    contains(p, "<span class=\"b\">3 bytes of binary data</span>");
}

static void keys_and_value_lists_are_summarised(void **state)
{
    (void)state;
    /* a 2048-bit modulus with the sign byte Java puts before a set top bit */
    static uint8_t modulus[257];
    modulus[1] = 0xc0;
    static const uint8_t exponent[] = {1, 0, 1};
    struct hdl_pubkey key = {.kind = HDL_KEY_RSA,
                             .a = {exponent, sizeof exponent},
                             .b = {modulus, sizeof modulus},
                             .trailing_zeros = 4};
    uint8_t buf[512];
    struct hdl_writer w;
    hdl_writer_init(&w, buf, sizeof buf);
    hdl_pubkey_encode(&w, &key);
    assert_int_equal(hdl_writer_status(&w), HDL_OK);
    const char *p = one_value_page(HTTP_LANG_EN, value(300, "HS_PUBKEY", buf, w.len));
    contains(p, "<div class=\"d\"><span class=\"b\">RSA public key, 2048 bits</span></div>");
    p = one_value_page(HTTP_LANG_ZH, value(300, "HS_PUBKEY", buf, w.len));
    contains(p, "<span class=\"b\">RSA 公钥，2048 位</span>");

    hdl_writer_init(&w, buf, sizeof buf);
    hdl_put_u32(&w, 2);
    hdl_put_cstr(&w, "0.NA/88.100.1");
    hdl_put_u32(&w, 200);
    hdl_put_cstr(&w, "88.100.1/<ADMIN>");
    hdl_put_u32(&w, 300);
    p = one_value_page(HTTP_LANG_EN, value(400, "HS_VLIST", buf, w.len));
    contains(p, "<div class=\"d\"><span class=\"b\">List of 2 values</span><ul class=\"l\">"
                "<li>0.NA/88.100.1 (index 200)</li><li>88.100.1/&lt;ADMIN&gt; (index 300)</li>"
                "</ul></div>");
}

static void timestamps_are_readable(void **state)
{
    (void)state;
    struct hdl_value v = text_value(1, "URL", "https://example.com/");
    v.timestamp = 1795660756; /* 2026-11-26T02:39:16Z */
    const char *p = one_value_page(HTTP_LANG_EN, v);
    contains(p, "<div class=\"ts\">Updated <time datetime=\"2026-11-26T02:39:16Z\">"
                "26 Nov 2026, 02:39 UTC</time></div>");
    p = one_value_page(HTTP_LANG_ZH, v);
    contains(p, "<div class=\"ts\">更新于 <time datetime=\"2026-11-26T02:39:16Z\">"
                "2026年11月26日 02:39 UTC</time></div>");
    v.timestamp = 0;
    p = one_value_page(HTTP_LANG_EN, v);
    lacks(p, "<time");
}

static void values_page_frame_in_each_language(void **state)
{
    (void)state;
    struct hdl_value v = text_value(7, "URL", "https://example.com/");
    const char *p = one_value_page(HTTP_LANG_EN, v);
    contains(p, "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">");
    contains(p, "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">");
    contains(p, "<form method=\"post\" action=\"/\" role=\"search\"><input type=\"search\" "
                "name=\"hdl\"");
    contains(p, "value=\"88.100.1/LOT-1\"><button type=\"submit\">Resolve</button></form>");
    contains(p, "<a class=\"lg\" href=\"/88.100.1/LOT-1?noredirect&amp;lang=zh\" "
                "hreflang=\"zh\">中文</a>");
    contains(p, "<span class=\"ty\">URL</span><span>index 7</span>");
    contains(p, "<p class=\"k\">Values of the handle</p><h1>88.100.1/LOT-1</h1>");
    lacks(p, "<link");
    lacks(p, "src=");
    p = one_value_page(HTTP_LANG_ZH, v);
    contains(p, "<html lang=\"zh-CN\">");
    contains(p, "<button type=\"submit\">解析</button>");
    contains(p, "href=\"/88.100.1/LOT-1?noredirect&amp;lang=en\" hreflang=\"en\">English</a>");
    contains(p, "<span>索引 7</span>");
    assert_string_equal(http_page_content_language(HTTP_LANG_ZH), "zh-CN");
    assert_string_equal(http_page_content_language(HTTP_LANG_EN), "en");
}

static const char *render_error(enum http_lang lang, int status, const char *handle,
                                const char *message)
{
    struct evbuffer *out = evbuffer_new();
    http_page_error(out, lang, status, handle, message);
    size_t n = evbuffer_get_length(out);
    assert_true(n < sizeof page);
    evbuffer_remove(out, page, n);
    page[n] = 0;
    evbuffer_free(out);
    return page;
}

static void error_pages_title_the_status(void **state)
{
    (void)state;
    const char *p = render_error(HTTP_LANG_EN, 404, "88.100.1/<nope>", NULL);
    contains(p, "<title>88.100.1/&lt;nope&gt; · Handle not found</title>");
    contains(p, "<main><p class=\"k\">404</p><h1>Handle not found</h1>"
                "<p class=\"t\">88.100.1/&lt;nope&gt;</p></main>");
    contains(p, "name=\"hdl\"");
    p = render_error(HTTP_LANG_ZH, 404, "88.100.1/x", NULL);
    contains(p, "<h1>未找到该标识</h1>");
    p = render_error(HTTP_LANG_EN, 414, NULL, NULL);
    contains(p, "<main><p class=\"k\">414</p><h1>Address too long</h1></main>");
    contains(p, "<a class=\"lg\" href=\"/?lang=zh\" hreflang=\"zh\">中文</a>");
    p = render_error(HTTP_LANG_ZH, 400, NULL, "prefix <b> is not homed here");
    contains(p, "<h1>请求无效</h1><p class=\"k\">prefix &lt;b&gt; is not homed here</p>");
    p = render_error(HTTP_LANG_EN, 418, NULL, NULL);
    contains(p, "<h1>Error 418</h1>");
    p = render_error(HTTP_LANG_ZH, 418, NULL, NULL);
    contains(p, "<h1>错误 418</h1>");
}

static void form_page_has_the_search_box(void **state)
{
    (void)state;
    struct evbuffer *out = evbuffer_new();
    http_page_form(out, HTTP_LANG_ZH);
    size_t n = evbuffer_get_length(out);
    evbuffer_remove(out, page, n);
    page[n] = 0;
    evbuffer_free(out);
    contains(page, "<title>标识解析</title>");
    contains(page, "<form method=\"post\" action=\"/\" role=\"search\">");
    contains(page, "placeholder=\"标识，例如 88.100.1/LOT-2026-000123\"><button");
    contains(page, "<main><h1>标识解析</h1>");
}

static void language_from_parameter_then_accept_language_q_values(void **state)
{
    (void)state;
    assert_int_equal(http_page_lang("zh", "en"), HTTP_LANG_ZH);
    assert_int_equal(http_page_lang("en", "zh-CN"), HTTP_LANG_EN);
    assert_int_equal(http_page_lang("ZH", NULL), HTTP_LANG_ZH);
    assert_int_equal(http_page_lang("fr", "zh"), HTTP_LANG_ZH); /* unknown ?lang= is ignored */
    assert_int_equal(http_page_lang(NULL, NULL), HTTP_LANG_EN);
    assert_int_equal(http_page_lang(NULL, ""), HTTP_LANG_EN);
    assert_int_equal(http_page_lang(NULL, "zh-CN,zh;q=0.9,en;q=0.8"), HTTP_LANG_ZH);
    assert_int_equal(http_page_lang(NULL, "en-US,en;q=0.9,zh-CN;q=0.8"), HTTP_LANG_EN);
    assert_int_equal(http_page_lang(NULL, "en;q=0.5, zh;q=0.8"), HTTP_LANG_ZH);
    assert_int_equal(http_page_lang(NULL, "zh-TW;q=0.3,en-GB ; q=0.7"), HTTP_LANG_EN);
    assert_int_equal(http_page_lang(NULL, "fr-FR,fr;q=0.9,zh-Hans;q=0.4"), HTTP_LANG_ZH);
    assert_int_equal(http_page_lang(NULL, "zh;q=0,en;q=0.1"), HTTP_LANG_EN);
    assert_int_equal(http_page_lang(NULL, "zh;q=0"), HTTP_LANG_EN);
    assert_int_equal(http_page_lang(NULL, "zh;q=1.000, en"), HTTP_LANG_ZH); /* tie: first */
    assert_int_equal(http_page_lang(NULL, "en, zh"), HTTP_LANG_EN);
    assert_int_equal(http_page_lang(NULL, "zh;q=abc, en;q=0.2"), HTTP_LANG_EN);
    assert_int_equal(http_page_lang(NULL, "zhx, en;q=0.2"), HTTP_LANG_EN);
    assert_int_equal(http_page_lang(NULL, "*"), HTTP_LANG_EN);
    assert_int_equal(http_page_lang(NULL, "ZH-cn"), HTTP_LANG_ZH);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(script_in_a_value_type_or_handle_shows_as_text),
        cmocka_unit_test(ill_formed_utf8_and_controls_become_replacement_characters),
        cmocka_unit_test(urls_link_only_with_http_or_https),
        cmocka_unit_test(emails_link_as_mailto),
        cmocka_unit_test(json_shows_as_a_table),
        cmocka_unit_test(text_that_is_not_json_stays_text),
        cmocka_unit_test(hs_admin_in_words_in_both_languages),
        cmocka_unit_test(keys_and_value_lists_are_summarised),
        cmocka_unit_test(timestamps_are_readable),
        cmocka_unit_test(values_page_frame_in_each_language),
        cmocka_unit_test(error_pages_title_the_status),
        cmocka_unit_test(form_page_has_the_search_box),
        cmocka_unit_test(language_from_parameter_then_accept_language_q_values),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
