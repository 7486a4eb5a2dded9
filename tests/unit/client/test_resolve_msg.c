/* Resolution requests built and answers read by client/resolve_msg: the request is byte for byte
 * the reference client's captured one; success, error, referral and digest-bearing answers come
 * apart into their fields; cut or garbage answers give codes; HS_SITE and HS_SERV values are
 * picked by the reference's type names. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "client/resolve_msg.h"
#include "common/errcode.h"
#include "proto/hdl_const.h"
#include "proto/hdl_message.h"
#include "proto/hdl_resolution.h"
#include "proto/hdl_value.h"
#include "tests/unit/hdl_test_vectors.h"

static struct vec_file resolve_vec;

static int load(void **state)
{
    (void)state;
    return vec_load("resolve.txt", &resolve_vec);
}

static int unload(void **state)
{
    (void)state;
    vec_free(&resolve_vec);
    return 0;
}

static const struct vec_msg *vec_at(size_t i, const char *note_has)
{
    assert_true(i < resolve_vec.count);
    assert_non_null(strstr(resolve_vec.msgs[i].note, note_has));
    return &resolve_vec.msgs[i];
}

#define S(lit) ((struct hdl_slice){(const uint8_t *)(lit), sizeof(lit) - 1})

static void request_is_the_captured_one(void **state)
{
    (void)state;
    /* hdl-qresolver's UDP request: requestId 0x3fd40baf, REC|CA|PO, site serial 1, recursion 0. */
    const struct vec_msg *v = vec_at(0, "resolution request 88.100.1/PRODUCT-000001");
    struct rmsg_query q = {
        .handle = (const uint8_t *)"88.100.1/PRODUCT-000001",
        .handle_len = 23,
        .op_flags = HDL_FLAG_REC | HDL_FLAG_CA | HDL_FLAG_PO,
        .request_id = 1070861231,
        .site_serial = 1,
        .expiration = 1795704118,
    };
    uint8_t out[512];
    size_t n = rmsg_build_resolution(&q, out, sizeof out);
    assert_int_equal(n, v->len);
    assert_memory_equal(out, v->bytes, v->len);

    v = vec_at(4, "resolution request 0.NA/88.100.1");
    q.handle = (const uint8_t *)"0.NA/88.100.1";
    q.handle_len = 13;
    q.request_id = 211452124;
    q.expiration = 1795704120;
    n = rmsg_build_resolution(&q, out, sizeof out);
    assert_int_equal(n, v->len);
    assert_memory_equal(out, v->bytes, v->len);
}

static void request_carries_lists_and_recursion(void **state)
{
    (void)state;
    const struct hdl_slice types[] = {S("HS_SITE"), S("HS_SERV")};
    const uint32_t indexes[] = {1, 300};
    struct rmsg_query q = {
        .handle = (const uint8_t *)"0.NA/20.5",
        .handle_len = 9,
        .types = types,
        .type_count = 2,
        .indexes = indexes,
        .index_count = 2,
        .op_flags = HDL_FLAG_REC | HDL_FLAG_RD,
        .recursion_count = 3,
        .request_id = 77,
        .site_serial = 0xffff,
    };
    uint8_t out[512];
    uint32_t before = (uint32_t)time(NULL);
    size_t n = rmsg_build_resolution(&q, out, sizeof out);
    uint32_t after = (uint32_t)time(NULL);
    static const uint8_t body[] = {
        0, 0, 0, 9, '0', '.', 'N', 'A', '/', '2', '0', '.',  '5',           /* handle */
        0, 0, 0, 2, 0,   0,   0,   1,   0,   0,   1,   0x2c,                /* indexes 1, 300 */
        0, 0, 0, 2, 0,   0,   0,   7,   'H', 'S', '_', 'S',  'I', 'T', 'E', /* types */
        0, 0, 0, 7, 'H', 'S', '_', 'S', 'E', 'R', 'V',
    };
    assert_int_equal(n, 20 + 24 + sizeof body + 4);

    struct hdl_message m;
    assert_int_equal(hdl_message_split(out, n, &m), HDL_OK);
    assert_int_equal(m.env.major, 2);
    assert_int_equal(m.env.minor, 10);
    assert_int_equal(m.env.sugg_major, 2);
    assert_int_equal(m.env.sugg_minor, 10);
    assert_int_equal(m.env.request_id, 77);
    assert_int_equal(m.hdr.opcode, HDL_OC_RESOLUTION);
    assert_int_equal(m.hdr.response_code, 0);
    assert_int_equal(m.hdr.op_flags, HDL_FLAG_REC | HDL_FLAG_RD);
    assert_int_equal(m.hdr.site_serial, 0xffff);
    assert_int_equal(m.hdr.recursion_count, 3);
    assert_in_range(m.hdr.expiration, before + 43200, after + 43200);
    assert_int_equal(m.body.len, sizeof body);
    assert_memory_equal(m.body.ptr, body, sizeof body);
    assert_int_equal(m.credential.len, 0);
    assert_int_equal(out[20 + 14], 3); /* the header's recursion byte */
}

