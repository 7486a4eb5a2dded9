/* The five administrative operations on the registry (ops.h). About 600 lines because they share
 * their checks (handle, values, the governing admin's permissions, the overwrite guard) and the
 * one read-modify-write each runs under. */
#include "resolver/admin/ops.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "common/handle_name.h"
#include "common/hex.h"
#include "crypto/secret.h"
#include "proto/hdl_admin.h"
#include "proto/hdl_const.h"
#include "proto/hdl_error.h"
#include "registry/reg_record.h"
#include "resolver/access_log.h"
#include "resolver/admin/perm.h"
#include "resolver/admin/site_values.h"
#include "resolver/query/query_part.h"

/* Room for a whole record: the values of one message, and their record header. */
#define RECORD_CAP (HDL_MAX_MESSAGE_LEN + 64)

uint32_t ops_done(struct ops_result *res, uint32_t rc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(res->message, sizeof res->message, fmt, ap);
    va_end(ap);
    res->rc = rc;
    return rc;
}

static bool valid_handle(const uint8_t *h, size_t len)
{
    const uint8_t *slash = memchr(h, '/', len);
    if (len == 0 || len > HDL_MAX_HANDLE_LEN || !slash || slash == h)
        return false;
    for (size_t i = 0; i < len; i++)
        if (h[i] < 0x20 || h[i] == 0x7f)
            return false;
    return true;
}

/*
 * The handle whose administrators may create h: the prefix handle 0.NA/P of P/S, and for a
 * derived prefix handle 0.NA/P.x the parent's 0.NA/P (which then needs ADD_NA). Returns the
 * length written to out, 0 when there is none (only server administrators may create it).
 */
static size_t governing_handle(const uint8_t *h, size_t len, uint8_t *out, uint16_t *need)
{
    if (hname_is_prefix_handle(h, len)) {
        const uint8_t *dot = NULL;
        for (size_t i = len; i > HNAME_NA_PREFIX_LEN; i--)
            if (h[i - 1] == '.') {
                dot = h + i - 1;
                break;
            }
        *need = HDL_ADM_ADD_NA;
        if (!dot)
            return 0;
        memcpy(out, h, (size_t)(dot - h));
        return (size_t)(dot - h);
    }
    const uint8_t *slash = memchr(h, '/', len);
    size_t plen = (size_t)(slash - h);
    memcpy(out, HNAME_NA_PREFIX, HNAME_NA_PREFIX_LEN);
    memcpy(out + HNAME_NA_PREFIX_LEN, h, plen);
    *need = HDL_ADM_ADD_HANDLE;
    return HNAME_NA_PREFIX_LEN + plen;
}

static bool served(struct node *node, const uint8_t *h, size_t len)
{
    return node_serves(node, h, len);
}

/* Checks the values of a request: known layouts decode, indexes are unique and, for values
 * being created or added, positive as the reference's signed int4 indexes must be. */
static uint32_t check_values(const struct hdl_value *v, size_t n, bool new_values,
                             struct ops_result *res)
{
    if (n > HDL_MAX_VALUES)
        return ops_done(res, HDL_RC_INVALID_VALUE, "More than %u values", HDL_MAX_VALUES);
    for (size_t i = 0; i < n; i++) {
        if (new_values && (v[i].index == 0 || v[i].index > INT32_MAX))
            return ops_done(res, HDL_RC_INVALID_VALUE, "Value indexes must be positive");
        if (v[i].type.len == 0)
            return ops_done(res, HDL_RC_INVALID_VALUE, "Value %u has no type", v[i].index);
        if (v[i].ttl_type > HDL_TTL_ABSOLUTE)
            return ops_done(res, HDL_RC_INVALID_VALUE, "Value %u has a bad TTL type", v[i].index);
        struct hdl_admin adm;
        struct hdl_vlist vl;
        if (hdl_slice_eq_ci(v[i].type, "HS_ADMIN") &&
            hdl_admin_decode(v[i].data.ptr, v[i].data.len, &adm) != HDL_OK)
            return ops_done(res, HDL_RC_INVALID_VALUE, "Value %u is not a valid HS_ADMIN",
                            v[i].index);
        if (hdl_slice_eq_ci(v[i].type, "HS_VLIST") &&
            hdl_vlist_decode(v[i].data.ptr, v[i].data.len, &vl) != HDL_OK)
            return ops_done(res, HDL_RC_INVALID_VALUE, "Value %u is not a valid HS_VLIST",
                            v[i].index);
        for (size_t j = 0; j < i; j++)
            if (v[j].index == v[i].index)
                return ops_done(res, HDL_RC_VALUE_ALREADY_EXISTS, "Index conflict for %u",
                                v[i].index);
    }
    return HDL_RC_SUCCESS;
}

