/*
 * One handle value on the proxy's values page, shown by its type: URL as a link (http and https
 * only), EMAIL as mailto, JSON as a table, HS_ADMIN in words, keys, sites and value lists
 * summarised, other text as text, other bytes by their size.
 */
#ifndef RESOLVER_HTTP_PAGE_VALUE_H
#define RESOLVER_HTTP_PAGE_VALUE_H

#include <stdint.h>

#include "proto/hdl_value.h"
#include "resolver/http/http_page_words.h"

struct evbuffer;

/* Appends the shown data of v (the part inside the value's card) to out, in w's words. */
void http_page_value_data(struct evbuffer *out, const struct http_page_words *w,
                          const struct hdl_value *v);

/* Appends epoch seconds t as a <time> element readable in w's language: "26 Nov 2026, 02:39 UTC",
 * "2026年11月26日 02:39 UTC". */
void http_page_time(struct evbuffer *out, const struct http_page_words *w, uint32_t t);

#endif
