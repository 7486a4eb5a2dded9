#include "resolver/http/http_batch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/hdl_const.h"
#include "proto/hdl_error.h"
#include "proto/hdl_json.h"
#include "proto/hdl_json_scalar.h"
#include "registry/reg_record.h"
#include "resolver/admin/ops.h"

/* Decoded values of one operation: at most one message's worth, plus what encoding adds. */
#define STORE_CAP (2 * HDL_MAX_MESSAGE_LEN)

int http_values_from_json(const json_t *arr, struct hdl_writer *store, struct hdl_value *out,
                          size_t *n, char *err, size_t errlen)
{
    if (!json_is_array(arr)) {
        snprintf(err, errlen, "values must be an array");
        return -1;
    }
    size_t count = json_array_size(arr);
    if (count > HDL_MAX_VALUES) {
        snprintf(err, errlen, "More than %u values", HDL_MAX_VALUES);
        return -1;
    }
    for (size_t i = 0; i < count; i++) {
        char verr[200];
        int rc = hdl_value_from_json(json_array_get(arr, i), store, &out[i], verr, sizeof verr);
        if (rc != HDL_OK) {
            snprintf(err, errlen, "Value %zu: %s", i,
                     rc == HDL_ERR_NOSPACE ? "the values are too large" : verr);
            return -1;
        }
    }
    *n = count;
    return 0;
}

bool http_batch_same_values(struct node *node, const uint8_t *handle, size_t len,
                            const struct hdl_value *values, size_t n, bool exact)
{
    struct reg_pin pin;
    if (reg_get_record(node->db, handle, len, &pin) != REG_OK)
        return false;
    struct reg_record_view rec;
    bool same =
        reg_record_parse(pin.data, pin.len, 0, &rec) == HDL_OK && (!exact || rec.value_count == n);
    for (size_t i = 0; same && i < n; i++) {
        struct hdl_reader r;
        hdl_reader_init(&r, rec.values.ptr, rec.values.len);
        bool found = false;
        struct hdl_value v;
        for (uint32_t k = 0; !found && k < rec.value_count; k++) {
            if (hdl_value_decode(&r, &v) != HDL_OK)
                break;
            found = v.index == values[i].index && hdl_value_same(&v, &values[i]);
        }
        same = found;
    }
    reg_pin_release(&pin);
    return same;
}

/* What one operation needs beyond its JSON: scratch space reused from one to the next. */
struct scratch {
    uint8_t *store_buf;
    struct hdl_value *values;
    uint32_t *indexes;
};

static json_t *result(uint32_t rc, const char *handle, const char *message)
{
    json_t *o = json_pack("{s:I}", "responseCode", (json_int_t)rc);
    if (o && handle)
        json_object_set_new(o, "handle", json_string(handle));
    if (o && message && *message)
        json_object_set_new(o, "message", json_string(message));
    return o;
}

/* An optional boolean member; -1 when present but not a boolean. */
static int flag(const json_t *op, const char *name, bool *out)
{
    const json_t *j = json_object_get(op, name);
    if (!j)
        return 0;
    return hdl_json_bool(j, out) ? 0 : -1;
}

static json_t *run_op(struct node *node, const struct identity *who, const json_t *op,
                      struct scratch *s)
{
    if (!json_is_object(op))
        return result(HDL_RC_PROTOCOL_ERROR, NULL, "An operation must be a JSON object");
    const char *kind = json_string_value(json_object_get(op, "op"));
    const json_t *hj = json_object_get(op, "handle");
    const char *handle = json_string_value(hj);
    if (!kind)
        return result(HDL_RC_PROTOCOL_ERROR, handle, "op is missing");
    if (!handle || json_string_length(hj) == 0 || json_string_length(hj) > HDL_MAX_HANDLE_LEN)
        return result(HDL_RC_INVALID_HANDLE, handle, "handle is missing or invalid");
    const uint8_t *h = (const uint8_t *)handle;
    size_t hlen = json_string_length(hj);
    bool overwrite = false, mint = false;
    if (flag(op, "overwrite", &overwrite) || flag(op, "mintNewSuffix", &mint))
        return result(HDL_RC_PROTOCOL_ERROR, handle, "overwrite and mintNewSuffix are booleans");

