/*
 * The REST API (PROTOCOL.md §15) read side and the native protocol over HTTP: handlers that
 * the HTTP front end's route table (http_server.c) calls with a parsed request.
 */
#ifndef NODE_HTTP_API_H
#define NODE_HTTP_API_H

#include "http_server.h"

/* GET /api/handles/{handle}?index=&type=: the public values, selected as a resolution selects
 * them (index and type lists OR-ed), as {"responseCode","handle","values"}. */
void http_api_get_handle(struct http_call *c);
/* GET /api/handles?prefix=P&page=&pageSize=: the handles under a homed prefix, in key order. */
void http_api_list_handles(struct http_call *c);
/* GET /api/prefixes: the homed prefix handles. */
void http_api_prefixes(struct http_call *c);
/* GET /api/site: the node's HS_SITE as siteinfo.json. */
void http_api_site(struct http_call *c);
/* POST /{handle} with application/x-hdl-message: an envelope and message in, the answer out. */
void http_api_native(struct http_call *c);

#endif
