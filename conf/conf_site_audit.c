/* Reads each homed prefix's handle and compares its HS_SITE values with the node's site. */
#include "conf/conf_site_audit.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "common/handle_name.h"
#include "proto/hdl_const.h"
#include "proto/hdl_site.h"
#include "proto/hdl_site_diff.h"
#include "registry/reg_record.h"

#define MAX_SITE_VALUES 16

struct audit {
    struct reg_db *db;
    struct hdl_site node;   /* the node's site, decoded */
    struct hdl_site stored; /* scratch for each stored value */
    conf_site_stale_fn fn;
    void *ctx;
    int stale;
    bool failed;
};

static bool is_site_type(struct hdl_slice t)
{
    return t.len == 7 && memcmp(t.ptr, "HS_SITE", 7) == 0;
}

/* Checks one prefix handle's record. */
static void audit_prefix(struct audit *a, const char *prefix_handle)
{
    struct reg_pin pin;
    int rc = reg_get_record(a->db, (const uint8_t *)prefix_handle, strlen(prefix_handle), &pin);
    if (rc == REG_NOT_FOUND)
        return;
    if (rc != REG_OK) {
        a->failed = true;
        return;
    }
    struct reg_record_view view;
    struct hdl_value values[MAX_SITE_VALUES];
    size_t n = 0;
    if (reg_record_parse(pin.data, pin.len, 1, &view) == HDL_OK) {
        struct hdl_reader r;
        hdl_reader_init(&r, view.values.ptr, view.values.len);
        struct hdl_value v;
        for (uint32_t i = 0; i < view.value_count && hdl_value_decode(&r, &v) == HDL_OK; i++)
            if (is_site_type(v.type) && n < MAX_SITE_VALUES)
                values[n++] = v;
    }
    /* Which value is the node's: one equal to its site settles it; else the one carrying its
     * server key; else the only one. */
    ssize_t mine = -1;
    for (size_t i = 0; i < n; i++) {
        if (hdl_site_decode(values[i].data.ptr, values[i].data.len, &a->stored) != HDL_OK)
            continue;
        if (hdl_site_diff(&a->node, &a->stored, NULL, 0) == 0) {
            reg_pin_release(&pin);
            return;
        }
        if (mine < 0 && hdl_site_shares_key(&a->node, &a->stored))
            mine = (ssize_t)i;
    }
    if (mine < 0 && n == 1)
        mine = 0;
    if (n > 0) {
        struct conf_site_stale s = {.prefix_handle = prefix_handle};
        hdl_site_describe(&a->node, s.node, sizeof s.node);
        if (mine >= 0) {
            s.value = &values[mine];
            if (hdl_site_decode(values[mine].data.ptr, values[mine].data.len, &a->stored) ==
                HDL_OK) {
                hdl_site_diff(&a->node, &a->stored, s.differs, sizeof s.differs);
                hdl_site_describe(&a->stored, s.stored, sizeof s.stored);
            } else {
                snprintf(s.differs, sizeof s.differs, "everything (it does not decode)");
                snprintf(s.stored, sizeof s.stored, "(undecodable)");
            }
        }
        a->stale++;
        a->fn(a->ctx, &s);
    }
    reg_pin_release(&pin);
}

static int each_homed(void *ctx, const char *prefix_handle, size_t len)
{
    struct audit *a = ctx;
    char name[HDL_MAX_HANDLE_LEN + 1];
    if (len >= sizeof name)
        return 0;
    memcpy(name, prefix_handle, len);
    name[len] = '\0';
    audit_prefix(a, name);
    return 0;
}

int conf_site_audit(struct reg_db *db, const uint8_t *site, size_t site_len,
                    const char *const *only, size_t nonly, conf_site_stale_fn fn, void *ctx)
{
    struct audit *a = calloc(1, sizeof *a);
    if (!a)
        return -1;
    a->db = db;
    a->fn = fn;
    a->ctx = ctx;
    if (hdl_site_decode(site, site_len, &a->node) != HDL_OK) {
        free(a);
        return -1;
    }
    if (nonly == 0) {
        if (reg_list_prefixes(db, each_homed, a) != REG_OK)
            a->failed = true;
    }
    for (size_t i = 0; i < nonly; i++) {
        char name[HDL_MAX_HANDLE_LEN + 8];
        if (hname_prefix_handle(only[i], strlen(only[i]), name, sizeof name) > 0)
            audit_prefix(a, name);
    }
    int stale = a->failed ? -1 : a->stale;
    free(a);
    return stale;
}

size_t conf_site_stale_text(const struct conf_site_stale *s, char *out, size_t cap)
{
    int n;
    if (s->value)
        n = snprintf(out, cap,
                     "%s: the HS_SITE at index %u is not this node's site (%s differ): stored "
                     "%s, node %s; clients that follow it do not reach this node: run pazhou "
                     "site update",
                     s->prefix_handle, (unsigned)s->value->index, s->differs, s->stored, s->node);
    else
        n = snprintf(out, cap,
                     "%s: none of its HS_SITE values is this node's site (%s) and none carries "
                     "its server key; replace the right one with pazhou modify",
                     s->prefix_handle, s->node);
    return n < 0 ? 0 : (size_t)n < cap ? (size_t)n : cap ? cap - 1 : 0;
}
