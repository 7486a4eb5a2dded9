#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "proto/hdl_const.h"
#include "registry/reg_record.h"
#include "tests/unit/reg_test_records.h"

static void build_writes_the_captured_value_bytes(void **state)
{
    /* Index 1 of 88.100.1/PRODUCT-000001 (docs/protocol.md §9). */
    static const uint8_t want[] = {
        0x01, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, /* header: v1, all public, 1 value */
        0x00, 0x00, 0x00, 0x01, 0x6b, 0x07, 0x9b, 0xd4, 0x00, 0x00, 0x01, 0x51, 0x80,
        0x0e, 0x00, 0x00, 0x00, 0x03, 'U',  'R',  'L',  0x00, 0x00, 0x00, 0x22, 'h',
        't',  't',  'p',  's',  ':',  '/',  '/',  'e',  'x',  'a',  'm',  'p',  'l',
        'e',  '.',  'c',  'o',  'm',  '/',  'p',  'r',  'o',  'd',  'u',  'c',  't',
        '/',  '0',  '0',  '0',  '0',  '0',  '1',  0x00, 0x00, 0x00, 0x00};
    struct hdl_value v = value(1, HDL_PERM_DEFAULT, "URL", "https://example.com/product/000001");
    uint8_t buf[256];
    size_t len = build(&v, 1, buf, sizeof(buf));
    assert_int_equal(len, sizeof(want));
    assert_memory_equal(buf, want, sizeof(want));
}

static void build_and_parse_round_trip(void **state)
{
    struct hdl_value in[2] = {value(1, HDL_PERM_DEFAULT, "URL", "https://example.com/"),
                              value(2, HDL_PERM_DEFAULT, "EMAIL", "a@example.com")};
    uint8_t buf[512];
    size_t len = build(in, 2, buf, sizeof(buf));

    struct reg_record_view view;
    assert_int_equal(reg_record_parse(buf, len, 1, &view), HDL_OK);
    assert_int_equal(view.value_count, 2);
    assert_int_equal(view.flags, REG_RECORD_ALL_PUBLIC);
    assert_ptr_equal(view.values.ptr, buf + REG_RECORD_HEADER_LEN);
    assert_int_equal(view.values.len, len - REG_RECORD_HEADER_LEN);

    struct hdl_reader r;
    hdl_reader_init(&r, view.values.ptr, view.values.len);
    for (int i = 0; i < 2; i++) {
        struct hdl_value out;
        assert_int_equal(hdl_value_decode(&r, &out), HDL_OK);
        assert_int_equal(out.index, in[i].index);
        assert_int_equal(out.timestamp, in[i].timestamp);
        assert_int_equal(out.ttl, in[i].ttl);
        assert_int_equal(out.perms, in[i].perms);
        assert_int_equal(out.type.len, in[i].type.len);
        assert_memory_equal(out.type.ptr, in[i].type.ptr, out.type.len);
        assert_int_equal(out.data.len, in[i].data.len);
        assert_memory_equal(out.data.ptr, in[i].data.ptr, out.data.len);
    }
    assert_int_equal(hdl_reader_left(&r), 0);
}

static void build_sorts_values_by_index(void **state)
{
    struct hdl_value in[4] = {
        value(300, HDL_PERM_DEFAULT, "C", ""), value(1, HDL_PERM_DEFAULT, "A", ""),
        value(100, HDL_PERM_DEFAULT, "B", ""), value(2, HDL_PERM_DEFAULT, "D", "")};
    uint8_t buf[512];
    size_t len = build(in, 4, buf, sizeof(buf));
    /* Sorted in place as well as in the output. */
    assert_int_equal(in[0].index, 1);
    assert_int_equal(in[1].index, 2);
    assert_int_equal(in[2].index, 100);
    assert_int_equal(in[3].index, 300);

    struct reg_record_view view;
    assert_int_equal(reg_record_parse(buf, len, 1, &view), HDL_OK);
    struct hdl_reader r;
    hdl_reader_init(&r, view.values.ptr, view.values.len);
    const uint32_t want[4] = {1, 2, 100, 300};
    const char *types[4] = {"A", "D", "B", "C"};
    for (int i = 0; i < 4; i++) {
        struct hdl_value out;
        assert_int_equal(hdl_value_decode(&r, &out), HDL_OK);
        assert_int_equal(out.index, want[i]);
        assert_memory_equal(out.type.ptr, types[i], 1);
    }
}

