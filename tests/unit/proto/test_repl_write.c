/* The replication codec of the primary's side (proto/hdl_repl.h): request bodies parsed and
 * stream records written, byte for byte against records captured between HANDLE.NET servers
 * (tests/fixtures/replication/stream_records.txt). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "proto/hdl_const.h"
#include "proto/hdl_repl.h"

#define FIXTURE PAZHOU_SOURCE_DIR "/tests/fixtures/replication/stream_records.txt"

struct bytes {
    uint8_t *p;
    size_t len;
};

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* The hex line after "# name:" in the fixture file. */
static struct bytes fixture(const char *name)
{
    FILE *f = fopen(FIXTURE, "r");
    assert_non_null(f);
    char tag[128];
    snprintf(tag, sizeof tag, "# %s:", name);
    static char line[1 << 16];
    struct bytes b = {0};
    bool take = false;
    while (fgets(line, sizeof line, f)) {
        if (take) {
            size_t n = strcspn(line, "\r\n");
            b.p = malloc(n / 2 + 1);
            assert_non_null(b.p);
            for (size_t i = 0; i + 1 < n; i += 2) {
                int hi = hexval(line[i]), lo = hexval(line[i + 1]);
                assert_true(hi >= 0 && lo >= 0);
                b.p[b.len++] = (uint8_t)(hi << 4 | lo);
            }
            break;
        }
        take = strncmp(line, tag, strlen(tag)) == 0;
    }
    fclose(f);
    assert_non_null(b.p);
    return b;
}

/* The body of a captured message: after the envelope (20) and header (24, bodyLength last). */
static struct hdl_slice body_of(struct bytes m)
{
    assert_true(m.len >= 44);
    uint32_t blen = hdl_load_u32(m.p + 40);
    assert_true(44 + (size_t)blen <= m.len);
    return (struct hdl_slice){m.p + 44, blen};
}

static void assert_written(struct hdl_writer *w, struct bytes expect)
{
    assert_int_equal(hdl_writer_status(w), HDL_OK);
    assert_int_equal(w->len, expect.len);
    assert_memory_equal(w->buf, expect.p, expect.len);
}

static void test_retrieve_210(void **state)
{
    (void)state;
    struct bytes m = fixture("retrieve_request_210");
    struct hdl_slice b = body_of(m);
    struct hdl_repl_retrieve r;
    assert_int_equal(hdl_repl_retrieve_decode(b.ptr, b.len, 2, 10, &r), HDL_OK);
    assert_int_equal(r.last_txn_id, 33);
    assert_int_equal(r.last_query_date, 1796505518403ull);
    assert_int_equal(r.hash_type, 2);
    assert_int_equal(r.num_servers, 1);
    assert_int_equal(r.server_num, 0);
    /* The same bytes read as 2.7 have a byte too many. */
    assert_int_equal(hdl_repl_retrieve_decode(b.ptr, b.len, 2, 7, &r), HDL_ERR_TRAILING);
    /* Pull-all (form B) is refused. */
    uint8_t pull[26];
    memcpy(pull, b.ptr, sizeof pull);
    pull[0] = 1;
    assert_int_equal(hdl_repl_retrieve_decode(pull, sizeof pull, 2, 10, &r), HDL_ERR_UNSUPPORTED);
    free(m.p);
}

static void test_retrieve_27(void **state)
{
    (void)state;
    struct bytes m = fixture("retrieve_redump_27");
    struct hdl_slice b = body_of(m);
    struct hdl_repl_retrieve r;
    assert_int_equal(b.len, 25);
    assert_int_equal(hdl_repl_retrieve_decode(b.ptr, b.len, 2, 7, &r), HDL_OK);
    assert_int_equal(r.last_txn_id, 5);
    assert_int_equal(r.last_query_date, 1000);
    assert_int_equal(hdl_repl_retrieve_decode(b.ptr, b.len - 1, 2, 7, &r), HDL_ERR_TRUNCATED);
    /* server_num must name one of num_servers. */
    uint8_t bad[25];
    memcpy(bad, b.ptr, sizeof bad);
    bad[24] = 1;
    assert_int_equal(hdl_repl_retrieve_decode(bad, sizeof bad, 2, 7, &r), HDL_ERR_MALFORMED);
    free(m.p);
}

