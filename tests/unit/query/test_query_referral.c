/*
 * Prefix referrals through query_answer, on a registry that homes 88.100.1 and holds the prefix
 * handles of a delegation: a handle under a delegated derived prefix, or a derived prefix handle
 * that is not stored, is answered with 303 and exactly the public site values of the prefix
 * handle that points on; DNRF and every case with nothing to point at keep the old answers.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "proto/hdl_const.h"
#include "proto/hdl_message.h"
#include "proto/hdl_value.h"
#include "registry/reg_db.h"
#include "registry/reg_record.h"
#include "resolver/query/query.h"

#include "../reg_test_records.h"
#include "query_test_node.h"

#define PUBLIC HDL_PERM_DEFAULT
#define PRIVATE (HDL_PERM_ADMIN_READ | HDL_PERM_ADMIN_WRITE)

static void put(struct reg_db *db, const char *handle, struct hdl_value *v, size_t n)
{
    uint8_t record[1024];
    size_t len = build(v, n, record, sizeof record);
    assert_int_equal(reg_put_record(db, (const uint8_t *)handle, strlen(handle), record, len),
                     REG_OK);
}

/* The prefix handles of the delegation. */
static void put_delegation(struct reg_db *db)
{
    /* The homed prefix: its derived prefixes live at site B, unless their own handle says. */
    struct hdl_value parent[] = {
        value(1, PUBLIC, "HS_SITE.PREFIX", "SITE-B"),
        value(2, PRIVATE, "HS_SITE.PREFIX", "HIDDEN"),
        value(100, PUBLIC, "HS_ADMIN", "ADMIN"),
    };
    put(db, "0.NA/88.100.1", parent, 3);
    /* 88.100.1.5 is delegated to an enterprise node (site A; also over IPv6 and a service). */
    struct hdl_value delegated[] = {
        value(1, PUBLIC, "HS_SITE", "SITE-A"),           value(2, PRIVATE, "HS_SITE", "HIDDEN"),
        value(3, PUBLIC, "HS_SITE.PREFIX", "NOT-FOR-P"), value(4, PUBLIC, "hs_site.6", "SITE-A6"),
        value(5, PUBLIC, "HS_SERV", "0.NA/SERVICE"),     value(100, PUBLIC, "HS_ADMIN", "ADMIN"),
    };
    put(db, "0.NA/88.100.1.5", delegated, 6);
    /* 88.100.1.8 has a prefix handle here, but no site values: nothing points on. */
    struct hdl_value bare[] = {value(100, PUBLIC, "HS_ADMIN", "ADMIN")};
    put(db, "0.NA/88.100.1.8", bare, 1);
}

static int setup(void **state)
{
    *state = query_test_node_new("/tmp/pazhou-referral-XXXXXX", put_delegation);
    return 0;
}

static int teardown(void **state)
{
    query_test_node_free(*state);
    return 0;
}

/* Resolves handle with op_flags; returns the response code of the answer. */
static uint32_t resolve(struct query_test_node *f, const char *handle, uint32_t flags)
{
    uint8_t buf[512];
    struct hdl_writer w;
    hdl_writer_init(&w, buf, sizeof buf);
    struct hdl_envelope env = {
        .major = 2, .minor = 10, .sugg_major = 2, .sugg_minor = 10, .request_id = 7};
    struct hdl_header hdr = {.opcode = HDL_OC_RESOLUTION, .op_flags = flags, .site_serial = 1};
    size_t body = hdl_message_begin(&w, &env, &hdr);
    hdl_put_cstr(&w, handle);
    hdl_put_u32(&w, 0);
    hdl_put_u32(&w, 0);
    assert_int_equal(hdl_message_finish(&w, body, NULL, 0), HDL_OK);
    f->out_len = 0;
    assert_int_equal(query_answer(&f->q, NODE_UDP, buf, w.len, f->out, &f->out_len), QUERY_REPLY);
    assert_true(f->out_len >= HDL_ENVELOPE_LEN + HDL_HEADER_LEN + 4);
    return hdl_load_u32(f->out + HDL_ENVELOPE_LEN + 4);
}

