#include "registry/import/bulk_jsonl.h"

#include <cstring>
#include <new>
#include <simdjson.h>

using simdjson::dom::array;
using simdjson::dom::element;
using simdjson::dom::element_type;
using simdjson::dom::object;

/* simdjson's DOM parser: unlike On-Demand it picks its kernel (AVX2, SSE4.2, scalar) for the CPU
 * at run time, and it validates the whole line before anything is read from it. */
struct bulk_jsonl_reader {
    simdjson::dom::parser parser;
};

extern "C" bulk_jsonl_reader *bulk_jsonl_reader_new(void)
{
    return new (std::nothrow) bulk_jsonl_reader();
}

extern "C" void bulk_jsonl_reader_free(bulk_jsonl_reader *r)
{
    delete r;
}

/* A string without NUL bytes (jansson refuses \u0000 unless told otherwise). */
static bool text(element v, bulk_jsonl_str *out)
{
    std::string_view s;
    if (v.get_string().get(s) || std::memchr(s.data(), 0, s.size()))
        return false;
    *out = {s.data(), s.size()};
    return true;
}

/* An integer from 0 to 2^32-1 written as one (jansson's integers; 1.0 is a real there). */
static bool u32(element v, uint32_t *out)
{
    uint64_t n;
    if ((v.type() != element_type::INT64 && v.type() != element_type::UINT64) ||
        v.get_uint64().get(n) || n > UINT32_MAX)
        return false;
    *out = (uint32_t)n;
    return true;
}

/* Each member at most once and none but the named ones: bit i of seen for names[i]. */
static int member(std::string_view key, const char *const *names, unsigned *seen)
{
    for (int i = 0; names[i]; i++) {
        if (key == names[i]) {
            if (*seen & (1u << i))
                return -1;
            *seen |= 1u << i;
            return i;
        }
    }
    return -1;
}

static bool admin_value(element v, bulk_jsonl_value *out)
{
    static const char *const names[] = {"handle", "index", "permissions", nullptr};
    object o;
    if (v.get_object().get(o))
        return false;
    unsigned seen = 0;
    for (auto field : o) {
        bool ok;
        switch (member(field.key, names, &seen)) {
        case 0:
            ok = text(field.value, &out->data);
            break;
        case 1:
            ok = u32(field.value, &out->admin_index);
            break;
        case 2:
            ok = text(field.value, &out->admin_perms);
            break;
        default:
            return false;
        }
        if (!ok)
            return false;
    }
    return seen == 7;
}

static bool data_object(element v, bulk_jsonl_value *out)
{
    object o;
    std::string_view format;
    element value;
    if (v.get_object().get(o) || o.size() != 2 || o["format"].get_string().get(format) ||
        o["value"].get(value))
        return false;
    if (format == "string")
        return text(value, &out->data);
    out->admin = true;
    return format == "admin" && admin_value(value, out);
}

static bool one_value(element v, bulk_jsonl_value *out)
{
    static const char *const names[] = {"index",     "type",        "data", "ttl",
                                        "timestamp", "permissions", nullptr};
    object o;
    if (v.get_object().get(o))
        return false;
    *out = {};
    unsigned seen = 0;
    for (auto field : o) {
        element fv = field.value;
        bool ok;
        switch (member(field.key, names, &seen)) {
        case 0:
            ok = u32(fv, &out->index);
            break;
        case 1:
            ok = text(fv, &out->type);
            break;
        case 2:
            ok = fv.is_string() ? text(fv, &out->data) : data_object(fv, out);
            break;
        case 3:
            out->has_ttl = true;
            out->ttl_is_time = fv.is_string();
            ok = out->ttl_is_time ? text(fv, &out->ttl_time) : u32(fv, &out->ttl);
            break;
        case 4:
            out->has_timestamp = true;
            ok = text(fv, &out->timestamp);
            break;
        case 5:
            out->has_perms = true;
            ok = text(fv, &out->perms);
            break;
        default:
            return false;
        }
        if (!ok)
            return false;
    }
    return (seen & 7) == 7; /* index, type and data */
}

extern "C" bool bulk_jsonl_read(bulk_jsonl_reader *r, const char *line, size_t len, size_t capacity,
                                bulk_jsonl_line *out)
{
    static const char *const names[] = {"handle", "values", nullptr};
    element doc;
    object o;
    if (capacity < len + simdjson::SIMDJSON_PADDING ||
        r->parser.parse(reinterpret_cast<const uint8_t *>(line), len, false).get(doc) ||
        doc.get_object().get(o))
        return false;
    unsigned seen = 0;
    out->count = 0;
    for (auto field : o) {
        switch (member(field.key, names, &seen)) {
        case 0:
            if (!text(field.value, &out->handle) || out->handle.len == 0)
                return false;
            break;
        case 1: {
            array a;
            if (field.value.get_array().get(a) || a.size() == 0 ||
                a.size() > BULK_JSONL_FAST_VALUES)
                return false;
            for (element e : a)
                if (!one_value(e, &out->values[out->count++]))
                    return false;
            break;
        }
        default:
            return false;
        }
    }
    return seen == 3;
}
