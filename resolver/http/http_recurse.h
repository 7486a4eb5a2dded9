/*
 * Recursion for the HTTP front end: when resolver.recursion is on, a handle whose prefix is not
 * homed here is resolved through the worker's recursor (resolver/upstream/recursor.h) for the
 * REST API, the proxy and the native tunnel, as it is for UDP and TCP. The request is held
 * (http_conn.h: dropped when its connection closes) until the answer comes, and the handler's
 * continuation then renders it as it renders a local answer.
 */
#ifndef NODE_HTTP_RECURSE_H
#define NODE_HTTP_RECURSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "client/resolve_msg.h"
#include "proto/hdl_resolution.h"
#include "resolver/http/http_call.h"

/* What a handler does with the answer: c is the held request (a copy of the handler's call, its
 * query parameters included), ctx the handler's, now owned by fn; a the answer taken apart (its
 * slices valid during the call), or NULL when no readable answer came. */
typedef void (*http_recurse_fn)(struct http_call *c, void *ctx, const struct rmsg_answer *a);

/* Whether c's worker resolves prefixes not homed here (resolver.recursion). */
bool http_recurse_on(const struct http_call *c);

/* Resolves handle (len bytes) at other sites, public values only, selected by rr's index and type
 * lists, and runs fn(c', ctx, answer) on the worker once the answer is in: at once from the
 * recursion cache, else later from the loop. When c's connection closes first, free_ctx(ctx) runs
 * instead. Returns false, keeping nothing (ctx stays the caller's), when the request cannot be
 * taken (the recursor is busy or memory is short): the caller answers SERVER_TOO_BUSY. */
bool http_recurse_resolve(struct http_call *c, const char *handle, size_t len,
                          const struct hdl_resolution_request *rr, http_recurse_fn fn, void *ctx,
                          void (*free_ctx)(void *ctx));

/* The native tunnel's request message msg, which the query layer handed on (QUERY_RECURSE):
 * resolved through the recursor and its answer sent as the body once it comes. Returns false
 * when it cannot be taken; nothing is sent then. */
bool http_recurse_native(struct http_call *c, const uint8_t *msg, size_t len);

#endif
