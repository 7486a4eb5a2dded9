/*
 * libFuzzer target for REST JSON bodies: the bytes are loaded as the PUT /api/handles/{handle}
 * and POST /api/batch bodies are ({"values":[...]}, a bare array of values, one value, or
 * {"operations":[{"values":[...]}, ...]}), and every value array or object goes through the
 * parsers those requests use (http_values_from_json, hdl_value_from_json). A value that parses
 * must encode to wire bytes that decode again, and its JSON form (hdl_value_to_json) must parse
 * back to the same bytes. Built by -DPAZHOU_FUZZ=ON (docs/fuzzing.md).
 */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/hdl_const.h"
#include "proto/hdl_json.h"
#include "proto/hdl_value.h"
#include "resolver/http/http_batch.h"

#define STORE_CAP (2 * HDL_MAX_MESSAGE_LEN)

static uint8_t store_buf[STORE_CAP], again_buf[STORE_CAP];
static uint8_t wire[HDL_MAX_MESSAGE_LEN + 1024], wire_again[HDL_MAX_MESSAGE_LEN + 1024];
static struct hdl_value values[HDL_MAX_VALUES];

/* v encodes, decodes to the same bytes, and survives its JSON form unchanged. */
static void value_or_die(const struct hdl_value *v)
{
    struct hdl_writer w;
    hdl_writer_init(&w, wire, sizeof wire);
    hdl_value_encode(&w, v);
    if (hdl_writer_status(&w) != HDL_OK) /* larger than a message: refused later by size */
        return;
    if (w.len != hdl_value_encoded_len(v))
        abort();
    struct hdl_reader r;
    struct hdl_value back;
    hdl_reader_init(&r, wire, w.len);
    if (hdl_value_decode(&r, &back) != HDL_OK || hdl_reader_left(&r) != 0)
        abort();
    json_t *j = hdl_value_to_json(v);
    if (!j)
        return; /* allocation failure */
    struct hdl_writer store;
    hdl_writer_init(&store, again_buf, sizeof again_buf);
    struct hdl_value v2;
    char err[200];
    if (hdl_value_from_json(j, &store, &v2, err, sizeof err) != HDL_OK)
        abort();
    json_decref(j);
    struct hdl_writer w2;
    hdl_writer_init(&w2, wire_again, sizeof wire_again);
    hdl_value_encode(&w2, &v2);
    if (hdl_writer_status(&w2) != HDL_OK || w2.len != w.len || memcmp(wire, wire_again, w.len))
        abort();
}

static void fuzz_array(const json_t *arr)
{
    struct hdl_writer store;
    hdl_writer_init(&store, store_buf, sizeof store_buf);
    size_t n = 0;
    char err[256];
    if (http_values_from_json(arr, &store, values, &n, err, sizeof err) != 0)
        return;
    if (n != json_array_size(arr))
        abort();
    for (size_t i = 0; i < n; i++)
        value_or_die(&values[i]);
}

static void fuzz_object(const json_t *obj)
{
    struct hdl_writer store;
    hdl_writer_init(&store, store_buf, sizeof store_buf);
    char err[200];
    if (hdl_value_from_json(obj, &store, &values[0], err, sizeof err) == HDL_OK)
        value_or_die(&values[0]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_error_t jerr;
    json_t *doc = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, &jerr);
    if (!doc)
        return 0;
    if (json_is_array(doc)) {
        fuzz_array(doc);
    } else if (json_is_object(doc)) {
        const json_t *vals = json_object_get(doc, "values");
        const json_t *ops = json_object_get(doc, "operations");
        if (vals)
            fuzz_array(vals);
        else
            fuzz_object(doc);
        size_t i;
        const json_t *op;
        if (json_is_array(ops))
            json_array_foreach(ops, i, op) if (json_is_object(op))
                fuzz_array(json_object_get(op, "values"));
    }
    json_decref(doc);
    return 0;
}
