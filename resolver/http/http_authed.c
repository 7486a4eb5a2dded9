#include "resolver/http/http_authed.h"

#include <sys/queue.h>

#include <event2/buffer.h>
#include <event2/bufferevent_ssl.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/ssl.h>

#include "common/handle_name.h"
#include "resolver/http/http_api.h"
#include "resolver/http/http_authed_job.h"
#include "resolver/http/http_import.h"
#include "resolver/http/http_req.h"
#include "resolver/http/http_send.h"
#include "resolver/net/worker.h"

#define HANDLES_PATH "/api/handles/"

static void send_error(struct http_call *c, int status, uint32_t rc, const char *message)
{
    c->rc = rc;
    http_send_json(c, status,
                   json_pack("{s:I,s:s}", "responseCode", (json_int_t)rc, "message", message));
}

/* Authentication is accepted over TLS only (the reference ignores it over plain HTTP): what
 * needs it is refused there with 403 and a reason. */
static bool over_tls(struct http_call *c, const char *what)
{
    if (c->tls)
        return true;
    char msg[200];
    snprintf(msg, sizeof msg, "%s needs authentication, which this node accepts over HTTPS only",
             what);
    http_send_rc(c, HDL_RC_AUTHENTICATION_NEEDED, NULL, msg);
    return false;
}

static const char *authorization(const struct http_call *c)
{
    return evhttp_find_header(evhttp_request_get_input_headers(c->req), "Authorization");
}

/* The TLS client certificate of the call's connection, NULL without TLS or certificate. */
static SSL *call_ssl(const struct http_call *c)
{
    if (!c->tls)
        return NULL;
    struct evhttp_connection *con = http_req_connection(c->req);
    struct bufferevent *bev = con ? evhttp_connection_get_bufferevent(con) : NULL;
    return bev ? bufferevent_openssl_get_ssl(bev) : NULL;
}

static bool has_client_cert(const struct http_call *c)
{
    SSL *ssl = call_ssl(c);
    return ssl && SSL_get0_peer_certificate(ssl);
}

static struct authed_job *job_new(struct http_call *c, enum job_kind kind)
{
    struct authed_job *j = calloc(1, sizeof *j);
    if (!j) {
        send_error(c, 503, HDL_RC_SERVER_TOO_BUSY, "Out of memory");
        return NULL;
    }
    j->node = c->w->node;
    j->kind = kind;
    j->method = (int)evhttp_request_get_command(c->req);
    http_auth_parse(authorization(c), &j->auth);
    http_cert_take(call_ssl(c), &j->auth.cert);
    http_peer_address(c->req, j->auth.source, sizeof j->auth.source);
    return j;
}

/* The handle of an /api/handles/ path, decoded; NULL with an answer sent. */
static bool take_handle(struct http_call *c, struct authed_job *j)
{
    size_t len = 0;
    char *h = evhttp_uridecode(c->path + strlen(HANDLES_PATH), 0, &len);
    json_t *probe = h ? json_stringn(h, len) : NULL;
    if (!probe || len == 0 || len > HDL_MAX_HANDLE_LEN) {
        free(h);
        authed_job_free(j);
        http_send_rc(c, HDL_RC_INVALID_HANDLE, NULL, "Invalid handle");
        return false;
    }
    json_decref(probe);
    j->handle = h;
    j->handle_len = len;
    return true;
}

static bool take_body(struct http_call *c, struct authed_job *j)
{
    struct evbuffer *in = evhttp_request_get_input_buffer(c->req);
    j->body_len = evbuffer_get_length(in);
    j->body = malloc(j->body_len + 1);
    if (!j->body) {
        authed_job_free(j);
        send_error(c, 503, HDL_RC_SERVER_TOO_BUSY, "Out of memory");
        return false;
    }
    evbuffer_copyout(in, j->body, j->body_len);
    j->body[j->body_len] = '\0';
    return true;
}

static bool param_true(const char *v)
{
    return v && strcasecmp(v, "true") == 0;
}

