/* The compact stored form of records (registry/reg_stored.h): exact round trips, the bytes it
 * writes, when it keeps a record whole, and damaged input refused without reading outside it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "proto/hdl_const.h"
#include "proto/hdl_error.h"
#include "registry/reg_record.h"
#include "registry/reg_stored.h"
#include "tests/unit/reg_test_records.h"

/* Encodes record, checks reg_stored_build writes the same bytes from values, expands it back
 * and checks the bytes are the record's; returns the stored length. */
static size_t round_trip(struct hdl_value *values, size_t n, const uint8_t *record, size_t len)
{
    uint8_t *stored = malloc(len), *direct = malloc(len + 64), *back = malloc(len);
    struct hdl_writer w, d;
    hdl_writer_init(&w, stored, len);
    assert_int_equal(reg_stored_encode(record, len, &w), HDL_OK);
    assert_true(w.len <= len);
    hdl_writer_init(&d, direct, len + 64);
    assert_int_equal(reg_stored_build(&d, values, n), HDL_OK);
    assert_int_equal(d.len, w.len);
    assert_memory_equal(direct, stored, w.len);
    if (stored[0] == REG_STORED_COMPACT) {
        assert_int_equal(reg_stored_record_len(stored, w.len), len);
        assert_int_equal(reg_stored_expand(stored, w.len, back, len), HDL_OK);
        assert_memory_equal(back, record, len);
    } else {
        assert_int_equal(w.len, len);
        assert_memory_equal(stored, record, len);
    }
    size_t out = w.len;
    free(stored);
    free(direct);
    free(back);
    return out;
}

static void generated_record_is_stored_in_these_bytes(void **state)
{
    (void)state;
    struct hdl_value v[3] = {
        value(1, HDL_PERM_DEFAULT, "URL", "https://id.example.com/88.100.1/A1"),
        value(2, HDL_PERM_DEFAULT, "META", "{\"sku\":\"A0001\"}"),
        value(100, HDL_PERM_DEFAULT, "HS_ADMIN", "admin"),
    };
    uint8_t record[512];
    size_t len = build(v, 3, record, sizeof record);
    assert_int_equal(len, 8 + 3 * 26 + 3 + 4 + 8 + 34 + 15 + 5); /* 155 */
    uint8_t stored[512];
    struct hdl_writer w;
    hdl_writer_init(&w, stored, len);
    assert_int_equal(reg_stored_encode(record, len, &w), HDL_OK);
    /* Compact, all public, expands to 155 bytes (varint 0x9b 0x01). */
    static const uint8_t head[] = {0x02, 0x01, 0x9b, 0x01};
    assert_memory_equal(stored, head, sizeof head);
    static const uint8_t rest[] = {
        0x03, /* three values */
        HDL_PERM_DEFAULT,
        HDL_TTL_RELATIVE, /* shared permissions and TTL type */
        0x00,
        0x01,
        0x51,
        0x80,
        0x6b,
        0x07,
        0x9b,
        0xd4, /* shared TTL, timestamp */
        0x03,
        0x01,
        34, /* next index, type code 1 (URL), 34 bytes */
    };
    assert_memory_equal(stored + 4, rest, sizeof rest);
    size_t at = 4 + sizeof rest + 34;
    static const uint8_t meta[] = {0x01, 4, 'M', 'E', 'T', 'A', 15};
    assert_memory_equal(stored + at, meta, sizeof meta);
    at += sizeof meta + 15;
    static const uint8_t admin[] = {0x02, 100, 3, 5, 'a', 'd', 'm', 'i', 'n'};
    assert_memory_equal(stored + at, admin, sizeof admin);
    at += sizeof admin;
    assert_int_equal(w.len, at);
    assert_int_equal(at, 83);
    assert_int_equal(round_trip(v, 3, record, len), at);
}

static void differing_fields_and_references_round_trip(void **state)
{
    (void)state;
    /* { int4 length, handle, int4 index } twice, as the wire carries references. */
    static const uint8_t refs[] = {0, 0, 0, 4, '8', '8', '/', 'x', 0, 0, 0, 7,
                                   0, 0, 0, 3, '9', '/', 'y', 0,   0, 1, 0};
    struct hdl_value v[4] = {
        value(5, HDL_PERM_DEFAULT, "URL", "https://a.example/"),
        value(6, HDL_PERM_DEFAULT, "EMAIL", "a@example.com"),
        value(300, HDL_PERM_DEFAULT, "HS_PUBKEY", ""),
        value(0xffffffffu, HDL_PERM_DEFAULT, "custom.type", "x"),
    };
    v[1].perms = HDL_PERM_ADMIN_READ;
    v[1].timestamp = 1;
    v[2].ttl_type = HDL_TTL_ABSOLUTE;
    v[2].ttl = 0xfffffffeu;
    v[2].ref_count = 2;
    v[2].refs = (struct hdl_slice){refs, sizeof refs};
    v[3].timestamp = 0;
    uint8_t record[1024];
    size_t len = build(v, 4, record, sizeof record);
    size_t stored = round_trip(v, 4, record, len);
    assert_true(stored < len);
}

