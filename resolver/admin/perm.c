#include "resolver/admin/perm.h"

#include <string.h>

#include "proto/hdl_admin.h"
#include "resolver/admin/site_values.h"

bool perm_is_server_admin(const struct node *node, const struct identity *who)
{
    if (!who->authenticated)
        return false;
    /* server_admins as last loaded: a reload rewrites the list under the mutex. */
    struct node_live *l = (struct node_live *)&node->live;
    bool is = false;
    pthread_mutex_lock(&l->admins_mu);
    for (int i = 0; i < l->admin_count && !is; i++)
        is = identity_is(who, (const uint8_t *)l->admins[i].handle, strlen(l->admins[i].handle),
                         l->admins[i].index);
    pthread_mutex_unlock(&l->admins_mu);
    return is;
}

/* A permission check under way: whether some values it needed could not be read because the
 * server of the site holding them did not answer. */
struct walk {
    struct node *node;
    const struct identity *who;
    bool unreachable;
};

/* Is who a member of the HS_VLIST at index:handle (or one nested in it)? */
static bool in_group(struct walk *w, struct hdl_slice handle, uint32_t index, int depth)
{
    if (depth >= PERM_VLIST_DEPTH)
        return false;
    struct site_values sv;
    char msg[256];
    uint32_t rc = site_values_get(w->node, handle.ptr, handle.len, &sv, msg, sizeof msg);
    if (rc != HDL_RC_SUCCESS) {
        w->unreachable |= rc == HDL_RC_SERVER_NOT_RESP;
        return false;
    }
    bool member = false;
    struct hdl_reader r;
    hdl_reader_init(&r, sv.view.values.ptr, sv.view.values.len);
    struct hdl_value v;
    for (uint32_t i = 0; i < sv.view.value_count && hdl_value_decode(&r, &v) == HDL_OK; i++) {
        if (v.index != index || !hdl_slice_eq_ci(v.type, "HS_VLIST"))
            continue;
        struct hdl_vlist vl;
        if (hdl_vlist_decode(v.data.ptr, v.data.len, &vl) != HDL_OK)
            break;
        uint32_t pos = 0, eidx;
        struct hdl_slice eh;
        while (!member && hdl_vlist_next(&vl, &pos, &eh, &eidx) == HDL_OK)
            member = identity_is(w->who, eh.ptr, eh.len, eidx) || in_group(w, eh, eidx, depth + 1);
        break;
    }
    site_values_release(&sv);
    return member;
}

uint32_t perm_check(struct node *node, const struct identity *who,
                    const struct reg_record_view *rec, uint16_t need)
{
    if (!who->authenticated)
        return HDL_RC_INVALID_ADMIN;
    if (perm_is_server_admin(node, who))
        return HDL_RC_SUCCESS;
    if (!rec)
        return HDL_RC_INVALID_ADMIN;
    struct walk w = {.node = node, .who = who};
    bool named = false;
    struct hdl_reader r;
    hdl_reader_init(&r, rec->values.ptr, rec->values.len);
    struct hdl_value v;
    for (uint32_t i = 0; i < rec->value_count && hdl_value_decode(&r, &v) == HDL_OK; i++) {
        if (!hdl_slice_eq_ci(v.type, "HS_ADMIN"))
            continue;
        struct hdl_admin adm;
        if (hdl_admin_decode(v.data.ptr, v.data.len, &adm) != HDL_OK)
            continue;
        if (!identity_is(who, adm.handle.ptr, adm.handle.len, adm.index) &&
            !in_group(&w, adm.handle, adm.index, 0))
            continue;
        named = true;
        if ((adm.perms & need) == need)
            return HDL_RC_SUCCESS;
    }
    if (named)
        return HDL_RC_INSUFFICIENT_PERMISSIONS;
    /* A group that could not be read might have named who: that is not a refusal. */
    return w.unreachable ? HDL_RC_AUTHEN_ERROR : HDL_RC_INVALID_ADMIN;
}

uint32_t perm_check_handle(struct node *node, const struct identity *who, const uint8_t *handle,
                           size_t len, uint16_t need)
{
    if (perm_is_server_admin(node, who))
        return HDL_RC_SUCCESS;
    struct site_values sv;
    char msg[256];
    uint32_t rc = site_values_get(node, handle, len, &sv, msg, sizeof msg);
    if (rc == HDL_RC_HANDLE_NOT_FOUND)
        return perm_check(node, who, NULL, need);
    if (rc != HDL_RC_SUCCESS)
        return rc == HDL_RC_SERVER_NOT_RESP ? HDL_RC_AUTHEN_ERROR : rc;
    rc = perm_check(node, who, &sv.view, need);
    site_values_release(&sv);
    return rc;
}
