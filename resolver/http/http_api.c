#include "resolver/http/http_api.h"

#include <sys/queue.h>

#include <event2/buffer.h>
#include <event2/keyvalq_struct.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/handle_name.h"
#include "proto/hdl_const.h"
#include "proto/hdl_error.h"
#include "proto/hdl_json.h"
#include "proto/hdl_resolution.h"
#include "registry/reg_prefix.h"
#include "registry/reg_record.h"
#include "resolver/http/http_body_cache.h"
#include "resolver/http/http_recurse.h"
#include "resolver/http/http_req.h"
#include "resolver/http/http_send.h"
#include "resolver/http/http_state.h"
#include "resolver/net/worker.h"
#include "resolver/query/query_counted.h"
#include "resolver/query/query_lookup.h"
#include "resolver/query/query_part.h"

#define HANDLES_PATH "/api/handles/"
#define NATIVE_TYPE "application/x-hdl-message"
#define JSON_TYPE "application/json;charset=UTF-8"

static void send_bad_param(struct http_call *c, const char *message)
{
    http_send_json(c, 400,
                   json_pack("{s:i,s:s}", "responseCode", HDL_RC_ERROR, "message", message));
}

/* A decimal number up to max, the whole string. */
static bool parse_uint(const char *s, uint64_t max, uint64_t *out)
{
    uint64_t v = 0;
    if (!*s)
        return false;
    for (; *s; s++) {
        if (*s < '0' || *s > '9' || v > (max - (uint64_t)(*s - '0')) / 10)
            return false;
        v = v * 10 + (uint64_t)(*s - '0');
    }
    *out = v;
    return true;
}

const char *http_api_selection(const struct http_call *c, uint8_t *buf, size_t cap,
                               struct hdl_resolution_request *rr)
{
    struct hdl_writer w;
    hdl_writer_init(&w, buf, cap);
    struct evkeyval *kv;
    TAILQ_FOREACH(kv, c->query, next)
    {
        if (strcmp(kv->key, "index") != 0)
            continue;
        uint64_t index;
        if (!parse_uint(kv->value, UINT32_MAX, &index))
            return "index must be a number from 0 to 4294967295";
        hdl_put_u32(&w, (uint32_t)index);
        rr->index_count++;
    }
    size_t types_at = w.len;
    TAILQ_FOREACH(kv, c->query, next)
    {
        if (strcmp(kv->key, "type") != 0)
            continue;
        if (!*kv->value)
            return "type must not be empty";
        hdl_put_bytes(&w, kv->value, strlen(kv->value));
        rr->type_count++;
    }
    if (hdl_writer_status(&w) != HDL_OK)
        return "too many index and type parameters";
    rr->indexes = (struct hdl_slice){buf, (uint32_t)types_at};
    rr->types = (struct hdl_slice){buf + types_at, (uint32_t)(w.len - types_at)};
    return NULL;
}

json_t *http_api_values(const struct reg_record_view *rec, const struct hdl_resolution_request *rr,
                        bool private_ok)
{
    json_t *arr = json_array();
    struct hdl_reader r;
    hdl_reader_init(&r, rec->values.ptr, rec->values.len);
    for (uint32_t i = 0; arr && i < rec->value_count; i++) {
        struct hdl_value v;
        if (hdl_value_decode(&r, &v) != HDL_OK)
            break; /* records are validated when written; stop rather than trust a bad tail */
        /* Values without public read need an authenticated reader, as in query.c. */
        if ((!(v.perms & HDL_PERM_PUBLIC_READ) && !private_ok) ||
            !hdl_resolution_selects(rr, v.index, v.type))
            continue;
        if (json_array_append_new(arr, hdl_value_to_json(&v)) != 0) {
            json_decref(arr);
            arr = NULL;
        }
    }
    return arr;
}

/* The answer to a resolution: values selected from the total a handle has, as
 * {"responseCode","handle","values"}; none selected of some is VALUES_NOT_FOUND. */
static void send_values(struct http_call *c, const char *handle, json_t *values, uint32_t total)
{
    c->rc = json_array_size(values) == 0 && total > 0 ? HDL_RC_VALUES_NOT_FOUND : HDL_RC_SUCCESS;
    json_t *o =
        json_pack("{s:i,s:s,s:o}", "responseCode", (int)c->rc, "handle", handle, "values", values);
    http_send_json(c, http_status_of_rc(c->rc, c->tls), o);
}

/* Another site's answer for the handle ctx (owned), rendered as a local one: the values of a
 * success, an empty selection as VALUES_NOT_FOUND, an error with its code and message. */
