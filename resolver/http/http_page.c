/*
 * The frame of every proxy page (head, inline style, header with the search box and the other
 * language) and the three pages inside it. Rendered per request on the worker's thread: text goes
 * straight into the response evbuffer, nothing else is allocated.
 */
#include "resolver/http/http_page.h"

#include <event2/buffer.h>
#include <stdio.h>
#include <string.h>

#include "resolver/http/http_page_text.h"
#include "resolver/http/http_page_value.h"
#include "resolver/http/http_page_words.h"

/* Phones first: one column of cards; wider screens only get a centred, bounded column. */
static const char style[] =
    ":root{color-scheme:light dark;--fg:#1b1f24;--mut:#5b6470;--bg:#f4f5f7;--card:#fff;"
    "--line:#e1e4e9;--acc:#0a5fc4}"
    "@media(prefers-color-scheme:dark){:root{--fg:#e8eaed;--mut:#9aa3ad;--bg:#111418;"
    "--card:#1a1f26;--line:#2c333c;--acc:#6aa8ff}}"
    "*{box-sizing:border-box}"
    "body{margin:0;font:16px/1.5 system-ui,-apple-system,\"Segoe UI\",Roboto,\"PingFang SC\","
    "\"Noto Sans CJK SC\",\"Microsoft YaHei\",sans-serif;color:var(--fg);background:var(--bg)}"
    "header{background:var(--card);border-bottom:1px solid var(--line);padding:.75rem 1rem}"
    ".top{display:flex;justify-content:space-between;align-items:center;margin-bottom:.6rem}"
    ".top a{color:var(--fg);text-decoration:none;font-weight:600}"
    ".top .lg{color:var(--acc);font-weight:400;font-size:.9rem}"
    "form{display:flex;gap:.5rem;max-width:48rem;margin:0 auto}"
    "input{flex:1;min-width:0;font:inherit;padding:.55rem .75rem;border:1px solid var(--line);"
    "border-radius:.5rem;background:var(--bg);color:var(--fg)}"
    "button{font:inherit;font-weight:600;padding:.55rem 1rem;border:0;border-radius:.5rem;"
    "background:var(--acc);color:#fff}"
    "main{padding:1rem;max-width:48rem;margin:0 auto}"
    "h1{font-size:1.35rem;line-height:1.3;margin:.15rem 0 .4rem;overflow-wrap:anywhere}"
    ".k,.ts,.b,.th{color:var(--mut);font-size:.85rem}.k{margin:0}"
    ".m{margin:0;font-size:.85rem}.m a{color:var(--acc)}"
    "ol.v{list-style:none;padding:0;margin:.5rem 0 0}"
    "ol.v>li{background:var(--card);border:1px solid var(--line);border-radius:.75rem;"
    "padding:.7rem 1rem;margin:.75rem 0}"
    ".th{display:flex;justify-content:space-between;gap:.5rem}.ty{font-weight:600}"
    ".d{margin:.3rem 0;overflow-wrap:anywhere}.t{white-space:pre-wrap}"
    "a.u{color:var(--acc);font-weight:600}"
    "table.j{border-collapse:collapse;width:100%;font-size:.92rem}"
    ".j th,.j td{text-align:left;vertical-align:top;padding:.3rem .4rem;"
    "border-top:1px solid var(--line)}.j th{color:var(--mut);font-weight:500;width:35%}"
    "ol.j,ul.l{margin:.2rem 0 0;padding-left:1.2rem}"
    "dl.a{margin:0;display:grid;grid-template-columns:auto 1fr;gap:.15rem .75rem}"
    "dl.a dt{color:var(--mut)}dl.a dd{margin:0}"
    "@media(min-width:40rem){header,main{padding-left:2rem;padding-right:2rem}"
    ".top{max-width:48rem;margin:0 auto .6rem}}";

static void put(struct evbuffer *out, const char *s)
{
    evbuffer_add(out, s, strlen(s));
}

enum http_lang http_page_lang(const char *lang_param, const char *accept_language)
{
    return http_lang_choose(lang_param, accept_language);
}

const char *http_page_content_language(enum http_lang lang)
{
    return http_page_words(lang)->html_lang;
}

/* The link to the same page in the other language: the handle's page when there is a handle. */
static void other_lang_link(struct evbuffer *out, const struct http_page_words *w,
                            const char *handle)
{
    put(out, "<a class=\"lg\" href=\"/");
    if (handle) {
        http_url_path(out, (const uint8_t *)handle, strlen(handle));
        put(out, "?noredirect&amp;");
    } else {
        put(out, "?");
    }
    put(out, "lang=");
    put(out, w->other_code);
    put(out, "\" hreflang=\"");
    put(out, w->other_code);
    put(out, "\">");
    put(out, w->other_lang);
    put(out, "</a>");
}

