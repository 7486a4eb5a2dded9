/*
 * How two HS_SITE records differ, for telling an operator that a stored site (at index 1 of a
 * prefix handle) no longer describes the node. The serial is left out of the comparison: it
 * numbers versions of one site, so two records that differ only there describe the same servers.
 */
#ifndef HDL_SITE_DIFF_H
#define HDL_SITE_DIFF_H

#include <stdbool.h>
#include <stddef.h>

#include "proto/hdl_site.h"

/* Compares every field of a and b but the serial: version, flags, hash option and filter,
 * attributes, and each server's id, address, public key and interfaces (in order). Writes the
 * names of the parts that differ, comma-separated ("address, interfaces"), into out (cap
 * bytes; "" when they are the same). Returns the number of parts that differ, 0 when the two
 * are the same site. */
int hdl_site_diff(const struct hdl_site *a, const struct hdl_site *b, char *out, size_t cap);

/* The servers of s in words, "127.0.0.1 tcp/2641 udp/2641 http/8000" (servers separated by
 * "; ", IPv6 addresses in their text form, an interface that is not for queries marked
 * "(admin)" or "(out of service)"), into out (cap bytes, always NUL-terminated when cap > 0). */
void hdl_site_describe(const struct hdl_site *s, char *out, size_t cap);

/* True when a server of a and a server of b carry the same public key bytes: the two records
 * describe the same machine, whatever its addresses. */
bool hdl_site_shares_key(const struct hdl_site *a, const struct hdl_site *b);

#endif