static void answer_from_elsewhere(struct http_call *c, void *ctx, const struct rmsg_answer *a)
{
    char *handle = ctx;
    c->opcode = HDL_OC_RESOLUTION;
    if (!a || a->kind == RMSG_OTHER) {
        http_send_rc(c, HDL_RC_ERROR, handle, "The handle's site gave no answer that can be read");
    } else if (a->kind == RMSG_SUCCESS) {
        /* The site selected the values already; what it sent is shown, public values only. */
        struct reg_record_view rec = {.value_count = a->value_count, .values = a->values};
        struct hdl_resolution_request all = {.handle = {(const uint8_t *)handle, 0}};
        json_t *values = http_api_values(&rec, &all, false);
        if (values)
            send_values(c, handle, values, a->value_count);
        else
            http_send_rc(c, HDL_RC_ERROR, handle, "Out of memory");
    } else if (a->response_code == HDL_RC_VALUES_NOT_FOUND) {
        send_values(c, handle, json_array(), 1);
    } else {
        char *message = a->kind == RMSG_ERROR
                            ? strndup((const char *)a->message.ptr, a->message.len)
                            : strdup("The handle's site referred the question elsewhere");
        http_send_rc(c, a->response_code, handle, message);
        free(message);
    }
    free(handle);
}

/* The prefix of handle is not homed here and recursion is on: its site answers. */
static void ask_elsewhere(struct http_call *c, const char *handle, size_t len,
                          const struct hdl_resolution_request *rr)
{
    char *copy = strndup(handle, len);
    if (!copy || !http_recurse_resolve(c, handle, len, rr, answer_from_elsewhere, copy, free)) {
        free(copy);
        http_send_rc(c, HDL_RC_SERVER_TOO_BUSY, NULL, "Server too busy");
    }
}

void http_api_get_named(struct http_call *c, const char *handle, size_t len)
{
    struct worker *w = c->w;
    c->opcode = HDL_OC_RESOLUTION;
    if (len == 0 || len > HDL_MAX_HANDLE_LEN || memchr(handle, '\0', len)) {
        http_send_rc(c, HDL_RC_INVALID_HANDLE, NULL, "Invalid handle");
        return;
    }
    struct hdl_resolution_request rr = {.handle = {(const uint8_t *)handle, (uint32_t)len}};
    const char *bad = http_api_selection(c, w->out, QUERY_OUT_MAX, &rr);
    if (bad) {
        c->opcode = -1;
        send_bad_param(c, bad);
        return;
    }

    /* Another server's part of the site: the reference's REST API answers as its server. */
    if (query_part_elsewhere(w->node, (const uint8_t *)handle, len)) {
        if (http_recurse_on(c))
            ask_elsewhere(c, handle, len, &rr);
        else
            http_send_rc(c, HDL_RC_SERVER_NOT_RESP, handle, QUERY_PART_WRONG_SERVER);
        return;
    }

    /* Without parameters the answer may have been given already, since the last write. */
    struct http_plain plain;
    if (c->query && TAILQ_EMPTY(c->query) &&
        http_api_get_plain(w, handle, len, &plain) == HTTP_PLAIN_ANSWERED) {
        c->rc = plain.rc;
        http_send_bytes(c, plain.status, JSON_TYPE, plain.body, plain.len);
        free(plain.owned);
        return;
    }

    struct reg_pin pin;
    int err = REG_OK;
    switch (query_lookup(&w->query, (const uint8_t *)handle, len, &pin, &err)) {
    case QUERY_LOOKUP_FOUND:
        break;
    case QUERY_LOOKUP_INVALID:
        http_send_rc(c, HDL_RC_INVALID_HANDLE, NULL, "Invalid handle");
        return;
    case QUERY_LOOKUP_NOT_HOMED:
        if (http_recurse_on(c)) {
            ask_elsewhere(c, handle, len, &rr);
            return;
        }
        http_send_rc(c, HDL_RC_SERVER_NOT_RESP, handle, "That prefix doesn't live here");
        return;
    case QUERY_LOOKUP_NOT_FOUND:
        http_send_rc(c, HDL_RC_HANDLE_NOT_FOUND, handle, NULL);
        return;
    default:
        http_send_rc(c, hdl_rc_of_error(err), handle, "Registry read failed");
        return;
    }
    struct reg_record_view rec;
    json_t *values = NULL;
    if (reg_record_parse(pin.data, pin.len, 0, &rec) == HDL_OK)
        values = http_api_values(&rec, &rr, false);
    reg_pin_release(&pin);
    if (!values) {
        http_send_rc(c, HDL_RC_ERROR, handle, "Stored record is damaged");
        return;
    }
    send_values(c, handle, values, rec.value_count);
}

/* Sets out to a body owned by it (text, malloc'd; NULL gives false). */
static bool plain_owned(struct http_plain *out, int status, uint32_t rc, char *text)
{
    if (!text)
        return false;
    out->status = status;
    out->rc = rc;
    out->owned = text;
    out->body = text;
    out->len = strlen(text);
    return true;
}

/* A found handle's answer without parameters (compact JSON, every public value), kept for the
 * next request that asks for it until the handle is written. Releases pin. */
static bool plain_found(struct worker *w, const char *handle, size_t len, uint64_t hash,
                        uint32_t version, struct reg_pin *pin, struct http_plain *out)
{
    struct hdl_resolution_request all = {.handle = {(const uint8_t *)handle, (uint32_t)len}};
    struct reg_record_view rec;
    json_t *values = NULL;
    if (reg_record_parse(pin->data, pin->len, 0, &rec) == HDL_OK)
        values = http_api_values(&rec, &all, false);
    reg_pin_release(pin);
    /* None public (or damaged): the general path says so. */
    if (!values || json_array_size(values) == 0) {
        json_decref(values);
        return false;
    }
    json_t *o = json_pack("{s:i,s:s,s:o}", "responseCode", HDL_RC_SUCCESS, "handle", handle,
                          "values", values);
    char *text = o ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    if (!plain_owned(out, 200, HDL_RC_SUCCESS, text))
        return false;
    http_body_cache_put(w->http->bodies, HTTP_BODY_REST, handle, len, hash, version, text,
                        out->len);
    return true;
}

