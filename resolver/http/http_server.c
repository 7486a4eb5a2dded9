#include "resolver/http/http_server.h"

#include <errno.h>
#include <sys/queue.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/err.h>

#include "proto/hdl_const.h"
#include "resolver/http/http_authed.h"
#include "resolver/http/http_api.h"
#include "resolver/http/http_guard.h"
#include "resolver/http/http_metrics.h"
#include "resolver/net/net_addr.h"
#include "common/ptr_map.h"
#include "crypto/server_key.h"
#include "resolver/net/worker.h"

#define HEARTBEAT_INTERVAL_S 1

enum { FRONT_HTTP = 0, FRONT_HTTPS = 1, FRONTS };

struct http_front {
    struct http_server *server;
    struct evhttp *http;
    bool tls;
    struct evhttp_bound_socket *bound[CONF_MAX_LISTEN];
    int bound_count;
};

struct http_server {
    struct worker *w;
    struct http_front front[FRONTS];
    struct event *beat;
    _Atomic int64_t heartbeat;
    atomic_uint conns;
    struct ptr_map seen; /* connections whose close evhttp tells us of */
    SSL_CTX *tls;
    struct http_deferred *deferred; /* requests waiting for admin jobs */
    struct http_guard *guard;       /* per-source cap and request deadline */
};

void http_defer_watch(struct http_call *c, struct http_deferred *d)
{
    struct http_server *h = c->w->http;
    d->evcon = evhttp_request_get_connection(c->req);
    d->prev = NULL;
    d->next = h->deferred;
    if (h->deferred)
        h->deferred->prev = d;
    h->deferred = d;
}

void http_defer_unwatch(struct worker *w, struct http_deferred *d)
{
    struct http_server *h = w->http;
    if (d->prev)
        d->prev->next = d->next;
    else if (h->deferred == d)
        h->deferred = d->next;
    if (d->next)
        d->next->prev = d->prev;
    d->prev = d->next = NULL;
}

static void on_conn_close(struct evhttp_connection *evcon, void *arg)
{
    struct http_server *h = arg;
    for (struct http_deferred *d = h->deferred, *next; d; d = next) {
        next = d->next;
        if (d->evcon == evcon) {
            http_defer_unwatch(h->w, d);
            d->cancel(d, true);
        }
    }
    /* Every connection has this callback (http_guard.h); the count is of those that sent a
     * request. */
    if (ptr_map_get(&h->seen, evcon)) {
        ptr_map_del(&h->seen, evcon);
        atomic_fetch_sub_explicit(&h->conns, 1, memory_order_relaxed);
    }
    http_guard_closed(h->guard, evcon);
}

static void track_connection(struct http_server *h, struct evhttp_request *req)
{
    struct evhttp_connection *evcon = evhttp_request_get_connection(req);
    if (!evcon || ptr_map_get(&h->seen, evcon) || !ptr_map_put(&h->seen, evcon, evcon))
        return;
    atomic_fetch_add_explicit(&h->conns, 1, memory_order_relaxed);
    evhttp_connection_set_closecb(evcon, on_conn_close, h);
}

int http_status_of_rc(uint32_t rc, bool tls)
{
    switch (rc) {
    case HDL_RC_SUCCESS:
    case HDL_RC_VALUES_NOT_FOUND: /* a resolution that selects nothing: "values":[] */
        return 200;
    case HDL_RC_HANDLE_NOT_FOUND:
        return 404;
    case HDL_RC_HANDLE_ALREADY_EXISTS:
    case HDL_RC_VALUE_ALREADY_EXISTS:
        return 409;
    case HDL_RC_INVALID_HANDLE:
    case HDL_RC_INVALID_VALUE:
    case HDL_RC_SERVER_NOT_RESP:
    case HDL_RC_PROTOCOL_ERROR:
        return 400;
    case HDL_RC_AUTHENTICATION_NEEDED:
        return tls ? 401 : 403;
    case HDL_RC_SERVER_TOO_BUSY:
        return 503;
    case HDL_RC_OPERATION_NOT_SUPPORTED:
        return 501;
    default:
        return rc >= 400 && rc < 500 ? 403 : 500;
    }
}

