/* The JSON form of values both ways (render and parse, every format the REST API and the importers
 * read). Over 600 lines because each format's cases go in pairs, written and read back against
 * the same values. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "proto/hdl_json.h"
#include "proto/hdl_site.h"

/* Index 1 of 88.100.1/PRODUCT-000001 as captured (docs/protocol.md §9). */
static const char url_json[] =
    "{\"index\":1,\"type\":\"URL\",\"data\":{\"format\":\"string\",\"value\":"
    "\"https://example.com/product/000001\"},\"ttl\":86400,\"timestamp\":\"2026-11-26T02:39:16Z\"}";
static const uint8_t url_wire[] = {
    0x00, 0x00, 0x00, 0x01,                /* index 1 */
    0x6b, 0x07, 0x9b, 0xd4,                /* timestamp */
    0x00,                                  /* ttlType relative */
    0x00, 0x01, 0x51, 0x80,                /* ttl 86400 */
    0x0e,                                  /* permissions 1110 */
    0x00, 0x00, 0x00, 0x03, 'U', 'R', 'L', /* type */
    0x00, 0x00, 0x00, 0x22, 'h', 't', 't', 'p', 's', ':', '/', '/', 'e',
    'x',  'a',  'm',  'p',  'l', 'e', '.', 'c', 'o', 'm', '/', 'p', 'r',
    'o',  'd',  'u',  'c',  't', '/', '0', '0', '0', '0', '0', '1', /* data */
    0x00, 0x00, 0x00, 0x00,                                         /* no references */
};

/* HS_ADMIN data: all 12 permissions, admin 300:0.NA/88.100.1 (docs/protocol.md §9.1). */
static const uint8_t admin_data[] = {
    0x0f, 0xff, 0x00, 0x00, 0x00, 0x0d, '0', '.',  'N',  'A',  '/',  '8',
    '8',  '.',  '1',  '0',  '0',  '.',  '1', 0x00, 0x00, 0x01, 0x2c,
};

static json_t *parse(const char *text)
{
    json_error_t jerr;
    json_t *j = json_loads(text, 0, &jerr);
    if (!j)
        fail_msg("bad test JSON: %s", jerr.text);
    return j;
}

static void assert_json_equal(json_t *got, const char *want_text)
{
    json_t *want = parse(want_text);
    if (!json_equal(got, want)) {
        char *g = json_dumps(got, JSON_COMPACT | JSON_SORT_KEYS);
        fail_msg("got %s\nwant %s", g ? g : "NULL", want_text);
    }
    json_decref(want);
}

/* Parses text into v with store; returns the error code and leaves the message in err. */
static int from_text(const char *text, struct hdl_writer *store, struct hdl_value *v, char *err,
                     size_t errlen)
{
    json_t *j = parse(text);
    err[0] = '\0';
    int rc = hdl_value_from_json(j, store, v, err, errlen);
    json_decref(j);
    return rc;
}

static void encode(const struct hdl_value *v, uint8_t *out, size_t cap, size_t *len)
{
    struct hdl_writer w;
    hdl_writer_init(&w, out, cap);
    hdl_value_encode(&w, v);
    assert_int_equal(hdl_writer_status(&w), HDL_OK);
    assert_int_equal(w.len, hdl_value_encoded_len(v));
    *len = w.len;
}

static void captured_url_value_goes_to_wire_bytes(void **state)
{
    uint8_t sbuf[256], out[256];
    struct hdl_writer store;
    struct hdl_value v;
    char err[256];
    size_t len;
    hdl_writer_init(&store, sbuf, sizeof sbuf);
    assert_int_equal(from_text(url_json, &store, &v, err, sizeof err), HDL_OK);
    encode(&v, out, sizeof out, &len);
    assert_int_equal(len, sizeof url_wire);
    assert_memory_equal(out, url_wire, sizeof url_wire);
}

static void captured_url_wire_bytes_go_to_json(void **state)
{
    struct hdl_reader r;
    struct hdl_value v;
    hdl_reader_init(&r, url_wire, sizeof url_wire);
    assert_int_equal(hdl_value_decode(&r, &v), HDL_OK);
    json_t *j = hdl_value_to_json(&v);
    assert_non_null(j);
    assert_json_equal(j, url_json);
    /* Field order as the reference writes it. */
    char *text = json_dumps(j, JSON_COMPACT);
    assert_string_equal(text, url_json);
    free(text);
    json_decref(j);
}

static void admin_data_round_trips_as_admin_format(void **state)
{
    static const char want[] =
        "{\"index\":100,\"type\":\"HS_ADMIN\",\"data\":{\"format\":\"admin\",\"value\":"
        "{\"handle\":\"0.NA/88.100.1\",\"index\":300,\"permissions\":\"111111111111\"}},"
        "\"ttl\":86400,\"timestamp\":\"2026-11-26T02:39:16Z\"}";
    struct hdl_value v = {.index = 100, .timestamp = 0x6b079bd4, .ttl = 86400, .perms = 0x0e};
    v.type = (struct hdl_slice){(const uint8_t *)"HS_ADMIN", 8};
    v.data = (struct hdl_slice){admin_data, sizeof admin_data};
    json_t *j = hdl_value_to_json(&v);
    assert_non_null(j);
    assert_json_equal(j, want);
    json_decref(j);

    uint8_t sbuf[256];
    struct hdl_writer store;
    struct hdl_value back;
    char err[256];
    hdl_writer_init(&store, sbuf, sizeof sbuf);
    assert_int_equal(from_text(want, &store, &back, err, sizeof err), HDL_OK);
    assert_int_equal(back.index, 100);
    assert_int_equal(back.data.len, sizeof admin_data);
    assert_memory_equal(back.data.ptr, admin_data, sizeof admin_data);
    assert_int_equal(back.type.len, 8);
    assert_memory_equal(back.type.ptr, "HS_ADMIN", 8);
}