static void stamp(struct hdl_value *v, size_t n)
{
    uint32_t now = (uint32_t)time(NULL);
    for (size_t i = 0; i < n; i++)
        v[i].timestamp = now;
}

static bool is_admin_value(const struct hdl_value *v)
{
    return hdl_slice_eq_ci(v->type, "HS_ADMIN");
}

/* The state an update callback works with: the request's values, the stored ones, the result. */
struct change {
    struct node *node;
    const struct identity *who;
    struct ops_result *res;
    unsigned flags;
    struct hdl_value *values; /* the request's */
    size_t n;
    const uint32_t *indexes;  /* remove */
    struct hdl_value *merged; /* HDL_MAX_VALUES: the stored values, then the result */
    uint32_t create_rc;       /* create: may who create under the prefix (HDL_RC_*) */
    const uint8_t *gov;       /* delete of a derived prefix handle: the parent prefix handle */
    size_t gov_len;
    size_t merged_n;
    uint8_t *record; /* RECORD_CAP */
};

static uint32_t load_values(struct change *c, const uint8_t *old, size_t old_len,
                            struct reg_record_view *view)
{
    if (reg_record_parse(old, old_len, 0, view) != HDL_OK)
        return ops_done(c->res, HDL_RC_ERROR, "Stored record is damaged");
    struct hdl_reader r;
    hdl_reader_init(&r, view->values.ptr, view->values.len);
    c->merged_n = 0;
    while (c->merged_n < view->value_count && c->merged_n < HDL_MAX_VALUES &&
           hdl_value_decode(&r, &c->merged[c->merged_n]) == HDL_OK)
        c->merged_n++;
    return HDL_RC_SUCCESS;
}

/* The stored values of the handle an add, modify or remove works on; -1 (res set) without one. */
static int load_existing(struct change *c, const struct reg_update *u, struct reg_record_view *view)
{
    if (!u->old) {
        ops_done(c->res, HDL_RC_HANDLE_NOT_FOUND, "Handle not found");
        return -1;
    }
    return load_values(c, u->old, u->old_len, view) == HDL_RC_SUCCESS ? 0 : -1;
}

static ssize_t find_index(const struct hdl_value *v, size_t n, uint32_t index)
{
    for (size_t i = 0; i < n; i++)
        if (v[i].index == index)
            return (ssize_t)i;
    return -1;
}

static int put_merged(struct change *c, struct reg_update *u)
{
    struct hdl_writer w;
    hdl_writer_init(&w, c->record, RECORD_CAP);
    if (reg_record_build(&w, c->merged, c->merged_n) != HDL_OK || hdl_writer_status(&w) != HDL_OK ||
        w.len > HDL_MAX_MESSAGE_LEN) {
        ops_done(c->res, HDL_RC_INVALID_VALUE, "The handle's values would exceed %u bytes",
                 HDL_MAX_MESSAGE_LEN);
        return -1;
    }
    u->action = REG_UPDATE_PUT;
    u->record = c->record;
    u->record_len = w.len;
    return 0;
}

/*
 * The HS_ADMIN bits replacing the stored values old by the request's new ones takes, as the
 * reference weighs an overwrite: each value added, removed or changed needs the bit of that
 * change (an admin value turned into a plain one needs REMOVE_ADMIN and MODIFY_VALUE, the reverse
 * MODIFY_VALUE and ADD_ADMIN; a plain value anyone may write needs nothing to change). A value
 * sent unchanged needs nothing and keeps its stored timestamp.
 */
