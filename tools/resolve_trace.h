/*
 * pazhou resolve --trace: the walk down the tree done by the client itself, as `kdig +trace`
 * does for DNS. It asks the root for the prefix handle's site values without recursion, follows
 * referrals and service handles, picks the site's server for the handle by the reference's hash,
 * and asks it; each hop is printed as it is made.
 */
#ifndef TOOLS_RESOLVE_TRACE_H
#define TOOLS_RESOLVE_TRACE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "client/client.h"
#include "proto/hdl_buf.h"

/* The most requests one trace makes before it gives up (a referral loop). */
#define TRACE_MAX_HOPS 16

/* What the final request asks for (the user's --type and --index filters). */
struct trace_query {
    const char *handle;
    const struct hdl_slice *types;
    uint32_t type_count;
    const uint32_t *indexes;
    uint32_t index_count;
};

/*
 * Walks from root (its transport, UDP or TCP, is used for every hop) to the server of q->handle
 * and asks it. One line per hop goes to hops:
 *     ";; HOST:PORT/udp  HANDLE  RC_NAME (RC)  T ms"
 * Returns 0 with the last answer (a whole message) in resp (cap bytes, *resp_len), whatever its
 * response code; otherwise 2 with the reason on stderr (no answer, an answer that does not
 * decode, no site or server to go on to, too many hops).
 */
int resolve_trace(const struct client_opts *root, const struct trace_query *q, FILE *hops,
                  uint8_t *resp, size_t cap, size_t *resp_len);

#endif