/* The body of the last answer, after the header (its length in the header). */
static const uint8_t *body_of(struct query_test_node *f, size_t *len)
{
    *len = hdl_load_u32(f->out + HDL_ENVELOPE_LEN + 20);
    assert_true(HDL_ENVELOPE_LEN + HDL_HEADER_LEN + *len + 4 == f->out_len);
    return f->out + HDL_ENVELOPE_LEN + HDL_HEADER_LEN;
}

/* The expected referral body: an empty handle, the count, the values as encoded. */
static size_t expected_body(uint8_t *buf, size_t cap, const struct hdl_value *v, size_t n)
{
    struct hdl_writer w;
    hdl_writer_init(&w, buf, cap);
    hdl_put_u32(&w, 0);
    hdl_put_u32(&w, (uint32_t)n);
    for (size_t i = 0; i < n; i++)
        hdl_value_encode(&w, &v[i]);
    assert_int_equal(hdl_writer_status(&w), HDL_OK);
    return w.len;
}

static void handle_under_delegated_prefix_is_referred_to_its_sites(void **state)
{
    struct query_test_node *f = *state;
    assert_int_equal(resolve(f, "88.100.1.5/abc", 0x19000000u), HDL_RC_PREFIX_REFERRAL);
    size_t len;
    const uint8_t *body = body_of(f, &len);
    /* The first value spelled out, so the encoder is not its own judge. */
    static const uint8_t first[] = {
        0, 0, 0, 0,                                           /* handle: empty */
        0, 0, 0, 3,                                           /* three values */
        0, 0, 0, 1,    0x6b, 0x07, 0x9b, 0xd4,                /* index 1, timestamp */
        0, 0, 1, 0x51, 0x80, 0x0e,                            /* relative TTL 86400, perms */
        0, 0, 0, 7,    'H',  'S',  '_',  'S',  'I', 'T', 'E', /* type */
        0, 0, 0, 6,    'S',  'I',  'T',  'E',  '-', 'A',      /* data */
        0, 0, 0, 0,                                           /* no references */
    };
    assert_true(len > sizeof first);
    assert_memory_equal(body, first, sizeof first);
    struct hdl_value want[] = {
        value(1, PUBLIC, "HS_SITE", "SITE-A"),
        value(4, PUBLIC, "hs_site.6", "SITE-A6"),
        value(5, PUBLIC, "HS_SERV", "0.NA/SERVICE"),
    };
    uint8_t exp[512];
    size_t exp_len = expected_body(exp, sizeof exp, want, 3);
    assert_int_equal(len, exp_len);
    assert_memory_equal(body, exp, exp_len);
    /* The header: the request's flags with AT, as every answer. */
    assert_int_equal(hdl_load_u32(f->out + HDL_ENVELOPE_LEN + 8), 0x99000000u);
    assert_int_equal(f->stats.responses[node_rc_bucket_of(HDL_RC_PREFIX_REFERRAL)], 1);
}

static void dnrf_keeps_server_not_resp(void **state)
{
    struct query_test_node *f = *state;
    assert_int_equal(resolve(f, "88.100.1.5/abc", 0x19000000u | HDL_FLAG_DNRF),
                     HDL_RC_SERVER_NOT_RESP);
    assert_int_equal(resolve(f, "0.NA/88.100.1.7", HDL_FLAG_DNRF), HDL_RC_HANDLE_NOT_FOUND);
}

static void derived_prefix_handle_is_served_here(void **state)
{
    struct query_test_node *f = *state;
    assert_int_equal(resolve(f, "0.NA/88.100.1.5", HDL_FLAG_PO), HDL_RC_SUCCESS);
    assert_int_equal(resolve(f, "88.100.1.5", HDL_FLAG_PO), HDL_RC_SUCCESS);
}