static void admin_permissions_are_most_significant_bit_first(void **state)
{
    uint8_t sbuf[256];
    struct hdl_writer store;
    struct hdl_value v;
    char err[256];
    hdl_writer_init(&store, sbuf, sizeof sbuf);
    /* listHandles and addHandle only. */
    assert_int_equal(
        from_text("{\"index\":100,\"type\":\"HS_ADMIN\",\"data\":{\"format\":\"admin\","
                  "\"value\":{\"handle\":\"0.NA/1\",\"index\":300,"
                  "\"permissions\":\"100000000001\"}}}",
                  &store, &v, err, sizeof err),
        HDL_OK);
    static const uint8_t want[] = {0x08, 0x01, 0,   0,   0, 6, '0', '.',
                                   'N',  'A',  '/', '1', 0, 0, 1,   0x2c};
    assert_int_equal(v.data.len, sizeof want);
    assert_memory_equal(v.data.ptr, want, sizeof want);
}

static void vlist_round_trips(void **state)
{
    static const char text[] =
        "{\"index\":5,\"type\":\"HS_VLIST\",\"data\":{\"format\":\"vlist\",\"value\":"
        "[{\"handle\":\"0.NA/88.100.1\",\"index\":300},{\"handle\":\"88.100.1/A\",\"index\":7}]},"
        "\"ttl\":86400}";
    static const uint8_t want[] = {0,   0,   0,    2,   0,   0,   0,   13,  '0', '.', 'N',
                                   'A', '/', '8',  '8', '.', '1', '0', '0', '.', '1', 0,
                                   0,   1,   0x2c, 0,   0,   0,   10,  '8', '8', '.', '1',
                                   '0', '0', '.',  '1', '/', 'A', 0,   0,   0,   7};
    uint8_t sbuf[256];
    struct hdl_writer store;
    struct hdl_value v;
    char err[256];
    hdl_writer_init(&store, sbuf, sizeof sbuf);
    assert_int_equal(from_text(text, &store, &v, err, sizeof err), HDL_OK);
    assert_int_equal(v.data.len, sizeof want);
    assert_memory_equal(v.data.ptr, want, sizeof want);
    assert_int_equal(v.timestamp, 0);
    json_t *j = hdl_value_to_json(&v);
    assert_json_equal(j, text);
    json_decref(j);
}

static void optional_fields_round_trip(void **state)
{
    /* Absolute ttl, non-default permissions and references; no timestamp. */
    static const char text[] =
        "{\"index\":2,\"type\":\"EMAIL\",\"data\":{\"format\":\"string\",\"value\":\"a@b.c\"},"
        "\"permissions\":\"1100\",\"ttl\":\"2026-11-26T02:39:16Z\","
        "\"references\":[{\"handle\":\"88.100.1/X\",\"index\":1}]}";
    uint8_t sbuf[256], out[256];
    struct hdl_writer store;
    struct hdl_value v;
    char err[256];
    size_t len;
    hdl_writer_init(&store, sbuf, sizeof sbuf);
    assert_int_equal(from_text(text, &store, &v, err, sizeof err), HDL_OK);
    assert_int_equal(v.perms, 0x0c);
    assert_int_equal(v.ttl_type, 1);
    assert_int_equal(v.ttl, 0x6b079bd4);
    assert_int_equal(v.ref_count, 1);

    encode(&v, out, sizeof out, &len);
    static const uint8_t tail[] = {0,   0,   0,   1,   0,   0,   0,   10, '8', '8', '.',
                                   '1', '0', '0', '.', '1', '/', 'X', 0,  0,   0,   1};
    assert_memory_equal(out + len - sizeof tail, tail, sizeof tail);
    struct hdl_reader r;
    struct hdl_value back;
    hdl_reader_init(&r, out, len);
    assert_int_equal(hdl_value_decode(&r, &back), HDL_OK);
    json_t *j = hdl_value_to_json(&back);
    assert_json_equal(j, text);
    json_decref(j);
}

static void defaults_apply_to_missing_fields(void **state)
{
    uint8_t sbuf[64];
    struct hdl_writer store;
    struct hdl_value v;
    char err[256];
    hdl_writer_init(&store, sbuf, sizeof sbuf);
    /* data as a bare string is UTF-8 text. */
    assert_int_equal(from_text("{\"index\":3,\"type\":\"DESC\",\"data\":\"caf\\u00e9\"}", &store,
                               &v, err, sizeof err),
                     HDL_OK);
    assert_int_equal(v.ttl_type, 0);
    assert_int_equal(v.ttl, 86400);
    assert_int_equal(v.perms, 0x0e);
    assert_int_equal(v.timestamp, 0);
    assert_int_equal(v.ref_count, 0);
    assert_int_equal(v.refs.len, 0);
    assert_int_equal(v.data.len, 5);
    assert_memory_equal(v.data.ptr, "caf\xc3\xa9", 5);
}

static void base64_and_hex_input_give_the_same_bytes(void **state)
{
    static const uint8_t want[] = {0x00, 0xff, 0x10, 0x80, 0x7f};
    const char *inputs[] = {
        "{\"index\":1,\"type\":\"X\",\"data\":{\"format\":\"base64\",\"value\":\"AP8QgH8=\"}}",
        "{\"index\":1,\"type\":\"X\",\"data\":{\"format\":\"base64\",\"value\":\"AP8QgH8\"}}",
        "{\"index\":1,\"type\":\"X\",\"data\":{\"format\":\"hex\",\"value\":\"00ff10807f\"}}",
        "{\"index\":1,\"type\":\"X\",\"data\":{\"format\":\"hex\",\"value\":\"00FF10807F\"}}",
    };
    for (size_t i = 0; i < sizeof inputs / sizeof inputs[0]; i++) {
        uint8_t sbuf[64];
        struct hdl_writer store;
        struct hdl_value v;
        char err[256];
        hdl_writer_init(&store, sbuf, sizeof sbuf);
        assert_int_equal(from_text(inputs[i], &store, &v, err, sizeof err), HDL_OK);
        assert_int_equal(v.data.len, sizeof want);
        assert_memory_equal(v.data.ptr, want, sizeof want);
    }
}

