/*
 * The HTTP front end of a worker: an evhttp on the worker's base for plain HTTP and another for
 * HTTPS (OpenSSL bufferevents), each with its own SO_REUSEPORT listener on every configured
 * endpoint, so the kernel spreads connections over workers as it does for TCP. Requests are
 * routed by a table (method, path) to the REST API (http_api.h), the native protocol tunnel,
 * /metrics and /healthz (http_metrics.h).
 */
#ifndef NODE_HTTP_SERVER_H
#define NODE_HTTP_SERVER_H

#include <event2/http.h>
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/ssl.h>

struct worker;

/* What a route's handler gets: the request, its worker and its parsed target. */
struct http_call {
    struct worker *w;
    struct evhttp_request *req;
    bool tls;
    const char *path;        /* still percent-encoded */
    struct evkeyvalq *query; /* decoded query parameters, repeated keys kept in order */
    int route;               /* enum http_route, for the counters */
    uint64_t started_ns;
    /* A Handle operation the request stands for (counted with the other front ends when the
     * response goes out); -1 for none. */
    int64_t opcode;
    uint32_t rc;
};

enum http_route {
    HTTP_ROUTE_HANDLE = 0, /* /api/handles/{handle} */
    HTTP_ROUTE_LIST,       /* /api/handles?prefix= */
    HTTP_ROUTE_PREFIXES,
    HTTP_ROUTE_SITE,
    HTTP_ROUTE_SESSIONS,
    HTTP_ROUTE_NATIVE, /* POST /{handle}, application/x-hdl-message */
    HTTP_ROUTE_METRICS,
    HTTP_ROUTE_HEALTHZ,
    HTTP_ROUTE_OTHER,
};

/* What HTTPS offers: TLS 1.2 with ECDHE and AEAD ciphers, and TLS 1.3's AEAD suites. */
#define HTTP_TLS12_CIPHERS "ECDHE+AESGCM:ECDHE+CHACHA20"
#define HTTP_TLS13_SUITES                                                                          \
    "TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256"

/* The client's address of req as text ("" when unknown), for logs and the failure throttle. */
void http_peer_address(struct evhttp_request *req, char *buf, size_t cap);

/* Builds the TLS context HTTPS listeners share, from a PEM certificate chain and key. NULL with
 * a message in err when they cannot be loaded or do not match. */
SSL_CTX *http_tls_ctx_new(const char *cert_file, const char *key_file, char *err, size_t errlen);

/* Binds the worker's HTTP and HTTPS listeners (none when the configuration has none) and
 * starts its heartbeat. 0, or -1 with a message in err. */
int http_server_init(struct worker *w, char *err, size_t errlen);
/* Stops accepting; open connections finish their request. */
void http_server_stop(struct worker *w);
/* Closes every connection and frees the front end; before the worker's base is freed. */
void http_server_free(struct worker *w);

/* The worker's last heartbeat (CLOCK_MONOTONIC seconds; 0 before the first), and its open
 * HTTP connections; safe to read from any thread. */
int64_t http_server_heartbeat(const struct worker *w);
unsigned http_server_connections(const struct worker *w);

/* A request answered later, from an admin job. libevent frees a request whose connection goes
 * away, so the owner registers it here and is told through cancel (with pool_alive false at
 * shutdown, when the admin jobs are already gone); it must then drop the request and its job. */
struct http_deferred {
    struct http_deferred *prev, *next;
    struct evhttp_connection *evcon;
    void (*cancel)(struct http_deferred *d, bool pool_alive);
};

/* Watches the connection of c for d (d->cancel set by the caller). */
void http_defer_watch(struct http_call *c, struct http_deferred *d);
/* Stops watching: the answer went out. */
void http_defer_unwatch(struct worker *w, struct http_deferred *d);

/* Sends a JSON body (taking the reference to body) with status, honouring the "pretty" and
 * "callback" (JSONP) parameters. */
void http_send_json(struct http_call *c, int status, json_t *body);
/* Sends body bytes with status and content type. */
void http_send_bytes(struct http_call *c, int status, const char *content_type, const void *body,
                     size_t len);
/* {"responseCode":rc[,"handle":handle][,"message":message]} with the status rc maps to. */
void http_send_rc(struct http_call *c, uint32_t rc, const char *handle, const char *message);
/* The HTTP status of a Handle response code (docs/protocol.md §15). */
int http_status_of_rc(uint32_t rc, bool tls);

#endif