static void test_dump_request(void **state)
{
    (void)state;
    struct bytes m = fixture("dump_request");
    struct hdl_slice b = body_of(m);
    struct hdl_repl_dump d;
    assert_int_equal(hdl_repl_dump_decode(b.ptr, b.len, &d), HDL_OK);
    assert_int_equal(d.hash_type, 2);
    assert_int_equal(d.num_servers, 1);
    assert_int_equal(d.server_num, 0);
    assert_false(d.has_start);

    /* The resume form: byteString start + int4 type. */
    uint8_t resume[64];
    memcpy(resume, b.ptr, 9);
    const char *start = "88.100.1/PRODUCT-099998";
    hdl_store_u32(resume + 9, (uint32_t)strlen(start));
    memcpy(resume + 13, start, strlen(start));
    size_t n = 13 + strlen(start);
    hdl_store_u32(resume + n, HDL_REPL_START_HANDLE);
    assert_int_equal(hdl_repl_dump_decode(resume, n + 4, &d), HDL_OK);
    assert_true(d.has_start);
    assert_int_equal(d.start_type, HDL_REPL_START_HANDLE);
    assert_int_equal(d.start.len, strlen(start));
    assert_memory_equal(d.start.ptr, start, d.start.len);
    assert_int_equal(hdl_repl_dump_decode(resume, n + 2, &d), HDL_ERR_TRUNCATED);
    free(m.p);
}

static void test_stream_types(void **state)
{
    (void)state;
    uint8_t buf[64];
    struct hdl_writer w;
    struct bytes tls = fixture("stream_tls"), pk = fixture("stream_pk");
    hdl_writer_init(&w, buf, sizeof buf);
    hdl_repl_put_stream_type(&w, HDL_REPL_STREAM_TLS, NULL);
    assert_written(&w, tls);
    hdl_writer_init(&w, buf, sizeof buf);
    hdl_repl_put_stream_type(&w, HDL_REPL_STREAM_PK, "SHA1");
    assert_written(&w, pk);
    free(tls.p);
    free(pk.p);
}

/* Turns a captured "int4 count, count × (int4 len + value)" into the value run a stored record
 * holds; returns the count. */
static uint32_t unframe(const uint8_t *p, size_t len, uint8_t *run, size_t *run_len)
{
    assert_true(len >= 4);
    uint32_t count = hdl_load_u32(p);
    size_t at = 4;
    *run_len = 0;
    for (uint32_t i = 0; i < count; i++) {
        assert_true(at + 4 <= len);
        uint32_t vlen = hdl_load_u32(p + at);
        at += 4;
        assert_true(at + vlen <= len);
        memcpy(run + *run_len, p + at, vlen);
        *run_len += vlen;
        at += vlen;
    }
    assert_int_equal(at, len);
    return count;
}

static void check_dump_handle(const char *name)
{
    struct bytes rec = fixture(name);
    /* type, byteString handle, values */
    uint32_t hlen = hdl_load_u32(rec.p + 1);
    struct hdl_slice handle = {rec.p + 5, hlen};
    uint8_t *run = malloc(rec.len);
    size_t run_len;
    uint32_t count = unframe(rec.p + 5 + hlen, rec.len - 5 - hlen, run, &run_len);
    uint8_t *buf = malloc(rec.len + 16);
    struct hdl_writer w;
    hdl_writer_init(&w, buf, rec.len + 16);
    assert_int_equal(
        hdl_repl_put_dump_handle(&w, handle, count, (struct hdl_slice){run, (uint32_t)run_len}),
        HDL_OK);
    assert_written(&w, rec);
    /* A run that does not hold count values is refused. */
    hdl_writer_init(&w, buf, rec.len + 16);
    assert_int_equal(
        hdl_repl_put_dump_handle(&w, handle, count + 1, (struct hdl_slice){run, (uint32_t)run_len}),
        HDL_ERR_MALFORMED);
    hdl_writer_init(&w, buf, rec.len + 16);
    assert_int_equal(
        hdl_repl_put_dump_handle(&w, handle, count, (struct hdl_slice){run, (uint32_t)run_len - 1}),
        HDL_ERR_MALFORMED);
    free(buf);
    free(run);
    free(rec.p);
}