static void base64_padding_gives_exact_lengths(void **state)
{
    /* 0, 1, 2, 3 and 4 bytes, padded and not, plus a value longer than one decoding chunk. */
    static const struct {
        const char *b64;
        const char *bytes;
    } cases[] = {{"", ""},      {"YQ==", "a"},   {"YQ", "a"},         {"YWI=", "ab"},
                 {"YWI", "ab"}, {"YWJj", "abc"}, {"YWJjZA==", "abcd"}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char text[128];
        snprintf(text, sizeof text,
                 "{\"index\":1,\"type\":\"X\",\"data\":{\"format\":\"base64\",\"value\":\"%s\"}}",
                 cases[i].b64);
        uint8_t sbuf[64];
        struct hdl_writer store;
        struct hdl_value v;
        char err[256];
        hdl_writer_init(&store, sbuf, sizeof sbuf);
        assert_int_equal(from_text(text, &store, &v, err, sizeof err), HDL_OK);
        assert_int_equal(v.data.len, strlen(cases[i].bytes));
        assert_memory_equal(v.data.ptr, cases[i].bytes, v.data.len);
    }

    enum { N = 3000 };
    static uint8_t big[N], sbuf[N + 64];
    for (size_t i = 0; i < N; i++)
        big[i] = (uint8_t)(i * 7 + 1);
    struct hdl_value v = {.index = 1, .ttl = 86400, .perms = 0x0e};
    v.type = (struct hdl_slice){(const uint8_t *)"X", 1};
    v.data = (struct hdl_slice){big, N};
    json_t *j = hdl_value_to_json(&v);
    assert_string_equal(json_string_value(json_object_get(json_object_get(j, "data"), "format")),
                        "base64");
    struct hdl_writer store;
    struct hdl_value back;
    char err[256];
    hdl_writer_init(&store, sbuf, sizeof sbuf);
    assert_int_equal(hdl_value_from_json(j, &store, &back, err, sizeof err), HDL_OK);
    assert_int_equal(back.data.len, N);
    assert_memory_equal(back.data.ptr, big, N);
    json_decref(j);
}

static void binary_and_control_bytes_are_written_as_base64(void **state)
{
    static const struct {
        const char *type;
        const char *data;
        size_t len;
        const char *format;
    } cases[] = {
        {"URL", "a\tb\r\n", 5, "string"},
        {"DESC", "caf\xc3\xa9", 5, "string"},
        {"DESC", "a\x01", 2, "base64"},
        {"DESC", "a\x7f", 2, "base64"},
        {"DESC", "\xc3(", 2, "base64"},        /* bad continuation */
        {"DESC", "\xc0\xaf", 2, "base64"},     /* overlong */
        {"DESC", "\xed\xa0\x80", 3, "base64"}, /* surrogate */
        {"HS_SITE", "abc", 3, "base64"},       /* binary types even when they look like text */
        {"HS_PUBKEY", "abc", 3, "base64"},
        {"HS_ADMIN", "abc", 3, "base64"}, /* not decodable as HS_ADMIN */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct hdl_value v = {.index = 1, .ttl = 86400, .perms = 0x0e};
        v.type =
            (struct hdl_slice){(const uint8_t *)cases[i].type, (uint32_t)strlen(cases[i].type)};
        v.data = (struct hdl_slice){(const uint8_t *)cases[i].data, (uint32_t)cases[i].len};
        json_t *j = hdl_value_to_json(&v);
        assert_non_null(j);
        const char *format =
            json_string_value(json_object_get(json_object_get(j, "data"), "format"));
        if (strcmp(format, cases[i].format) != 0)
            fail_msg("case %zu: format %s, want %s", i, format, cases[i].format);
        json_decref(j);
    }
    struct hdl_value v = {.index = 1, .ttl = 86400, .perms = 0x0e};
    v.type = (struct hdl_slice){(const uint8_t *)"X", 1};
    v.data = (struct hdl_slice){(const uint8_t *)"\x00\xff\x10", 3};
    json_t *j = hdl_value_to_json(&v);
    assert_json_equal(j, "{\"index\":1,\"type\":\"X\",\"data\":{\"format\":\"base64\",\"value\":"
                         "\"AP8Q\"},\"ttl\":86400}");
    json_decref(j);
}

/* The input fails with HDL_ERR_MALFORMED and a message containing what. */
static void expect_bad(const char *text, const char *what)
{
    uint8_t sbuf[256];
    struct hdl_writer store;
    struct hdl_value v;
    char err[256];
    hdl_writer_init(&store, sbuf, sizeof sbuf);
    int rc = from_text(text, &store, &v, err, sizeof err);
    if (rc != HDL_ERR_MALFORMED || !strstr(err, what))
        fail_msg("%s: got %d \"%s\", want \"%s\"", text, rc, err, what);
    assert_int_equal(store.len, 0);
}