/* index parameters: numbers, or "various" (PUT only). false with an answer sent. */
static bool take_indexes(struct http_call *c, struct authed_job *j, bool allow_various)
{
    struct evkeyval *kv;
    size_t n = 0;
    TAILQ_FOREACH(kv, c->query, next)
    n += strcmp(kv->key, "index") == 0;
    if (n == 0)
        return true;
    if (n > HDL_MAX_VALUES || !(j->indexes = calloc(n, sizeof *j->indexes))) {
        authed_job_free(j);
        send_error(c, 400, HDL_RC_PROTOCOL_ERROR, "Too many index parameters");
        return false;
    }
    TAILQ_FOREACH(kv, c->query, next)
    {
        if (strcmp(kv->key, "index") != 0)
            continue;
        if (allow_various && strcmp(kv->value, "various") == 0) {
            j->various = true;
            continue;
        }
        char *end = NULL;
        unsigned long long v = strtoull(kv->value, &end, 10);
        if (!*kv->value || *end || kv->value[0] == '-' || v > UINT32_MAX) {
            authed_job_free(j);
            send_error(c, 400, HDL_RC_PROTOCOL_ERROR,
                       "index must be a number from 0 to 4294967295");
            return false;
        }
        j->indexes[j->index_count++] = (uint32_t)v;
    }
    return true;
}

/* --- on the admin thread --- */

/* 401 with both challenges: Basic, and Handle with a session's nonce to sign. */

/* --- on the worker --- */

void http_authed_get_handle(struct http_call *c)
{
    if (!c->tls || (!authorization(c) && !has_client_cert(c))) {
        http_api_get_handle(c);
        return;
    }
    struct authed_job *j = job_new(c, J_GET);
    if (!j || !take_handle(c, j))
        return;
    /* Room for every index and type parameter the request line can hold. */
    size_t cap = c->w->node->conf->http_max_header_bytes + 64;
    const char *bad = NULL;
    if (!(j->selection = malloc(cap)) ||
        (bad = http_api_selection(c, j->selection, cap, &j->rr)) != NULL) {
        authed_job_free(j);
        send_error(c, 400, HDL_RC_ERROR, bad ? bad : "Out of memory");
        return;
    }
    http_job_submit(c, authed_job_run, j, authed_job_free);
}

void http_authed_put_handle(struct http_call *c)
{
    if (!over_tls(c, "Writing"))
        return;
    struct authed_job *j = job_new(c, J_PUT);
    if (!j || !take_handle(c, j) || !take_indexes(c, j, true) || !take_body(c, j))
        return;
    const char *type = evhttp_find_header(evhttp_request_get_input_headers(c->req), "Content-Type");
    if (type && strncasecmp(type, "application/json", 16) != 0) {
        authed_job_free(j);
        send_error(c, 415, HDL_RC_PROTOCOL_ERROR, "PUT the values as application/json");
        return;
    }
    const char *ov = evhttp_find_header(c->query, "overwrite");
    j->overwrite = ov ? param_true(ov) : true;
    j->mint = param_true(evhttp_find_header(c->query, "mintNewSuffix"));
    http_job_submit(c, authed_job_run, j, authed_job_free);
}

void http_authed_delete_handle(struct http_call *c)
{
    if (!over_tls(c, "Deleting"))
        return;
    struct authed_job *j = job_new(c, J_DELETE);
    if (!j || !take_handle(c, j) || !take_indexes(c, j, false))
        return;
    http_job_submit(c, authed_job_run, j, authed_job_free);
}

static bool parse_count(const char *s, uint64_t max, uint64_t *out)
{
    char *end = NULL;
    if (!s || !*s || *s == '-')
        return false;
    unsigned long long v = strtoull(s, &end, 10);
    if (*end || v > max)
        return false;
    *out = v;
    return true;
}

