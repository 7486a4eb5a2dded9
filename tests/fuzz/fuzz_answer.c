/*
 * libFuzzer target for what a recursing node reads from other servers: arbitrary bytes taken
 * apart as an answer (client/resolve_msg: envelope, header, digest, success values, referral
 * values, error text) and the site and service values of whatever run decodes (rmsg_sites_of
 * with every type set the recursor and the trace use), each site then asked for the server a
 * handle hashes to and that server's UDP and TCP endpoints (client/site_pick). Nothing may
 * crash, read out of bounds or leak; a value run that rmsg_parse_answer accepted must decode.
 * Built by -DPAZHOU_FUZZ=ON (docs/fuzzing.md).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "client/resolve_msg.h"
#include "client/site_pick.h"
#include "proto/hdl_const.h"
#include "proto/hdl_site.h"

#define MAX_SITES 4
#define MAX_SERVS 4

static struct hdl_site sites[MAX_SITES];
static struct hdl_slice servs[MAX_SERVS];

static void sites_of(const struct rmsg_answer *a, const struct rmsg_types *site_types,
                     const struct rmsg_types *serv_types)
{
    struct rmsg_sites s = {.sites = sites, .max_sites = MAX_SITES, .servs = servs,
                           .max_servs = MAX_SERVS};
    if (rmsg_sites_of(a->values.ptr, a->values.len, a->value_count, site_types, serv_types, &s) !=
        0)
        abort(); /* the run was validated by rmsg_parse_answer */
    if (s.site_count > MAX_SITES || s.serv_count > MAX_SERVS)
        abort();
    for (uint32_t i = 0; i < s.site_count; i++) {
        uint32_t n;
        if (site_pick_server(&sites[i], a->handle.ptr, a->handle.len, &n) == 0) {
            if (n >= sites[i].server_count)
                abort();
            struct sockaddr_storage addr;
            socklen_t len;
            site_pick_endpoint(&sites[i].servers[n], HDL_IF_UDP, &addr, &len);
            site_pick_endpoint(&sites[i].servers[n], HDL_IF_TCP, &addr, &len);
        }
    }
    for (uint32_t i = 0; i < s.serv_count; i++)
        if (servs[i].len > a->values.len)
            abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct rmsg_answer a;
    if (rmsg_parse_answer(data, size, &a) != 0)
        return 0;
    if (a.body.len > size || a.values.len > a.body.len)
        abort();
    if (a.kind == RMSG_SUCCESS || a.kind == RMSG_REFERRAL) {
        sites_of(&a, &rmsg_site_types, &rmsg_serv_types);
        sites_of(&a, &rmsg_referral_site_types, &rmsg_referral_serv_types);
        sites_of(&a, &rmsg_prefix_site_types, NULL);
    }
    return 0;
}