static void bad_inputs_are_rejected_with_the_field_named(void **state)
{
    expect_bad("[1]", "a value must be a JSON object");
    expect_bad("{\"type\":\"URL\",\"data\":\"x\"}", "index is missing");
    expect_bad("{\"index\":-1,\"type\":\"URL\",\"data\":\"x\"}", "index is not an integer");
    /* Numbers in strings are read as the reference's Gson reads them: digits and a sign only. */
    expect_bad("{\"index\":\"1.0\",\"type\":\"URL\",\"data\":\"x\"}", "index is not an integer");
    expect_bad("{\"index\":\" 1\",\"type\":\"URL\",\"data\":\"x\"}", "index is not an integer");
    expect_bad("{\"index\":\"1e2\",\"type\":\"URL\",\"data\":\"x\"}", "index is not an integer");
    expect_bad("{\"index\":\"0x1\",\"type\":\"URL\",\"data\":\"x\"}", "index is not an integer");
    expect_bad("{\"index\":\"\",\"type\":\"URL\",\"data\":\"x\"}", "index is not an integer");
    expect_bad("{\"index\":\"-1\",\"type\":\"URL\",\"data\":\"x\"}", "index is not an integer");
    expect_bad("{\"index\":1.5,\"type\":\"URL\",\"data\":\"x\"}", "index is not an integer");
    expect_bad("{\"index\":true,\"type\":\"URL\",\"data\":\"x\"}", "index is not an integer");
    expect_bad("{\"index\":null,\"type\":\"URL\",\"data\":\"x\"}", "index is not an integer");
    expect_bad("{\"index\":1,\"data\":\"x\"}", "type is missing");
    expect_bad("{\"index\":1,\"type\":7,\"data\":\"x\"}", "type is not a string");
    expect_bad("{\"index\":1,\"type\":\"URL\"}", "data is missing");
    expect_bad("{\"index\":1,\"type\":\"URL\",\"data\":[\"x\"]}", "data is neither");
    expect_bad("{\"index\":1,\"type\":\"URL\",\"data\":null}", "data is neither");
    expect_bad("{\"index\":1,\"type\":\"URL\",\"data\":{\"value\":\"x\"}}",
               "data.format is missing");
    expect_bad("{\"index\":1,\"type\":\"URL\",\"data\":{\"format\":\"foo\",\"value\":\"x\"}}",
               "data.format 'foo' is not one of string, base64, hex, admin, vlist");
    expect_bad("{\"index\":1,\"type\":\"URL\",\"data\":{\"format\":\"string\"}}",
               "data.value is missing");
    expect_bad("{\"index\":1,\"type\":\"X\",\"data\":{\"format\":\"base64\",\"value\":\"AP8*\"}}",
               "data.value is not base64: '*' at offset 3");
    expect_bad("{\"index\":1,\"type\":\"X\",\"data\":{\"format\":\"base64\",\"value\":\"A\"}}",
               "data.value is not base64");
    expect_bad("{\"index\":1,\"type\":\"X\",\"data\":{\"format\":\"base64\",\"value\":\"YQ=\"}}",
               "data.value is not base64");
    expect_bad("{\"index\":1,\"type\":\"X\",\"data\":{\"format\":\"base64\",\"value\":\"Y=Q=\"}}",
               "data.value is not base64");
    expect_bad("{\"index\":1,\"type\":\"X\",\"data\":{\"format\":\"hex\",\"value\":\"0g\"}}",
               "data.value is not hex: 'g' at offset 1");
    expect_bad("{\"index\":1,\"type\":\"X\",\"data\":{\"format\":\"hex\",\"value\":\"abc\"}}",
               "data.value is not hex: odd length");
    expect_bad("{\"index\":1,\"type\":\"X\",\"data\":{\"format\":\"admin\",\"value\":"
               "{\"handle\":\"0.NA/1\",\"index\":300,\"permissions\":\"12\"}}}",
               "data.value.permissions");
    expect_bad("{\"index\":1,\"type\":\"X\",\"data\":{\"format\":\"admin\",\"value\":"
               "{\"index\":300,\"permissions\":\"1\"}}}",
               "data.value.handle");
    expect_bad("{\"index\":1,\"type\":\"X\",\"data\":{\"format\":\"vlist\",\"value\":"
               "[{\"handle\":\"0.NA/1\"}]}}",
               "data.value[0].index");
    expect_bad("{\"index\":1,\"type\":\"URL\",\"data\":\"x\",\"permissions\":\"111\"}",
               "permissions is not 4 characters");
    expect_bad("{\"index\":1,\"type\":\"URL\",\"data\":\"x\",\"permissions\":\"11a0\"}",
               "permissions is not 4 characters");
    expect_bad("{\"index\":1,\"type\":\"URL\",\"data\":\"x\",\"ttl\":-5}", "ttl is neither");
    expect_bad("{\"index\":1,\"type\":\"URL\",\"data\":\"x\",\"ttl\":\"tomorrow\"}",
               "ttl 'tomorrow' is not an ISO-8601 time");
    expect_bad(
        "{\"index\":1,\"type\":\"URL\",\"data\":\"x\",\"timestamp\":\"2026-02-30T00:00:00Z\"}",
        "timestamp is not an ISO-8601 time");
    expect_bad("{\"index\":1,\"type\":\"URL\",\"data\":\"x\",\"references\":{}}",
               "references is not an array");
    expect_bad("{\"index\":1,\"type\":\"URL\",\"data\":\"x\",\"references\":[{\"index\":1}]}",
               "references[0].handle");
}

/* text parses, and encodes to the same wire bytes as want does. */
static void expect_same(const char *text, const char *want)
{
    uint8_t sa[512], sb[512], ea[512], eb[512];
    struct hdl_writer a, b;
    struct hdl_value va, vb;
    char err[256];
    size_t la, lb;
    hdl_writer_init(&a, sa, sizeof sa);
    hdl_writer_init(&b, sb, sizeof sb);
    if (from_text(text, &a, &va, err, sizeof err) != HDL_OK)
        fail_msg("%s: %s", text, err);
    assert_int_equal(from_text(want, &b, &vb, err, sizeof err), HDL_OK);
    encode(&va, ea, sizeof ea, &la);
    encode(&vb, eb, sizeof eb, &lb);
    if (la != lb || memcmp(ea, eb, la) != 0)
        fail_msg("%s does not read as %s", text, want);
}

