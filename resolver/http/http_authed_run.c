/* The authenticated REST API's jobs, on a pool thread: identify, check, read or write. */
#include "resolver/http/http_authed_job.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/base64.h"
#include "common/handle_name.h"
#include "proto/hdl_const.h"
#include "proto/hdl_error.h"
#include "proto/hdl_json.h"
#include "registry/reg_record.h"
#include "resolver/admin/ops.h"
#include "resolver/http/http_api.h"
#include "resolver/http/http_batch.h"
#include "resolver/http/http_import.h"
#include "resolver/query/query_part.h"

/* Bytes the values of one PUT may take once decoded, beyond the body's own length. */
#define STORE_SLACK 65536u

void authed_job_free(void *p)
{
    struct authed_job *j = p;
    free(j->handle);
    free(j->indexes);
    free(j->selection);
    free(j->body);
    free(j);
}

static void unauthorized(struct authed_job *j, struct http_reply *r, struct http_who *who,
                         uint32_t rc, const char *msg)
{
    http_reply_rc(r, rc, NULL, msg);
    r->status = 401;
    if (j->auth.kind != HTTP_AUTH_HANDLE)
        http_reply_header(r, "WWW-Authenticate", "Basic realm=\"handle\"");
    char header[512];
    if (http_auth_challenge(j->node, who, msg, header, sizeof header))
        http_reply_header(r, "WWW-Authenticate", header);
}

static char *cstr(const uint8_t *p, size_t len)
{
    char *s = malloc(len + 1);
    if (s) {
        memcpy(s, p, len);
        s[len] = '\0';
    }
    return s;
}

static void reply_ops(struct http_reply *r, const struct ops_result *res, const char *handle,
                      int success_status)
{
    if (res->rc == HDL_RC_SUCCESS) {
        r->rc = HDL_RC_SUCCESS;
        r->status = success_status;
        r->body = json_pack("{s:i,s:s%}", "responseCode", HDL_RC_SUCCESS, "handle", handle,
                            strlen(handle));
        return;
    }
    http_reply_rc(r, res->rc, handle, res->message);
    /* Outside a resolution, no such value is the client's mistake. */
    if (res->rc == HDL_RC_VALUES_NOT_FOUND)
        r->status = 400;
}

/* The values of a PUT body: {"values":[...]}, a bare array, or one value. */
static const json_t *put_values(struct authed_job *j, const json_t *doc, char *err, size_t errlen)
{
    if (json_is_array(doc))
        return doc;
    if (json_is_object(doc) && json_object_get(doc, "values")) {
        const json_t *h = json_object_get(doc, "handle");
        if (h && (!json_is_string(h) || json_string_length(h) != j->handle_len ||
                  strncasecmp(json_string_value(h), j->handle, j->handle_len) != 0)) {
            snprintf(err, errlen, "Mismatched handle in PUT request");
            return NULL;
        }
        const json_t *v = json_object_get(doc, "values");
        if (!json_is_array(v))
            snprintf(err, errlen, "values must be an array");
        return json_is_array(v) ? v : NULL;
    }
    if (json_is_object(doc) && json_object_get(doc, "index") && json_object_get(doc, "type") &&
        json_object_get(doc, "data"))
        return doc;
    snprintf(err, errlen,
             "Invalid JSON in PUT request: give {\"values\":[...]}, an array of "
             "values, or one value");
    return NULL;
}

static bool same_index_set(const struct authed_job *j, const struct hdl_value *v, size_t n)
{
    for (size_t i = 0; i < j->index_count; i++) {
        bool found = false;
        for (size_t k = 0; k < n && !found; k++)
            found = v[k].index == j->indexes[i];
        if (!found)
            return false;
    }
    for (size_t k = 0; k < n; k++) {
        bool found = false;
        for (size_t i = 0; i < j->index_count && !found; i++)
            found = v[k].index == j->indexes[i];
        if (!found)
            return false;
    }
    return true;
}

