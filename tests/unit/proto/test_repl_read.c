/*
 * The replication stream codec, mirror's side (proto/hdl_repl.h): request bodies against the
 * captured requests, and the dump and transaction records, NEED_TO_REDUMP and PK-mode blocks
 * read from the lines of tests/fixtures/replication/ (copied from a capture between two
 * HANDLE.NET 9 servers); every cut of every record reads as HDL_ERR_TRUNCATED.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "crypto/answer.h"
#include "proto/hdl_const.h"
#include "proto/hdl_envelope.h"
#include "proto/hdl_message.h"
#include "proto/hdl_repl.h"
#include "proto/hdl_site.h"
#include "proto/hdl_value.h"
#include "tests/unit/hdl_test_vectors.h"

#define FIXTURE(name) "../fixtures/replication/" name

static void load(const char *name, struct vec_file *vf)
{
    assert_int_equal(vec_load(name, vf), 0);
    assert_true(vf->count > 0);
}

static bool slice_is(struct hdl_slice s, const char *text)
{
    return s.len == strlen(text) && memcmp(s.ptr, text, s.len) == 0;
}

typedef int (*record_reader)(const uint8_t *, size_t, size_t *, struct hdl_repl_record *);

/* Reads one whole record that is exactly the message m, after checking every shorter cut. */
static void read_whole(const struct vec_msg *m, record_reader fn, struct hdl_repl_record *rec)
{
    size_t used = 0;
    for (size_t cut = 0; cut < m->len; cut++)
        assert_int_equal(fn(m->bytes, cut, &used, rec), HDL_ERR_TRUNCATED);
    assert_int_equal(fn(m->bytes, m->len, &used, rec), HDL_OK);
    assert_int_equal(used, m->len);
}

static void retrieve_body_matches_the_reference_mirror(void **state)
{
    (void)state;
    /* The Java mirror's 2.10 body (REPLICATION.md §6.2) and the 2.7 form without pull-all. */
    static const uint8_t java[] = {0x00, 0,    0,    0,    0,    0, 0, 0, 0x21, 0, 0, 0x01, 0xa2,
                                   0x48, 0x14, 0x7b, 0x59, 0x02, 0, 0, 0, 1,    0, 0, 0,    0};
    struct hdl_repl_retrieve r = {.last_txn_id = 33,
                                  .last_query_date = 1796505631577ull,
                                  .hash_type = 2,
                                  .num_servers = 1,
                                  .server_num = 0};
    uint8_t buf[64];
    struct hdl_writer w;
    hdl_writer_init(&w, buf, sizeof buf);
    hdl_repl_retrieve_encode(&w, 2, 10, &r);
    assert_int_equal(w.len, sizeof java);
    assert_memory_equal(buf, java, sizeof java);
    hdl_writer_init(&w, buf, sizeof buf);
    hdl_repl_retrieve_encode(&w, 2, 7, &r);
    assert_int_equal(w.len, sizeof java - 1);
    assert_memory_equal(buf, java + 1, sizeof java - 1);
}

static void dump_body_matches_the_captured_requests(void **state)
{
    (void)state;
    static const uint8_t plain[] = {0x02, 0, 0, 0, 1, 0, 0, 0, 0};
    struct hdl_repl_dump d = {.hash_type = 2, .num_servers = 1, .server_num = 0};
    uint8_t buf[128];
    struct hdl_writer w;
    hdl_writer_init(&w, buf, sizeof buf);
    hdl_repl_dump_encode(&w, &d);
    assert_int_equal(w.len, sizeof plain);
    assert_memory_equal(buf, plain, sizeof plain);

    /* The resumed dump of section 10: the whole request's body is the last 40 bytes. */
    static const char resumed_hex[] = "0200000001000000000000001738382e3130302e312f50524f4455435"
                                      "42d3039393939380000000200000000";
    uint8_t want[64];
    size_t n = strlen(resumed_hex) / 2;
    for (size_t i = 0; i < n; i++)
        want[i] = (uint8_t)(vec_hex(resumed_hex[2 * i]) << 4 | vec_hex(resumed_hex[2 * i + 1]));
    d.has_start = true;
    d.start.ptr = (const uint8_t *)"88.100.1/PRODUCT-099998";
    d.start.len = 23;
    d.start_type = HDL_REPL_START_HANDLE;
    hdl_writer_init(&w, buf, sizeof buf);
    hdl_repl_dump_encode(&w, &d);
    assert_int_equal(w.len, n - 4); /* the 4 trailing bytes are the empty credential */
    assert_memory_equal(buf, want, w.len);
}