static void request_that_does_not_fit_is_zero(void **state)
{
    (void)state;
    struct rmsg_query q = {.handle = (const uint8_t *)"88.100.1/X",
                           .handle_len = 10,
                           .request_id = 5,
                           .expiration = 1};
    uint8_t out[128];
    size_t n = rmsg_build_resolution(&q, out, sizeof out);
    assert_int_equal(n, 20 + 24 + 4 + 10 + 4 + 4 + 4);
    assert_int_equal(rmsg_build_resolution(&q, out, n), n);
    assert_int_equal(rmsg_build_resolution(&q, out, n - 1), 0);
    assert_int_equal(rmsg_build_resolution(&q, out, 0), 0);

    q.handle_len = 0;
    assert_int_equal(rmsg_build_resolution(&q, out, sizeof out), 0);
    static uint8_t big[HDL_MAX_HANDLE_LEN + 1];
    static uint8_t room[HDL_MAX_HANDLE_LEN + 256];
    memset(big, 'a', sizeof big);
    q.handle = big;
    q.handle_len = sizeof big;
    assert_int_equal(rmsg_build_resolution(&q, room, sizeof room), 0);
    q.handle_len = HDL_MAX_HANDLE_LEN;
    assert_int_not_equal(rmsg_build_resolution(&q, room, sizeof room), 0);
    q.type_count = 1; /* a count without an array */
    assert_int_equal(rmsg_build_resolution(&q, room, sizeof room), 0);
}

static void captured_success_comes_apart(void **state)
{
    (void)state;
    const struct vec_msg *v = vec_at(1, "UDP resolution response");
    struct rmsg_answer a;
    assert_int_equal(rmsg_parse_answer(v->bytes, v->len, &a), HDL_OK);
    assert_int_equal(a.kind, RMSG_SUCCESS);
    assert_int_equal(a.request_id, 1070861231);
    assert_int_equal(a.opcode, HDL_OC_RESOLUTION);
    assert_int_equal(a.response_code, HDL_RC_SUCCESS);
    assert_int_equal(a.op_flags, 0x99000000u);
    assert_int_equal(a.recursion_count, 0);
    assert_int_equal(a.site_serial, 1);
    assert_false(a.has_digest);
    assert_int_equal(a.handle.len, 23);
    assert_memory_equal(a.handle.ptr, "88.100.1/PRODUCT-000001", 23);
    assert_int_equal(a.value_count, 3);
    /* The run is everything after handle and count up to the credential. */
    assert_ptr_equal(a.values.ptr, v->bytes + 20 + 24 + 4 + 23 + 4);
    assert_int_equal(a.values.len, v->len - (20 + 24 + 4 + 23 + 4) - 4);
    struct hdl_reader r;
    struct hdl_value val;
    hdl_reader_init(&r, a.values.ptr, a.values.len);
    assert_int_equal(hdl_value_decode(&r, &val), HDL_OK);
    assert_int_equal(val.index, 1);
    assert_true(hdl_slice_eq(val.type, S("URL")));

    struct rmsg_sites sites = {0};
    assert_int_equal(rmsg_sites_of(a.values.ptr, a.values.len, a.value_count, &rmsg_site_types,
                                   &rmsg_serv_types, &sites),
                     HDL_OK);
    assert_int_equal(sites.site_count + sites.sites_skipped + sites.serv_count, 0);
}

