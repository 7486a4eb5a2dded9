/* The languages of the proxy's pages, and which one a request asks for. */
#ifndef RESOLVER_HTTP_LANG_H
#define RESOLVER_HTTP_LANG_H

enum http_lang { HTTP_LANG_EN, HTTP_LANG_ZH };

/* lang_param ("zh" or "en", any case, from ?lang=) when it is one of them, else the preferred of
 * zh and en in accept_language (an Accept-Language value; q-values honoured, ties go to the one
 * listed first; NULL = none), else English. */
enum http_lang http_lang_choose(const char *lang_param, const char *accept_language);

#endif
