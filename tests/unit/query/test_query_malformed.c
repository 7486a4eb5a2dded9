/*
 * The malformed-request corpus (tests/malformed/<class>.txt, written by
 * tests/integration/malformed_corpus.py) replayed through query_answer: every message gets exactly
 * the answer its line names (a response code, or a drop), none is answered with success, and a
 * valid resolution still succeeds after each class.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <glob.h>

#include "proto/hdl_const.h"
#include "proto/hdl_message.h"
#include "registry/reg_db.h"
#include "registry/reg_record.h"
#include "resolver/query/query.h"

#include "query_test_node.h"

#define CORPUS_DIR PAZHOU_SOURCE_DIR "/tests/malformed"
#define PRODUCT "88.100.1/PRODUCT-000001"

static void put_product(struct reg_db *db)
{
    struct hdl_value v[2] = {
        {.index = 1,
         .timestamp = 1795600000,
         .ttl = 86400,
         .perms = HDL_PERM_DEFAULT,
         .type = {(const uint8_t *)"URL", 3},
         .data = {(const uint8_t *)"https://example.com/product/000001", 34}},
        {.index = 2,
         .timestamp = 1795600000,
         .ttl = 86400,
         .perms = HDL_PERM_DEFAULT,
         .type = {(const uint8_t *)"EMAIL", 5},
         .data = {(const uint8_t *)"product-000001@example.com", 26}},
    };
    uint8_t record[512];
    struct hdl_writer w;
    hdl_writer_init(&w, record, sizeof record);
    assert_int_equal(reg_record_build(&w, v, 2), HDL_OK);
    assert_int_equal(reg_put_record(db, (const uint8_t *)PRODUCT, strlen(PRODUCT), record, w.len),
                     REG_OK);
}

static int setup(void **state)
{
    *state = query_test_node_new("/tmp/pazhou-malformed-XXXXXX", put_product);
    return 0;
}

static int teardown(void **state)
{
    query_test_node_free(*state);
    return 0;
}

/* The response code of the answer, or -1 for a drop; fails on a deferral. */
static int answer(struct query_test_node *f, const uint8_t *msg, size_t len)
{
    size_t out_len = 0;
    enum query_result r = query_answer(&f->q, NODE_UDP, msg, len, f->out, &out_len);
    assert_int_not_equal(r, QUERY_DEFER);
    if (r == QUERY_DROP)
        return -1;
    assert_true(out_len >= HDL_ENVELOPE_LEN + HDL_HEADER_LEN + 4);
    return (int)hdl_load_u32(f->out + 24);
}

static size_t probe(uint8_t *buf, uint32_t request_id)
{
    return query_test_request(PRODUCT, HDL_OC_RESOLUTION, request_id, buf, 256);
}