static void captured_not_found_is_an_error(void **state)
{
    (void)state;
    const struct vec_msg *v = vec_at(9, "RC_HANDLE_NOT_FOUND");
    struct rmsg_answer a;
    assert_int_equal(rmsg_parse_answer(v->bytes, v->len, &a), HDL_OK);
    assert_int_equal(a.kind, RMSG_ERROR);
    assert_int_equal(a.response_code, HDL_RC_HANDLE_NOT_FOUND);
    assert_int_equal(a.message.len, 0);
    assert_int_equal(a.body.len, 4);
}

/* An answer: envelope 2.minor, header with rc and flags; the caller writes the body. */
static size_t begin_answer(struct hdl_writer *w, uint8_t *buf, size_t cap, uint8_t minor,
                           uint32_t rc, uint32_t flags)
{
    hdl_writer_init(w, buf, cap);
    struct hdl_envelope env = {
        .major = 2, .minor = minor, .sugg_major = 2, .sugg_minor = minor, .request_id = 4242};
    struct hdl_header hdr = {.opcode = HDL_OC_RESOLUTION,
                             .response_code = rc,
                             .op_flags = flags,
                             .site_serial = 7,
                             .recursion_count = 2,
                             .expiration = 1000};
    return hdl_message_begin(w, &env, &hdr);
}

static size_t finish(struct hdl_writer *w, size_t body)
{
    assert_int_equal(hdl_message_finish_unsigned(w, body), HDL_OK);
    return w->len;
}

static void put_sha256_digest(struct hdl_writer *w, uint8_t fill)
{
    hdl_put_u8(w, HDL_DIGEST_SHA256);
    for (int i = 0; i < 32; i++)
        hdl_put_u8(w, fill);
}

static void put_value(struct hdl_writer *w, uint32_t index, struct hdl_slice type,
                      struct hdl_slice data)
{
    struct hdl_value v = {.index = index, .ttl = 86400, .perms = 0x0e, .type = type, .data = data};
    hdl_value_encode(w, &v);
}

static void digest_answers_give_body_after_digest(void **state)
{
    (void)state;
    uint8_t buf[1024];
    struct hdl_writer w;
    size_t body = begin_answer(&w, buf, sizeof buf, 10, HDL_RC_SUCCESS, HDL_FLAG_AT | HDL_FLAG_RD);
    put_sha256_digest(&w, 0xab);
    hdl_put_cstr(&w, "20.5/x");
    hdl_put_u32(&w, 1);
    put_value(&w, 1, S("URL"), S("https://a.example/"));
    size_t n = finish(&w, body);

    struct rmsg_answer a;
    assert_int_equal(rmsg_parse_answer(buf, n, &a), HDL_OK);
    assert_int_equal(a.kind, RMSG_SUCCESS);
    assert_true(a.has_digest);
    assert_int_equal(a.digest.alg, HDL_DIGEST_SHA256);
    assert_int_equal(a.digest.bytes.len, 32);
    assert_int_equal(a.digest.bytes.ptr[31], 0xab);
    assert_ptr_equal(a.body.ptr, buf + 20 + 24 + 33);
    assert_int_equal(a.request_id, 4242);
    assert_int_equal(a.recursion_count, 2);
    assert_int_equal(a.site_serial, 7);
    assert_true(hdl_slice_eq(a.handle, S("20.5/x")));
    assert_int_equal(a.value_count, 1);

    /* An error with RD: digest, then the message. */
    body = begin_answer(&w, buf, sizeof buf, 10, HDL_RC_SERVER_NOT_RESP, HDL_FLAG_RD);
    put_sha256_digest(&w, 0x01);
    hdl_put_cstr(&w, "That prefix doesn't live here");
    n = finish(&w, body);
    assert_int_equal(rmsg_parse_answer(buf, n, &a), HDL_OK);
    assert_int_equal(a.kind, RMSG_ERROR);
    assert_true(a.has_digest);
    assert_true(hdl_slice_eq(a.message, S("That prefix doesn't live here")));

    /* Without RD the same bytes are no error body: the digest would be read as a message. */
    buf[20 + 9] &= (uint8_t) ~(HDL_FLAG_RD >> 16);
    assert_int_not_equal(rmsg_parse_answer(buf, n, &a), HDL_OK);

    /* RD with a digest algorithm that does not exist. */
    body = begin_answer(&w, buf, sizeof buf, 10, HDL_RC_HANDLE_NOT_FOUND, HDL_FLAG_RD);
    hdl_put_u8(&w, 9);
    hdl_put_u32(&w, 0);
    n = finish(&w, body);
    assert_int_not_equal(rmsg_parse_answer(buf, n, &a), HDL_OK);

    /* A 402 carries the digest whatever the flags; its body is left to the caller. */
    body = begin_answer(&w, buf, sizeof buf, 10, HDL_RC_AUTHENTICATION_NEEDED, 0);
    put_sha256_digest(&w, 0x02);
    hdl_put_cstr(&w, "nonce-bytes");
    n = finish(&w, body);
    assert_int_equal(rmsg_parse_answer(buf, n, &a), HDL_OK);
    assert_int_equal(a.kind, RMSG_OTHER);
    assert_true(a.has_digest);
    assert_int_equal(a.body.len, 4 + 11);
}

