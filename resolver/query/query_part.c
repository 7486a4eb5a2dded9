/* This server's part of a multi-server site: the hash check every handle goes through. */
#include "resolver/query/query_part.h"

#include <string.h>

#include "client/site_pick.h"
#include "conf/conf.h"
#include "proto/hdl_const.h"

/* The index of handle's server in c's site; -1 when the hash cannot place it. */
static int part_of(const struct conf *c, const uint8_t *handle, size_t len)
{
    return site_pick_part(c->site_hash, (uint32_t)c->site_server_count, handle, len);
}

bool query_part_elsewhere(const struct node *node, const uint8_t *handle, size_t len)
{
    const struct conf *c = node->conf;
    if (!c || c->site_server_count <= 1 || c->site_self < 0)
        return false;
    int part = part_of(c, handle, len);
    return part >= 0 && part != c->site_self;
}

int query_part_of_key(void *ctx, const uint8_t *key, size_t len)
{
    const struct node *node = ctx;
    /* Keys are handles with ASCII case folded, which the hash does itself. */
    return part_of(node->conf, key, len);
}