    bool create = !strcmp(kind, "create"), add = !strcmp(kind, "add");
    bool modify = !strcmp(kind, "modify");
    struct ops_result res;
    char err[300];
    if (create || add || modify) {
        struct hdl_writer store;
        hdl_writer_init(&store, s->store_buf, STORE_CAP);
        size_t n = 0;
        if (http_values_from_json(json_object_get(op, "values"), &store, s->values, &n, err,
                                  sizeof err) != 0)
            return result(HDL_RC_PROTOCOL_ERROR, handle, err);
        unsigned flags = overwrite ? OPS_OVERWRITE : 0;
        if (create) {
            ops_create(node, who, h, hlen, s->values, n, flags | (mint ? OPS_MINT : 0), &res);
            if (res.rc == HDL_RC_HANDLE_ALREADY_EXISTS && !mint &&
                http_batch_same_values(node, h, hlen, s->values, n, true))
                return result(HDL_RC_SUCCESS, handle,
                              "Unchanged: the handle already holds these values");
            json_t *o = result(res.rc, NULL, res.message);
            if (o)
                json_object_set_new(o, "handle",
                                    json_stringn((const char *)res.handle, res.handle_len));
            return o;
        }
        if (add) {
            ops_add_values(node, who, h, hlen, s->values, n, flags, &res);
            if (res.rc == HDL_RC_VALUE_ALREADY_EXISTS &&
                http_batch_same_values(node, h, hlen, s->values, n, false))
                return result(HDL_RC_SUCCESS, handle,
                              "Unchanged: the handle already holds these values");
        } else {
            ops_modify_values(node, who, h, hlen, s->values, n, &res);
        }
        return result(res.rc, handle, res.message);
    }
    if (!strcmp(kind, "remove")) {
        const json_t *ix = json_object_get(op, "indexes");
        size_t n = json_array_size(ix);
        if (!json_is_array(ix) || n == 0 || n > HDL_MAX_VALUES)
            return result(HDL_RC_PROTOCOL_ERROR, handle, "indexes must be a non-empty array");
        for (size_t i = 0; i < n; i++) {
            if (!hdl_json_u32(json_array_get(ix, i), &s->indexes[i]))
                return result(HDL_RC_PROTOCOL_ERROR, handle,
                              "indexes must be numbers from 0 to 4294967295");
        }
        ops_remove_values(node, who, h, hlen, s->indexes, n, &res);
        return result(res.rc, handle, res.message);
    }
    if (!strcmp(kind, "delete")) {
        ops_delete(node, who, h, hlen, &res);
        return result(res.rc, handle, res.message);
    }
    return result(HDL_RC_PROTOCOL_ERROR, handle,
                  "op must be one of create, add, modify, remove, delete");
}

void http_batch_run(struct node *node, const struct identity *who, const char *body, size_t len,
                    struct http_reply *r)
{
    r->opcode = -1;
    json_error_t jerr;
    json_t *doc = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!doc) {
        char msg[300];
        snprintf(msg, sizeof msg, "Malformed JSON: %s (line %d, column %d)", jerr.text, jerr.line,
                 jerr.column);
        http_reply_rc(r, HDL_RC_PROTOCOL_ERROR, NULL, msg);
        return;
    }
    const json_t *ops = json_object_get(doc, "operations");
    if (!json_is_array(ops)) {
        json_decref(doc);
        http_reply_rc(r, HDL_RC_PROTOCOL_ERROR, NULL,
                      "A batch is {\"operations\":[{\"op\":..,\"handle\":..},...]}");
        return;
    }
    if (json_array_size(ops) > HTTP_BATCH_MAX_OPS) {
        json_decref(doc);
        http_reply_rc(r, HDL_RC_PROTOCOL_ERROR, NULL, "At most 10000 operations in a batch");
        return;
    }
    struct scratch s = {malloc(STORE_CAP), calloc(HDL_MAX_VALUES, sizeof *s.values),
                        calloc(HDL_MAX_VALUES, sizeof *s.indexes)};
    json_t *results = json_array();
    size_t ok = 0, failed = 0;
    bool oom = !s.store_buf || !s.values || !s.indexes || !results;
    /* One WAL sync for the whole batch instead of one per operation; nothing is answered
     * before it. */
    reg_defer_sync_begin(node->db);
    for (size_t i = 0; !oom && i < json_array_size(ops); i++) {
        json_t *item = run_op(node, who, json_array_get(ops, i), &s);
        if (!item || json_array_append_new(results, item) != 0) {
            oom = true;
            break;
        }
        if (json_integer_value(json_object_get(item, "responseCode")) == HDL_RC_SUCCESS)
            ok++;
        else
            failed++;
    }
    int synced = reg_defer_sync_end(node->db);
    free(s.store_buf);
    free(s.values);
    free(s.indexes);
    json_decref(doc);
    if (synced != REG_OK) {
        json_decref(results);
        http_reply_rc(r, hdl_rc_of_error(synced), NULL,
                      "The registry could not sync the batch to disk");
        return;
    }
    if (oom) {
        json_decref(results);
        http_reply_rc(r, HDL_RC_SERVER_TOO_BUSY, NULL,
                      "Out of memory: the operations done so far stand");
        return;
    }
    r->rc = HDL_RC_SUCCESS;
    r->status = 200;
    r->body = json_pack("{s:i,s:I,s:I,s:o}", "responseCode", HDL_RC_SUCCESS, "succeeded",
                        (json_int_t)ok, "failed", (json_int_t)failed, "results", results);
}
