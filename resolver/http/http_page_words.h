/*
 * The words of the proxy's pages in each language, and the choice of language.
 */
#ifndef RESOLVER_HTTP_PAGE_WORDS_H
#define RESOLVER_HTTP_PAGE_WORDS_H

#include <stdbool.h>
#include <stdint.h>

#include "resolver/http/http_lang.h"

struct http_page_words {
    const char *html_lang;  /* the lang attribute and Content-Language: "en", "zh-CN" */
    const char *site;       /* the name in the page header */
    const char *search;     /* the search box's label and placeholder */
    const char *resolve;    /* its button */
    const char *form_intro; /* the line under the form page's heading */
    const char *values_of;  /* heading line above the handle on the values page */
    const char *no_values;  /* a handle without public values */
    const char *index;
    const char *updated;
    const char *as_json; /* the link to the REST JSON of the handle */
    /* Counted phrases are a word before and a word after the number (no format strings, so
     * the compiler checks every format): "<before>12<after>". */
    const char *binary_before, *binary_after;
    const char *admin_is;
    const char *admin_index;
    const char *admin_may;
    const char *admin_nothing;
    const char *adm[12];                  /* HS_ADMIN permissions, bit i = (1 << i) */
    const char *key_before, *key_after;   /* after the algorithm, before and after the bits */
    const char *site_before, *site_after; /* around the number of servers */
    const char *primary;
    const char *vlist_before, *vlist_after;
    const char *months[12];
    bool date_ymd;          /* dates written year first ("2026年11月26日") */
    const char *list_sep;   /* between the items of a list in running text */
    const char *other_lang; /* the link to the page in the other language */
    const char *other_code; /* its ?lang= value */
    const char *error;      /* before the number of a status without a title of its own */
    const char *status_400, *status_404, *status_405, *status_414, *status_500, *status_502,
        *status_503;
};

/* The words of lang; static, never NULL. */
const struct http_page_words *http_page_words(enum http_lang lang);

/* The title of an HTTP status in w's language, NULL for one without its own (then w->error). */
const char *http_page_status_title(const struct http_page_words *w, int status);

#endif