static void do_put(struct authed_job *j, const struct identity *who, struct http_reply *r)
{
    bool add = j->various || j->index_count > 0;
    r->opcode = add ? HDL_OC_ADD_VALUE : HDL_OC_CREATE_HANDLE;
    json_error_t jerr;
    json_t *doc = json_loadb(j->body, j->body_len, JSON_REJECT_DUPLICATES, &jerr);
    if (!doc) {
        char msg[300];
        snprintf(msg, sizeof msg, "Malformed JSON: %s (line %d, column %d)", jerr.text, jerr.line,
                 jerr.column);
        http_reply_rc(r, HDL_RC_PROTOCOL_ERROR, j->handle, msg);
        return;
    }
    char err[300] = "";
    size_t cap = j->body_len + STORE_SLACK, n = 0;
    uint8_t *store_buf = malloc(cap);
    struct hdl_value *values = calloc(HDL_MAX_VALUES, sizeof *values);
    const json_t *arr = put_values(j, doc, err, sizeof err);
    json_t *single = NULL;
    if (arr && json_is_object(arr)) /* one value */
        arr = single = json_pack("[O]", (json_t *)arr);
    struct hdl_writer store;
    if (store_buf)
        hdl_writer_init(&store, store_buf, cap);
    if (!store_buf || !values) {
        http_reply_rc(r, HDL_RC_SERVER_TOO_BUSY, j->handle, "Out of memory");
    } else if (!arr) {
        http_reply_rc(r, HDL_RC_PROTOCOL_ERROR, j->handle, err);
    } else if (http_values_from_json(arr, &store, values, &n, err, sizeof err) != 0) {
        /* A body that does not read as values is a protocol error there too (4). */
        http_reply_rc(r, HDL_RC_PROTOCOL_ERROR, j->handle, err);
    } else if (j->index_count && !same_index_set(j, values, n)) {
        http_reply_rc(r, HDL_RC_PROTOCOL_ERROR, j->handle, "Mismatched indexes in PUT request");
    } else {
        struct ops_result res;
        const uint8_t *h = (const uint8_t *)j->handle;
        if (add) {
            ops_add_values(j->node, who, h, j->handle_len, values, n,
                           j->overwrite ? OPS_OVERWRITE : 0, &res);
            /* As the reference: 201 for what is new, 200 for what replaced something. */
            reply_ops(r, &res, j->handle, res.replaced ? 200 : 201);
        } else {
            unsigned flags = (j->overwrite ? OPS_OVERWRITE : 0) | (j->mint ? OPS_MINT : 0);
            ops_create(j->node, who, h, j->handle_len, values, n, flags, &res);
            char *created = cstr(res.handle, res.handle_len);
            reply_ops(r, &res, created ? created : j->handle, res.replaced ? 200 : 201);
            free(created);
        }
    }
    json_decref(single);
    json_decref(doc);
    free(values);
    free(store_buf);
}

static void do_delete(struct authed_job *j, const struct identity *who, struct http_reply *r)
{
    struct ops_result res;
    const uint8_t *h = (const uint8_t *)j->handle;
    if (j->index_count) {
        r->opcode = HDL_OC_REMOVE_VALUE;
        ops_remove_values(j->node, who, h, j->handle_len, j->indexes, j->index_count, &res);
    } else {
        r->opcode = HDL_OC_DELETE_HANDLE;
        ops_delete(j->node, who, h, j->handle_len, &res);
    }
    reply_ops(r, &res, j->handle, 200);
}

static void do_get(struct authed_job *j, const struct identity *who, struct http_reply *r)
{
    r->opcode = HDL_OC_RESOLUTION;
    uint8_t name[HDL_MAX_HANDLE_LEN + 8];
    size_t name_len = hname_lookup(j->handle, j->handle_len, name, sizeof name);
    if (query_part_elsewhere(j->node, name, name_len)) {
        http_reply_rc(r, HDL_RC_SERVER_NOT_RESP, j->handle, QUERY_PART_WRONG_SERVER);
        return;
    }
    if (!node_serves(j->node, name, name_len)) {
        http_reply_rc(r, HDL_RC_SERVER_NOT_RESP, j->handle, "That prefix doesn't live here");
        return;
    }
    bool private_ok = ops_may_read_private(j->node, who, name, name_len);
    struct reg_pin pin;
    int err = reg_get_record(j->node->db, name, name_len, &pin);
    if (err != REG_OK) {
        http_reply_rc(r, hdl_rc_of_error(err), j->handle,
                      err == REG_NOT_FOUND ? NULL : "Registry read failed");
        return;
    }
    struct reg_record_view rec;
    json_t *values = NULL;
    if (reg_record_parse(pin.data, pin.len, 0, &rec) == HDL_OK)
        values = http_api_values(&rec, &j->rr, private_ok);
    reg_pin_release(&pin);
    if (!values) {
        http_reply_rc(r, HDL_RC_ERROR, j->handle, "Stored record is damaged");
        return;
    }
    r->rc = json_array_size(values) == 0 && rec.value_count > 0 ? HDL_RC_VALUES_NOT_FOUND
                                                                : HDL_RC_SUCCESS;
    r->status = 200;
    r->body = json_pack("{s:i,s:s,s:o}", "responseCode", (int)r->rc, "handle", j->handle, "values",
                        values);
}

