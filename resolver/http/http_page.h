/*
 * The proxy's HTML pages (the HTTP port as people meet it: a link or a scanned QR code): the
 * values of a handle, the search form, error pages. Mobile-first, Chinese or English, no
 * external assets (inline CSS under HTTP_PAGE_CSP); every value HTML-escaped.
 */
#ifndef RESOLVER_HTTP_PAGE_H
#define RESOLVER_HTTP_PAGE_H

#include <stddef.h>

#include "proto/hdl_value.h"
#include "resolver/http/http_lang.h"

struct evbuffer;

/* The Content-Security-Policy every page is sent with. */
#define HTTP_PAGE_CSP                                                                              \
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; "    \
    "base-uri 'none'; frame-ancestors 'none'"

/* The page language: lang_param ("zh" or "en", from ?lang=) when given, else the preferred of
 * zh and en in accept_language (q-values honoured; NULL = none), else English. */
enum http_lang http_page_lang(const char *lang_param, const char *accept_language);

/* The Content-Language of pages in lang ("en", "zh-CN"); static. */
const char *http_page_content_language(enum http_lang lang);

/* Appends the values page of handle to out: each of the count values (the caller passes only
 * those with public read) shown by its type, and the search box. */
void http_page_values(struct evbuffer *out, enum http_lang lang, const char *handle,
                      const struct hdl_value *values, size_t count);

/* Appends the search form page (GET /). */
void http_page_form(struct evbuffer *out, enum http_lang lang);

/* Appends an error page for status (400, 404, 414, 500, ...): a title for the status, the
 * handle when not NULL, message when not NULL, and the search box. */
void http_page_error(struct evbuffer *out, enum http_lang lang, int status, const char *handle,
                     const char *message);

#endif
