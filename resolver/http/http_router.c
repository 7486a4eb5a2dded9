#include "resolver/http/http_router.h"

#include <sys/queue.h>

#include <event2/buffer.h>
#include <event2/keyvalq_struct.h>
#include <stdlib.h>
#include <string.h>

#include "proto/hdl_const.h"
#include "resolver/http/http_api.h"
#include "resolver/http/http_authed.h"
#include "resolver/http/http_call.h"
#include "resolver/http/http_metrics.h"
#include "resolver/http/http_proxy.h"
#include "resolver/http/http_proxy_url.h"
#include "resolver/http/http_qr.h"
#include "resolver/http/http_replication.h"
#include "resolver/http/http_send.h"
#include "resolver/http/http_status.h"
#include "resolver/net/worker.h"

struct route {
    unsigned methods; /* EVHTTP_REQ_*; HEAD is served where GET is */
    const char *path;
    bool subtree; /* path is a prefix ("/api/handles/") rather than the whole path */
    enum http_route id;
    void (*fn)(struct http_call *c);
};

/* Reads of public values stay on the worker; whatever authenticates goes to http_authed.h. */
static const struct route routes[] = {
    {EVHTTP_REQ_GET, "/api/handles/", true, HTTP_ROUTE_HANDLE, http_authed_get_handle},
    {EVHTTP_REQ_PUT, "/api/handles/", true, HTTP_ROUTE_HANDLE, http_authed_put_handle},
    {EVHTTP_REQ_DELETE, "/api/handles/", true, HTTP_ROUTE_HANDLE, http_authed_delete_handle},
    {EVHTTP_REQ_GET, "/api/handles", false, HTTP_ROUTE_LIST, http_authed_list_handles},
    {EVHTTP_REQ_GET, "/api/prefixes", false, HTTP_ROUTE_PREFIXES, http_authed_prefixes},
    {EVHTTP_REQ_GET, "/api/site", false, HTTP_ROUTE_SITE, http_api_site},
    {EVHTTP_REQ_GET, "/api/status", false, HTTP_ROUTE_STATUS, http_status_get},
    {EVHTTP_REQ_POST, "/api/batch", false, HTTP_ROUTE_OTHER, http_authed_batch},
    {EVHTTP_REQ_POST, "/api/imports", false, HTTP_ROUTE_OTHER, http_authed_imports},
    {EVHTTP_REQ_GET | EVHTTP_REQ_DELETE, "/api/imports/", true, HTTP_ROUTE_OTHER,
     http_authed_imports},
    {EVHTTP_REQ_POST, "/api/sessions", false, HTTP_ROUTE_SESSIONS, http_authed_sessions},
    {EVHTTP_REQ_GET | EVHTTP_REQ_PUT | EVHTTP_REQ_POST | EVHTTP_REQ_DELETE, "/api/sessions/this",
     false, HTTP_ROUTE_SESSIONS, http_authed_sessions},
    {EVHTTP_REQ_GET, "/metrics", false, HTTP_ROUTE_METRICS, http_metrics_scrape},
    {EVHTTP_REQ_GET, "/healthz", false, HTTP_ROUTE_HEALTHZ, http_metrics_health},
    {EVHTTP_REQ_GET, "/qr/", true, HTTP_ROUTE_QR, http_qr_get},
};

static bool path_matches(const struct route *r, const char *path)
{
    size_t n = strlen(r->path);
    return r->subtree ? strncmp(path, r->path, n) == 0 && path[n] != '\0'
                      : strcmp(path, r->path) == 0;
}

/* A route's folder alone ("/qr/") names nothing: it is not a handle for the proxy either. */
static bool is_route_folder(const char *path)
{
    for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++)
        if (routes[i].subtree && strcmp(path, routes[i].path) == 0)
            return true;
    return false;
}

static void dispatch(struct http_call *c)
{
    unsigned method = (unsigned)evhttp_request_get_command(c->req);
    if (method == EVHTTP_REQ_HEAD)
        method = EVHTTP_REQ_GET;
    size_t body = evbuffer_get_length(evhttp_request_get_input_buffer(c->req));
    if (c->tls && body > c->w->node->conf->http_max_body_bytes &&
        strcmp(c->path, "/api/batch") != 0) {
        json_t *o = json_pack("{s:i,s:s}", "responseCode", HDL_RC_ERROR, "message",
                              "Request body too large (http.max_body_bytes)");
        http_send_json(c, 413, o);
        return;
    }
    bool path_known = false;
    for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++) {
        const struct route *r = &routes[i];
        if (!path_matches(r, c->path))
            continue;
        path_known = true;
        c->route = r->id;
        if (r->methods & method) {
            if (!http_replication_refuse_write(c, method, r->path))
                r->fn(c);
            return;
        }
    }
    if (path_known) {
        json_t *o = json_pack("{s:i,s:s}", "responseCode", HDL_RC_ERROR, "message",
                              "Method not allowed here");
        http_send_json(c, 405, o);
        return;
    }
    /* Outside /api/ the port is the proxy: a GET resolves the handle its path names, a posted
     * form the handle it names; everything else that is posted is a native message. */
    if (strncmp(c->path, "/api/", 5) != 0 && !is_route_folder(c->path) &&
        (method == EVHTTP_REQ_GET || (method == EVHTTP_REQ_POST && http_proxy_is_form(c)))) {
        c->route = strcmp(c->path, "/") == 0 ? HTTP_ROUTE_OTHER : HTTP_ROUTE_HANDLE;
        if (method == EVHTTP_REQ_GET)
            http_proxy_get(c);
        else
            http_proxy_post(c);
        return;
    }
    if (method == EVHTTP_REQ_POST && strncmp(c->path, "/api/", 5) != 0) {
        c->route = HTTP_ROUTE_NATIVE;
        http_api_native(c);
        return;
    }
    c->route = HTTP_ROUTE_OTHER;
    json_t *o = json_pack("{s:i,s:s}", "responseCode", HDL_RC_ERROR, "message", "Not found");
    http_send_json(c, 404, o);
}

void http_router_serve(struct worker *w, struct evhttp_request *req, bool tls)
{
    struct evkeyvalq query;
    TAILQ_INIT(&query);
    struct http_call c = {
        .w = w,
        .req = req,
        .tls = tls,
        .path = "/",
        .query = &query,
        .route = HTTP_ROUTE_OTHER,
        .started_ns = node_now_ns(),
        .opcode = -1,
    };
    const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
    const char *path = uri ? evhttp_uri_get_path(uri) : NULL;
    if (path && *path)
        c.path = path;
    const char *qs = uri ? evhttp_uri_get_query(uri) : NULL;
    if (qs && http_url_parse_form(qs, &query) != 0) {
        c.query = NULL;
        json_t *o = json_pack("{s:i,s:s}", "responseCode", HDL_RC_ERROR, "message",
                              "Malformed query string");
        http_send_json(&c, 400, o);
    } else {
        dispatch(&c);
    }
    evhttp_clear_headers(&query);
}
