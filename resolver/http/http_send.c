#include "resolver/http/http_send.h"

#include <event2/buffer.h>
#include <event2/keyvalq_struct.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/errcode.h"
#include "proto/hdl_const.h"
#include "proto/hdl_error.h"
#include "resolver/http/http_req.h"
#include "resolver/net/worker.h"

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

int http_status_of_error(int err, bool tls)
{
    switch (err) {
    case NODE_IMPORT_BUSY:
        /* The node is not overloaded: the one import slot is taken (409 Conflict). */
        return 409;
    default:
        return http_status_of_rc(hdl_rc_of_error(err), tls);
    }
}

const char *http_reason(int status)
{
    switch (status) {
    case 200:
        return "OK";
    case 201:
        return "Created";
    case 204:
        return "No Content";
    case 301:
        return "Moved Permanently";
    case 302:
        return "Found";
    case 303:
        return "See Other";
    case 307:
        return "Temporary Redirect";
    case 308:
        return "Permanent Redirect";
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
    case 414:
        return "URI Too Long";
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

void http_count_response(struct worker *w, int route, int status, int64_t opcode, uint32_t rc,
                         uint64_t started_ns)
{
    struct node_stats *st = &w->stats;
    int cls = status / 100 - 1;
    if (cls >= 0 && cls < 5)
        node_count(&st->http_responses[route][cls], 1);
    if (opcode >= 0)
        node_stats_record(st, NODE_HTTP, (uint32_t)opcode, node_rc_bucket_of(rc),
                          node_now_ns() - started_ns);
}

void http_send_bytes(struct http_call *c, int status, const char *content_type, const void *body,
                     size_t len)
{
    struct evkeyvalq *h = evhttp_request_get_output_headers(c->req);
    evhttp_add_header(h, "Content-Type", content_type);
    struct evbuffer *out = evbuffer_new();
    if (out)
        evbuffer_add(out, body, len);
    http_count_response(c->w, c->route, status, c->opcode, c->rc, c->started_ns);
    /* An HTTP/2 stream's request has no evhttp connection to send it (http_req.h). */
    http_req_send(c->req, status, http_reason(status), out);
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

json_t *http_rc_object(uint32_t rc, const char *handle, const char *message)
{
    json_t *o = json_pack("{s:I}", "responseCode", (json_int_t)rc);
    if (o && handle)
        json_object_set_new(o, "handle", json_string(handle));
    if (o && message && *message)
        json_object_set_new(o, "message", json_string(message));
    return o;
}

void http_send_rc(struct http_call *c, uint32_t rc, const char *handle, const char *message)
{
    c->rc = rc;
    http_send_json(c, http_status_of_rc(rc, c->tls), http_rc_object(rc, handle, message));
}