static int hexval(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Replays one class file; returns how many messages it held. */
static size_t replay(struct query_test_node *f, const char *path)
{
    FILE *in = fopen(path, "r");
    assert_non_null(in);
    static char line[1 << 20];
    static uint8_t msg[1 << 19];
    size_t count = 0;
    while (fgets(line, sizeof line, in)) {
        if (line[0] == '#' || line[0] == '\n')
            continue;
        char expect[16], name[64];
        int hex_at = 0;
        assert_int_equal(sscanf(line, "%15s %*s %*s %63s %n", expect, name, &hex_at), 2);
        const char *hex = line + hex_at;
        size_t len = 0;
        while (hexval(hex[0]) >= 0 && hexval(hex[1]) >= 0 && len < sizeof msg) {
            msg[len++] = (uint8_t)(hexval(hex[0]) << 4 | hexval(hex[1]));
            hex += 2;
        }
        int want = strcmp(expect, "drop") == 0 ? -1 : atoi(expect);
        assert_true(want == -1 || want > 1); /* the corpus never expects success */
        int got = answer(f, msg, len);
        if (got != want)
            fail_msg("%s (%s, %zu bytes): expected %d, got %d", path, name, len, want, got);
        count++;
    }
    fclose(in);
    uint8_t ok[256];
    size_t n = probe(ok, 0x7777);
    assert_int_equal(answer(f, ok, n), HDL_RC_SUCCESS);
    return count;
}

static void every_corpus_message_gets_its_expected_answer(void **state)
{
    struct query_test_node *f = *state;
    glob_t g;
    assert_int_equal(glob(CORPUS_DIR "/*.txt", 0, NULL, &g), 0);
    assert_true(g.gl_pathc >= 15);
    size_t total = 0;
    for (size_t i = 0; i < g.gl_pathc; i++) {
        size_t n = replay(f, g.gl_pathv[i]);
        assert_true(n > 0);
        total += n;
    }
    globfree(&g);
    assert_true(total >= 500);
    assert_int_equal(f->stats.responses[node_rc_bucket_of(HDL_RC_SUCCESS)], g.gl_pathc);
}

/* Named cases, each of a class the corpus holds, with the reason in the assertion. */
static void fragment_fields_flags_and_versions_are_refused(void **state)
{
    struct query_test_node *f = *state;
    uint8_t m[256];
    size_t n = probe(m, 0x100);
    assert_int_equal(answer(f, m, n), HDL_RC_SUCCESS);

    m[15] = 1; /* messageId of a second fragment, TRUNCATED clear */
    assert_int_equal(answer(f, m, n), HDL_RC_PROTOCOL_ERROR);
    m[2] |= HDL_ENV_TRUNCATED; /* a fragment flag on a message that arrived whole */
    assert_int_equal(answer(f, m, n), HDL_RC_PROTOCOL_ERROR);
    m[15] = 0;
    assert_int_equal(answer(f, m, n), HDL_RC_PROTOCOL_ERROR);
    m[2] = 0x02;
    for (uint8_t bit = 0x04; bit <= 0x10; bit <<= 1) {
        m[2] = 0x02 | bit; /* envelope flag bits with no meaning */
        assert_int_equal(answer(f, m, n), HDL_RC_PROTOCOL_ERROR);
    }
    m[2] = 0x01; /* suggests major version 1 in a 2.x message */
    assert_int_equal(answer(f, m, n), HDL_RC_PROTOCOL_ERROR);
    m[2] = 0x02;
    m[1] = 12; /* 2.12: no such version */
    assert_int_equal(answer(f, m, n), HDL_RC_PROTOCOL_ERROR);
    m[1] = 11;
    assert_int_equal(answer(f, m, n), HDL_RC_SUCCESS);
    m[1] = 10;
    m[20 + 3] = 0; /* opCode 0, refused as the reference refuses it */
    assert_int_equal(answer(f, m, n), HDL_RC_PROTOCOL_ERROR);
}

static void list_counts_and_trailing_bytes_are_refused(void **state)
{
    struct query_test_node *f = *state;
    uint8_t m[256];
    size_t n = probe(m, 0x200);
    size_t counts = 44 + 4 + strlen(PRODUCT);
    hdl_store_u32(m + counts, 1); /* one index announced, the type count read as it */
    assert_int_equal(answer(f, m, n), HDL_RC_PROTOCOL_ERROR);
    hdl_store_u32(m + counts, 0);
    hdl_store_u32(m + counts + 4, 1); /* one type announced, none present */
    assert_int_equal(answer(f, m, n), HDL_RC_PROTOCOL_ERROR);
    hdl_store_u32(m + counts + 4, 0);
    assert_int_equal(answer(f, m, n), HDL_RC_SUCCESS);

    /* GET_SITE_INFO with a handle longer than its bytes, then with bytes after it. */
    uint8_t s[64];
    struct hdl_writer w;
    hdl_writer_init(&w, s, sizeof s);
    struct hdl_envelope env = {.major = 2, .minor = 10, .sugg_major = 2, .sugg_minor = 10};
    struct hdl_header hdr = {.opcode = HDL_OC_GET_SITE_INFO, .op_flags = 0x19000000u};
    size_t body = hdl_message_begin(&w, &env, &hdr);
    hdl_put_cstr(&w, "/");
    assert_int_equal(hdl_message_finish(&w, body, NULL, 0), HDL_OK);
    size_t sl = w.len;
    assert_int_equal(answer(f, s, sl), HDL_RC_SUCCESS);
    hdl_store_u32(s + 44, 2);
    assert_int_equal(answer(f, s, sl), HDL_RC_PROTOCOL_ERROR);
    hdl_store_u32(s + 44, 0);
    assert_int_equal(answer(f, s, sl), HDL_RC_PROTOCOL_ERROR);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_corpus_message_gets_its_expected_answer),
        cmocka_unit_test(fragment_fields_flags_and_versions_are_refused),
        cmocka_unit_test(list_counts_and_trailing_bytes_are_refused),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