static void numbers_and_text_are_read_as_the_reference_reads_them(void **state)
{
    /* The HS_ADMIN a widely used REST client library sends by default. */
    expect_same("{\"index\":\"100\",\"type\":\"HS_ADMIN\",\"data\":{\"format\":\"admin\","
                "\"value\":{\"index\":\"200\",\"handle\":\"0.NA/88.100.1\","
                "\"permissions\":\"011111110011\"}}}",
                "{\"index\":100,\"type\":\"HS_ADMIN\",\"data\":{\"format\":\"admin\","
                "\"value\":{\"index\":200,\"handle\":\"0.NA/88.100.1\","
                "\"permissions\":\"011111110011\"}}}");
    static const char url7[] = "{\"index\":7,\"type\":\"URL\",\"data\":\"x\"}";
    expect_same("{\"index\":\"+7\",\"type\":\"URL\",\"data\":\"x\"}", url7);
    expect_same("{\"index\":\"007\",\"type\":\"URL\",\"data\":\"x\"}", url7);
    expect_same("{\"index\":7.0,\"type\":\"URL\",\"data\":\"x\"}", url7);
    expect_same("{\"index\":1e2,\"type\":\"URL\",\"data\":\"x\"}",
                "{\"index\":100,\"type\":\"URL\",\"data\":\"x\"}");
    /* A TTL of digits in a string is seconds (the reference would read it as a date). */
    expect_same("{\"index\":1,\"type\":\"URL\",\"data\":\"x\",\"ttl\":\"3600\"}",
                "{\"index\":1,\"type\":\"URL\",\"data\":\"x\",\"ttl\":3600}");
    expect_same("{\"index\":1,\"type\":\"URL\",\"data\":\"x\",\"permissions\":1010}",
                "{\"index\":1,\"type\":\"URL\",\"data\":\"x\",\"permissions\":\"1010\"}");
    /* Bare numbers and booleans as data are their text; format names in any case. */
    expect_same("{\"index\":1,\"type\":\"DESC\",\"data\":5}",
                "{\"index\":1,\"type\":\"DESC\",\"data\":\"5\"}");
    expect_same("{\"index\":1,\"type\":\"DESC\",\"data\":0.1}",
                "{\"index\":1,\"type\":\"DESC\",\"data\":\"0.1\"}");
    expect_same("{\"index\":1,\"type\":\"DESC\",\"data\":true}",
                "{\"index\":1,\"type\":\"DESC\",\"data\":\"true\"}");
    expect_same("{\"index\":1,\"type\":\"DESC\",\"data\":{\"format\":\"STRING\",\"value\":42}}",
                "{\"index\":1,\"type\":\"DESC\",\"data\":\"42\"}");
    /* Admin permissions as "*", true, false or a number whose binary digits are the string. */
    static const char all[] =
        "{\"index\":100,\"type\":\"HS_ADMIN\",\"data\":{\"format\":\"admin\",\"value\":"
        "{\"index\":300,\"handle\":\"0.NA/1\",\"permissions\":\"111111111111\"}}}";
    static const char *const alls[] = {"\"*\"", "true", "4095"};
    for (size_t i = 0; i < sizeof alls / sizeof alls[0]; i++) {
        char text[300];
        snprintf(text, sizeof text,
                 "{\"index\":100,\"type\":\"HS_ADMIN\",\"data\":{\"format\":\"admin\","
                 "\"value\":{\"index\":\"300\",\"handle\":\"0.NA/1\",\"permissions\":%s}}}",
                 alls[i]);
        expect_same(text, all);
    }
    expect_same("{\"index\":100,\"type\":\"HS_ADMIN\",\"data\":{\"format\":\"admin\",\"value\":"
                "{\"index\":300,\"handle\":\"0.NA/1\",\"permissions\":5}}}",
                "{\"index\":100,\"type\":\"HS_ADMIN\",\"data\":{\"format\":\"admin\",\"value\":"
                "{\"index\":300,\"handle\":\"0.NA/1\",\"permissions\":\"101\"}}}");
    expect_same("{\"index\":200,\"type\":\"HS_VLIST\",\"data\":{\"format\":\"vlist\",\"value\":"
                "[{\"handle\":\"0.NA/1\",\"index\":\"300\"}]}}",
                "{\"index\":200,\"type\":\"HS_VLIST\",\"data\":{\"format\":\"vlist\",\"value\":"
                "[{\"handle\":\"0.NA/1\",\"index\":300}]}}");
    expect_bad("{\"index\":100,\"type\":\"HS_ADMIN\",\"data\":{\"format\":\"admin\",\"value\":"
               "{\"index\":300,\"handle\":\"0.NA/1\",\"permissions\":4096}}}",
               "data.value.permissions");
}

static void times_accept_fractions_and_offsets(void **state)
{
    static const char *forms[] = {
        "2026-11-26T02:39:16Z",
        "2026-11-26T02:39:16.000Z",
        "2026-11-26T10:39:16+08:00",
        "2026-11-25T21:39:16-05:00",
    };
    for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
        char text[160];
        snprintf(text, sizeof text,
                 "{\"index\":1,\"type\":\"URL\",\"data\":\"x\",\"timestamp\":\"%s\"}", forms[i]);
        uint8_t sbuf[64];
        struct hdl_writer store;
        struct hdl_value v;
        char err[256];
        hdl_writer_init(&store, sbuf, sizeof sbuf);
        assert_int_equal(from_text(text, &store, &v, err, sizeof err), HDL_OK);
        assert_int_equal(v.timestamp, 0x6b079bd4);
    }
}

static void full_store_is_nospace_and_keeps_nothing(void **state)
{
    uint8_t sbuf[8];
    struct hdl_writer store;
    struct hdl_value v;
    char err[256];
    hdl_writer_init(&store, sbuf, sizeof sbuf);
    hdl_put_u8(&store, 0xaa);
    assert_int_equal(from_text(url_json, &store, &v, err, sizeof err), HDL_ERR_NOSPACE);
    assert_true(err[0] != '\0');
    assert_int_equal(store.len, 1);
    assert_false(store.overflow);
}

/* An RSA key as the reference encodes it: exponent 65537, a modulus with its sign byte, and the
 * 4 zero bytes the Java encoder leaves at the end (docs/protocol.md §9.3). */