/* A site record with one server at 192.0.2.1, UDP and TCP query interfaces on 2641. */
static size_t site_record(uint8_t *buf, size_t cap, uint16_t serial, uint8_t last_byte)
{
    static struct hdl_site s;
    memset(&s, 0, sizeof s);
    s.data_version = 1;
    s.proto_major = 2;
    s.proto_minor = 10;
    s.serial = serial;
    s.flags = HDL_SITE_PRIMARY;
    s.hash_option = HDL_HASH_BY_HANDLE;
    s.server_count = 1;
    s.servers[0].server_id = 1;
    s.servers[0].address[12] = 192;
    s.servers[0].address[14] = 2;
    s.servers[0].address[15] = last_byte;
    s.servers[0].iface_count = 2;
    s.servers[0].ifaces[0] = (struct hdl_site_iface){HDL_IF_QUERY, HDL_IF_UDP, 2641};
    s.servers[0].ifaces[1] = (struct hdl_site_iface){HDL_IF_ADMIN_QUERY, HDL_IF_TCP, 2641};
    struct hdl_writer w;
    hdl_writer_init(&w, buf, cap);
    hdl_site_encode(&w, &s);
    assert_int_equal(hdl_writer_status(&w), HDL_OK);
    return w.len;
}

static void prefix_referral_carries_sites(void **state)
{
    (void)state;
    uint8_t site1[512], site2[512], buf[4096];
    size_t n1 = site_record(site1, sizeof site1, 11, 1);
    size_t n2 = site_record(site2, sizeof site2, 12, 2);
    struct hdl_writer w;
    size_t body = begin_answer(&w, buf, sizeof buf, 10, HDL_RC_PREFIX_REFERRAL, 0);
    hdl_put_cstr(&w, "0.NA/88.100");
    hdl_put_u32(&w, 4);
    put_value(&w, 1, S("HS_SITE.PREFIX"), (struct hdl_slice){site1, (uint32_t)n1});
    put_value(&w, 2, S("HS_NA_DELEGATE"), (struct hdl_slice){site2, (uint32_t)n2});
    put_value(&w, 3, S("HS_SERV.PREFIX"), S("0.NA/88.SERVICE"));
    put_value(&w, 100, S("HS_ADMIN"), S("\x0f\xff\x00\x00\x00\x01X\x00\x00\x00\x01"));
    size_t n = finish(&w, body);

    struct rmsg_answer a;
    assert_int_equal(rmsg_parse_answer(buf, n, &a), HDL_OK);
    assert_int_equal(a.kind, RMSG_REFERRAL);
    assert_int_equal(a.response_code, HDL_RC_PREFIX_REFERRAL);
    assert_true(hdl_slice_eq(a.handle, S("0.NA/88.100")));
    assert_int_equal(a.value_count, 4);

    static struct hdl_site sites[4];
    struct hdl_slice servs[4];
    struct rmsg_sites out = {.sites = sites, .max_sites = 4, .servs = servs, .max_servs = 4};
    assert_int_equal(rmsg_sites_of(a.values.ptr, a.values.len, a.value_count,
                                   &rmsg_prefix_site_types, &rmsg_prefix_serv_types, &out),
                     HDL_OK);
    assert_int_equal(out.site_count, 2);
    assert_int_equal(out.sites_skipped, 0);
    assert_int_equal(sites[0].serial, 11);
    assert_int_equal(sites[1].serial, 12);
    assert_int_equal(sites[1].servers[0].address[15], 2);
    assert_int_equal(sites[0].servers[0].ifaces[1].type, HDL_IF_ADMIN_QUERY);
    assert_int_equal(out.serv_count, 1);
    assert_true(hdl_slice_eq(servs[0], S("0.NA/88.SERVICE")));

    /* The plain types find nothing here: names match byte for byte. */
    assert_int_equal(rmsg_sites_of(a.values.ptr, a.values.len, a.value_count, &rmsg_site_types,
                                   &rmsg_serv_types, &out),
                     HDL_OK);
    assert_int_equal(out.site_count + out.serv_count + out.sites_skipped, 0);

    /* Room for one site and no service: the rest is counted, not written. */
    struct rmsg_sites small = {.sites = sites, .max_sites = 1};
    assert_int_equal(rmsg_sites_of(a.values.ptr, a.values.len, a.value_count,
                                   &rmsg_prefix_site_types, &rmsg_prefix_serv_types, &small),
                     HDL_OK);
    assert_int_equal(small.site_count, 1);
    assert_int_equal(small.sites_skipped, 1);
    assert_int_equal(small.serv_count, 0);
    assert_int_equal(small.servs_skipped, 1);

    /* The same 303 from a 2.4 peer is that version's RC_SERVER_BACKUP error, whose body is a
     * message: these bytes are not one. */
    body = begin_answer(&w, buf, sizeof buf, 4, HDL_RC_PREFIX_REFERRAL, 0);
    hdl_put_cstr(&w, "backup");
    n = finish(&w, body);
    assert_int_equal(rmsg_parse_answer(buf, n, &a), HDL_OK);
    assert_int_equal(a.kind, RMSG_ERROR);
    assert_true(hdl_slice_eq(a.message, S("backup")));
}