static uint16_t overwrite_needs(const struct hdl_value *old, size_t old_n, struct hdl_value *new,
                                size_t new_n)
{
    uint16_t need = 0;
    for (size_t i = 0; i < old_n; i++)
        if (find_index(new, new_n, old[i].index) < 0)
            need |= is_admin_value(&old[i]) ? HDL_ADM_REMOVE_ADMIN : HDL_ADM_REMOVE_VALUE;
    for (size_t j = 0; j < new_n; j++) {
        struct hdl_value *v = &new[j];
        ssize_t at = find_index(old, old_n, v->index);
        bool admin = is_admin_value(v);
        if (at < 0) {
            need |= admin ? HDL_ADM_ADD_ADMIN : HDL_ADM_ADD_VALUE;
            continue;
        }
        const struct hdl_value *o = &old[at];
        if (hdl_value_same(o, v)) {
            v->timestamp = o->timestamp;
        } else if (is_admin_value(o)) {
            need |= admin ? HDL_ADM_MODIFY_ADMIN : HDL_ADM_REMOVE_ADMIN | HDL_ADM_MODIFY_VALUE;
        } else if (admin) {
            need |= HDL_ADM_MODIFY_VALUE | HDL_ADM_ADD_ADMIN;
        } else if (!(o->perms & HDL_PERM_PUBLIC_WRITE)) {
            need |= HDL_ADM_MODIFY_VALUE;
        }
    }
    return need;
}

/*
 * May the caller replace the existing handle in view? As the reference decides: an HS_ADMIN of
 * the handle itself granting every bit the change needs, or ADD_ADMIN (which can grant any bit),
 * or DELETE_HANDLE together with the prefix's ADD_HANDLE (delete, then create anew). The prefix's
 * ADD_HANDLE alone is not enough: it would let anyone who may create under a prefix take over
 * every handle there, their administrators included.
 */
static int authorize_overwrite(struct change *c, const struct reg_record_view *view, uint16_t need)
{
    if (need == 0 && c->who->authenticated)
        return 0; /* every value sent as it is stored: nothing changes */
    if (!(need & HDL_ADM_ADD_ADMIN) && perm_check(c->node, c->who, view, need) == HDL_RC_SUCCESS)
        return 0;
    if (perm_check(c->node, c->who, view, HDL_ADM_ADD_ADMIN) == HDL_RC_SUCCESS)
        return 0;
    uint32_t rc = perm_check(c->node, c->who, view, HDL_ADM_DELETE_HANDLE);
    if (rc == HDL_RC_SUCCESS)
        rc = c->create_rc;
    if (rc != HDL_RC_SUCCESS) {
        ops_done(c->res, rc,
                 "Not allowed to overwrite this handle: its administrators do not grant it");
        return -1;
    }
    return 0;
}

static int create_fn(void *ctx, struct reg_update *u)
{
    struct change *c = ctx;
    c->res->replaced = false;
    if (u->old && !(c->flags & OPS_OVERWRITE)) {
        ops_done(c->res, HDL_RC_HANDLE_ALREADY_EXISTS, "Handle already exists");
        return -1;
    }
    if (!u->old && c->create_rc != HDL_RC_SUCCESS) {
        ops_done(c->res, c->create_rc, "Not allowed to create handles under this prefix");
        return -1;
    }
    if (u->old) {
        struct reg_record_view view;
        c->res->replaced = true;
        if (load_values(c, u->old, u->old_len, &view) != HDL_RC_SUCCESS ||
            authorize_overwrite(c, &view,
                                overwrite_needs(c->merged, c->merged_n, c->values, c->n)) != 0)
            return -1;
    }
    memcpy(c->merged, c->values, c->n * sizeof *c->values);
    c->merged_n = c->n;
    return put_merged(c, u);
}

static int delete_fn(void *ctx, struct reg_update *u)
{
    struct change *c = ctx;
    struct reg_record_view view;
    if (!u->old) {
        ops_done(c->res, HDL_RC_HANDLE_NOT_FOUND, "Handle not found");
        return -1;
    }
    if (reg_record_parse(u->old, u->old_len, 0, &view) != HDL_OK) {
        ops_done(c->res, HDL_RC_ERROR, "Stored record is damaged");
        return -1;
    }
    /* A derived prefix handle is deleted by the parent prefix's administrators (DELETE_NA). */
    uint32_t rc = c->gov_len
                      ? perm_check_handle(c->node, c->who, c->gov, c->gov_len, HDL_ADM_DELETE_NA)
                      : perm_check(c->node, c->who, &view, HDL_ADM_DELETE_HANDLE);
    if (rc != HDL_RC_SUCCESS) {
        ops_done(c->res, rc, "Not allowed to delete this handle");
        return -1;
    }
    u->action = REG_UPDATE_DELETE;
    return 0;
}