static void random_records_round_trip(void **state)
{
    (void)state;
    static const char *types[] = {"URL",  "HS_ADMIN", "EMAIL", "HS_SITE",         "DESC",    "url",
                                  "META", "x",        "",      "HS_SERV.PREFIX.", "HS_VLIST"};
    static uint8_t blob[70000];
    for (size_t i = 0; i < sizeof blob; i++)
        blob[i] = (uint8_t)(i * 131 + 7);
    uint8_t *record = malloc(HDL_MAX_MESSAGE_LEN);
    struct hdl_value v[40];
    srand(12345);
    for (int round = 0; round < 2000; round++) {
        size_t n = 1 + (size_t)rand() % 40;
        uint32_t index = (uint32_t)rand() % 3;
        for (size_t i = 0; i < n; i++) {
            index += (rand() % 3 == 0) ? 1 + (uint32_t)rand() % 100000 : 1;
            v[i] = value(index, HDL_PERM_DEFAULT, types[rand() % 11], "");
            size_t dlen = rand() % 10 == 0 ? (size_t)rand() % 20000 : (size_t)rand() % 200;
            v[i].data = (struct hdl_slice){blob + rand() % 1000, (uint32_t)dlen};
            if (rand() % 4 == 0)
                v[i].perms = (uint8_t)rand();
            if (rand() % 4 == 0)
                v[i].ttl = (uint32_t)rand();
            if (rand() % 6 == 0)
                v[i].ttl_type = HDL_TTL_ABSOLUTE;
            if (rand() % 3 == 0)
                v[i].timestamp = (uint32_t)rand();
        }
        size_t len = build(v, n, record, HDL_MAX_MESSAGE_LEN);
        round_trip(v, n, record, len);
    }
    free(record);
}

static void records_without_a_gain_stay_whole(void **state)
{
    (void)state;
    uint8_t record[64], stored[64];
    size_t len = build(NULL, 0, record, sizeof record);
    assert_int_equal(len, REG_RECORD_HEADER_LEN);
    assert_int_equal(round_trip(NULL, 0, record, len), len);

    /* Reserved header bytes are not 0: kept as they are rather than lost. */
    struct hdl_value v = value(1, HDL_PERM_DEFAULT, "URL", "https://a.example/");
    len = build(&v, 1, record, sizeof record);
    record[3] = 1;
    struct hdl_writer w;
    hdl_writer_init(&w, stored, sizeof stored);
    assert_int_equal(reg_stored_encode(record, len, &w), HDL_OK);
    assert_int_equal(w.len, len);
    assert_memory_equal(stored, record, len);
}

static void encode_refuses_what_parse_refuses(void **state)
{
    (void)state;
    struct hdl_value v[2] = {value(1, HDL_PERM_DEFAULT, "URL", "a"),
                             value(2, HDL_PERM_DEFAULT, "URL", "b")};
    uint8_t record[256], stored[256];
    size_t len = build(v, 2, record, sizeof record);
    struct hdl_writer w;
    hdl_writer_init(&w, stored, sizeof stored);
    assert_int_equal(reg_stored_encode(record, len - 1, &w), HDL_ERR_TRUNCATED);
    record[0] = 7;
    assert_int_equal(reg_stored_encode(record, len, &w), HDL_ERR_VERSION);

    /* As reg_record_build: duplicate indexes, and no more than the writer's room. */
    struct hdl_value dup[2] = {value(3, HDL_PERM_DEFAULT, "URL", "a"),
                               value(3, HDL_PERM_DEFAULT, "URL", "b")};
    hdl_writer_init(&w, stored, sizeof stored);
    assert_int_equal(reg_stored_build(&w, dup, 2), HDL_ERR_MALFORMED);
    hdl_writer_init(&w, stored, len - 1);
    assert_int_equal(reg_stored_build(&w, v, 2), HDL_ERR_NOSPACE);
    hdl_writer_init(&w, stored, len);
    assert_int_equal(reg_stored_build(&w, v, 2), HDL_OK);
}