static void service_referral_without_values(void **state)
{
    (void)state;
    uint8_t buf[256];
    struct hdl_writer w;
    size_t body = begin_answer(&w, buf, sizeof buf, 10, HDL_RC_SERVICE_REFERRAL, 0);
    hdl_put_cstr(&w, "0.NA/20.1000");
    size_t n = finish(&w, body);
    struct rmsg_answer a;
    assert_int_equal(rmsg_parse_answer(buf, n, &a), HDL_OK);
    assert_int_equal(a.kind, RMSG_REFERRAL);
    assert_int_equal(a.response_code, HDL_RC_SERVICE_REFERRAL);
    assert_true(hdl_slice_eq(a.handle, S("0.NA/20.1000")));
    assert_int_equal(a.value_count, 0);
    assert_int_equal(a.values.len, 0);
}

static void sites_of_skips_bad_records_and_refuses_bad_runs(void **state)
{
    (void)state;
    uint8_t site[512], run[2048];
    size_t sn = site_record(site, sizeof site, 3, 9);
    struct hdl_writer w;
    hdl_writer_init(&w, run, sizeof run);
    put_value(&w, 1, S("HS_SITE"), S("\x00\x01not a site"));
    put_value(&w, 2, S("HS_SITE.6"), (struct hdl_slice){site, (uint32_t)sn});
    put_value(&w, 3, S("hs_site"), (struct hdl_slice){site, (uint32_t)sn});
    put_value(&w, 4, S("HS_SERV"), S("0.NA/SERVICE"));
    put_value(&w, 5, S("HS_SERV"), S("0.NA/SERVICE2"));
    assert_int_equal(hdl_writer_status(&w), HDL_OK);

    static struct hdl_site sites[2];
    struct hdl_slice servs[1];
    struct rmsg_sites out = {.sites = sites, .max_sites = 2, .servs = servs, .max_servs = 1};
    assert_int_equal(rmsg_sites_of(run, w.len, 5, &rmsg_site_types, &rmsg_serv_types, &out),
                     HDL_OK);
    assert_int_equal(out.site_count, 1);
    assert_int_equal(out.sites_skipped, 1);
    assert_int_equal(sites[0].serial, 3);
    assert_int_equal(out.serv_count, 1);
    assert_int_equal(out.servs_skipped, 1);
    assert_true(hdl_slice_eq(servs[0], S("0.NA/SERVICE")));

    /* No service types: none collected. */
    assert_int_equal(rmsg_sites_of(run, w.len, 5, &rmsg_site_types, NULL, &out), HDL_OK);
    assert_int_equal(out.serv_count + out.servs_skipped, 0);

    /* A count above the run, a cut run, bytes after the last value. */
    assert_int_equal(rmsg_sites_of(run, w.len, 6, &rmsg_site_types, NULL, &out), HDL_ERR_TRUNCATED);
    assert_int_not_equal(rmsg_sites_of(run, w.len - 1, 5, &rmsg_site_types, NULL, &out), HDL_OK);
    assert_int_equal(rmsg_sites_of(run, w.len, 4, &rmsg_site_types, NULL, &out), HDL_ERR_TRAILING);
}