struct page {
    uint64_t skip, take;
    json_t *handles;
    bool failed;
};

static int collect(void *ctx, const uint8_t *h, size_t len)
{
    struct page *p = ctx;
    if (p->skip) {
        p->skip--;
        return 0;
    }
    if (p->take == 0)
        return 1;
    json_t *s = json_stringn((const char *)h, len);
    if (!s || json_array_append_new(p->handles, s) != 0) {
        p->failed = true;
        return 1;
    }
    return --p->take == 0;
}

static void do_list(struct authed_job *j, const struct identity *who, struct http_reply *r)
{
    r->opcode = HDL_OC_LIST_HANDLES;
    struct page p = {j->page * j->page_size, j->page_size, json_array(), false};
    struct ops_result res;
    uint64_t total = 0;
    if (!p.handles) {
        http_reply_rc(r, HDL_RC_SERVER_TOO_BUSY, NULL, "Out of memory");
        return;
    }
    if (ops_list_handles(j->node, who, (const uint8_t *)j->handle, j->handle_len, collect, &p,
                         &res) != HDL_RC_SUCCESS) {
        json_decref(p.handles);
        http_reply_rc(r, res.rc, NULL, res.message);
        return;
    }
    if (p.failed ||
        reg_count_prefix(j->node->db, j->handle + HNAME_NA_PREFIX_LEN, &total) != REG_OK) {
        json_decref(p.handles);
        http_reply_rc(r, HDL_RC_ERROR, NULL, "Registry read failed");
        return;
    }
    char count[24];
    snprintf(count, sizeof count, "%llu", (unsigned long long)total);
    r->rc = HDL_RC_SUCCESS;
    r->status = 200;
    /* totalCount is a JSON string, as the reference writes it. */
    r->body = json_pack("{s:i,s:s,s:s,s:I,s:I,s:o}", "responseCode", HDL_RC_SUCCESS, "prefix",
                        j->handle, "totalCount", count, "page", (json_int_t)j->page, "pageSize",
                        (json_int_t)j->page_size, "handles", p.handles);
}

static int collect_prefix(void *ctx, const uint8_t *h, size_t len)
{
    json_t *s = json_stringn((const char *)h, len);
    return s ? json_array_append_new(ctx, s) != 0 : 1;
}

static void do_prefixes(struct authed_job *j, const struct identity *who, struct http_reply *r)
{
    r->opcode = HDL_OC_LIST_HOMED_NAS;
    json_t *arr = json_array();
    struct ops_result res;
    if (!arr) {
        http_reply_rc(r, HDL_RC_SERVER_TOO_BUSY, NULL, "Out of memory");
        return;
    }
    if (ops_list_homed(j->node, who, collect_prefix, arr, &res) != HDL_RC_SUCCESS) {
        json_decref(arr);
        http_reply_rc(r, res.rc, NULL, res.message);
        return;
    }
    char count[24];
    snprintf(count, sizeof count, "%zu", json_array_size(arr));
    r->rc = HDL_RC_SUCCESS;
    r->status = 200;
    r->body = json_pack("{s:i,s:s,s:o}", "responseCode", HDL_RC_SUCCESS, "totalCount", count,
                        "prefixes", arr);
}

/* The reference's session object: sessionId and nonce when there is a session, authenticated
 * and id once authenticated, error when something failed. */
static json_t *session_json(const struct http_who *who, const char *error)
{
    json_t *o = json_object();
    if (!o)
        return NULL;
    if (who->has_session) {
        char nonce[AUTH_NONCE_LEN * 2 + 4];
        b64_encode(who->session.nonce, AUTH_NONCE_LEN, nonce, 0);
        json_object_set_new(o, "sessionId", json_string(who->session.id));
        json_object_set_new(o, "nonce", json_string(nonce));
    }
    if (who->who.authenticated) {
        char id[HDL_MAX_HANDLE_LEN + 16];
        snprintf(id, sizeof id, "%u:%.*s", who->who.index, (int)who->who.handle_len,
                 (const char *)who->who.handle);
        json_object_set_new(o, "authenticated", json_true());
        json_object_set_new(o, "id", json_string(id));
    }
    if (error && *error)
        json_object_set_new(o, "error", json_string(error));
    if (json_object_size(o) == 0)
        json_object_set_new(o, "authenticated", json_false());
    return o;
}