static int authorize(struct change *c, const struct reg_record_view *view, uint16_t need,
                     const char *what)
{
    uint32_t rc = perm_check(c->node, c->who, view, need);
    if (rc == HDL_RC_AUTHEN_ERROR) {
        ops_done(c->res, rc,
                 "Not allowed to %s: an admin group could not be read from the "
                 "server of this site that holds it",
                 what);
        return -1;
    }
    if (rc != HDL_RC_SUCCESS) {
        ops_done(c->res, rc, "Not allowed to %s", what);
        return -1;
    }
    return 0;
}

static int add_fn(void *ctx, struct reg_update *u)
{
    struct change *c = ctx;
    c->res->replaced = false;
    struct reg_record_view view;
    if (load_existing(c, u, &view) != 0)
        return -1;
    for (size_t i = 0; i < c->n; i++) {
        struct hdl_value *v = &c->values[i];
        ssize_t at = find_index(c->merged, c->merged_n, v->index);
        bool admin = is_admin_value(v) || (at >= 0 && is_admin_value(&c->merged[at]));
        if (at >= 0 && !(c->flags & OPS_OVERWRITE)) {
            ops_done(c->res, HDL_RC_VALUE_ALREADY_EXISTS, "Index conflict for %u", v->index);
            return -1;
        }
        uint16_t need = at >= 0 ? (admin ? HDL_ADM_MODIFY_ADMIN : HDL_ADM_MODIFY_VALUE)
                                : (admin ? HDL_ADM_ADD_ADMIN : HDL_ADM_ADD_VALUE);
        if (authorize(c, &view, need, "add this value") != 0)
            return -1;
        if (at >= 0) {
            c->merged[at] = *v;
            c->res->replaced = true;
        } else if (c->merged_n < HDL_MAX_VALUES) {
            c->merged[c->merged_n++] = *v;
        } else {
            ops_done(c->res, HDL_RC_INVALID_VALUE, "More than %u values", HDL_MAX_VALUES);
            return -1;
        }
    }
    return put_merged(c, u);
}

static int modify_fn(void *ctx, struct reg_update *u)
{
    struct change *c = ctx;
    struct reg_record_view view;
    if (load_existing(c, u, &view) != 0)
        return -1;
    for (size_t i = 0; i < c->n; i++) {
        struct hdl_value *v = &c->values[i];
        ssize_t at = find_index(c->merged, c->merged_n, v->index);
        if (at < 0) {
            ops_done(c->res, HDL_RC_VALUES_NOT_FOUND, "No value at index %u", v->index);
            return -1;
        }
        bool admin = is_admin_value(v) || is_admin_value(&c->merged[at]);
        if (authorize(c, &view, admin ? HDL_ADM_MODIFY_ADMIN : HDL_ADM_MODIFY_VALUE,
                      "modify this value") != 0)
            return -1;
        c->merged[at] = *v;
    }
    return put_merged(c, u);
}

static int remove_fn(void *ctx, struct reg_update *u)
{
    struct change *c = ctx;
    struct reg_record_view view;
    if (load_existing(c, u, &view) != 0)
        return -1;
    for (size_t i = 0; i < c->n; i++) {
        ssize_t at = find_index(c->merged, c->merged_n, c->indexes[i]);
        if (at < 0) {
            ops_done(c->res, HDL_RC_VALUES_NOT_FOUND, "No value at index %u", c->indexes[i]);
            return -1;
        }
        bool admin = is_admin_value(&c->merged[at]);
        if (authorize(c, &view, admin ? HDL_ADM_REMOVE_ADMIN : HDL_ADM_REMOVE_VALUE,
                      "remove this value") != 0)
            return -1;
        c->merged[at] = c->merged[--c->merged_n];
    }
    return put_merged(c, u);
}

/* Runs fn on the handle's record; the registry's and the callback's failures both land in res. */
static uint32_t run_update(struct node *node, const uint8_t *h, size_t len,
                           int (*fn)(void *, struct reg_update *), struct change *c)
{
    /* Not zeroed (128 KiB a change): only the first merged_n entries are ever read. */
    c->merged = malloc(HDL_MAX_VALUES * sizeof *c->merged);
    c->record = malloc(RECORD_CAP);
    if (!c->merged || !c->record) {
        free(c->merged);
        free(c->record);
        return ops_done(c->res, HDL_RC_SERVER_TOO_BUSY, "Out of memory");
    }
    c->res->rc = HDL_RC_SUCCESS;
    int fn_rc = 0;
    int rc = reg_update_record(node->db, h, len, fn, c, &fn_rc);
    free(c->merged);
    free(c->record);
    if (fn_rc != 0)
        return c->res->rc;
    if (rc == REG_ERR_INVALID)
        return ops_done(c->res, hdl_rc_of_error(rc), "Invalid values");
    if (rc != REG_OK)
        return ops_done(c->res, hdl_rc_of_error(rc), "Registry write failed: %s", pz_strerror(rc));
    c->res->message[0] = '\0';
    /* A copy fetched while another server of the site held this handle is stale now. */
    site_values_forget(node, h, len);
    return HDL_RC_SUCCESS;
}

