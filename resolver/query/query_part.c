/* This server's part of a multi-server site: the hash check every handle goes through. */
#include "resolver/query/query_part.h"

#include <string.h>

#include "client/site_pick.h"
#include "common/handle_name.h"
#include "conf/conf.h"
#include "proto/hdl_const.h"

bool query_part_elsewhere(const struct node *node, const uint8_t *handle, size_t len)
{
    const struct conf *c = node->conf;
    if (!c || c->site_server_count <= 1 || c->site_self < 0)
        return false;
    uint8_t full[HDL_MAX_HANDLE_LEN];
    if (len > 0 && !memchr(handle, '/', len)) {
        /* As Util.convertSlashlessHandleToZeroNaHandle: "88.100" is "0.NA/88.100". */
        if (len + HNAME_NA_PREFIX_LEN > sizeof full)
            return false;
        memcpy(full, HNAME_NA_PREFIX, HNAME_NA_PREFIX_LEN);
        memcpy(full + HNAME_NA_PREFIX_LEN, handle, len);
        handle = full;
        len += HNAME_NA_PREFIX_LEN;
    }
    uint32_t index;
    if (site_pick_index(c->site_hash, (uint32_t)c->site_server_count, handle, len, &index) !=
        HDL_OK)
        return false;
    return index != (uint32_t)c->site_self;
}
