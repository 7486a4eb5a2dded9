/* The prefix operations: listing a prefix's handles, homing and unhoming prefixes, listing the
 * homed ones (ops.h). */
#include "resolver/admin/ops.h"

#include <string.h>

#include "common/handle_name.h"
#include "proto/hdl_admin.h"
#include "proto/hdl_const.h"
#include "proto/hdl_error.h"
#include "registry/reg_list.h"
#include "registry/reg_prefix.h"
#include "resolver/access_log.h"
#include "resolver/admin/perm.h"

uint32_t ops_list_handles(struct node *node, const struct identity *who, const uint8_t *prefix,
                          size_t len, int (*fn)(void *ctx, const uint8_t *h, size_t len), void *ctx,
                          struct ops_result *res)
{
    memset(res, 0, sizeof *res);
    if (!hname_is_prefix_handle(prefix, len) || len > HDL_MAX_HANDLE_LEN)
        return ops_done(res, HDL_RC_INVALID_HANDLE,
                        "Listing takes a prefix handle " HNAME_NA_PREFIX "<prefix>");
    if (!node_serves(node, prefix, len))
        return ops_done(res, HDL_RC_SERVER_NOT_RESP, "That prefix doesn't live here");
    uint32_t rc = perm_check_handle(node, who, prefix, len, HDL_ADM_LIST_HANDLES);
    if (rc != HDL_RC_SUCCESS)
        return ops_done(res, rc, "Not allowed to list handles under this prefix");
    int r = reg_scan_prefix(node->db, prefix + HNAME_NA_PREFIX_LEN, len - HNAME_NA_PREFIX_LEN, NULL,
                            0, fn, ctx);
    if (r != REG_OK)
        return ops_done(res, hdl_rc_of_error(r), "Registry scan failed: %s", pz_strerror(r));
    return ops_done(res, HDL_RC_SUCCESS, "%s", "");
}

static void swap_prefixes(struct node *node)
{
    size_t count;
    node_reload_prefixes(node, &count); /* on failure the old set stays */
}

static uint32_t home_change(struct node *node, const struct identity *who, const uint8_t *prefix,
                            size_t len, bool home, struct ops_result *res)
{
    memset(res, 0, sizeof *res);
    if (!perm_is_server_admin(node, who))
        return ops_done(res, HDL_RC_INVALID_ADMIN, "Only server administrators may %s prefixes",
                        home ? "home" : "unhome");
    char name[HDL_MAX_HANDLE_LEN + 1];
    if (!hname_is_prefix_handle(prefix, len) || len > HDL_MAX_HANDLE_LEN ||
        memchr(prefix + HNAME_NA_PREFIX_LEN, '/', len - HNAME_NA_PREFIX_LEN) ||
        memchr(prefix, '\0', len))
        return ops_done(res, HDL_RC_INVALID_HANDLE,
                        "Expected a prefix handle " HNAME_NA_PREFIX "<prefix>");
    memcpy(name, prefix, len);
    name[len] = '\0';
    int rc = home ? reg_home_prefix(node->db, name) : reg_unhome_prefix(node->db, name);
    if (rc == REG_NOT_FOUND)
        return ops_done(res, hdl_rc_of_error(rc), "Prefix is not homed here");
    if (rc != REG_OK)
        return ops_done(res, hdl_rc_of_error(rc), "Registry write failed: %s", pz_strerror(rc));
    swap_prefixes(node);
    return ops_done(res, HDL_RC_SUCCESS, "%s", "");
}

uint32_t ops_home(struct node *node, const struct identity *who, const uint8_t *prefix, size_t len,
                  struct ops_result *res)
{
    uint32_t rc = home_change(node, who, prefix, len, true, res);
    access_log_change("home_na", prefix, len, who->index, who->authenticated ? who->handle : NULL,
                      who->authenticated ? who->handle_len : 0, rc);
    return rc;
}

uint32_t ops_unhome(struct node *node, const struct identity *who, const uint8_t *prefix,
                    size_t len, struct ops_result *res)
{
    uint32_t rc = home_change(node, who, prefix, len, false, res);
    access_log_change("unhome_na", prefix, len, who->index, who->authenticated ? who->handle : NULL,
                      who->authenticated ? who->handle_len : 0, rc);
    return rc;
}

struct homed_ctx {
    int (*fn)(void *ctx, const uint8_t *h, size_t len);
    void *ctx;
};

static int homed_cb(void *p, const char *prefix, size_t len)
{
    struct homed_ctx *h = p;
    return h->fn(h->ctx, (const uint8_t *)prefix, len);
}

uint32_t ops_list_homed(struct node *node, const struct identity *who,
                        int (*fn)(void *ctx, const uint8_t *h, size_t len), void *ctx,
                        struct ops_result *res)
{
    memset(res, 0, sizeof *res);
    if (!perm_is_server_admin(node, who))
        return ops_done(res, HDL_RC_INVALID_ADMIN, "Only server administrators may list prefixes");
    struct homed_ctx h = {fn, ctx};
    int rc = reg_list_prefixes(node->db, homed_cb, &h);
    if (rc != REG_OK)
        return ops_done(res, hdl_rc_of_error(rc), "Registry scan failed: %s", pz_strerror(rc));
    return ops_done(res, HDL_RC_SUCCESS, "%s", "");
}