static void cut_and_garbage_answers_give_codes(void **state)
{
    (void)state;
    const struct vec_msg *v = vec_at(1, "UDP resolution response");
    struct rmsg_answer a;
    for (size_t cut = 0; cut < v->len; cut++)
        assert_int_not_equal(rmsg_parse_answer(v->bytes, cut, &a), HDL_OK);

    /* A whole message whose body lies about its values: the lengths agree, the count does not. */
    uint8_t copy[512];
    memcpy(copy, v->bytes, v->len);
    copy[20 + 24 + 4 + 23 + 3] = 4; /* valueCount 3 -> 4 */
    assert_int_equal(rmsg_parse_answer(copy, v->len, &a), HDL_ERR_TRUNCATED);
    copy[20 + 24 + 4 + 23 + 3] = 2; /* one value left over */
    assert_int_equal(rmsg_parse_answer(copy, v->len, &a), HDL_ERR_TRAILING);

    /* Bytes that are no message at all. */
    uint8_t junk[300];
    memset(junk, 0xff, sizeof junk);
    assert_int_not_equal(rmsg_parse_answer(junk, sizeof junk, &a), HDL_OK);
    for (size_t i = 0; i < sizeof junk; i++)
        junk[i] = (uint8_t)(i * 37 + 11);
    assert_int_not_equal(rmsg_parse_answer(junk, sizeof junk, &a), HDL_OK);
    assert_int_not_equal(rmsg_parse_answer(junk, 0, &a), HDL_OK);

    /* A request is not an answer. */
    const struct vec_msg *req = vec_at(0, "resolution request");
    assert_int_equal(rmsg_parse_answer(req->bytes, req->len, &a), HDL_ERR_MALFORMED);
    assert_int_equal(a.request_id, 1070861231); /* still filled, for the caller's log */

    /* An error body with bytes after the message. */
    uint8_t buf[256];
    struct hdl_writer w;
    size_t body = begin_answer(&w, buf, sizeof buf, 10, HDL_RC_ERROR, 0);
    hdl_put_cstr(&w, "oops");
    hdl_put_u8(&w, 0);
    size_t n = finish(&w, body);
    assert_int_equal(rmsg_parse_answer(buf, n, &a), HDL_ERR_TRAILING);

    /* A referral whose handle runs past the body. */
    body = begin_answer(&w, buf, sizeof buf, 10, HDL_RC_SERVICE_REFERRAL, 0);
    hdl_put_u32(&w, 100);
    hdl_put_raw(&w, "0.NA/", 5);
    n = finish(&w, body);
    assert_int_equal(rmsg_parse_answer(buf, n, &a), HDL_ERR_TRUNCATED);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(request_is_the_captured_one),
        cmocka_unit_test(request_carries_lists_and_recursion),
        cmocka_unit_test(request_that_does_not_fit_is_zero),
        cmocka_unit_test(captured_success_comes_apart),
        cmocka_unit_test(captured_not_found_is_an_error),
        cmocka_unit_test(digest_answers_give_body_after_digest),
        cmocka_unit_test(prefix_referral_carries_sites),
        cmocka_unit_test(service_referral_without_values),
        cmocka_unit_test(sites_of_skips_bad_records_and_refuses_bad_runs),
        cmocka_unit_test(cut_and_garbage_answers_give_codes),
    };
    return cmocka_run_group_tests(tests, load, unload);
}