/* Everything up to the opening of <main>: title (the heading text; handle, when given, is the
 * title's first part), style, the header with the search box holding handle. */
static void open_page(struct evbuffer *out, const struct http_page_words *w, const char *heading,
                      const char *handle)
{
    put(out, "<!DOCTYPE html><html lang=\"");
    put(out, w->html_lang);
    put(out, "\"><head><meta charset=\"utf-8\">"
             "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
             "<meta name=\"referrer\" content=\"no-referrer\"><title>");
    if (handle) {
        http_html_str(out, handle);
        put(out, " · ");
    }
    http_html_str(out, heading);
    put(out, "</title><style>");
    evbuffer_add(out, style, sizeof style - 1);
    put(out, "</style></head><body><header><div class=\"top\"><a href=\"/\">");
    put(out, w->site);
    put(out, "</a>");
    other_lang_link(out, w, handle);
    put(out, "</div><form method=\"post\" action=\"/\" role=\"search\">"
             "<input type=\"search\" name=\"hdl\" required autocapitalize=\"off\" "
             "autocomplete=\"off\" spellcheck=\"false\" aria-label=\"");
    put(out, w->search);
    put(out, "\" placeholder=\"");
    put(out, w->search);
    put(out, "\"");
    if (handle) {
        put(out, " value=\"");
        http_html_str(out, handle);
        put(out, "\"");
    }
    put(out, "><button type=\"submit\">");
    put(out, w->resolve);
    put(out, "</button></form></header><main>");
}

static void close_page(struct evbuffer *out)
{
    put(out, "</main></body></html>");
}

static void value_card(struct evbuffer *out, const struct http_page_words *w,
                       const struct hdl_value *v)
{
    put(out, "<li><div class=\"th\"><span class=\"ty\">");
    http_html_text(out, v->type.ptr, v->type.len);
    evbuffer_add_printf(out, "</span><span>%s %u</span></div><div class=\"d\">", w->index,
                        (unsigned)v->index);
    http_page_value_data(out, w, v);
    put(out, "</div>");
    if (v->timestamp) {
        put(out, "<div class=\"ts\">");
        put(out, w->updated);
        put(out, " ");
        http_page_time(out, w, v->timestamp);
        put(out, "</div>");
    }
    put(out, "</li>");
}

void http_page_values(struct evbuffer *out, enum http_lang lang, const char *handle,
                      const struct hdl_value *values, size_t count)
{
    const struct http_page_words *w = http_page_words(lang);
    open_page(out, w, w->values_of, handle);
    put(out, "<p class=\"k\">");
    put(out, w->values_of);
    put(out, "</p><h1>");
    http_html_str(out, handle);
    put(out, "</h1><p class=\"m\"><a href=\"/api/handles/");
    http_url_path(out, (const uint8_t *)handle, strlen(handle));
    put(out, "\">");
    put(out, w->as_json);
    put(out, "</a></p>");
    if (count == 0) {
        put(out, "<p>");
        put(out, w->no_values);
        put(out, "</p>");
    } else {
        put(out, "<ol class=\"v\">");
        for (size_t i = 0; i < count; i++)
            value_card(out, w, &values[i]);
        put(out, "</ol>");
    }
    close_page(out);
}

void http_page_form(struct evbuffer *out, enum http_lang lang)
{
    const struct http_page_words *w = http_page_words(lang);
    open_page(out, w, w->site, NULL);
    put(out, "<h1>");
    put(out, w->site);
    put(out, "</h1><p class=\"k\">");
    put(out, w->form_intro);
    put(out, "</p>");
    close_page(out);
}

void http_page_error(struct evbuffer *out, enum http_lang lang, int status, const char *handle,
                     const char *message)
{
    const struct http_page_words *w = http_page_words(lang);
    const char *title = http_page_status_title(w, status);
    char generic[48];
    if (!title) {
        snprintf(generic, sizeof generic, "%s%d", w->error, status);
        title = generic;
    }
    open_page(out, w, title, handle);
    evbuffer_add_printf(out, "<p class=\"k\">%d</p><h1>", status);
    http_html_str(out, title);
    put(out, "</h1>");
    if (handle) {
        put(out, "<p class=\"t\">");
        http_html_str(out, handle);
        put(out, "</p>");
    }
    if (message) {
        put(out, "<p class=\"k\">");
        http_html_str(out, message);
        put(out, "</p>");
    }
    close_page(out);
}