static uint32_t precheck(struct node *node, const uint8_t *h, size_t len, struct ops_result *res)
{
    if (!valid_handle(h, len))
        return ops_done(res, HDL_RC_INVALID_HANDLE, "Invalid handle");
    if (query_part_elsewhere(node, h, len))
        return ops_done(res, HDL_RC_SERVER_NOT_RESP, QUERY_PART_WRONG_SERVER);
    if (!served(node, h, len))
        return ops_done(res, HDL_RC_SERVER_NOT_RESP, "That prefix doesn't live here");
    return HDL_RC_SUCCESS;
}

static uint32_t create_op(struct node *node, const struct identity *who, const uint8_t *handle,
                          size_t len, struct hdl_value *values, size_t n, unsigned flags,
                          struct ops_result *res)
{
    memset(res, 0, sizeof *res);
    if (len > HDL_MAX_HANDLE_LEN)
        return ops_done(res, HDL_RC_INVALID_HANDLE, "Invalid handle");
    memcpy(res->handle, handle, len);
    res->handle_len = (uint32_t)len;
    if (flags & OPS_MINT) {
        /* A fresh suffix: 16 random hex digits after the given stem (the prefix alone gets a
         * slash first). */
        uint8_t rnd[8];
        if (cry_random(rnd, sizeof rnd) != 0 || len + 17 > HDL_MAX_HANDLE_LEN)
            return ops_done(res, HDL_RC_ERROR, "Cannot mint a suffix");
        if (!memchr(handle, '/', len))
            res->handle[res->handle_len++] = '/';
        hex_encode(rnd, sizeof rnd, (char *)res->handle + res->handle_len, HEX_UPPER);
        res->handle_len += 2 * sizeof rnd;
    }
    const uint8_t *h = res->handle;
    len = res->handle_len;
    uint32_t rc = precheck(node, h, len, res);
    if (rc != HDL_RC_SUCCESS || (rc = check_values(values, n, true, res)) != HDL_RC_SUCCESS)
        return rc;

    uint8_t gov[HDL_MAX_HANDLE_LEN + 8];
    uint16_t need;
    size_t gov_len = governing_handle(h, len, gov, &need);
    /* Whether the prefix lets who create is asked before the handle is locked; whether it is
     * needed depends on whether the handle exists, which only the update knows. */
    uint32_t create_rc =
        gov_len ? perm_check_handle(node, who, gov, gov_len, need)
                : (perm_is_server_admin(node, who) ? HDL_RC_SUCCESS : HDL_RC_INVALID_ADMIN);
    if (create_rc == HDL_RC_AUTHEN_ERROR)
        return ops_done(res, create_rc,
                        "The administrators of %.*s could not be read from the "
                        "server of this site that holds them",
                        (int)gov_len, (const char *)gov);
    if (create_rc != HDL_RC_SUCCESS && !(flags & OPS_OVERWRITE))
        return ops_done(res, create_rc, "Not allowed to create handles under this prefix");

    stamp(values, n);
    struct change c = {.node = node,
                       .who = who,
                       .res = res,
                       .flags = flags,
                       .values = values,
                       .n = n,
                       .create_rc = create_rc};
    return run_update(node, h, len, create_fn, &c);
}

static uint32_t delete_op(struct node *node, const struct identity *who, const uint8_t *handle,
                          size_t len, struct ops_result *res)
{
    memset(res, 0, sizeof *res);
    uint32_t rc = precheck(node, handle, len, res);
    if (rc != HDL_RC_SUCCESS)
        return rc;
    struct change c = {.node = node, .who = who, .res = res};
    uint8_t gov[HDL_MAX_HANDLE_LEN + 8];
    uint16_t need;
    if (hname_is_prefix_handle(handle, len)) {
        c.gov = gov;
        c.gov_len = governing_handle(handle, len, gov, &need);
        if (c.gov_len == 0 && !perm_is_server_admin(node, who))
            return ops_done(res, HDL_RC_INVALID_ADMIN,
                            "Only server administrators may delete this");
    }
    return run_update(node, handle, len, delete_fn, &c);
}