static void dump_records_of_the_first_copy(void **state)
{
    (void)state;
    struct vec_file vf;
    load(FIXTURE("dump_tls.txt"), &vf);
    assert_int_equal(vf.count, 15);
    size_t used;
    assert_int_equal(hdl_repl_read_dump_header(vf.msgs[0].bytes, 3, &used), HDL_ERR_TRUNCATED);
    assert_int_equal(hdl_repl_read_dump_header(vf.msgs[0].bytes, 4, &used), HDL_OK);
    assert_int_equal(used, 4);

    struct hdl_repl_record rec;
    read_whole(&vf.msgs[1], hdl_repl_read_dump_record, &rec);
    assert_int_equal(rec.type, HDL_REPL_DUMP_INFO);
    assert_int_equal(rec.date_ms, 1796505518403ull);
    assert_int_equal(rec.txn_id, 33);

    read_whole(&vf.msgs[2], hdl_repl_read_dump_record, &rec);
    assert_int_equal(rec.type, HDL_REPL_DUMP_HANDLE);
    assert_true(slice_is(rec.handle, "0.NA/88.100.1"));
    assert_int_equal(rec.value_count, 6);
    /* The values are int4 len + value; the secret at index 301 travels too. */
    struct hdl_reader r;
    hdl_reader_init(&r, rec.values.ptr, rec.values.len);
    bool seen_secret = false;
    for (uint32_t i = 0; i < rec.value_count; i++) {
        uint32_t n = 0;
        struct hdl_slice raw;
        struct hdl_value v;
        assert_int_equal(hdl_get_u32(&r, &n), HDL_OK);
        assert_int_equal(hdl_get_raw(&r, n, &raw), HDL_OK);
        struct hdl_reader vr;
        hdl_reader_init(&vr, raw.ptr, raw.len);
        assert_int_equal(hdl_value_decode(&vr, &v), HDL_OK);
        if (v.index == 301) {
            assert_true(slice_is(v.type, "HS_SECKEY"));
            seen_secret = true;
        }
    }
    assert_true(seen_secret);
    assert_int_equal(hdl_reader_left(&r), 0);

    read_whole(&vf.msgs[3], hdl_repl_read_dump_record, &rec);
    assert_true(slice_is(rec.handle, "88.100.1/ADMIN"));
    assert_int_equal(rec.value_count, 2);
    for (size_t i = 4; i < 11; i++) {
        read_whole(&vf.msgs[i], hdl_repl_read_dump_record, &rec);
        assert_int_equal(rec.type, HDL_REPL_DUMP_HANDLE);
    }
    assert_true(slice_is(rec.handle, "88.100.1/USERNEW-2"));
    static const char *homed[] = {"0.NA/0.NA", "0.NA/88.100", "0.NA/88.100.1"};
    for (size_t i = 0; i < 3; i++) {
        read_whole(&vf.msgs[11 + i], hdl_repl_read_dump_record, &rec);
        assert_int_equal(rec.type, HDL_REPL_DUMP_HOMED);
        assert_true(slice_is(rec.handle, homed[i]));
    }
    read_whole(&vf.msgs[14], hdl_repl_read_dump_record, &rec);
    assert_int_equal(rec.type, HDL_REPL_DUMP_DONE);
    vec_free(&vf);
}

