#include "resolver/query/query_prefetch.h"

#include "proto/hdl_const.h"
#include "proto/hdl_message.h"
#include "proto/hdl_resolution.h"
#include "registry/reg_db.h"
#include "resolver/node.h"
#include "resolver/query/query_lookup.h"
#include "resolver/query/resident.h"

bool query_prefetch_useful(const struct query_ctx *q)
{
    return q->node->resident != NULL;
}

bool query_prefetch(struct query_ctx *q, const uint8_t *req, size_t len, uint64_t *hash)
{
    struct node *node = q->node;
    if (!node->resident)
        return false;
    struct hdl_message msg;
    struct hdl_resolution_request rr;
    if (hdl_message_split(req, len, &msg) != HDL_OK || msg.hdr.opcode != HDL_OC_RESOLUTION ||
        msg.hdr.response_code != 0 ||
        hdl_resolution_request_decode(msg.body.ptr, msg.body.len, &rr) != HDL_OK ||
        !query_key_hash(node, rr.handle.ptr, rr.handle.len, hash))
        return false;
    reg_prefetch_version(node->db, *hash);
    resident_prefetch(node->resident, *hash);
    return true;
}

void query_prefetch_entry(struct query_ctx *q, uint64_t hash)
{
    if (q->node->resident)
        resident_prefetch_entry(q->node->resident, hash);
}