static uint32_t add_values_op(struct node *node, const struct identity *who, const uint8_t *handle,
                              size_t len, struct hdl_value *values, size_t n, unsigned flags,
                              struct ops_result *res)
{
    memset(res, 0, sizeof *res);
    uint32_t rc = precheck(node, handle, len, res);
    if (rc != HDL_RC_SUCCESS || (rc = check_values(values, n, true, res)) != HDL_RC_SUCCESS)
        return rc;
    stamp(values, n);
    struct change c = {
        .node = node, .who = who, .res = res, .flags = flags, .values = values, .n = n};
    return run_update(node, handle, len, add_fn, &c);
}

static uint32_t modify_values_op(struct node *node, const struct identity *who,
                                 const uint8_t *handle, size_t len, struct hdl_value *values,
                                 size_t n, struct ops_result *res)
{
    memset(res, 0, sizeof *res);
    uint32_t rc = precheck(node, handle, len, res);
    if (rc != HDL_RC_SUCCESS || (rc = check_values(values, n, false, res)) != HDL_RC_SUCCESS)
        return rc;
    stamp(values, n);
    struct change c = {.node = node, .who = who, .res = res, .values = values, .n = n};
    return run_update(node, handle, len, modify_fn, &c);
}

static uint32_t remove_values_op(struct node *node, const struct identity *who,
                                 const uint8_t *handle, size_t len, const uint32_t *indexes,
                                 size_t n, struct ops_result *res)
{
    memset(res, 0, sizeof *res);
    uint32_t rc = precheck(node, handle, len, res);
    if (rc != HDL_RC_SUCCESS)
        return rc;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < i; j++)
            if (indexes[i] == indexes[j])
                return ops_done(res, HDL_RC_INVALID_VALUE, "Index %u appears twice", indexes[i]);
    struct change c = {.node = node, .who = who, .res = res, .indexes = indexes, .n = n};
    return run_update(node, handle, len, remove_fn, &c);
}

/* Every change, allowed or not, goes to the access log with who asked for it. */
static uint32_t logged(const char *op, const uint8_t *handle, size_t len,
                       const struct identity *who, uint32_t rc)
{
    access_log_change(op, handle, len, who->index, who->authenticated ? who->handle : NULL,
                      who->authenticated ? who->handle_len : 0, rc);
    return rc;
}

uint32_t ops_create(struct node *node, const struct identity *who, const uint8_t *handle,
                    size_t len, struct hdl_value *values, size_t n, unsigned flags,
                    struct ops_result *res)
{
    uint32_t rc = create_op(node, who, handle, len, values, n, flags, res);
    /* A minted handle is logged as made. */
    if (res->handle_len)
        return logged("create_handle", res->handle, res->handle_len, who, rc);
    return logged("create_handle", handle, len, who, rc);
}

uint32_t ops_delete(struct node *node, const struct identity *who, const uint8_t *handle,
                    size_t len, struct ops_result *res)
{
    return logged("delete_handle", handle, len, who, delete_op(node, who, handle, len, res));
}

uint32_t ops_add_values(struct node *node, const struct identity *who, const uint8_t *handle,
                        size_t len, struct hdl_value *values, size_t n, unsigned flags,
                        struct ops_result *res)
{
    return logged("add_value", handle, len, who,
                  add_values_op(node, who, handle, len, values, n, flags, res));
}

uint32_t ops_modify_values(struct node *node, const struct identity *who, const uint8_t *handle,
                           size_t len, struct hdl_value *values, size_t n, struct ops_result *res)
{
    return logged("modify_value", handle, len, who,
                  modify_values_op(node, who, handle, len, values, n, res));
}

uint32_t ops_remove_values(struct node *node, const struct identity *who, const uint8_t *handle,
                           size_t len, const uint32_t *indexes, size_t n, struct ops_result *res)
{
    return logged("remove_value", handle, len, who,
                  remove_values_op(node, who, handle, len, indexes, n, res));
}

bool ops_may_read_private(struct node *node, const struct identity *who, const uint8_t *handle,
                          size_t len)
{
    return who->authenticated &&
           perm_check_handle(node, who, handle, len, HDL_ADM_READ_VALUE) == HDL_RC_SUCCESS;
}
