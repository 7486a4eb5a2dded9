/*
 * Prefix referrals (303 PREFIX_REFERRAL, docs/protocol.md "Referrals"): what a node answers for a
 * resolution it cannot answer from its own records but whose way on it knows, from the site
 * values of a prefix handle it serves. The body is the reference server's: an empty handle, then
 * int4 count and the public values that point on, as stored. query.c writes the header.
 */
#ifndef NODE_QUERY_REFERRAL_H
#define NODE_QUERY_REFERRAL_H

#include <stddef.h>
#include <stdint.h>

#include "proto/hdl_buf.h"
#include "resolver/node.h"
#include "resolver/query/query_lookup.h"

/*
 * Writes the body of a prefix referral for the resolution of handle (as the client spelled it,
 * with the request's op_flags) that query_lookup found missing here (why: QUERY_LOOKUP_NOT_HOMED
 * or QUERY_LOOKUP_NOT_FOUND) into w: an empty byteString handle, int4 count, the values.
 * Returns the count; 0 when there is no referral (then w holds a partial body to throw away):
 *  - DNRF set in op_flags: never a referral;
 *  - NOT_FOUND of a derived prefix handle 0.NA/X.Y (or X.Y without a slash): the HS_SITE.PREFIX,
 *    HS_NA_DELEGATE and HS_SERV.PREFIX values of its nearest ancestor prefix handle (0.NA/X.Y's
 *    parent 0.NA/X, then 0.NA/X's…) served here that holds any, as the reference server;
 *  - NOT_HOMED of P/S: the HS_SITE, HS_SITE.6 and HS_SERV values of 0.NA/P when it is served
 *    and stored here (0 when it holds none); when 0.NA/P is not stored, those of the nearest
 *    ancestor of 0.NA/P as above;
 *  - anything else (a missing P/S under a homed P, a 0.NA/ handle whose prefix lives
 *    elsewhere): 0.
 * Only public values count, in their stored order. REC is not looked at: a caller that recurses
 * does so before asking. Reads the registry; allocates nothing.
 */
int query_referral_put(struct node *node, uint32_t op_flags, struct hdl_slice handle,
                       enum query_lookup why, struct hdl_writer *w);

#endif
