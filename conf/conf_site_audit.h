/*
 * Whether the prefix handles a registry stores tell the truth about the node: clients that
 * follow the HS_SITE of 0.NA/P (index 1, as `pazhou init` writes it) must reach the node that
 * homes P. The node checks at start and `pazhoud --check-config` on demand; `pazhou site
 * update` rewrites what differs.
 */
#ifndef CONF_SITE_AUDIT_H
#define CONF_SITE_AUDIT_H

#include <stddef.h>
#include <stdint.h>

#include "proto/hdl_value.h"
#include "registry/reg_db.h"

/* A stored HS_SITE value of a homed prefix's handle that is not the node's site. */
struct conf_site_stale {
    const char *prefix_handle; /* as the registry lists it: "0.NA/88.100.1" */
    /* The value to replace (valid during the callback), or NULL when the record holds several
     * HS_SITE values and none carries the node's server key: which is the node's is unknown. */
    const struct hdl_value *value;
    char differs[128]; /* the parts that differ ("address, interfaces"); "" when value is NULL */
    char stored[512];  /* the stored site's servers in words (hdl_site_describe) */
    char node[512];    /* the node's, in the same words */
};

typedef void (*conf_site_stale_fn)(void *ctx, const struct conf_site_stale *s);

/*
 * Compares the HS_SITE values of the prefix handle 0.NA/P of every homed prefix P (or only of
 * the prefix handles named in only[0..nonly), "0.NA/P" or "P") with site (the node's HS_SITE
 * bytes), leaving the serial out (hdl_site_diff). A record with a value equal to site is
 * right; otherwise the value to replace is the one whose servers carry the node's server key,
 * or the only HS_SITE value there is. A prefix handle the registry does not store, or one
 * without HS_SITE, is passed over (its site lives elsewhere). fn is called for each stale
 * value. Returns the number of stale values, or -1 when site does not decode or the registry
 * cannot be read.
 */
int conf_site_audit(struct reg_db *db, const uint8_t *site, size_t site_len,
                    const char *const *only, size_t nonly, conf_site_stale_fn fn, void *ctx);

/* The one-line warning for s, naming the prefix, what differs and the command that fixes it,
 * into out (cap bytes). Returns its length. */
size_t conf_site_stale_text(const struct conf_site_stale *s, char *out, size_t cap);

#endif