static void build_rejects_duplicate_indexes(void **state)
{
    struct hdl_value in[3] = {value(2, HDL_PERM_DEFAULT, "URL", "a"),
                              value(1, HDL_PERM_DEFAULT, "URL", "b"),
                              value(2, HDL_PERM_DEFAULT, "EMAIL", "c")};
    uint8_t buf[512];
    struct hdl_writer w;
    hdl_writer_init(&w, buf, sizeof(buf));
    assert_int_equal(reg_record_build(&w, in, 3), HDL_ERR_MALFORMED);
}

static void build_sets_all_public_only_when_every_value_is_public(void **state)
{
    uint8_t buf[512];
    struct hdl_value pub[2] = {value(1, HDL_PERM_PUBLIC_READ, "URL", "a"),
                               value(2, HDL_PERM_DEFAULT, "URL", "b")};
    build(pub, 2, buf, sizeof(buf));
    assert_int_equal(buf[1], REG_RECORD_ALL_PUBLIC);

    struct hdl_value mixed[2] = {
        value(1, HDL_PERM_DEFAULT, "URL", "a"),
        value(300, HDL_PERM_ADMIN_READ | HDL_PERM_ADMIN_WRITE, "HS_SECKEY", "secret")};
    build(mixed, 2, buf, sizeof(buf));
    assert_int_equal(buf[1], 0);
}

static void build_reports_a_full_writer(void **state)
{
    struct hdl_value v = value(1, HDL_PERM_DEFAULT, "URL", "https://example.com/");
    uint8_t buf[20];
    struct hdl_writer w;
    hdl_writer_init(&w, buf, sizeof(buf));
    assert_int_equal(reg_record_build(&w, &v, 1), HDL_ERR_NOSPACE);
}

/* A two-value record in buf, for the corruption tests. */
static size_t sample(uint8_t *buf, size_t cap)
{
    struct hdl_value in[2] = {value(1, HDL_PERM_DEFAULT, "URL", "https://example.com/"),
                              value(2, HDL_PERM_DEFAULT, "EMAIL", "a@example.com")};
    return build(in, 2, buf, cap);
}

static void parse_rejects_truncated_records(void **state)
{
    uint8_t buf[512];
    size_t len = sample(buf, sizeof(buf));
    struct reg_record_view view;
    assert_int_equal(reg_record_parse(buf, 0, 1, &view), HDL_ERR_TRUNCATED);
    assert_int_equal(reg_record_parse(buf, REG_RECORD_HEADER_LEN - 1, 0, &view), HDL_ERR_TRUNCATED);
    for (size_t cut = REG_RECORD_HEADER_LEN; cut < len; cut++)
        assert_int_equal(reg_record_parse(buf, cut, 1, &view), HDL_ERR_TRUNCATED);
}

static void parse_rejects_an_unknown_version(void **state)
{
    uint8_t buf[512];
    size_t len = sample(buf, sizeof(buf));
    struct reg_record_view view;
    buf[0] = 2;
    assert_int_equal(reg_record_parse(buf, len, 1, &view), HDL_ERR_VERSION);
    assert_int_equal(reg_record_parse(buf, len, 0, &view), HDL_ERR_VERSION);
}

