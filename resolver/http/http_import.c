#include "resolver/http/http_import.h"

#include <stdio.h>
#include <string.h>

#include "proto/hdl_const.h"
#include "proto/hdl_error.h"
#include "proto/hdl_json_scalar.h"
#include "resolver/access_log.h"
#include "resolver/admin/node_import.h"
#include "resolver/admin/perm.h"
#include "resolver/http/http_send.h"

/* Importing reads files on the node's machine and replaces handles without their own admins'
 * say: a server administrator's right alone. */
static bool allowed(struct node *node, const struct identity *who, struct http_reply *r)
{
    if (perm_is_server_admin(node, who))
        return true;
    http_reply_rc(r, HDL_RC_INSUFFICIENT_PERMISSIONS, NULL,
                  "Imports are for the node's server administrators");
    return false;
}

/* An optional string member that must be one of choices (NULL-terminated); its index, the
 * default when absent, or -1. */
static int choice(const json_t *doc, const char *name, const char *const *choices, int dflt)
{
    const json_t *j = json_object_get(doc, name);
    if (!j)
        return dflt;
    for (int i = 0; json_is_string(j) && choices[i]; i++)
        if (strcmp(json_string_value(j), choices[i]) == 0)
            return i;
    return -1;
}

/* An optional integer member in [lo, hi]: its value, 0 when absent, -1 when bad. */
static json_int_t bounded(const json_t *doc, const char *name, json_int_t lo, json_int_t hi)
{
    const json_t *j = json_object_get(doc, name);
    if (!j)
        return 0;
    int64_t v;
    return hdl_json_int(j, lo, hi, &v) ? (json_int_t)v : -1;
}

static int parse_request(const char *body, size_t len, struct node_import_request *req, char *err,
                         size_t errlen)
{
    static const char *const formats[] = {"jsonl", "csv", NULL};
    static const char *const existing[] = {"overwrite", "skip", "fail", NULL};
    static const char *const on_error[] = {"skip", "abort", NULL};
    json_error_t jerr;
    json_t *doc = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!json_is_object(doc)) {
        snprintf(err, errlen, "An import is {\"path\": \"FILE\", ...}%s%s", doc ? "" : ": ",
                 doc ? "" : jerr.text);
        json_decref(doc);
        return -1;
    }
    const json_t *path = json_object_get(doc, "path");
    int format = choice(doc, "format", formats, -2);
    int exist = choice(doc, "existing", existing, 0);
    int errors = choice(doc, "onError", on_error, 0);
    json_int_t threads = bounded(doc, "threads", 1, 64);
    json_int_t memory = bounded(doc, "memoryMB", 16, 1 << 20);
    json_int_t nice = json_object_get(doc, "nice") ? bounded(doc, "nice", 0, 19) : NODE_IMPORT_NICE;
    const char *bad = !json_is_string(path) || json_string_length(path) == 0 ||
                              json_string_length(path) >= sizeof req->path
                          ? "path must name a file"
                      : format == -1 ? "format is jsonl or csv"
                      : exist < 0    ? "existing is overwrite, skip or fail"
                      : errors < 0   ? "onError is skip or abort"
                      : threads < 0  ? "threads is 1 to 64"
                      : memory < 0   ? "memoryMB is 16 to 1048576"
                      : nice < 0     ? "nice is 0 to 19"
                                     : NULL;
    if (bad) {
        snprintf(err, errlen, "%s", bad);
        json_decref(doc);
        return -1;
    }
    snprintf(req->path, sizeof req->path, "%s", json_string_value(path));
    req->format_given = format >= 0;
    req->format = format == 1 ? BULK_CSV : BULK_JSONL;
    req->existing = exist == 1 ? BULK_SKIP : exist == 2 ? BULK_FAIL : BULK_OVERWRITE;
    req->abort_on_error = errors == 1;
    req->threads = (int)threads;
    req->memory_bytes = (size_t)memory << 20;
    req->nice = (int)nice;
    json_decref(doc);
    return 0;
}

void http_import_start(struct node *node, const struct identity *who, const char *body, size_t len,
                       struct http_reply *r)
{
    r->opcode = -1;
    if (!allowed(node, who, r))
        return;
    struct node_import_request req = {0};
    char err[600], id[32];
    if (parse_request(body, len, &req, err, sizeof err) != 0) {
        http_reply_rc(r, HDL_RC_PROTOCOL_ERROR, NULL, err);
        return;
    }
    snprintf(req.by, sizeof req.by, "%u:%.*s", who->index, (int)who->handle_len,
             (const char *)who->handle);
    int rc = node_import_start(node->imports, &req, id, sizeof id, err, sizeof err);
    /* The access log names the file an import reads where other changes name a handle. */
    access_log_change("start_import", (const uint8_t *)req.path, strlen(req.path), who->index,
                      who->handle, who->handle_len,
                      rc == NODE_IMPORT_STARTED ? HDL_RC_SUCCESS : hdl_rc_of_error(rc));
    if (rc != NODE_IMPORT_STARTED) {
        http_reply_rc(r, hdl_rc_of_error(rc), NULL, err);
        r->status = http_status_of_error(rc, true);
        return;
    }
    char location[64];
    snprintf(location, sizeof location, "%s/%s", HTTP_IMPORTS_PATH, id);
    r->rc = HDL_RC_SUCCESS;
    r->status = 202;
    r->body = json_pack("{s:i,s:s}", "responseCode", HDL_RC_SUCCESS, "id", id);
    http_reply_header(r, "Location", location);
}

void http_import_status(struct node *node, const struct identity *who, const char *id,
                        struct http_reply *r)
{
    r->opcode = -1;
    if (!allowed(node, who, r))
        return;
    json_t *o = node_import_status(node->imports, id);
    if (!o) {
        http_reply_rc(r, HDL_RC_ERROR, NULL, "No such import");
        r->status = 404;
        return;
    }
    r->rc = HDL_RC_SUCCESS;
    r->status = 200;
    r->body = o;
}

void http_import_cancel(struct node *node, const struct identity *who, const char *id,
                        struct http_reply *r)
{
    r->opcode = -1;
    if (!allowed(node, who, r))
        return;
    int rc = node_import_cancel(node->imports, id);
    access_log_change("cancel_import", (const uint8_t *)id, strlen(id), who->index, who->handle,
                      who->handle_len, rc == 0 ? HDL_RC_SUCCESS : HDL_RC_ERROR);
    if (rc < 0) {
        http_reply_rc(r, HDL_RC_ERROR, NULL, "No such import");
        r->status = 404;
    } else if (rc > 0) {
        http_reply_rc(r, HDL_RC_ERROR, NULL, "The import has finished");
        r->status = 409;
    } else {
        http_reply_rc(r, HDL_RC_SUCCESS, NULL, "Cancelling: nothing of the import will land");
        r->status = 202;
    }
}