static size_t compact_sample(uint8_t *stored, size_t cap, uint8_t *record, size_t *len)
{
    static const uint8_t refs[] = {0, 0, 0, 2, '8', '8', 0, 0, 0, 1};
    struct hdl_value v[3] = {value(1, HDL_PERM_DEFAULT, "URL", "u"),
                             value(2, HDL_PERM_DEFAULT, "note", "t"),
                             value(9, HDL_PERM_DEFAULT, "HS_ADMIN", "admin")};
    v[1].perms = 0;
    v[1].ttl = 5;
    v[1].timestamp = 9;
    v[2].ref_count = 1;
    v[2].refs = (struct hdl_slice){refs, sizeof refs};
    *len = build(v, 3, record, cap);
    struct hdl_writer w;
    hdl_writer_init(&w, stored, cap);
    assert_int_equal(reg_stored_encode(record, *len, &w), HDL_OK);
    assert_int_equal(stored[0], REG_STORED_COMPACT);
    return w.len;
}

static void damaged_values_are_refused(void **state)
{
    (void)state;
    uint8_t stored[256], record[256], out[256];
    size_t len;
    size_t slen = compact_sample(stored, sizeof stored, record, &len);

    /* Every cut: an error, from a copy exactly that long (so a read past it is caught). */
    for (size_t cut = 0; cut < slen; cut++) {
        uint8_t *copy = malloc(cut ? cut : 1);
        memcpy(copy, stored, cut);
        assert_int_not_equal(reg_stored_expand(copy, cut, out, sizeof out), HDL_OK);
        free(copy);
    }
    /* A byte too many. */
    uint8_t longer[257];
    memcpy(longer, stored, slen);
    longer[slen] = 0;
    assert_int_equal(reg_stored_expand(longer, slen + 1, out, sizeof out), HDL_ERR_TRAILING);
    /* Too little room for what the header announces. */
    assert_int_equal(reg_stored_expand(stored, slen, out, len - 1), HDL_ERR_NOSPACE);

    /* A header announcing a shorter or longer record than the values make. */
    uint8_t bad[256];
    memcpy(bad, stored, slen);
    bad[2] = (uint8_t)(bad[2] - 1);
    assert_int_equal(reg_stored_expand(bad, slen, out, sizeof out), HDL_ERR_MALFORMED);
    memcpy(bad, stored, slen);
    bad[2] = (uint8_t)(bad[2] + 1);
    assert_int_equal(reg_stored_expand(bad, slen, out, sizeof out), HDL_ERR_MALFORMED);

    /* Unknown flag bits, and type codes out of the table. */
    size_t first = 2 + 1 + 1 + 10; /* version, flags, length (one byte), count, shared */
    assert_true(len < 128);
    memcpy(bad, stored, slen);
    bad[first] |= 0x80;
    assert_int_equal(reg_stored_expand(bad, slen, out, sizeof out), HDL_ERR_MALFORMED);
    memcpy(bad, stored, slen);
    assert_int_equal(bad[first + 1], 1); /* URL */
    bad[first + 1] = 0;
    assert_int_equal(reg_stored_expand(bad, slen, out, sizeof out), HDL_ERR_MALFORMED);
    bad[first + 1] = 200;
    assert_int_equal(reg_stored_expand(bad, slen, out, sizeof out), HDL_ERR_MALFORMED);

    /* A varint longer than 32 bits. */
    static const uint8_t huge[] = {0x02, 0x01, 0xff, 0xff, 0xff, 0xff, 0x7f, 0x01};
    assert_int_equal(reg_stored_record_len(huge, sizeof huge), 0);
    assert_int_equal(reg_stored_expand(huge, sizeof huge, out, sizeof out), HDL_ERR_MALFORMED);
    /* Whole records are not compact values. */
    assert_int_equal(reg_stored_record_len(record, len), 0);
    assert_int_equal(reg_stored_expand(record, len, out, sizeof out), HDL_ERR_VERSION);

    /* Any single byte changed: an error or some record, never a read outside either buffer. */
    for (size_t i = 0; i < slen; i++)
        for (int bit = 0; bit < 8; bit++) {
            uint8_t *copy = malloc(slen);
            memcpy(copy, stored, slen);
            copy[i] ^= (uint8_t)(1u << bit);
            size_t need = reg_stored_record_len(copy, slen);
            uint8_t *dst = malloc(need ? need : 1);
            int rc = reg_stored_expand(copy, slen, dst, need);
            if (rc == HDL_OK) {
                struct reg_record_view view;
                assert_int_equal(dst[0], REG_RECORD_VERSION);
                (void)reg_record_parse(dst, need, 1, &view);
            }
            free(dst);
            free(copy);
        }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(generated_record_is_stored_in_these_bytes),
        cmocka_unit_test(differing_fields_and_references_round_trip),
        cmocka_unit_test(random_records_round_trip),
        cmocka_unit_test(records_without_a_gain_stay_whole),
        cmocka_unit_test(encode_refuses_what_parse_refuses),
        cmocka_unit_test(damaged_values_are_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
