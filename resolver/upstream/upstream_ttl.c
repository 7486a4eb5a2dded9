#include "resolver/upstream/upstream_ttl.h"

#include "proto/hdl_value.h"

/* ttlType values (docs/protocol.md §6). */
#define TTL_RELATIVE 0
#define TTL_ABSOLUTE 1

int64_t upstream_ttl_of(const struct hdl_resolution_response *resp, uint64_t now, uint32_t max_s)
{
    int64_t least = max_s;
    uint32_t pos = 0;
    struct hdl_value v;
    for (uint32_t i = 0; i < resp->value_count; i++) {
        if (hdl_resolution_response_next(resp, &pos, &v) != HDL_OK)
            return -1;
        int64_t ttl;
        if (v.ttl_type == TTL_ABSOLUTE)
            ttl = (uint64_t)v.ttl > now ? (int64_t)((uint64_t)v.ttl - now) : 0;
        else
            ttl = (int64_t)v.ttl;
        if (ttl < least)
            least = ttl;
    }
    return least;
}