enum http_plain_result http_api_get_plain(struct worker *w, const char *handle, size_t len,
                                          struct http_plain *out)
{
    *out = (struct http_plain){0};
    uint64_t hash = 0;
    uint32_t version = 0;
    if (len == 0 || len > HDL_MAX_HANDLE_LEN || memchr(handle, '\0', len) ||
        query_part_elsewhere(w->node, (const uint8_t *)handle, len) ||
        !query_key_version(w->node, (const uint8_t *)handle, len, &hash, &version))
        return HTTP_PLAIN_ROUTE;
    if (http_body_cache_get(w->http->bodies, HTTP_BODY_REST, handle, len, hash, version,
                            &out->body, &out->len)) {
        out->status = 200;
        out->rc = HDL_RC_SUCCESS;
        return HTTP_PLAIN_ANSWERED;
    }
    struct reg_pin pin;
    int err = REG_OK;
    bool answered = false;
    switch (query_lookup(&w->query, (const uint8_t *)handle, len, &pin, &err)) {
    case QUERY_LOOKUP_FOUND:
        answered = plain_found(w, handle, len, hash, version, &pin, out);
        break;
    case QUERY_LOOKUP_NOT_FOUND: {
        /* As http_send_rc answers it. */
        json_t *o = http_rc_object(HDL_RC_HANDLE_NOT_FOUND, handle, NULL);
        char *text = o ? json_dumps(o, JSON_COMPACT) : NULL;
        json_decref(o);
        answered = plain_owned(out, http_status_of_rc(HDL_RC_HANDLE_NOT_FOUND, false),
                               HDL_RC_HANDLE_NOT_FOUND, text);
        break;
    }
    default: /* not homed, invalid, a failed read: the general path answers */
        break;
    }
    return answered ? HTTP_PLAIN_ANSWERED : HTTP_PLAIN_ROUTE;
}

void http_api_get_handle(struct http_call *c)
{
    size_t len = 0;
    char *handle = evhttp_uridecode(c->path + strlen(HANDLES_PATH), 0, &len);
    if (!handle) {
        send_bad_param(c, "Out of memory");
        return;
    }
    /* The handle is echoed in JSON, which carries UTF-8 only. */
    json_t *probe = json_stringn(handle, len);
    if (!probe) {
        c->opcode = HDL_OC_RESOLUTION;
        http_send_rc(c, HDL_RC_INVALID_HANDLE, NULL, "Invalid handle: not UTF-8");
    } else {
        json_decref(probe);
        http_api_get_named(c, handle, len);
    }
    free(handle);
}

void http_api_site(struct http_call *c)
{
    c->opcode = HDL_OC_GET_SITE_INFO;
    json_t *site = hdl_site_to_json(c->w->node->site, c->w->node->site_len);
    if (!site) {
        http_send_rc(c, HDL_RC_ERROR, NULL, "The site information cannot be rendered");
        return;
    }
    c->rc = HDL_RC_SUCCESS;
    http_send_json(c, 200, json_pack("{s:i,s:o}", "responseCode", HDL_RC_SUCCESS, "site", site));
}

void http_api_native(struct http_call *c)
{
    struct worker *w = c->w;
    const char *type = evhttp_find_header(evhttp_request_get_input_headers(c->req), "Content-Type");
    if (!type || strncasecmp(type, NATIVE_TYPE, sizeof NATIVE_TYPE - 1) != 0) {
        http_send_json(c, 415,
                       json_pack("{s:i,s:s}", "responseCode", HDL_RC_ERROR, "message",
                                 "POST a Handle message as " NATIVE_TYPE));
        return;
    }
    struct evbuffer *in = evhttp_request_get_input_buffer(c->req);
    size_t len = evbuffer_get_length(in);
    const uint8_t *msg = len ? evbuffer_pullup(in, -1) : (const uint8_t *)"";
    size_t out_len = 0;
    struct evhttp_connection *evcon = http_req_connection(c->req);
    w->query.peer = evcon ? evhttp_connection_get_addr(evcon) : NULL;
    enum query_result r = query_answer_counted(&w->query, NODE_HTTP, msg, len, w->out, &out_len);
    if (r == QUERY_RECURSE) {
        if (http_recurse_native(c, msg, len))
            return;
        r = query_error(&w->query, msg, len, HDL_RC_SERVER_TOO_BUSY, "Server too busy", w->out,
                        &out_len);
    }
    if (r != QUERY_REPLY) {
        send_bad_param(c, "No answer: the body holds no whole envelope, or is a response");
        return;
    }
    http_send_bytes(c, 200, NATIVE_TYPE, w->out, out_len);
}