static void parse_rejects_a_count_that_does_not_match(void **state)
{
    uint8_t buf[512];
    size_t len = sample(buf, sizeof(buf));
    struct reg_record_view view;
    buf[7] = 3; /* more values claimed than present */
    assert_int_equal(reg_record_parse(buf, len, 1, &view), HDL_ERR_TRUNCATED);
    buf[7] = 1; /* fewer: the second value is left over */
    assert_int_equal(reg_record_parse(buf, len, 1, &view), HDL_ERR_TRAILING);
    buf[4] = 0xff; /* beyond the protocol's value limit */
    assert_int_equal(reg_record_parse(buf, len, 0, &view), HDL_ERR_LIMIT);
}

static void parse_rejects_trailing_bytes(void **state)
{
    uint8_t buf[512];
    size_t len = sample(buf, sizeof(buf));
    struct reg_record_view view;
    buf[len] = 0;
    assert_int_equal(reg_record_parse(buf, len + 1, 1, &view), HDL_ERR_TRAILING);
}

static void parse_rejects_unsorted_or_falsely_public_runs(void **state)
{
    uint8_t buf[512];
    struct hdl_value in[2] = {value(1, HDL_PERM_DEFAULT, "URL", "a"),
                              value(2, HDL_PERM_DEFAULT, "URL", "b")};
    size_t len = build(in, 2, buf, sizeof(buf));
    struct reg_record_view view;
    /* Swap the index fields of the two values: same length, wrong order. */
    size_t second = REG_RECORD_HEADER_LEN + hdl_value_encoded_len(&in[0]);
    buf[REG_RECORD_HEADER_LEN + 3] = 2;
    buf[second + 3] = 1;
    assert_int_equal(reg_record_parse(buf, len, 1, &view), HDL_ERR_MALFORMED);

    struct hdl_value priv[2] = {value(1, HDL_PERM_DEFAULT, "URL", "a"),
                                value(2, HDL_PERM_ADMIN_READ, "HS_SECKEY", "s")};
    len = build(priv, 2, buf, sizeof(buf));
    buf[1] = REG_RECORD_ALL_PUBLIC;
    assert_int_equal(reg_record_parse(buf, len, 1, &view), HDL_ERR_MALFORMED);
}

static void parse_without_validation_checks_only_the_header(void **state)
{
    uint8_t buf[512];
    size_t len = sample(buf, sizeof(buf));
    struct reg_record_view view;
    buf[7] = 5;
    assert_int_equal(reg_record_parse(buf, len - 3, 0, &view), HDL_OK);
    assert_int_equal(view.value_count, 5);
    assert_int_equal(view.values.len, len - 3 - REG_RECORD_HEADER_LEN);
}

static void empty_record_round_trips(void **state)
{
    uint8_t buf[16];
    struct hdl_writer w;
    hdl_writer_init(&w, buf, sizeof(buf));
    assert_int_equal(reg_record_build(&w, NULL, 0), HDL_OK);
    assert_int_equal(w.len, REG_RECORD_HEADER_LEN);
    struct reg_record_view view;
    assert_int_equal(reg_record_parse(buf, w.len, 1, &view), HDL_OK);
    assert_int_equal(view.value_count, 0);
    assert_int_equal(view.values.len, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(build_writes_the_captured_value_bytes),
        cmocka_unit_test(build_and_parse_round_trip),
        cmocka_unit_test(build_sorts_values_by_index),
        cmocka_unit_test(build_rejects_duplicate_indexes),
        cmocka_unit_test(build_sets_all_public_only_when_every_value_is_public),
        cmocka_unit_test(build_reports_a_full_writer),
        cmocka_unit_test(parse_rejects_truncated_records),
        cmocka_unit_test(parse_rejects_an_unknown_version),
        cmocka_unit_test(parse_rejects_a_count_that_does_not_match),
        cmocka_unit_test(parse_rejects_trailing_bytes),
        cmocka_unit_test(parse_rejects_unsorted_or_falsely_public_runs),
        cmocka_unit_test(parse_without_validation_checks_only_the_header),
        cmocka_unit_test(empty_record_round_trips),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