/* The captured polls, concatenated as one stream each: header, records, END. */
static void txn_streams_create_update_delete(void **state)
{
    (void)state;
    struct vec_file vf;
    load(FIXTURE("txn_tls.txt"), &vf);
    assert_int_equal(vf.count, 19);
    static const struct {
        uint64_t id;
        const char *handle;
        uint8_t action;
        uint32_t values;
    } want[] = {
        {34, "88.100.1/REPL-0001", HDL_REPL_ACT_CREATE, 1},
        {35, "88.100.1/REPL-0001", HDL_REPL_ACT_UPDATE, 3},
        {37, "88.100.1/REPL-0001", HDL_REPL_ACT_DELETE, 0},
        {38, "88.100.1/REPL-0002", HDL_REPL_ACT_CREATE, 2},
        {39, "88.100.1/REPL-0002", HDL_REPL_ACT_UPDATE, 2},
        {40, "88.100.1/REPL-0003", HDL_REPL_ACT_CREATE, 0}, /* deleted since: 0 values */
        {41, "88.100.1/REPL-0003", HDL_REPL_ACT_DELETE, 0},
        {44, "88.100.1/REPL-0002", HDL_REPL_ACT_DELETE, 0}, /* 43 was used up: a gap */
        {45, "88.100.1/REPL-0004", HDL_REPL_ACT_DELETE, 0},
    };
    /* Which message the 36 update (modify) is: skip it in the table above by index. */
    size_t w = 0, headers = 0, ends = 0;
    for (size_t i = 0; i < vf.count; i++) {
        const struct vec_msg *m = &vf.msgs[i];
        size_t used;
        uint32_t status;
        if (m->len == 8) {
            for (size_t cut = 0; cut < 8; cut++)
                assert_int_equal(hdl_repl_read_txn_header(m->bytes, cut, &used, &status),
                                 HDL_ERR_TRUNCATED);
            assert_int_equal(hdl_repl_read_txn_header(m->bytes, 8, &used, &status), HDL_OK);
            assert_int_equal(status, HDL_REPL_STATUS_SENDING);
            headers++;
            continue;
        }
        struct hdl_repl_record rec;
        read_whole(m, hdl_repl_read_txn_record, &rec);
        if (rec.type == HDL_REPL_TXN_END) {
            assert_true(rec.date_ms > 1796505700000ull);
            ends++;
            continue;
        }
        assert_int_equal(rec.type, HDL_REPL_TXN);
        if (rec.txn_id == 36)
            continue; /* the modify; not in the table */
        assert_true(w < sizeof want / sizeof want[0]);
        assert_int_equal(rec.txn_id, want[w].id);
        assert_true(slice_is(rec.handle, want[w].handle));
        assert_int_equal(rec.action, want[w].action);
        assert_int_equal(rec.value_count, want[w].values);
        w++;
    }
    assert_int_equal(w, sizeof want / sizeof want[0]);
    assert_int_equal(headers, 5);
    assert_int_equal(ends, 5);

    /* The first stream as one buffer: records are read one after the other. */
    uint8_t all[256];
    size_t len = 0;
    for (size_t i = 0; i < 3; i++) {
        memcpy(all + len, vf.msgs[i].bytes, vf.msgs[i].len);
        len += vf.msgs[i].len;
    }
    size_t pos = 0, used;
    uint32_t status;
    struct hdl_repl_record rec;
    assert_int_equal(hdl_repl_read_txn_header(all, len, &used, &status), HDL_OK);
    pos += used;
    assert_int_equal(hdl_repl_read_txn_record(all + pos, len - pos, &used, &rec), HDL_OK);
    assert_int_equal(rec.txn_id, 34);
    assert_int_equal(rec.date_ms, 1796505721339ull);
    pos += used;
    assert_int_equal(hdl_repl_read_txn_record(all + pos, len - pos, &used, &rec), HDL_OK);
    assert_int_equal(rec.type, HDL_REPL_TXN_END);
    assert_int_equal(rec.date_ms, 1796505722111ull);
    assert_int_equal(pos + used, len);
    vec_free(&vf);
}

static void need_to_redump_echoes_the_date(void **state)
{
    (void)state;
    struct vec_file vf;
    load(FIXTURE("txn_redump.txt"), &vf);
    size_t used;
    uint32_t status;
    assert_int_equal(hdl_repl_read_txn_header(vf.msgs[0].bytes, vf.msgs[0].len, &used, &status),
                     HDL_OK);
    assert_int_equal(status, HDL_REPL_STATUS_NEED_REDUMP);
    struct hdl_repl_record rec;
    read_whole(&vf.msgs[1], hdl_repl_read_txn_record, &rec);
    assert_int_equal(rec.type, HDL_REPL_TXN_END);
    assert_int_equal(rec.date_ms, 1000);
    vec_free(&vf);
}

/* The primary's HS_SITE key from its two-datagram GET_SITE_INFO answer (messages 1 and 2). */
static void site_key(const struct vec_file *vf, uint8_t *payload, struct hdl_site *site)
{
    size_t len = 0;
    for (size_t i = 1; i < 3; i++) {
        memcpy(payload + len, vf->msgs[i].bytes + HDL_ENVELOPE_LEN,
               vf->msgs[i].len - HDL_ENVELOPE_LEN);
        len += vf->msgs[i].len - HDL_ENVELOPE_LEN;
    }
    struct hdl_message m;
    assert_int_equal(hdl_message_split_payload(payload, len, &m), HDL_OK);
    assert_int_equal(hdl_site_decode(m.body.ptr, m.body.len, site), HDL_OK);
    assert_int_equal(site->server_count, 1);
}