void http_authed_list_handles(struct http_call *c)
{
    c->opcode = HDL_OC_LIST_HANDLES;
    if (!over_tls(c, "Listing handles"))
        return;
    const char *prefix = evhttp_find_header(c->query, "prefix");
    if (!prefix || !*prefix || strlen(prefix) > HDL_MAX_HANDLE_LEN - HNAME_NA_PREFIX_LEN) {
        http_send_rc(c, HDL_RC_INVALID_HANDLE, NULL, "A prefix parameter is required");
        return;
    }
    uint64_t page = 0, page_size = DEFAULT_PAGE_SIZE;
    const char *ps = evhttp_find_header(c->query, "pageSize");
    const char *pg = evhttp_find_header(c->query, "page");
    if ((pg && !parse_count(pg, UINT32_MAX, &page)) ||
        (ps && (!parse_count(ps, MAX_PAGE_SIZE, &page_size) || page_size == 0))) {
        c->opcode = -1;
        send_error(c, 400, HDL_RC_ERROR,
                   "page must be a number from 0 and pageSize one from 1 to 10000");
        return;
    }
    struct authed_job *j = job_new(c, J_LIST);
    if (!j)
        return;
    size_t cap = strlen(prefix) + HNAME_NA_PREFIX_LEN + 1;
    if (!(j->handle = malloc(cap))) {
        authed_job_free(j);
        send_error(c, 503, HDL_RC_SERVER_TOO_BUSY, "Out of memory");
        return;
    }
    j->handle_len = hname_prefix_handle(prefix, strlen(prefix), j->handle, cap);
    j->page = page;
    j->page_size = page_size;
    http_job_submit(c, authed_job_run, j, authed_job_free);
}

void http_authed_prefixes(struct http_call *c)
{
    c->opcode = HDL_OC_LIST_HOMED_NAS;
    if (!over_tls(c, "Listing the homed prefixes"))
        return;
    struct authed_job *j = job_new(c, J_PREFIXES);
    if (j)
        http_job_submit(c, authed_job_run, j, authed_job_free);
}

void http_authed_sessions(struct http_call *c)
{
    /* The reference serves sessions over HTTPS only. */
    if (!c->tls) {
        send_error(c, 403, HDL_RC_AUTHENTICATION_NEEDED, "Sessions are served over HTTPS only");
        return;
    }
    bool this = strcmp(c->path, "/api/sessions/this") == 0;
    struct authed_job *j = job_new(c, this ? J_SESSION_THIS : J_SESSION_NEW);
    if (j)
        http_job_submit(c, authed_job_run, j, authed_job_free);
}

void http_authed_batch(struct http_call *c)
{
    if (!over_tls(c, "A batch"))
        return;
    struct authed_job *j = job_new(c, J_BATCH);
    if (!j || !take_body(c, j))
        return;
    http_job_submit(c, authed_job_run, j, authed_job_free);
}

void http_authed_imports(struct http_call *c)
{
    if (!over_tls(c, "An import"))
        return;
    int method = (int)evhttp_request_get_command(c->req);
    if (method == EVHTTP_REQ_POST) {
        struct authed_job *j = job_new(c, J_IMPORT_START);
        if (j && take_body(c, j))
            http_job_submit(c, authed_job_run, j, authed_job_free);
        return;
    }
    /* GET or DELETE /api/imports/{id}: the id travels in the job's handle field. */
    const char *id = c->path + strlen(HTTP_IMPORTS_PATH "/");
    if (!*id || strlen(id) > 64 || strchr(id, '/')) {
        send_error(c, 404, HDL_RC_ERROR, "No such import");
        return;
    }
    struct authed_job *j = job_new(c, method == EVHTTP_REQ_GET ? J_IMPORT_STATUS : J_IMPORT_CANCEL);
    if (!j)
        return;
    if (!(j->handle = strdup(id))) {
        authed_job_free(j);
        send_error(c, 503, HDL_RC_SERVER_TOO_BUSY, "Out of memory");
        return;
    }
    http_job_submit(c, authed_job_run, j, authed_job_free);
}