static const char *reason_of(int status)
{
    switch (status) {
    case 200:
        return "OK";
    case 201:
        return "Created";
    case 204:
        return "No Content";
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 409:
        return "Conflict";
    case 413:
        return "Payload Too Large";
    case 415:
        return "Unsupported Media Type";
    case 501:
        return "Not Implemented";
    case 503:
        return "Service Unavailable";
    default:
        return status < 500 ? "Client Error" : "Internal Server Error";
    }
}

static void count_response(struct http_call *c, int status)
{
    struct node_stats *st = &c->w->stats;
    int cls = status / 100 - 1;
    if (cls >= 0 && cls < 5)
        node_count(&st->http_responses[c->route][cls], 1);
    if (c->opcode >= 0)
        node_stats_record(st, NODE_HTTP, (uint32_t)c->opcode, node_rc_bucket_of(c->rc),
                          node_now_ns() - c->started_ns);
}

void http_send_bytes(struct http_call *c, int status, const char *content_type, const void *body,
                     size_t len)
{
    struct evkeyvalq *h = evhttp_request_get_output_headers(c->req);
    evhttp_add_header(h, "Content-Type", content_type);
    struct evbuffer *out = evbuffer_new();
    if (out)
        evbuffer_add(out, body, len);
    count_response(c, status);
    evhttp_send_reply(c->req, status, reason_of(status), out);
    if (out)
        evbuffer_free(out);
}

/* JSONP callback names: a dotted JavaScript identifier path, nothing that could end the call. */
static bool valid_callback(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 128)
        return false;
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
              ch == '_' || ch == '$' || ch == '.'))
            return false;
    }
    return true;
}

/* "pretty" given without a value, or with anything but false/0, asks for indentation. */
static bool flag_param(const struct http_call *c, const char *name)
{
    const char *v = c->query ? evhttp_find_header(c->query, name) : NULL;
    return v && strcmp(v, "false") != 0 && strcmp(v, "0") != 0;
}

void http_send_json(struct http_call *c, int status, json_t *body)
{
    const char *callback = c->query ? evhttp_find_header(c->query, "callback") : NULL;
    if (callback && !valid_callback(callback)) {
        json_decref(body);
        c->opcode = -1;
        body = json_pack("{s:i,s:s}", "responseCode", HDL_RC_ERROR, "message",
                         "callback must be a JavaScript identifier such as cb or ns.cb");
        status = 400;
        callback = NULL;
    }
    size_t flags = flag_param(c, "pretty") ? JSON_INDENT(2) : JSON_COMPACT;
    char *text = body ? json_dumps(body, flags) : NULL;
    json_decref(body);
    if (!text) {
        static const char oom[] = "{\"responseCode\":2,\"message\":\"Out of memory\"}";
        http_send_bytes(c, 500, "application/json;charset=UTF-8", oom, sizeof oom - 1);
        return;
    }
    if (callback) {
        size_t n = strlen(callback) + strlen(text) + 4;
        char *js = malloc(n);
        if (js) {
            int len = snprintf(js, n, "%s(%s);", callback, text);
            http_send_bytes(c, status, "application/javascript;charset=UTF-8", js, (size_t)len);
            free(js);
            free(text);
            return;
        }
    }
    http_send_bytes(c, status, "application/json;charset=UTF-8", text, strlen(text));
    free(text);
}

void http_send_rc(struct http_call *c, uint32_t rc, const char *handle, const char *message)
{
    json_t *o = json_pack("{s:I}", "responseCode", (json_int_t)rc);
    if (o && handle)
        json_object_set_new(o, "handle", json_string(handle));
    if (o && message && *message)
        json_object_set_new(o, "message", json_string(message));
    c->rc = rc;
    http_send_json(c, http_status_of_rc(rc, c->tls), o);
}

struct route {
    unsigned methods; /* EVHTTP_REQ_*; HEAD is served where GET is */
    const char *path;
    bool subtree; /* path is a prefix ("/api/handles/") rather than the whole path */
    enum http_route id;
    void (*fn)(struct http_call *c);
};