/* Reads one PK block: the record, then its signature over the record's bytes. */
static void pk_block(const struct vec_msg *m, const struct hdl_site *site, bool header,
                     struct hdl_repl_record *rec, uint32_t *status)
{
    size_t used = 0, sig_used;
    if (header)
        assert_int_equal(hdl_repl_read_txn_header(m->bytes, m->len, &used, status), HDL_OK);
    else
        assert_int_equal(hdl_repl_read_txn_record(m->bytes, m->len, &used, rec), HDL_OK);
    struct hdl_slice sig;
    for (size_t cut = used; cut < m->len; cut++)
        assert_int_equal(hdl_repl_read_signature(m->bytes + used, cut - used, &sig_used, &sig),
                         HDL_ERR_TRUNCATED);
    assert_int_equal(hdl_repl_read_signature(m->bytes + used, m->len - used, &sig_used, &sig),
                     HDL_OK);
    assert_int_equal(used + sig_used, m->len);
    const struct hdl_slice sha1 = {(const uint8_t *)"SHA1", 4};
    const struct hdl_slice key = site->servers[0].public_key;
    assert_int_equal(cry_answer_verify(key.ptr, key.len, sha1, sig, m->bytes, used), HDL_OK);
    /* One flipped bit in the block and the signature no longer holds. */
    uint8_t copy[1024];
    memcpy(copy, m->bytes, used);
    copy[used - 1] ^= 1;
    assert_int_equal(cry_answer_verify(key.ptr, key.len, sha1, sig, copy, used), HDL_ERR_CRYPTO);
}

static void pk_mode_blocks_verify_with_the_site_key(void **state)
{
    (void)state;
    struct vec_file vf;
    load(FIXTURE("txn_pk.txt"), &vf);
    assert_int_equal(vf.count, 11);
    static uint8_t payload[1024];
    struct hdl_site site;
    site_key(&vf, payload, &site);

    size_t used;
    uint32_t type;
    struct hdl_slice hash_id;
    for (size_t cut = 0; cut < vf.msgs[3].len; cut++)
        assert_int_equal(hdl_repl_read_stream_type(vf.msgs[3].bytes, cut, &used, &type, &hash_id),
                         HDL_ERR_TRUNCATED);
    assert_int_equal(
        hdl_repl_read_stream_type(vf.msgs[3].bytes, vf.msgs[3].len, &used, &type, &hash_id),
        HDL_OK);
    assert_int_equal(type, HDL_REPL_STREAM_PK);
    assert_true(slice_is(hash_id, "SHA1"));
    assert_int_equal(used, 12);

    uint32_t status = 0;
    struct hdl_repl_record rec;
    pk_block(&vf.msgs[4], &site, true, &rec, &status);
    assert_int_equal(status, HDL_REPL_STATUS_SENDING);
    uint64_t ids[] = {38, 39, 40, 41, 42};
    for (size_t i = 0; i < 5; i++) {
        pk_block(&vf.msgs[5 + i], &site, false, &rec, &status);
        assert_int_equal(rec.type, HDL_REPL_TXN);
        assert_int_equal(rec.txn_id, ids[i]);
    }
    pk_block(&vf.msgs[10], &site, false, &rec, &status);
    assert_int_equal(rec.type, HDL_REPL_TXN_END);
    assert_int_equal(rec.date_ms, 1796506156007ull);
    vec_free(&vf);
}

static void pk_home_txn_and_dump(void **state)
{
    (void)state;
    struct vec_file vf;
    load(FIXTURE("pk_home_dump.txt"), &vf);
    assert_int_equal(vf.count, 19);
    size_t used;
    struct hdl_repl_record rec;
    /* Message 2: txn 1 homes 0.NA/0.NA, with no value count after the date. */
    assert_int_equal(hdl_repl_read_txn_record(vf.msgs[2].bytes, vf.msgs[2].len, &used, &rec),
                     HDL_OK);
    assert_int_equal(rec.txn_id, 1);
    assert_int_equal(rec.action, HDL_REPL_ACT_HOME);
    assert_true(slice_is(rec.handle, "0.NA/0.NA"));
    assert_int_equal(rec.value_count, 0);
    for (size_t cut = 0; cut < used; cut++)
        assert_int_equal(hdl_repl_read_txn_record(vf.msgs[2].bytes, cut, &used, &rec),
                         HDL_ERR_TRUNCATED);

    /* The PK dump: header block, info, handles, homed prefixes, then DONE without a signature. */
    uint32_t type;
    struct hdl_slice hash_id, sig;
    assert_int_equal(
        hdl_repl_read_stream_type(vf.msgs[6].bytes, vf.msgs[6].len, &used, &type, &hash_id),
        HDL_OK);
    assert_int_equal(type, HDL_REPL_STREAM_PK);
    assert_int_equal(hdl_repl_read_dump_header(vf.msgs[7].bytes, vf.msgs[7].len, &used), HDL_OK);
    size_t sig_used;
    assert_int_equal(
        hdl_repl_read_signature(vf.msgs[7].bytes + used, vf.msgs[7].len - used, &sig_used, &sig),
        HDL_OK);
    assert_int_equal(used + sig_used, vf.msgs[7].len);
    assert_int_equal(hdl_repl_read_dump_record(vf.msgs[8].bytes, vf.msgs[8].len, &used, &rec),
                     HDL_OK);
    assert_int_equal(rec.type, HDL_REPL_DUMP_INFO);
    assert_int_equal(rec.txn_id, 42);
    assert_int_equal(hdl_repl_read_dump_record(vf.msgs[9].bytes, vf.msgs[9].len, &used, &rec),
                     HDL_OK);
    assert_true(slice_is(rec.handle, "0.NA/88.100.1"));
    assert_int_equal(rec.value_count, 6);
    assert_int_equal(hdl_repl_read_dump_record(vf.msgs[18].bytes, vf.msgs[18].len, &used, &rec),
                     HDL_OK);
    assert_int_equal(rec.type, HDL_REPL_DUMP_DONE);
    assert_int_equal(used, 1);
    vec_free(&vf);
}