static void missing_derived_prefix_handle_gets_ancestor_prefix_sites(void **state)
{
    struct query_test_node *f = *state;
    struct hdl_value want[] = {value(1, PUBLIC, "HS_SITE.PREFIX", "SITE-B")};
    uint8_t exp[256];
    size_t exp_len = expected_body(exp, sizeof exp, want, 1);
    const char *asked[] = {"0.NA/88.100.1.7", "0.na/88.100.1.7.2", "88.100.1.7"};
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(resolve(f, asked[i], 0), HDL_RC_PREFIX_REFERRAL);
        size_t len;
        const uint8_t *body = body_of(f, &len);
        assert_int_equal(len, exp_len);
        assert_memory_equal(body, exp, exp_len);
    }
    /* Below 88.100.1.5, whose own HS_SITE.PREFIX is the nearer ancestor's. */
    struct hdl_value nearer[] = {value(3, PUBLIC, "HS_SITE.PREFIX", "NOT-FOR-P")};
    exp_len = expected_body(exp, sizeof exp, nearer, 1);
    assert_int_equal(resolve(f, "0.NA/88.100.1.5.9", 0), HDL_RC_PREFIX_REFERRAL);
    size_t len;
    const uint8_t *body = body_of(f, &len);
    assert_int_equal(len, exp_len);
    assert_memory_equal(body, exp, exp_len);
}

static void handle_under_undelegated_derived_prefix_goes_to_ancestor_prefix_sites(void **state)
{
    struct query_test_node *f = *state;
    /* No 0.NA/88.100.1.6: the parent's HS_SITE.PREFIX says where derived prefixes live. */
    assert_int_equal(resolve(f, "88.100.1.6/abc", 0), HDL_RC_PREFIX_REFERRAL);
    struct hdl_value want[] = {value(1, PUBLIC, "HS_SITE.PREFIX", "SITE-B")};
    uint8_t exp[256];
    size_t exp_len = expected_body(exp, sizeof exp, want, 1);
    size_t len;
    const uint8_t *body = body_of(f, &len);
    assert_int_equal(len, exp_len);
    assert_memory_equal(body, exp, exp_len);
}

static void nothing_to_point_at_keeps_the_old_answers(void **state)
{
    struct query_test_node *f = *state;
    /* A prefix handle here without site values. */
    assert_int_equal(resolve(f, "88.100.1.8/abc", 0), HDL_RC_SERVER_NOT_RESP);
    /* A prefix this node knows nothing of. */
    assert_int_equal(resolve(f, "99.1/abc", 0), HDL_RC_SERVER_NOT_RESP);
    assert_int_equal(resolve(f, "0.NA/99.1.2", 0), HDL_RC_SERVER_NOT_RESP);
    /* A missing handle under the homed prefix, and the missing undotted prefix handle. */
    assert_int_equal(resolve(f, "88.100.1/missing", 0), HDL_RC_HANDLE_NOT_FOUND);
    size_t len;
    const uint8_t *body = body_of(f, &len);
    assert_int_equal(len, 4);
    assert_int_equal(hdl_load_u32(body), 0);
}

static void referral_carries_the_request_digest_first(void **state)
{
    struct query_test_node *f = *state;
    assert_int_equal(resolve(f, "88.100.1.5/abc", HDL_FLAG_RD), HDL_RC_PREFIX_REFERRAL);
    size_t len;
    const uint8_t *body = body_of(f, &len);
    assert_int_equal(body[0], HDL_DIGEST_SHA256); /* for a 2.10 request */
    assert_int_equal(hdl_load_u32(body + 1 + 32), 0);
    assert_int_equal(hdl_load_u32(body + 1 + 32 + 4), 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(handle_under_delegated_prefix_is_referred_to_its_sites,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(dnrf_keeps_server_not_resp, setup, teardown),
        cmocka_unit_test_setup_teardown(derived_prefix_handle_is_served_here, setup, teardown),
        cmocka_unit_test_setup_teardown(missing_derived_prefix_handle_gets_ancestor_prefix_sites,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(
            handle_under_undelegated_derived_prefix_goes_to_ancestor_prefix_sites, setup, teardown),
        cmocka_unit_test_setup_teardown(nothing_to_point_at_keeps_the_old_answers, setup, teardown),
        cmocka_unit_test_setup_teardown(referral_carries_the_request_digest_first, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
