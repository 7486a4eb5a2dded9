/*
 * Where the HTTP proxy sends a handle's reader: the reference proxy's choice among the values of
 * a handle, by 10320/loc (http_proxy_loc.h) with the URL values as legacy locations, else the
 * first plain URL value, else the first URL subtype.
 */
#ifndef RESOLVER_HTTP_PROXY_REDIRECT_H
#define RESOLVER_HTTP_PROXY_REDIRECT_H

#include <stdbool.h>
#include <stddef.h>

#include "proto/hdl_value.h"
#include "resolver/http/http_proxy_req.h"

/* Whether v's type is t or a subtype of t ("URL.mobile" of "URL"), ASCII case-insensitively. */
bool http_proxy_has_type(const struct hdl_value *v, const char *t);

/* Without 10320/loc, where the redirect goes: the first plain URL value, else the first URL
 * subtype (NULL: none), its data without the white space around it in *url, *len. */
const struct hdl_value *http_proxy_url_value(const struct hdl_value *values, size_t count,
                                             const char **url, size_t *len);
/* Sends p's redirect for the count values (the selected values with public read); false, with
 * nothing sent, when there is nowhere to go. */
bool http_proxy_redirect(struct http_proxy_req *p, const struct hdl_value *values, size_t count);

#endif
