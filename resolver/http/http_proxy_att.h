/*
 * The locatt list of a proxy request, in the order the reference proxy builds it: the request's
 * own locatt parameters, then what its Accept header says (http_role, ctype, media-type), then
 * language:<tag> for each language of Accept-Language, best first. 10320/loc uses the list to
 * narrow its locations (http_proxy_loc.h).
 */
#ifndef RESOLVER_HTTP_PROXY_ATT_H
#define RESOLVER_HTTP_PROXY_ATT_H

#include <stddef.h>

struct evkeyvalq;

/* Writes up to max locatt strings to out: views into query (NULL: none) and into buf (cap bytes,
 * where the derived ones are written). accept, user_agent and accept_language are the request's
 * headers (NULL when absent). Returns how many. */
size_t http_proxy_locatt(const struct evkeyvalq *query, const char *accept, const char *user_agent,
                         const char *accept_language, const char **out, size_t max, char *buf,
                         size_t cap);

#endif