/* Reads of public values stay on the worker; whatever authenticates goes to http_admin.h. */
static const struct route routes[] = {
    {EVHTTP_REQ_GET, "/api/handles/", true, HTTP_ROUTE_HANDLE, http_authed_get_handle},
    {EVHTTP_REQ_PUT, "/api/handles/", true, HTTP_ROUTE_HANDLE, http_authed_put_handle},
    {EVHTTP_REQ_DELETE, "/api/handles/", true, HTTP_ROUTE_HANDLE, http_authed_delete_handle},
    {EVHTTP_REQ_GET, "/api/handles", false, HTTP_ROUTE_LIST, http_authed_list_handles},
    {EVHTTP_REQ_GET, "/api/prefixes", false, HTTP_ROUTE_PREFIXES, http_authed_prefixes},
    {EVHTTP_REQ_GET, "/api/site", false, HTTP_ROUTE_SITE, http_api_site},
    {EVHTTP_REQ_POST, "/api/batch", false, HTTP_ROUTE_OTHER, http_authed_batch},
    {EVHTTP_REQ_POST, "/api/imports", false, HTTP_ROUTE_OTHER, http_authed_imports},
    {EVHTTP_REQ_GET | EVHTTP_REQ_DELETE, "/api/imports/", true, HTTP_ROUTE_OTHER,
     http_authed_imports},
    {EVHTTP_REQ_POST, "/api/sessions", false, HTTP_ROUTE_SESSIONS, http_authed_sessions},
    {EVHTTP_REQ_GET | EVHTTP_REQ_PUT | EVHTTP_REQ_POST | EVHTTP_REQ_DELETE, "/api/sessions/this",
     false, HTTP_ROUTE_SESSIONS, http_authed_sessions},
    {EVHTTP_REQ_GET, "/metrics", false, HTTP_ROUTE_METRICS, http_metrics_scrape},
    {EVHTTP_REQ_GET, "/healthz", false, HTTP_ROUTE_HEALTHZ, http_metrics_health},
};

static bool path_matches(const struct route *r, const char *path)
{
    size_t n = strlen(r->path);
    return r->subtree ? strncmp(path, r->path, n) == 0 && path[n] != '\0'
                      : strcmp(path, r->path) == 0;
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
    /* Everything else that is posted is a native message for the handle in the path. */
    if (method == EVHTTP_REQ_POST && strncmp(c->path, "/api/", 5) != 0) {
        c->route = HTTP_ROUTE_NATIVE;
        http_api_native(c);
        return;
    }
    c->route = HTTP_ROUTE_OTHER;
    json_t *o = json_pack("{s:i,s:s}", "responseCode", HDL_RC_ERROR, "message", "Not found");
    http_send_json(c, 404, o);
}

/* key=value pairs joined by '&', percent- and plus-decoded. Unlike evhttp_parse_query_str, a
 * key without a value ("?pretty") is accepted, with the value "". */
static int parse_query(const char *qs, struct evkeyvalq *out)
{
    while (*qs) {
        size_t n = strcspn(qs, "&");
        const char *eq = memchr(qs, '=', n);
        size_t klen = eq ? (size_t)(eq - qs) : n;
        char *raw_key = strndup(qs, klen);
        char *raw_val = eq ? strndup(eq + 1, n - klen - 1) : strdup("");
        char *key = raw_key ? evhttp_uridecode(raw_key, 1, NULL) : NULL;
        char *val = raw_val ? evhttp_uridecode(raw_val, 1, NULL) : NULL;
        int rc = key && val ? (*key ? evhttp_add_header(out, key, val) : 0) : -1;
        free(raw_key);
        free(raw_val);
        free(key);
        free(val);
        if (rc != 0)
            return -1;
        qs += n;
        if (*qs == '&')
            qs++;
    }
    return 0;
}