static void malformed_records_are_refused(void **state)
{
    (void)state;
    size_t used;
    uint32_t status, type;
    struct hdl_slice hash_id;
    struct hdl_repl_record rec;
    static const uint8_t bad_type[] = {0x12, 0x34, 0x56, 0x78};
    assert_int_equal(hdl_repl_read_stream_type(bad_type, 4, &used, &type, &hash_id),
                     HDL_ERR_MALFORMED);
    static const uint8_t tls[] = {0x54, 0x4c, 0x53, 0x00};
    assert_int_equal(hdl_repl_read_stream_type(tls, 4, &used, &type, &hash_id), HDL_OK);
    assert_int_equal(type, HDL_REPL_STREAM_TLS);
    static const uint8_t v2[] = {0, 0, 0, 2, 0, 0, 0, 2};
    assert_int_equal(hdl_repl_read_txn_header(v2, 8, &used, &status), HDL_ERR_UNSUPPORTED);
    static const uint8_t st9[] = {0, 0, 0, 1, 0, 0, 0, 9};
    assert_int_equal(hdl_repl_read_txn_header(st9, 8, &used, &status), HDL_ERR_MALFORMED);
    static const uint8_t rec7[] = {7, 0, 0};
    assert_int_equal(hdl_repl_read_txn_record(rec7, 3, &used, &rec), HDL_ERR_MALFORMED);
    assert_int_equal(hdl_repl_read_dump_record(rec7, 3, &used, &rec), HDL_ERR_MALFORMED);
    /* A txn whose action is 9, and one whose handle length is 0. */
    static const uint8_t act9[] = {1, 0,   0, 0, 0, 0, 0, 0, 5, 0, 0, 0,
                                   1, 'X', 9, 0, 0, 0, 0, 0, 0, 0, 1};
    assert_int_equal(hdl_repl_read_txn_record(act9, sizeof act9, &used, &rec), HDL_ERR_MALFORMED);
    static const uint8_t empty_handle[] = {2, 0, 0, 0, 0};
    assert_int_equal(hdl_repl_read_dump_record(empty_handle, 5, &used, &rec), HDL_ERR_MALFORMED);
    /* A value whose int4 length covers bytes that are not a value. */
    static const uint8_t bad_value[] = {1, 0, 0, 0, 1, 'X', 0, 0, 0, 1, 0, 0, 0, 2, 0xff, 0xff};
    assert_int_equal(hdl_repl_read_dump_record(bad_value, sizeof bad_value, &used, &rec),
                     HDL_ERR_MALFORMED);
    static const uint8_t no_sig[] = {0, 0, 0, 0};
    struct hdl_slice sig;
    assert_int_equal(hdl_repl_read_signature(no_sig, 4, &used, &sig), HDL_ERR_MALFORMED);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(retrieve_body_matches_the_reference_mirror),
        cmocka_unit_test(dump_body_matches_the_captured_requests),
        cmocka_unit_test(dump_records_of_the_first_copy),
        cmocka_unit_test(txn_streams_create_update_delete),
        cmocka_unit_test(need_to_redump_echoes_the_date),
        cmocka_unit_test(pk_mode_blocks_verify_with_the_site_key),
        cmocka_unit_test(pk_home_txn_and_dump),
        cmocka_unit_test(malformed_records_are_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