static void do_session_new(struct authed_job *j, struct http_reply *r)
{
    struct http_who who = {0};
    char msg[256] = "";
    if (j->auth.kind == HTTP_AUTH_HANDLE && (j->auth.session_id[0] || j->auth.bad_session_id)) {
        http_reply_rc(r, HDL_RC_PROTOCOL_ERROR, NULL,
                      "POST /api/sessions opens a new session: "
                      "send no sessionId");
        return;
    }
    if (j->auth.kind == HTTP_AUTH_BASIC || j->auth.kind == HTTP_AUTH_MALFORMED) {
        uint32_t rc = http_auth_identify(j->node, &j->auth, &who, msg, sizeof msg);
        if (rc != HDL_RC_SUCCESS) {
            unauthorized(j, r, &who, rc, msg);
            return;
        }
    }
    if (http_session_open(j->node->http_sessions, &who.session) != 0) {
        http_reply_rc(r, HDL_RC_SERVER_TOO_BUSY, NULL, "Too many sessions");
        return;
    }
    who.has_session = true;
    if (who.who.authenticated)
        http_session_authenticate(j->node->http_sessions, who.session.id, &who.who);
    r->rc = HDL_RC_SUCCESS;
    r->status = 201;
    r->body = session_json(&who, NULL);
    http_reply_header(r, "Location", "/api/sessions/this");
}

static void do_session_this(struct authed_job *j, struct http_reply *r)
{
    struct http_who who;
    char msg[256] = "";
    if (j->method == EVHTTP_REQ_DELETE) {
        if (j->auth.kind != HTTP_AUTH_HANDLE || !j->auth.session_id[0] ||
            !http_session_close(j->node->http_sessions, j->auth.session_id)) {
            http_reply_rc(r, HDL_RC_SESSION_TIMEOUT, NULL, "No such session");
            r->status = 403;
            return;
        }
        r->rc = HDL_RC_SUCCESS;
        r->status = 204;
        return;
    }
    uint32_t rc = http_auth_identify(j->node, &j->auth, &who, msg, sizeof msg);
    if (rc != HDL_RC_SUCCESS) {
        r->rc = rc;
        r->status = 401;
        /* The client learns the (new or same) session to sign from the answer itself. */
        char header[512];
        if (http_auth_challenge(j->node, &who, msg, header, sizeof header))
            http_reply_header(r, "WWW-Authenticate", header);
        r->body = session_json(&who, msg);
        return;
    }
    r->rc = HDL_RC_SUCCESS;
    r->status = 200;
    r->body = session_json(&who, NULL);
}

void authed_job_run(void *arg, struct http_reply *r)
{
    struct authed_job *j = arg;
    if (j->kind == J_SESSION_NEW) {
        do_session_new(j, r);
        return;
    }
    if (j->kind == J_SESSION_THIS) {
        do_session_this(j, r);
        return;
    }
    struct http_who who;
    char msg[256] = "";
    uint32_t rc = http_auth_identify(j->node, &j->auth, &who, msg, sizeof msg);
    if (rc != HDL_RC_SUCCESS) {
        unauthorized(j, r, &who, rc, msg);
        return;
    }
    if (j->kind != J_GET && !who.who.authenticated) {
        unauthorized(j, r, &who, HDL_RC_AUTHENTICATION_NEEDED, "Authentication needed");
        return;
    }
    switch (j->kind) {
    case J_GET:
        do_get(j, &who.who, r);
        break;
    case J_PUT:
        do_put(j, &who.who, r);
        break;
    case J_DELETE:
        do_delete(j, &who.who, r);
        break;
    case J_LIST:
        do_list(j, &who.who, r);
        break;
    case J_PREFIXES:
        do_prefixes(j, &who.who, r);
        break;
    case J_BATCH:
        http_batch_run(j->node, &who.who, j->body, j->body_len, r);
        break;
    case J_IMPORT_START:
        http_import_start(j->node, &who.who, j->body, j->body_len, r);
        break;
    case J_IMPORT_STATUS:
        http_import_status(j->node, &who.who, j->handle, r);
        break;
    case J_IMPORT_CANCEL:
        http_import_cancel(j->node, &who.who, j->handle, r);
        break;
    default:
        break;
    }
}
