#include "resolver/query/query_prefetch.h"

#include "proto/hdl_buf.h"
#include "proto/hdl_const.h"
#include "registry/reg_db.h"
#include "resolver/node.h"
#include "resolver/query/query_lookup.h"
#include "resolver/query/resident.h"

bool query_prefetch_useful(const struct query_ctx *q)
{
    return q->node->resident != NULL;
}

/* Where every plain resolution request has its handle: the body's first field. Read at those
 * offsets, not parsed: the parse is the answer's (query_answer), and half of a prefetch's cost
 * when it was done here too. Something else read as a handle only spends a hint. */
static bool handle_of(const uint8_t *req, size_t len, const uint8_t **handle, size_t *handle_len)
{
    if (len < HDL_BODY_AT + 4 || (req[2] & (HDL_ENV_COMPRESSED | HDL_ENV_ENCRYPTED)) ||
        hdl_load_u32(req + HDL_OPCODE_AT) != HDL_OC_RESOLUTION ||
        hdl_load_u32(req + HDL_RC_AT) != 0)
        return false;
    uint32_t n = hdl_load_u32(req + HDL_BODY_AT);
    if (n == 0 || n > HDL_MAX_HANDLE_LEN || n > len - HDL_BODY_AT - 4)
        return false;
    *handle = req + HDL_BODY_AT + 4;
    *handle_len = n;
    return true;
}

bool query_prefetch_key(struct query_ctx *q, const uint8_t *req, size_t len, struct query_key *k)
{
    struct node *node = q->node;
    const uint8_t *handle;
    size_t handle_len;
    if (!node->resident || !handle_of(req, len, &handle, &handle_len) ||
        query_key_derive(node, handle, handle_len, k) != QUERY_LOOKUP_FOUND)
        return false;
    reg_prefetch_version(node->db, k->hash);
    resident_prefetch(node->resident, k->hash);
    return true;
}

bool query_prefetch(struct query_ctx *q, const uint8_t *req, size_t len, uint64_t *hash)
{
    struct query_key k;
    if (!query_prefetch_key(q, req, len, &k))
        return false;
    *hash = k.hash;
    return true;
}

void query_prefetch_entry(struct query_ctx *q, uint64_t hash)
{
    if (q->node->resident)
        resident_prefetch_entry(q->node->resident, hash);
}
