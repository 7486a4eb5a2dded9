/* Prefix referrals for resolutions (query_referral.h). */
#include "resolver/query/query_referral.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <string.h>

#include "common/handle_name.h"
#include "proto/hdl_const.h"
#include "proto/hdl_value.h"
#include "registry/reg_db.h"
#include "registry/reg_prefix.h"
#include "registry/reg_record.h"

/* Where a prefix handle 0.NA/P says P itself is served. */
static const char *const PREFIX_SITE_TYPES[] = {"HS_SITE", "HS_SITE.6", "HS_SERV", NULL};
/* Where it says the prefixes derived from P are served (the reference's
 * DERIVED_PREFIX_SITE_AND_SERVICE_HANDLE_TYPES, in its order). */
static const char *const DERIVED_SITE_TYPES[] = {"HS_SITE.PREFIX", "HS_NA_DELEGATE",
                                                 "HS_SERV.PREFIX", NULL};

static bool type_in(struct hdl_slice type, const char *const *types)
{
    for (; *types; types++)
        if (hdl_slice_eq_ci(type, *types))
            return true;
    return false;
}

/*
 * Copies the public values of the given types of the prefix handle h, when this node serves and
 * stores it, into w in their stored order. Returns how many; -1 when h is not served or not
 * stored here (a read failure counts as not stored: the answer is then the one without a
 * referral).
 */
static int put_site_values(struct node *node, const struct reg_prefix_set *set, const uint8_t *h,
                           size_t len, const char *const *types, struct hdl_writer *w)
{
    if (!reg_prefix_set_serves(set, h, len))
        return -1;
    struct reg_pin pin = {0};
    int err = reg_get_record(node->db, h, len, &pin);
    if (err != REG_OK || pin.len == 0) {
        reg_pin_release(&pin);
        return -1;
    }
    int n = 0;
    struct reg_record_view rec;
    if (reg_record_parse(pin.data, pin.len, 0, &rec) == HDL_OK) {
        struct hdl_reader r;
        hdl_reader_init(&r, rec.values.ptr, rec.values.len);
        for (uint32_t i = 0; i < rec.value_count; i++) {
            size_t start = r.pos;
            struct hdl_value v;
            if (hdl_value_decode(&r, &v) != HDL_OK)
                break;
            if ((v.perms & HDL_PERM_PUBLIC_READ) && type_in(v.type, types)) {
                hdl_put_raw(w, r.buf + start, r.pos - start);
                n++;
            }
        }
    }
    reg_pin_release(&pin);
    return n;
}

/* The length of the parent of the prefix handle h[0..len) ("0.NA/X.Y" → "0.NA/X"); 0 when it
 * has none. */
static size_t parent_len(const uint8_t *h, size_t len)
{
    for (size_t i = len; i-- > HNAME_NA_PREFIX_LEN + 1;)
        if (h[i] == '.')
            return i;
    return 0;
}

/* Writes the referral values of the nearest ancestor of the prefix handle h[0..len) that has
 * any into w; returns how many (0 when none has). h is cut in place. */
static int put_ancestor_values(struct node *node, const struct reg_prefix_set *set, uint8_t *h,
                               size_t len, struct hdl_writer *w)
{
    while ((len = parent_len(h, len)) > 0) {
        int n = put_site_values(node, set, h, len, DERIVED_SITE_TYPES, w);
        if (n > 0)
            return n;
    }
    return 0;
}

int query_referral_put(struct node *node, uint32_t op_flags, struct hdl_slice handle,
                       enum query_lookup why, struct hdl_writer *w)
{
    if (op_flags & HDL_FLAG_DNRF)
        return 0;
    uint8_t name[HDL_MAX_HANDLE_LEN + HNAME_NA_PREFIX_LEN + 8];
    size_t len = hname_lookup(handle.ptr, handle.len, name, sizeof name);
    if (len == 0)
        return 0;
    bool prefix_handle = hname_has_na_prefix(name, len);
    /* A missing prefix handle is referred by its ancestors, a handle whose prefix lives
     * elsewhere by its prefix handle; a missing P/S under a homed P, or a 0.NA/ handle none of
     * whose ancestors is served here, has nothing here that points on. */
    if (why == QUERY_LOOKUP_NOT_FOUND ? !prefix_handle
                                      : why != QUERY_LOOKUP_NOT_HOMED || prefix_handle)
        return 0;

    const struct reg_prefix_set *set = atomic_load_explicit(&node->prefixes, memory_order_acquire);
    hdl_put_bytes(w, "", 0); /* no handle: the values say where to go */
    size_t count_at = hdl_reserve_u32(w);
    int n;
    if (prefix_handle) {
        n = put_ancestor_values(node, set, name, len, w);
    } else {
        /* P/S becomes 0.NA/P in name itself, which has room for the five bytes more. */
        size_t plen = (size_t)((const uint8_t *)memchr(name, '/', len) - name);
        memmove(name + HNAME_NA_PREFIX_LEN, name, plen);
        memcpy(name, HNAME_NA_PREFIX, HNAME_NA_PREFIX_LEN);
        len = HNAME_NA_PREFIX_LEN + plen;
        n = put_site_values(node, set, name, len, PREFIX_SITE_TYPES, w);
        if (n < 0)
            n = put_ancestor_values(node, set, name, len, w);
    }
    if (n <= 0 || hdl_writer_status(w) != HDL_OK)
        return 0;
    hdl_patch_u32(w, count_at, (uint32_t)n);
    return n;
}
