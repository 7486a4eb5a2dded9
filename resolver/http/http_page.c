#include "resolver/http/http_page.h"

#include <event2/buffer.h>
#include <string.h>

/* A first version: plain pages with every text escaped; the full pages replace it. */

static void put_escaped(struct evbuffer *out, const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        switch (s[i]) {
        case '<': evbuffer_add(out, "&lt;", 4); break;
        case '>': evbuffer_add(out, "&gt;", 4); break;
        case '&': evbuffer_add(out, "&amp;", 5); break;
        case '"': evbuffer_add(out, "&quot;", 6); break;
        case '\'': evbuffer_add(out, "&#39;", 5); break;
        default: evbuffer_add(out, &s[i], 1);
        }
    }
}

static void head(struct evbuffer *out, const char *title)
{
    evbuffer_add_printf(out, "<!DOCTYPE html><html><head><meta charset=\"utf-8\">"
                             "<meta name=\"viewport\" content=\"width=device-width\"><title>");
    put_escaped(out, title, strlen(title));
    evbuffer_add_printf(out, "</title></head><body>");
}

static void form(struct evbuffer *out)
{
    evbuffer_add_printf(out, "<form method=\"post\" action=\"/\"><input name=\"hdl\">"
                             "<button>Resolve</button></form></body></html>");
}

enum http_lang http_page_lang(const char *lang_param, const char *accept_language)
{
    if (lang_param)
        return strcmp(lang_param, "zh") == 0 ? HTTP_LANG_ZH : HTTP_LANG_EN;
    return accept_language && strncmp(accept_language, "zh", 2) == 0 ? HTTP_LANG_ZH
                                                                    : HTTP_LANG_EN;
}

void http_page_values(struct evbuffer *out, enum http_lang lang, const char *handle,
                      const struct hdl_value *values, size_t count)
{
    (void)lang;
    head(out, handle);
    evbuffer_add_printf(out, "<h1>");
    put_escaped(out, handle, strlen(handle));
    evbuffer_add_printf(out, "</h1><table>");
    for (size_t i = 0; i < count; i++) {
        evbuffer_add_printf(out, "<tr><td>%u</td><td>", values[i].index);
        put_escaped(out, (const char *)values[i].type.ptr, values[i].type.len);
        evbuffer_add_printf(out, "</td><td>");
        put_escaped(out, (const char *)values[i].data.ptr, values[i].data.len);
        evbuffer_add_printf(out, "</td></tr>");
    }
    evbuffer_add_printf(out, "</table>");
    form(out);
}

void http_page_form(struct evbuffer *out, enum http_lang lang)
{
    (void)lang;
    head(out, "Handle");
    form(out);
}

void http_page_error(struct evbuffer *out, enum http_lang lang, int status, const char *handle,
                     const char *message)
{
    (void)lang;
    head(out, "Error");
    evbuffer_add_printf(out, "<h1>%d</h1>", status);
    if (handle)
        put_escaped(out, handle, strlen(handle));
    if (message) {
        evbuffer_add_printf(out, "<p>");
        put_escaped(out, message, strlen(message));
        evbuffer_add_printf(out, "</p>");
    }
    form(out);
}
