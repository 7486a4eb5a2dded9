/*
 * The REST API's authenticated side (docs/protocol.md §15): PUT and DELETE of handles and values, the
 * handle list, the homed prefixes, sessions, POST /api/batch (http_batch.h), and reads of values
 * without public read. Authentication (http_auth.h) is accepted over HTTPS only; over plain HTTP
 * these answer 403. Everything that authenticates, reads for an identity or writes runs on an
 * admin thread (http_job.h) and goes through ops.h, the binary protocol's one implementation of
 * every permission rule.
 */
#ifndef NODE_HTTP_ADMIN_H
#define NODE_HTTP_ADMIN_H

#include "resolver/http/http_call.h"

/* GET /api/handles/{handle}: with an Authorization header over HTTPS, as that identity (values
 * without public read when it holds READ_VALUE); otherwise the public read of http_api.h. */
void http_authed_get_handle(struct http_call *c);
/* PUT /api/handles/{handle}[?index=i...|various][&overwrite=][&mintNewSuffix=]. */
void http_authed_put_handle(struct http_call *c);
/* DELETE /api/handles/{handle}[?index=i...]. */
void http_authed_delete_handle(struct http_call *c);
/* GET /api/handles?prefix=P&page=&pageSize=: needs LIST_HANDLES on the prefix handle. */
void http_authed_list_handles(struct http_call *c);
/* GET /api/prefixes: server administrators only, as the reference (LIST_HOMED_NAS). */
void http_authed_prefixes(struct http_call *c);
/* POST /api/sessions; GET, PUT, POST, DELETE /api/sessions/this. */
void http_authed_sessions(struct http_call *c);
/* POST /api/batch. */
void http_authed_batch(struct http_call *c);
/* POST /api/imports; GET and DELETE /api/imports/{id} (http_import.h). */
void http_authed_imports(struct http_call *c);

#endif