static void on_request(struct evhttp_request *req, void *arg)
{
    struct http_front *f = arg;
    struct http_server *h = f->server;
    track_connection(h, req);
    http_guard_request(h->guard, req);

    struct evkeyvalq query;
    TAILQ_INIT(&query);
    struct http_call c = {
        .w = h->w,
        .req = req,
        .tls = f->tls,
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
    if (qs && parse_query(qs, &query) != 0) {
        c.query = NULL;
        json_t *o = json_pack("{s:i,s:s}", "responseCode", HDL_RC_ERROR, "message",
                              "Malformed query string");
        http_send_json(&c, 400, o);
    } else {
        dispatch(&c);
    }
    evhttp_clear_headers(&query);
}

/* Every HTTPS connection gets its own SSL over the shared context; the fd is set by evhttp. */
static struct bufferevent *tls_bevcb(struct event_base *base, void *arg)
{
    struct http_server *h = arg;
    node_count(&h->w->stats.http_accepted, 1);
    SSL *ssl = SSL_new(h->tls);
    if (!ssl)
        return NULL;
    /* On failure libevent frees ssl itself (it owns it with BEV_OPT_CLOSE_ON_FREE). */
    struct bufferevent *bev = bufferevent_openssl_socket_new(
        base, -1, ssl, BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE);
    if (bev)
        http_guard_watch(h->guard, bev);
    return bev;
}

static struct bufferevent *plain_bevcb(struct event_base *base, void *arg)
{
    struct http_server *h = arg;
    node_count(&h->w->stats.http_accepted, 1);
    /* As evhttp makes its own: evhttp shuts the socket down and closes it itself, in that
     * order, which it cannot do for a bufferevent that closes on free. */
    struct bufferevent *bev = bufferevent_socket_new(base, -1, 0);
    if (bev)
        http_guard_watch(h->guard, bev);
    return bev;
}

static void on_heartbeat(evutil_socket_t fd, short what, void *arg)
{
    struct http_server *h = arg;
    (void)fd;
    (void)what;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    atomic_store_explicit(&h->heartbeat, (int64_t)ts.tv_sec, memory_order_relaxed);
}

static int bind_front(struct http_server *h, int which, const struct conf_endpoint *eps, int n,
                      char *err, size_t errlen)
{
    struct worker *w = h->w;
    const struct conf *cf = w->node->conf;
    struct http_front *f = &h->front[which];
    f->server = h;
    f->tls = which == FRONT_HTTPS;
    if (n == 0)
        return 0;
    f->http = evhttp_new(w->base);
    if (!f->http) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    evhttp_set_gencb(f->http, on_request, f);
    evhttp_set_bevcb(f->http, f->tls ? tls_bevcb : plain_bevcb, h);
    evhttp_set_max_headers_size(f->http, (ev_ssize_t)cf->http_max_header_bytes);
    /* Over HTTPS a batch may be larger; dispatch holds the other routes to max_body_bytes. */
    uint32_t max_body = cf->http_max_body_bytes;
    if (f->tls && cf->http_batch_max_body_bytes > max_body)
        max_body = cf->http_batch_max_body_bytes;
    evhttp_set_max_body_size(f->http, (ev_ssize_t)max_body);
    evhttp_set_timeout(f->http, (int)cf->http_timeout_s);
    evhttp_set_allowed_methods(f->http, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD | EVHTTP_REQ_POST |
                                            EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE);
    for (int i = 0; i < n; i++) {
        struct sockaddr_storage ss;
        socklen_t sslen = net_addr_from_endpoint(&eps[i], &ss);
        if (!sslen) {
            snprintf(err, errlen, "bad HTTP listen address %s", eps[i].host);
            return -1;
        }
        unsigned flags = LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC | LEV_OPT_REUSEABLE |
                         LEV_OPT_REUSEABLE_PORT;
        if (ss.ss_family == AF_INET6)
            flags |= LEV_OPT_BIND_IPV6ONLY;
        /* Without a callback yet: evhttp_bind_listener gives it evhttp's and enables it. */
        struct evconnlistener *lev = evconnlistener_new_bind(w->base, NULL, NULL, flags, 1024,
                                                             (struct sockaddr *)&ss, (int)sslen);
        struct evhttp_bound_socket *b = lev ? evhttp_bind_listener(f->http, lev) : NULL;
        if (!b) {
            snprintf(err, errlen, "cannot listen on %s %s port %u: %s", f->tls ? "HTTPS" : "HTTP",
                     eps[i].host, eps[i].port, strerror(errno));
            if (lev)
                evconnlistener_free(lev);
            return -1;
        }
        f->bound[f->bound_count++] = b;
    }
    return 0;
}

int http_server_init(struct worker *w, char *err, size_t errlen)
{
    const struct conf *cf = w->node->conf;
    if (cf->http_listen_count == 0 && cf->https_listen_count == 0)
        return 0;
    struct http_server *h = calloc(1, sizeof *h);
    if (!h) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    h->w = w;
    h->tls = w->node->tls_ctx;
    w->http = h;
    if (cf->https_listen_count && !h->tls) {
        snprintf(err, errlen, "HTTPS needs a TLS certificate and key");
        return -1;
    }
    if (!(h->guard = http_guard_new(w, on_conn_close, h))) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    if (bind_front(h, FRONT_HTTP, cf->http_listen, cf->http_listen_count, err, errlen) != 0 ||
        bind_front(h, FRONT_HTTPS, cf->https_listen, cf->https_listen_count, err, errlen) != 0)
        return -1;
    static const struct timeval every = {HEARTBEAT_INTERVAL_S, 0};
    h->beat = event_new(w->base, -1, EV_PERSIST, on_heartbeat, h);
    if (!h->beat || event_add(h->beat, &every) != 0) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    on_heartbeat(-1, 0, h);
    return 0;
}

void http_server_stop(struct worker *w)
{
    struct http_server *h = w->http;
    if (!h)
        return;
    for (int i = 0; i < FRONTS; i++) {
        struct http_front *f = &h->front[i];
        for (int j = 0; j < f->bound_count; j++)
            evhttp_del_accept_socket(f->http, f->bound[j]);
        f->bound_count = 0;
    }
}

void http_server_free(struct worker *w)
{
    struct http_server *h = w->http;
    if (!h)
        return;
    /* The admin pool has gone (and freed its jobs) before the workers: drop what still waits. */
    while (h->deferred) {
        struct http_deferred *d = h->deferred;
        http_defer_unwatch(w, d);
        d->cancel(d, false);
    }
    for (int i = 0; i < FRONTS; i++)
        if (h->front[i].http)
            evhttp_free(h->front[i].http);
    http_guard_free(h->guard);
    if (h->beat)
        event_free(h->beat);
    ptr_map_clear(&h->seen);
    free(h);
    w->http = NULL;
}

int64_t http_server_heartbeat(const struct worker *w)
{
    struct http_server *h = w->http;
    return h ? atomic_load_explicit(&h->heartbeat, memory_order_relaxed) : 0;
}

unsigned http_server_connections(const struct worker *w)
{
    struct http_server *h = w->http;
    return h ? atomic_load_explicit(&h->conns, memory_order_relaxed) : 0;
}

static int accept_client_cert(int preverified, X509_STORE_CTX *ctx)
{
    (void)preverified;
    (void)ctx;
    return 1;
}

void http_peer_address(struct evhttp_request *req, char *buf, size_t cap)
{
    struct evhttp_connection *evcon = evhttp_request_get_connection(req);
    char *host = NULL;
    ev_uint16_t port = 0;
    if (evcon)
        evhttp_connection_get_peer(evcon, &host, &port);
    snprintf(buf, cap, "%s", host ? host : "");
}

SSL_CTX *http_tls_ctx_new(const char *cert_file, const char *key_file, char *err, size_t errlen)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    if (!ctx) {
        snprintf(err, errlen, "cannot create a TLS context");
        return NULL;
    }
    /* TLS 1.2 and 1.3 only, with forward secrecy and AEAD ciphers: nothing with CBC, RSA key
     * exchange, SHA-1 MACs or compression. */
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE |
                                 SSL_OP_NO_COMPRESSION);
    /* Ask for a client certificate without requiring one or a CA chain: its key is checked
     * against the registry (http_cert.c), as the reference checks it. Resumed sessions keep
     * the certificate, which needs a session id context. */
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, accept_client_cert);
    SSL_CTX_set_session_id_context(ctx, (const unsigned char *)"pazhou", 6);
    const char *what = NULL;
    if (SSL_CTX_set_cipher_list(ctx, HTTP_TLS12_CIPHERS) != 1 ||
        SSL_CTX_set_ciphersuites(ctx, HTTP_TLS13_SUITES) != 1)
        what = "cannot set the TLS ciphers";
    else if (SSL_CTX_use_certificate_chain_file(ctx, cert_file) != 1)
        what = "cannot load the TLS certificate";
    else if (server_key_private(key_file, "TLS key", err, errlen) != 0) {
        SSL_CTX_free(ctx);
        return NULL;
    } else if (SSL_CTX_use_PrivateKey_file(ctx, key_file, SSL_FILETYPE_PEM) != 1)
        what = "cannot load the TLS key";
    else if (SSL_CTX_check_private_key(ctx) != 1)
        what = "the TLS key does not match the certificate";
    if (what) {
        char detail[256];
        ERR_error_string_n(ERR_get_error(), detail, sizeof detail);
        snprintf(err, errlen, "%s (%s, %s): %s", what, cert_file, key_file, detail);
        ERR_clear_error();
        SSL_CTX_free(ctx);
        return NULL;
    }
    return ctx;
}
