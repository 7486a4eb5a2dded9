#include "resolver/admin/perm.h"

#include <string.h>

#include "proto/hdl_admin.h"

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

/* Is who a member of the HS_VLIST at index:handle (or one nested in it)? */
static bool in_group(struct node *node, const struct identity *who, struct hdl_slice handle,
                     uint32_t index, int depth)
{
    if (depth >= PERM_VLIST_DEPTH)
        return false;
    struct reg_pin pin;
    if (reg_get_record(node->db, handle.ptr, handle.len, &pin) != REG_OK)
        return false;
    bool member = false;
    struct reg_record_view rec;
    if (reg_record_parse(pin.data, pin.len, 0, &rec) == HDL_OK) {
        struct hdl_reader r;
        hdl_reader_init(&r, rec.values.ptr, rec.values.len);
        struct hdl_value v;
        for (uint32_t i = 0; i < rec.value_count && hdl_value_decode(&r, &v) == HDL_OK; i++) {
            if (v.index != index || !hdl_slice_eq_ci(v.type, "HS_VLIST"))
                continue;
            struct hdl_vlist vl;
            if (hdl_vlist_decode(v.data.ptr, v.data.len, &vl) != HDL_OK)
                break;
            uint32_t pos = 0, eidx;
            struct hdl_slice eh;
            while (!member && hdl_vlist_next(&vl, &pos, &eh, &eidx) == HDL_OK)
                member = identity_is(who, eh.ptr, eh.len, eidx) ||
                         in_group(node, who, eh, eidx, depth + 1);
            break;
        }
    }
    reg_pin_release(&pin);
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
            !in_group(node, who, adm.handle, adm.index, 0))
            continue;
        named = true;
        if ((adm.perms & need) == need)
            return HDL_RC_SUCCESS;
    }
    return named ? HDL_RC_INSUFFICIENT_PERMISSIONS : HDL_RC_INVALID_ADMIN;
}

uint32_t perm_check_handle(struct node *node, const struct identity *who, const uint8_t *handle,
                           size_t len, uint16_t need)
{
    if (perm_is_server_admin(node, who))
        return HDL_RC_SUCCESS;
    struct reg_pin pin;
    if (reg_get_record(node->db, handle, len, &pin) != REG_OK)
        return perm_check(node, who, NULL, need);
    struct reg_record_view rec;
    uint32_t rc = reg_record_parse(pin.data, pin.len, 0, &rec) == HDL_OK
                      ? perm_check(node, who, &rec, need)
                      : HDL_RC_ERROR;
    reg_pin_release(&pin);
    return rc;
}