static const uint8_t rsa_key[] = {
    0x00, 0x00, 0x00, 0x0b, 'R',  'S',  'A',  '_',  'P',
    'U',  'B',  '_',  'K',  'E',  'Y',  0x00, 0x00, /* flags */
    0x00, 0x00, 0x00, 0x03, 0x01, 0x00, 0x01,       /* exponent */
    0x00, 0x00, 0x00, 0x04, 0x00, 0xc5, 0x01, 0xfe, /* modulus, with its sign byte */
    0x00, 0x00, 0x00, 0x00,
};

static const uint8_t dsa_key[] = {
    0x00, 0x00, 0x00, 0x0b, 'D',  'S',  'A',  '_',  'P',  'U',  'B',  '_',
    'K',  'E',  'Y',  0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0xff, /* q */
    0x00, 0x00, 0x00, 0x02, 0x01, 0x02,                               /* p */
    0x00, 0x00, 0x00, 0x01, 0x03,                                     /* g */
    0x00, 0x00, 0x00, 0x03, 0x00, 0xfb, 0xbf,                         /* y */
};

static void public_keys_are_written_as_jwk_numbers_without_sign_bytes(void **state)
{
    json_t *j = hdl_pubkey_to_json(rsa_key, sizeof rsa_key);
    assert_json_equal(j, "{\"kty\":\"RSA\",\"n\":\"xQH-\",\"e\":\"AQAB\"}");
    json_decref(j);
    j = hdl_pubkey_to_json(dsa_key, sizeof dsa_key);
    assert_json_equal(j, "{\"kty\":\"DSA\",\"y\":\"-78\",\"p\":\"AQI\",\"q\":\"_w\",\"g\":\"Aw\"}");
    json_decref(j);
    assert_null(hdl_pubkey_to_json((const uint8_t *)"abc", 3));

    struct hdl_value v = {.index = 300, .ttl = 86400, .perms = 0x0e};
    v.type = (struct hdl_slice){(const uint8_t *)"HS_PUBKEY", 9};
    v.data = (struct hdl_slice){rsa_key, sizeof rsa_key};
    j = hdl_value_to_json(&v);
    assert_json_equal(j,
                      "{\"index\":300,\"type\":\"HS_PUBKEY\",\"data\":{\"format\":\"key\","
                      "\"value\":{\"kty\":\"RSA\",\"n\":\"xQH-\",\"e\":\"AQAB\"}},\"ttl\":86400}");
    json_decref(j);
}

/* The node's own kind of site: one server on 127.0.0.1 with TCP, UDP and HTTP interfaces. */
static size_t encode_site(uint8_t *buf, size_t cap, const uint8_t *key, size_t key_len)
{
    struct hdl_site site = {
        .data_version = 1,
        .proto_major = 2,
        .proto_minor = 10,
        .serial = 7,
        .flags = HDL_SITE_PRIMARY,
        .hash_option = HDL_HASH_BY_PREFIX,
        .attr_count = 1,
        .server_count = 1,
    };
    site.attrs[0].name = (struct hdl_slice){(const uint8_t *)"desc", 4};
    site.attrs[0].value = (struct hdl_slice){(const uint8_t *)"test site", 9};
    struct hdl_site_server *srv = &site.servers[0];
    srv->server_id = 1;
    srv->address[12] = 127;
    srv->address[15] = 1;
    srv->public_key = (struct hdl_slice){key, (uint32_t)key_len};
    srv->iface_count = 3;
    srv->ifaces[0] = (struct hdl_site_iface){HDL_IF_ADMIN_QUERY, HDL_IF_TCP, 2641};
    srv->ifaces[1] = (struct hdl_site_iface){HDL_IF_QUERY, HDL_IF_UDP, 2641};
    srv->ifaces[2] = (struct hdl_site_iface){HDL_IF_ADMIN_QUERY, HDL_IF_HTTP, 8000};
    struct hdl_writer w;
    hdl_writer_init(&w, buf, cap);
    hdl_site_encode(&w, &site);
    assert_int_equal(hdl_writer_status(&w), HDL_OK);
    return w.len;
}

/* Where encode_site puts the server's address and its key (after the key's length). */
#define SITE_ADDRESS_AT 45
#define SITE_KEY_AT 65

#define SITE_JSON(key)                                                                             \
    "{\"version\":1,\"protocolVersion\":\"2.10\",\"serialNumber\":7,\"primarySite\":true,"         \
    "\"multiPrimary\":false,\"hashOption\":0,\"attributes\":[{\"name\":\"desc\",\"value\":"        \
    "\"test site\"}],\"servers\":[{\"serverId\":1,\"address\":\"127.0.0.1\",\"publicKey\":" key    \
    ",\"interfaces\":[{\"query\":true,\"admin\":true,\"protocol\":\"TCP\",\"port\":2641},"         \
    "{\"query\":true,\"admin\":false,\"protocol\":\"UDP\",\"port\":2641},"                         \
    "{\"query\":true,\"admin\":true,\"protocol\":\"HTTP\",\"port\":8000}]}]}"

static void site_is_written_as_siteinfo_json(void **state)
{
    uint8_t buf[512];
    size_t len = encode_site(buf, sizeof buf, rsa_key, sizeof rsa_key);
    json_t *j = hdl_site_to_json(buf, len);
    assert_json_equal(j, SITE_JSON("{\"format\":\"key\",\"value\":{\"kty\":\"RSA\",\"n\":"
                                   "\"xQH-\",\"e\":\"AQAB\"}}"));
    /* The field order is the reference's too. */
    char *text = json_dumps(j, JSON_COMPACT);
    assert_non_null(
        strstr(text, "{\"version\":1,\"protocolVersion\":\"2.10\",\"serialNumber\":7,"));
    free(text);
    json_decref(j);

    /* A server key that is not a key stays base64. */
    len = encode_site(buf, sizeof buf, (const uint8_t *)"\x01\x02", 2);
    j = hdl_site_to_json(buf, len);
    assert_json_equal(j, SITE_JSON("{\"format\":\"base64\",\"value\":\"AQI=\"}"));
    json_decref(j);

    assert_null(hdl_site_to_json(buf, len - 1));
}