static void test_dump_records(void **state)
{
    (void)state;
    uint8_t buf[64];
    struct hdl_writer w;
    struct bytes header = fixture("dump_header"), info = fixture("dump_info"),
                 homed = fixture("dump_homed"), done = fixture("dump_done");
    hdl_writer_init(&w, buf, sizeof buf);
    hdl_repl_put_dump_header(&w);
    assert_written(&w, header);
    hdl_writer_init(&w, buf, sizeof buf);
    hdl_repl_put_dump_info(&w, 1796505518403ull, 33);
    assert_written(&w, info);
    hdl_writer_init(&w, buf, sizeof buf);
    hdl_repl_put_dump_homed(&w, (struct hdl_slice){(const uint8_t *)"0.NA/0.NA", 9});
    assert_written(&w, homed);
    hdl_writer_init(&w, buf, sizeof buf);
    hdl_repl_put_dump_done(&w);
    assert_written(&w, done);
    free(header.p);
    free(info.p);
    free(homed.p);
    free(done.p);
    check_dump_handle("dump_handle");
    check_dump_handle("dump_handle_small");
}

/* A captured TRANSACTION record rewritten from its fields. */
static void check_txn(const char *name)
{
    struct bytes rec = fixture(name);
    uint64_t id = ((uint64_t)hdl_load_u32(rec.p + 1) << 32) | hdl_load_u32(rec.p + 5);
    uint32_t hlen = hdl_load_u32(rec.p + 9);
    struct hdl_slice handle = {rec.p + 13, hlen};
    size_t at = 13 + hlen;
    uint8_t action = rec.p[at];
    uint64_t date = ((uint64_t)hdl_load_u32(rec.p + at + 1) << 32) | hdl_load_u32(rec.p + at + 5);
    at += 9;
    uint8_t *run = malloc(rec.len + 1);
    size_t run_len = 0;
    uint32_t count = 0;
    if (action == HDL_REPL_ACT_CREATE || action == HDL_REPL_ACT_UPDATE)
        count = unframe(rec.p + at, rec.len - at, run, &run_len);
    else
        assert_int_equal(at, rec.len);
    uint8_t *buf = malloc(rec.len + 16);
    struct hdl_writer w;
    hdl_writer_init(&w, buf, rec.len + 16);
    assert_int_equal(hdl_repl_put_txn(&w, id, handle, action, date, count,
                                      (struct hdl_slice){run, (uint32_t)run_len}),
                     HDL_OK);
    assert_written(&w, rec);
    free(buf);
    free(run);
    free(rec.p);
}

static void test_txn_records(void **state)
{
    (void)state;
    uint8_t buf[64];
    struct hdl_writer w;
    struct bytes header = fixture("txn_header"), end = fixture("txn_end"),
                 rheader = fixture("txn_redump_header"), rend = fixture("txn_redump_end");
    hdl_writer_init(&w, buf, sizeof buf);
    hdl_repl_put_txn_header(&w, HDL_REPL_STATUS_SENDING);
    assert_written(&w, header);
    hdl_writer_init(&w, buf, sizeof buf);
    hdl_repl_put_txn_end(&w, 1796505631577ull);
    assert_written(&w, end);
    hdl_writer_init(&w, buf, sizeof buf);
    hdl_repl_put_txn_header(&w, HDL_REPL_STATUS_NEED_REDUMP);
    assert_written(&w, rheader);
    hdl_writer_init(&w, buf, sizeof buf);
    hdl_repl_put_txn_end(&w, 1000);
    assert_written(&w, rend);
    free(header.p);
    free(end.p);
    free(rheader.p);
    free(rend.p);
    check_txn("txn_create");
    check_txn("txn_update");
    check_txn("txn_delete");
    check_txn("txn_create_deleted");
}

static void test_signature_block(void **state)
{
    (void)state;
    uint8_t buf[16];
    struct hdl_writer w;
    hdl_writer_init(&w, buf, sizeof buf);
    hdl_repl_put_signature(&w, (struct hdl_slice){(const uint8_t *)"\x30\x2c\x02", 3});
    assert_int_equal(w.len, 7);
    assert_memory_equal(buf, "\0\0\0\x03\x30\x2c\x02", 7);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_retrieve_210),    cmocka_unit_test(test_retrieve_27),
        cmocka_unit_test(test_dump_request),    cmocka_unit_test(test_stream_types),
        cmocka_unit_test(test_dump_records),    cmocka_unit_test(test_txn_records),
        cmocka_unit_test(test_signature_block),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
