/*
 * The HTTP front end's route table: a request's target is parsed into an http_call and handed,
 * by (method, path), to the REST API (http_api.h, http_authed.h), the native protocol tunnel,
 * /metrics or /healthz (http_metrics.h); whatever matches no route is answered here.
 */
#ifndef NODE_HTTP_ROUTER_H
#define NODE_HTTP_ROUTER_H

#include <event2/http.h>
#include <stdbool.h>

struct worker;

/* Answers req, which arrived on w's HTTPS front end when tls, through its route. */
void http_router_serve(struct worker *w, struct evhttp_request *req, bool tls);

#endif