static void site_values_use_the_site_format(void **state)
{
    uint8_t buf[512];
    size_t len = encode_site(buf, sizeof buf, dsa_key, sizeof dsa_key);
    struct hdl_value v = {.index = 1, .ttl = 86400, .perms = 0x0e, .timestamp = 0x6b079bd4};
    v.type = (struct hdl_slice){(const uint8_t *)"HS_SITE", 7};
    v.data = (struct hdl_slice){buf, (uint32_t)len};
    json_t *j = hdl_value_to_json(&v);
    json_t *data = json_object_get(j, "data");
    assert_string_equal(json_string_value(json_object_get(data, "format")), "site");
    json_t *site = json_object_get(data, "value");
    assert_int_equal(json_integer_value(json_object_get(site, "serialNumber")), 7);
    json_t *key = json_object_get(json_array_get(json_object_get(site, "servers"), 0), "publicKey");
    assert_string_equal(json_string_value(json_object_get(json_object_get(key, "value"), "kty")),
                        "DSA");
    assert_string_equal(json_string_value(json_object_get(j, "timestamp")), "2026-11-26T02:39:16Z");
    json_decref(j);

    v.type = (struct hdl_slice){(const uint8_t *)"HS_SITE.PREFIX", 14};
    j = hdl_value_to_json(&v);
    assert_string_equal(json_string_value(json_object_get(json_object_get(j, "data"), "format")),
                        "site");
    json_decref(j);
}

/* JSON of a value with data in format fmt, back to its bytes. */
static size_t data_from_json(json_t *data, uint8_t *out, size_t cap, char *err, size_t errlen)
{
    json_t *obj = json_pack("{s:i,s:s,s:O}", "index", 1, "type", "HS_X", "data", data);
    struct hdl_writer w;
    hdl_writer_init(&w, out, cap);
    struct hdl_value v;
    int rc = hdl_value_from_json(obj, &w, &v, err, errlen);
    json_decref(obj);
    if (rc != HDL_OK)
        return 0;
    memmove(out, v.data.ptr, v.data.len);
    return v.data.len;
}

static void keys_and_sites_read_back_to_the_same_bytes(void **state)
{
    (void)state;
    static uint8_t out[8192];
    char err[200];
    const uint8_t *keys[] = {rsa_key, dsa_key};
    size_t lens[] = {sizeof rsa_key, sizeof dsa_key};
    for (int i = 0; i < 2; i++) {
        json_t *jwk = hdl_pubkey_to_json(keys[i], lens[i]);
        json_t *data = json_pack("{s:s,s:o}", "format", "key", "value", jwk);
        size_t n = data_from_json(data, out, sizeof out, err, sizeof err);
        json_decref(data);
        assert_int_equal(n, lens[i]);
        assert_memory_equal(out, keys[i], n);
    }
    uint8_t site[512];
    size_t site_len = encode_site(site, sizeof site, rsa_key, sizeof rsa_key);
    json_t *data =
        json_pack("{s:s,s:o}", "format", "site", "value", hdl_site_to_json(site, site_len));
    size_t n = data_from_json(data, out, sizeof out, err, sizeof err);
    json_decref(data);
    assert_int_equal(n, site_len);
    assert_memory_equal(out, site, n);
    /* Bad ones name what is wrong. */
    data = json_pack("{s:s,s:{s:s}}", "format", "key", "value", "kty", "EC");
    assert_int_equal(data_from_json(data, out, sizeof out, err, sizeof err), 0);
    assert_non_null(strstr(err, "kty"));
    json_decref(data);
    data = json_pack("{s:s,s:{s:s,s:s,s:s}}", "format", "key", "value", "kty", "RSA", "n", "!!",
                     "e", "AQAB");
    assert_int_equal(data_from_json(data, out, sizeof out, err, sizeof err), 0);
    assert_non_null(strstr(err, "n"));
    json_decref(data);
    data = json_pack("{s:s,s:{s:[{s:i}]}}", "format", "site", "value", "servers", "serverId", 1);
    assert_int_equal(data_from_json(data, out, sizeof out, err, sizeof err), 0);
    assert_non_null(strstr(err, "servers"));
    json_decref(data);
}

/* bytes as a value of type went out as base64 and read back exactly. */
static void assert_written_as_base64(const char *type, const uint8_t *bytes, size_t len)
{
    static uint8_t out[8192];
    char err[200];
    struct hdl_value v = {.index = 1, .ttl = 86400, .perms = 0x0e};
    v.type = (struct hdl_slice){(const uint8_t *)type, (uint32_t)strlen(type)};
    v.data = (struct hdl_slice){bytes, (uint32_t)len};
    json_t *j = hdl_value_to_json(&v);
    json_t *data = json_object_get(j, "data");
    const char *format = json_string_value(json_object_get(data, "format"));
    if (!format || strcmp(format, "base64") != 0)
        fail_msg("%s data went out as %s", type, format ? format : "nothing");
    assert_int_equal(data_from_json(data, out, sizeof out, err, sizeof err), len);
    assert_memory_equal(out, bytes, len);
    json_decref(j);
}

/* What a client is shown it can PUT back unchanged: the admin, vlist, key and site forms cannot
 * carry every byte such data may hold, and where they would lose one the data goes out as
 * base64 instead. */
static void data_the_forms_cannot_carry_goes_out_as_base64(void **state)
{
    (void)state;
    uint8_t b[600];
    /* HS_ADMIN: an old server's 2 padding bytes; permission bits above the 12 named; a handle
     * that is not UTF-8. */
    memcpy(b, admin_data, sizeof admin_data);
    memset(b + sizeof admin_data, 0, 2);
    assert_written_as_base64("HS_ADMIN", b, sizeof admin_data + 2);
    b[0] = 0xff;
    assert_written_as_base64("HS_ADMIN", b, sizeof admin_data);
    memcpy(b, admin_data, sizeof admin_data);
    b[10] = 0xff;
    assert_written_as_base64("HS_ADMIN", b, sizeof admin_data);
    /* HS_VLIST: a handle that is not UTF-8. */
    static const uint8_t vlist[] = {0, 0, 0, 1, 0, 0, 0, 3, '8', '/', 0xfe, 0, 0, 0, 7};
    assert_written_as_base64("HS_VLIST", vlist, sizeof vlist);
    /* HS_PUBKEY: flags; no trailing zeros; a modulus without its sign byte; a leading zero. */
    memcpy(b, rsa_key, sizeof rsa_key);
    b[16] = 1;
    assert_written_as_base64("HS_PUBKEY", b, sizeof rsa_key);
    assert_written_as_base64("HS_PUBKEY", rsa_key, sizeof rsa_key - 4);
    static const uint8_t unsigned_mod[] = {
        0, 0, 0, 11, 'R', 'S', 'A', '_', 'P', 'U', 'B',  '_',  'K',  'E', 'Y', 0, 0, 0,
        0, 0, 3, 1,  0,   1,   0,   0,   0,   3,   0xc5, 0x01, 0xfe, 0,   0,   0, 0};
    assert_written_as_base64("HS_PUBKEY", unsigned_mod, sizeof unsigned_mod);
    static const uint8_t leading_zero[] = {
        0, 0, 0, 11, 'R', 'S', 'A', '_', 'P', 'U', 'B', '_',  'K',  'E',  'Y', 0, 0, 0, 0,
        0, 4, 0, 1,  0,   1,   0,   0,   0,   4,   0,   0xc5, 0x01, 0xfe, 0,   0, 0, 0};
    assert_written_as_base64("HS_PUBKEY", leading_zero, sizeof leading_zero);
    /* HS_SITE (offsets of encode_site's layout): a flag bit with no name; an attribute that is
     * not UTF-8; an interface type or protocol with no name. Each still decodes as a site. */
    static struct hdl_site decoded;
    const size_t len = encode_site(b, sizeof b, rsa_key, sizeof rsa_key);
    const size_t iface = SITE_KEY_AT + sizeof rsa_key + 4;
    static const size_t at[] = {6, 28, iface, iface + 1};
    static const uint8_t set[] = {HDL_SITE_PRIMARY | 0x01, 0xff, 4, 255};
    for (size_t i = 0; i < sizeof at / sizeof at[0]; i++) {
        uint8_t was = b[at[i]];
        b[at[i]] = set[i];
        assert_int_equal(hdl_site_decode(b, len, &decoded), HDL_OK);
        assert_written_as_base64("HS_SITE", b, len);
        b[at[i]] = was;
    }
    /* A server key the key form would change. */
    uint8_t key[sizeof rsa_key + 1] = {0};
    memcpy(key, rsa_key, sizeof rsa_key);
    assert_written_as_base64("HS_SITE", b, encode_site(b, sizeof b, key, sizeof key));
}

/* A ::ffff:-mapped server address is shown as IPv6 text, which reads back to its bytes (the
 * dotted form would read back as the 12-zero-byte form). */
static void a_mapped_address_keeps_its_bytes(void **state)
{
    (void)state;
    static uint8_t out[8192];
    char err[200];
    uint8_t b[512];
    size_t len = encode_site(b, sizeof b, rsa_key, sizeof rsa_key);
    b[SITE_ADDRESS_AT + 10] = b[SITE_ADDRESS_AT + 11] = 0xff;
    struct hdl_value v = {.index = 1, .ttl = 86400, .perms = 0x0e};
    v.type = (struct hdl_slice){(const uint8_t *)"HS_SITE", 7};
    v.data = (struct hdl_slice){b, (uint32_t)len};
    json_t *j = hdl_value_to_json(&v);
    json_t *data = json_object_get(j, "data");
    assert_string_equal(json_string_value(json_object_get(data, "format")), "site");
    json_t *srv = json_array_get(json_object_get(json_object_get(data, "value"), "servers"), 0);
    assert_string_equal(json_string_value(json_object_get(srv, "address")), "::ffff:127.0.0.1");
    assert_int_equal(data_from_json(data, out, sizeof out, err, sizeof err), len);
    assert_memory_equal(out, b, len);
    json_decref(j);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(keys_and_sites_read_back_to_the_same_bytes),
        cmocka_unit_test(data_the_forms_cannot_carry_goes_out_as_base64),
        cmocka_unit_test(a_mapped_address_keeps_its_bytes),
        cmocka_unit_test(captured_url_value_goes_to_wire_bytes),
        cmocka_unit_test(captured_url_wire_bytes_go_to_json),
        cmocka_unit_test(admin_data_round_trips_as_admin_format),
        cmocka_unit_test(admin_permissions_are_most_significant_bit_first),
        cmocka_unit_test(vlist_round_trips),
        cmocka_unit_test(optional_fields_round_trip),
        cmocka_unit_test(defaults_apply_to_missing_fields),
        cmocka_unit_test(base64_and_hex_input_give_the_same_bytes),
        cmocka_unit_test(base64_padding_gives_exact_lengths),
        cmocka_unit_test(binary_and_control_bytes_are_written_as_base64),
        cmocka_unit_test(bad_inputs_are_rejected_with_the_field_named),
        cmocka_unit_test(numbers_and_text_are_read_as_the_reference_reads_them),
        cmocka_unit_test(times_accept_fractions_and_offsets),
        cmocka_unit_test(full_store_is_nospace_and_keeps_nothing),
        cmocka_unit_test(public_keys_are_written_as_jwk_numbers_without_sign_bytes),
        cmocka_unit_test(site_is_written_as_siteinfo_json),
        cmocka_unit_test(site_values_use_the_site_format),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
