/* The wire codec against malformed input, limits, fragmentation and resolution filters. Over 600
 * lines because every decoder of proto/ is driven through the same hand-built messages; a file
 * per decoder would repeat them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "proto/hdl_admin_ops.h"
#include "proto/hdl_body.h"
#include "proto/hdl_const.h"
#include "proto/hdl_credential.h"
#include "proto/hdl_credential_data.h"
#include "proto/hdl_fragment.h"
#include "proto/hdl_pubkey.h"
#include "proto/hdl_site.h"
#include "tests/unit/hdl_test_vectors.h"

static struct hdl_slice cstr(const char *s)
{
    struct hdl_slice sl = {(const uint8_t *)s, (uint32_t)strlen(s)};
    return sl;
}

/* A resolution request body: handle, index list, type list, optional authBytes. */
static size_t build_request(uint8_t *buf, size_t cap, const char *handle, const uint32_t *idx,
                            uint32_t nidx, const char **types, uint32_t ntypes, const char *auth)
{
    struct hdl_writer w;
    hdl_writer_init(&w, buf, cap);
    hdl_put_cstr(&w, handle);
    hdl_put_u32(&w, nidx);
    for (uint32_t i = 0; i < nidx; i++)
        hdl_put_u32(&w, idx[i]);
    hdl_put_u32(&w, ntypes);
    for (uint32_t i = 0; i < ntypes; i++)
        hdl_put_cstr(&w, types[i]);
    if (auth)
        hdl_put_cstr(&w, auth);
    assert_int_equal(hdl_writer_status(&w), HDL_OK);
    return w.len;
}

/* A whole message around body: envelope v2.10, opcode/rc/flags as given. */
static size_t build_message(uint8_t *buf, size_t cap, uint32_t opcode, uint32_t rc, uint32_t flags,
                            const uint8_t *body, size_t body_len)
{
    struct hdl_envelope env = {
        .major = 2, .minor = 10, .sugg_major = 2, .sugg_minor = 10, .request_id = 0x1234};
    struct hdl_header hdr = {.opcode = opcode,
                             .response_code = rc,
                             .op_flags = flags,
                             .site_serial = 1,
                             .expiration = 0x6b084536};
    struct hdl_writer w;
    hdl_writer_init(&w, buf, cap);
    size_t off = hdl_message_begin(&w, &env, &hdr);
    hdl_put_raw(&w, body, body_len);
    assert_int_equal(hdl_message_finish_unsigned(&w, off), HDL_OK);
    return w.len;
}

static int decode_body(uint32_t opcode, uint32_t rc, uint32_t flags, const uint8_t *body,
                       size_t len, struct hdl_body *out)
{
    struct hdl_message m;
    memset(&m, 0, sizeof(m));
    m.hdr.opcode = opcode;
    m.hdr.response_code = rc;
    m.hdr.op_flags = flags;
    m.hdr.body_length = (uint32_t)len;
    m.body.ptr = body;
    m.body.len = (uint32_t)len;
    return hdl_body_decode(&m, out);
}

static void reader_getters_fail_past_the_end(void **state)
{
    static const uint8_t b[] = {1, 2, 3};
    struct hdl_reader r;
    uint8_t u8;
    uint16_t u16;
    uint32_t u32;
    uint64_t u64;
    struct hdl_slice s;
    hdl_reader_init(&r, b, sizeof(b));
    assert_int_equal(hdl_get_u32(&r, &u32), HDL_ERR_TRUNCATED);
    assert_int_equal(hdl_get_u64(&r, &u64), HDL_ERR_TRUNCATED);
    assert_int_equal(hdl_get_raw(&r, 4, &s), HDL_ERR_TRUNCATED);
    assert_int_equal(hdl_skip(&r, 4), HDL_ERR_TRUNCATED);
    assert_int_equal(r.pos, 0);
    assert_int_equal(hdl_get_u16(&r, &u16), HDL_OK);
    assert_int_equal(u16, 0x0102);
    assert_int_equal(hdl_get_u16(&r, &u16), HDL_ERR_TRUNCATED);
    assert_int_equal(hdl_get_u8(&r, &u8), HDL_OK);
    assert_int_equal(hdl_get_u8(&r, &u8), HDL_ERR_TRUNCATED);
    assert_int_equal(hdl_get_raw(&r, 0, &s), HDL_OK);
    assert_int_equal(s.len, 0);
    hdl_reader_init(&r, NULL, 0);
    assert_int_equal(hdl_get_u8(&r, &u8), HDL_ERR_TRUNCATED);
}

static void byte_string_lengths_are_checked(void **state)
{
    static const uint8_t huge[] = {0xff, 0xff, 0xff, 0xff, 'a'};
    static const uint8_t negative[] = {0x80, 0, 0, 0, 'a'};
    static const uint8_t past[] = {0, 0, 0, 5, 'a', 'b'};
    static const uint8_t ok[] = {0, 0, 0, 2, 'a', 'b', 'c'};
    struct hdl_reader r;
    struct hdl_slice s;
    hdl_reader_init(&r, huge, sizeof(huge));
    assert_int_equal(hdl_get_bytes(&r, HDL_MAX_MESSAGE_LEN, &s), HDL_ERR_LIMIT);
    assert_int_equal(r.pos, 0);
    hdl_reader_init(&r, negative, sizeof(negative));
    assert_int_equal(hdl_get_bytes(&r, HDL_MAX_MESSAGE_LEN, &s), HDL_ERR_LIMIT);
    assert_int_equal(r.pos, 0);
    hdl_reader_init(&r, past, sizeof(past));
    assert_int_equal(hdl_get_bytes(&r, HDL_MAX_MESSAGE_LEN, &s), HDL_ERR_TRUNCATED);
    assert_int_equal(r.pos, 0);
    hdl_reader_init(&r, ok, sizeof(ok));
    assert_int_equal(hdl_get_bytes(&r, 1, &s), HDL_ERR_LIMIT);
    assert_int_equal(hdl_get_bytes(&r, 2, &s), HDL_OK);
    assert_int_equal(s.len, 2);
    assert_int_equal(hdl_reader_left(&r), 1);

    static const uint8_t list[] = {0xff, 0xff, 0xff, 0xff, 0, 0, 0, 1};
    uint32_t n;
    hdl_reader_init(&r, list, sizeof(list));
    assert_int_equal(hdl_get_int4_list(&r, HDL_MAX_ARRAY, &n, &s), HDL_ERR_LIMIT);
    assert_int_equal(hdl_get_string_list(&r, HDL_MAX_ARRAY, 16, &n, &s), HDL_ERR_LIMIT);
    static const uint8_t list2[] = {0, 0, 0, 2, 0, 0, 0, 1};
    hdl_reader_init(&r, list2, sizeof(list2));
    assert_int_equal(hdl_get_int4_list(&r, HDL_MAX_ARRAY, &n, &s), HDL_ERR_TRUNCATED);
    assert_int_equal(r.pos, 0);
}

static void writer_latches_overflow(void **state)
{
    uint8_t buf[6];
    struct hdl_writer w;
    hdl_writer_init(&w, buf, 5);
    size_t at = hdl_reserve_u32(&w);
    hdl_put_u8(&w, 7);
    assert_int_equal(hdl_writer_status(&w), HDL_OK);
    hdl_patch_u32(&w, at, 0xa1b2c3d4);
    assert_int_equal(buf[0], 0xa1);
    buf[5] = 0x55;
    hdl_put_u16(&w, 1);
    assert_int_equal(hdl_writer_status(&w), HDL_ERR_NOSPACE);
    hdl_put_u8(&w, 1); /* would fit, but the writer stays failed */
    assert_int_equal(w.len, 5);
    assert_int_equal(buf[5], 0x55);
    assert_int_equal(hdl_writer_status(&w), HDL_ERR_NOSPACE);

    hdl_writer_init(&w, buf, 0);
    hdl_put_raw(&w, NULL, 0);
    assert_int_equal(hdl_writer_status(&w), HDL_OK);
    hdl_put_u64(&w, 1);
    assert_int_equal(hdl_writer_status(&w), HDL_ERR_NOSPACE);
}

/* Every prefix of every captured message fails to split; every prefix of its body either fails
 * to decode or is itself a valid body (it re-encodes to exactly those bytes). */
static void truncation_fails_at_every_offset(void **state)
{
    static const char *files[] = {"resolve.txt", "auth.txt", "session.txt"};
    static struct vec_file vf;
    static struct hdl_body b;
    uint8_t out[2048];
    for (size_t f = 0; f < 3; f++) {
        assert_int_equal(vec_load(files[f], &vf), 0);
        for (size_t i = 0; i < vf.count; i++) {
            const struct vec_msg *vm = &vf.msgs[i];
            struct hdl_message m;
            int full = hdl_message_split(vm->bytes, vm->len, &m);
            for (size_t cut = 0; cut < vm->len; cut++) {
                struct hdl_message t;
                uint8_t *copy = malloc(cut ? cut : 1); /* exact size: ASan sees any overread */
                memcpy(copy, vm->bytes, cut);
                assert_int_not_equal(hdl_message_split(copy, cut, &t), HDL_OK);
                free(copy);
            }
            if (full != HDL_OK)
                continue; /* a datagram of a multi-packet message */
            for (uint32_t cut = 0; cut < m.body.len; cut++) {
                uint8_t *copy = malloc(cut ? cut : 1);
                memcpy(copy, m.body.ptr, cut);
                struct hdl_message t = m;
                t.body.ptr = copy;
                t.body.len = cut;
                if (hdl_body_decode(&t, &b) == HDL_OK) {
                    struct hdl_writer w;
                    hdl_writer_init(&w, out, sizeof(out));
                    assert_int_equal(hdl_body_encode(&w, &b), HDL_OK);
                    assert_int_equal(w.len, cut);
                    assert_memory_equal(out, copy, cut);
                }
                free(copy);
            }
        }
        vec_free(&vf);
    }
}

static void lengths_past_the_end_and_huge_counts_fail(void **state)
{
    uint8_t body[256];
    static struct hdl_body b;
    size_t n = build_request(body, sizeof(body), "88.100.1/X", NULL, 0, NULL, 0, NULL);
    assert_int_equal(decode_body(1, 0, 0, body, n, &b), HDL_OK);

    static const struct {
        size_t at;
        uint32_t v;
        int err;
    } cases[] = {
        {0, 0xffffffffu, HDL_ERR_LIMIT}, /* handle length */
        {0, 0x80000000u, HDL_ERR_LIMIT}, /* negative handle length */
        {0, 0x00000100u, HDL_ERR_TRUNCATED},  {14, 0xffffffffu, HDL_ERR_LIMIT}, /* index count */
        {14, 0x00000002u, HDL_ERR_TRUNCATED}, {18, 0xffffffffu, HDL_ERR_LIMIT}, /* type count */
        {18, 0x00000001u, HDL_ERR_TRUNCATED},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        uint8_t bad[256];
        memcpy(bad, body, n);
        hdl_store_u32(bad + cases[i].at, cases[i].v);
        assert_int_equal(decode_body(1, 0, 0, bad, n, &b), cases[i].err);
    }

    /* A resolution response claiming 0xFFFFFFFF values, and one value's references. */
    uint8_t resp[128];
    struct hdl_writer w;
    hdl_writer_init(&w, resp, sizeof(resp));
    hdl_put_cstr(&w, "h");
    hdl_put_u32(&w, 0xffffffffu);
    assert_int_equal(decode_body(1, 1, 0, resp, w.len, &b), HDL_ERR_LIMIT);
    hdl_writer_init(&w, resp, sizeof(resp));
    hdl_put_cstr(&w, "h");
    hdl_put_u32(&w, 1);
    struct hdl_value v = {.index = 1, .type = cstr("URL"), .data = cstr("x")};
    hdl_value_encode(&w, &v);
    assert_int_equal(decode_body(1, 1, 0, resp, w.len, &b), HDL_OK);
    hdl_store_u32(resp + w.len - 4, 0xffffffffu);
    assert_int_equal(decode_body(1, 1, 0, resp, w.len, &b), HDL_ERR_LIMIT);
    hdl_store_u32(resp + w.len - 4, 1);
    assert_int_equal(decode_body(1, 1, 0, resp, w.len, &b), HDL_ERR_TRUNCATED);
}

static void wrong_versions_and_lengths_are_rejected(void **state)
{
    uint8_t body[64], msg[256];
    size_t n = build_request(body, sizeof(body), "88.100.1/X", NULL, 0, NULL, 0, NULL);
    size_t len = build_message(msg, sizeof(msg), 1, 0, 0x19000000u, body, n);
    struct hdl_message m;
    assert_int_equal(hdl_message_split(msg, len, &m), HDL_OK);
    assert_int_equal(m.env.message_length, len - 20);
    assert_int_equal(m.hdr.body_length, n);
    assert_int_equal(m.signed_part.len, 24 + n);

    for (uint8_t major = 0; major < 5; major++) {
        if (major == 2)
            continue;
        msg[0] = major;
        assert_int_equal(hdl_message_split(msg, len, &m), HDL_ERR_VERSION);
        /* Still addressable: the error reply needs the request id and opcode. */
        assert_int_equal(m.env.request_id, 0x1234);
        assert_int_equal(m.hdr.opcode, 1);
    }
    msg[0] = 2;
    msg[1] = 11; /* 2.11 clients are accepted */
    assert_int_equal(hdl_message_split(msg, len, &m), HDL_OK);
    msg[2] = 0; /* no suggested version: same as the actual one */
    assert_int_equal(hdl_message_split(msg, len, &m), HDL_OK);
    assert_int_equal(m.env.sugg_major, 2);
    assert_int_equal(m.env.sugg_minor, 11);
    msg[2] = 2 | HDL_ENV_ENCRYPTED;
    assert_int_equal(hdl_message_split(msg, len, &m), HDL_ERR_UNSUPPORTED);
    msg[2] = 2;

    uint8_t big[300];
    memcpy(big, msg, len);
    big[len] = 0;
    assert_int_equal(hdl_message_split(big, len + 1, &m), HDL_ERR_TRAILING);
    hdl_store_u32(big + 16, (uint32_t)(len + 1 - 20)); /* a byte after the credential */
    assert_int_equal(hdl_message_split(big, len + 1, &m), HDL_ERR_TRAILING);
    hdl_store_u32(big + 16, HDL_MAX_MESSAGE_LEN + 1);
    assert_int_equal(hdl_message_split(big, len, &m), HDL_ERR_LIMIT);
    memcpy(big, msg, len);
    hdl_store_u32(big + 40, (uint32_t)n + 1); /* bodyLength one too many */
    assert_int_equal(hdl_message_split(big, len, &m), HDL_ERR_TRUNCATED);
    hdl_store_u32(big + 40, 0xffffffffu);
    assert_int_equal(hdl_message_split(big, len, &m), HDL_ERR_TRUNCATED);
    memcpy(big, msg, len);
    hdl_store_u32(big + len - 4, 0x80000000u); /* credential length */
    assert_int_equal(hdl_message_split(big, len, &m), HDL_ERR_TRUNCATED);
}

static void trailing_garbage_is_rejected(void **state)
{
    static struct hdl_body b;
    uint8_t buf[600];
    struct hdl_writer w;

    hdl_writer_init(&w, buf, sizeof(buf));
    hdl_put_cstr(&w, "88.100.1/X");
    hdl_put_u8(&w, 0);
    assert_int_equal(decode_body(HDL_OC_CREATE_HANDLE, 1, 0, buf, w.len, &b), HDL_ERR_TRAILING);
    assert_int_equal(decode_body(HDL_OC_DELETE_HANDLE, 0, 0, buf, w.len, &b), HDL_ERR_TRAILING);
    assert_int_equal(decode_body(HDL_OC_DELETE_HANDLE, 1, 0, buf, 1, &b), HDL_ERR_TRAILING);
    assert_int_equal(decode_body(HDL_OC_DELETE_HANDLE, 1, 0, buf, 0, &b), HDL_OK);
    assert_int_equal(b.kind, HDL_BODY_EMPTY);
    assert_int_equal(decode_body(HDL_OC_RESOLUTION, 100, 0, buf, w.len, &b), HDL_ERR_TRAILING);
    assert_int_equal(decode_body(HDL_OC_RESOLUTION, 100, 0, buf, w.len - 1, &b), HDL_OK);
    assert_int_equal(b.kind, HDL_BODY_ERROR);
    assert_int_equal(b.u.error.message.len, 10);

    /* A challenge: digest, nonce, and one byte too many. */
    hdl_writer_init(&w, buf, sizeof(buf));
    uint8_t zeros[32] = {0};
    struct hdl_challenge ch = {{HDL_DIGEST_SHA256, {zeros, 32}}, {zeros, 16}};
    hdl_challenge_encode(&w, &ch);
    assert_int_equal(decode_body(100, 402, 0, buf, w.len, &b), HDL_OK);
    assert_int_equal(b.digest.alg, HDL_DIGEST_SHA256);
    hdl_put_u8(&w, 0);
    assert_int_equal(decode_body(100, 402, 0, buf, w.len, &b), HDL_ERR_TRAILING);
    buf[0] = 9; /* unknown digest algorithm */
    assert_int_equal(decode_body(100, 402, 0, buf, w.len - 1, &b), HDL_ERR_MALFORMED);

    /* Session setup: the 2-byte pad or nothing, never other bytes. */
    struct hdl_session_request sr = {.mode = HDL_KEYX_CIPHER_HDL,
                                     .timeout = 60,
                                     .identity_handle = cstr("0.NA/1"),
                                     .identity_index = 300,
                                     .key_handle = cstr("0.NA/1"),
                                     .key_index = 301};
    for (uint8_t pad = 0; pad <= HDL_SESSION_PAD; pad += HDL_SESSION_PAD) {
        sr.pad = pad;
        hdl_writer_init(&w, buf, sizeof(buf));
        hdl_session_request_encode(&w, &sr);
        assert_int_equal(decode_body(400, 0, 0, buf, w.len, &b), HDL_OK);
        assert_int_equal(b.u.session_request.pad, pad);
        assert_int_equal(b.u.session_request.key_index, 301);
    }
    assert_int_equal(decode_body(400, 0, 0, buf, w.len - 1, &b), HDL_ERR_TRAILING);
    buf[w.len - 1] = 1;
    assert_int_equal(decode_body(400, 0, 0, buf, w.len, &b), HDL_ERR_TRAILING);
    sr.mode = 9;
    hdl_writer_init(&w, buf, sizeof(buf));
    hdl_session_request_encode(&w, &sr);
    assert_int_equal(decode_body(400, 0, 0, buf, w.len, &b), HDL_ERR_UNSUPPORTED);
    sr.mode = HDL_KEYX_CIPHER_SERVER;
    sr.pad = 0;
    hdl_writer_init(&w, buf, sizeof(buf));
    hdl_session_request_encode(&w, &sr);
    assert_int_equal(w.len, 2 + 4 + 10 + 4);
    assert_int_equal(decode_body(400, 0, 0, buf, w.len, &b), HDL_OK);

    /* A site record with a byte after the last server. */
    struct hdl_site site = {
        .data_version = 1, .proto_major = 2, .proto_minor = 10, .server_count = 1};
    site.servers[0].iface_count = 1;
    site.servers[0].ifaces[0].port = 2641;
    hdl_writer_init(&w, buf, sizeof(buf));
    hdl_site_encode(&w, &site);
    static struct hdl_site back;
    assert_int_equal(hdl_site_decode(buf, w.len, &back), HDL_OK);
    assert_int_equal(back.servers[0].ifaces[0].port, 2641);
    hdl_put_u8(&w, 0);
    assert_int_equal(hdl_site_decode(buf, w.len, &back), HDL_ERR_TRAILING);
    assert_int_equal(decode_body(HDL_OC_GET_SITE_INFO, 1, 0, buf, w.len, &b), HDL_ERR_TRAILING);
    hdl_store_u32(buf + 16, HDL_SITE_MAX_SERVERS + 1); /* server count */
    assert_int_equal(hdl_site_decode(buf, w.len - 1, &back), HDL_ERR_LIMIT);
    hdl_store_u32(buf + 12, 0xffffffffu); /* attribute count */
    assert_int_equal(hdl_site_decode(buf, w.len - 1, &back), HDL_ERR_LIMIT);
}

static void check_fragmentation(uint32_t len)
{
    uint8_t *payload = malloc(len ? len : 1);
    uint8_t *back = malloc(len ? len : 1);
    for (uint32_t i = 0; i < len; i++)
        payload[i] = (uint8_t)(i * 7 + (i >> 8));
    struct hdl_envelope env = {.major = 2,
                               .minor = 10,
                               .sugg_major = 2,
                               .sugg_minor = 10,
                               .flags = HDL_ENV_TRUNCATED,
                               .request_id = 77};
    uint32_t count = hdl_fragment_count(len);
    assert_int_equal(count, len == 0 ? 1 : (len + 491) / 492);
    uint8_t(*dg)[HDL_UDP_DATAGRAM_MAX] = malloc((size_t)count * HDL_UDP_DATAGRAM_MAX);
    size_t *dlen = malloc(count * sizeof(size_t));
    for (uint32_t n = 0; n < count; n++) {
        dlen[n] = hdl_fragment_build(&env, payload, len, n, dg[n]);
        size_t expect = n + 1 < count ? 512 : 20 + (len - n * 492);
        assert_int_equal(dlen[n], expect);
    }
    uint8_t spare[HDL_UDP_DATAGRAM_MAX];
    assert_int_equal(hdl_fragment_build(&env, payload, len, count, spare), 0);

    /* Last to first, every datagram twice. */
    struct hdl_reassembly ra;
    hdl_reassembly_init(&ra, back, len);
    bool complete = false;
    for (uint32_t k = 0; k < 2 * count; k++) {
        uint32_t n = count - 1 - k / 2;
        struct hdl_reader r;
        struct hdl_envelope e;
        hdl_reader_init(&r, dg[n], dlen[n]);
        assert_int_equal(hdl_envelope_decode(&r, &e), HDL_OK);
        assert_int_equal(e.message_id, n);
        assert_int_equal(e.message_length, len);
        assert_int_equal(e.flags, HDL_ENV_TRUNCATED);
        assert_int_equal(hdl_reassembly_add(&ra, &e, dg[n] + r.pos, hdl_reader_left(&r), &complete),
                         HDL_OK);
        assert_int_equal(complete, n == 0);
    }
    assert_int_equal(ra.received, count);
    assert_memory_equal(back, payload, len);
    free(dg);
    free(dlen);
    free(payload);
    free(back);
}

static void fragmentation_round_trips_at_boundaries(void **state)
{
    static const uint32_t sizes[] = {0, 1, 491, 492, 493, 984, 985, 1033, 262144};
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
        check_fragmentation(sizes[i]);
}

static void reassembly_rejects_mismatching_fragments(void **state)
{
    uint8_t payload[1033] = {0}, back[1033];
    struct hdl_envelope env = {.major = 2, .minor = 10, .request_id = 5, .message_length = 1033};
    struct hdl_reassembly ra;
    bool complete;
    hdl_reassembly_init(&ra, back, sizeof(back));
    assert_int_equal(hdl_reassembly_add(&ra, &env, payload, 492, &complete), HDL_OK);
    struct hdl_envelope e = env;
    e.message_id = 1;
    e.request_id = 6;
    assert_int_equal(hdl_reassembly_add(&ra, &e, payload, 492, &complete), HDL_ERR_MALFORMED);
    e.request_id = 5;
    e.message_length = 1034;
    assert_int_equal(hdl_reassembly_add(&ra, &e, payload, 492, &complete), HDL_ERR_MALFORMED);
    e.message_length = 1033;
    assert_int_equal(hdl_reassembly_add(&ra, &e, payload, 491, &complete), HDL_ERR_MALFORMED);
    e.message_id = 2;
    assert_int_equal(hdl_reassembly_add(&ra, &e, payload, 50, &complete), HDL_ERR_MALFORMED);
    e.message_id = 3;
    assert_int_equal(hdl_reassembly_add(&ra, &e, payload, 49, &complete), HDL_ERR_MALFORMED);
    e.message_id = 0xffffffffu;
    assert_int_equal(hdl_reassembly_add(&ra, &e, payload, 49, &complete), HDL_ERR_MALFORMED);
    assert_int_equal(ra.received, 1);
    e.message_id = 2;
    assert_int_equal(hdl_reassembly_add(&ra, &e, payload, 49, &complete), HDL_OK);
    assert_false(complete);

    hdl_reassembly_init(&ra, back, 100);
    assert_int_equal(hdl_reassembly_add(&ra, &env, payload, 492, &complete), HDL_ERR_NOSPACE);
    env.message_length = HDL_MAX_MESSAGE_LEN + 1;
    assert_int_equal(hdl_reassembly_add(&ra, &env, payload, 492, &complete), HDL_ERR_LIMIT);
}

static bool selects(const struct hdl_resolution_request *req, uint32_t index, const char *type)
{
    return hdl_resolution_selects(req, index, cstr(type));
}

static void resolution_filters_by_index_or_type(void **state)
{
    uint8_t body[256];
    struct hdl_resolution_request req;

    size_t n = build_request(body, sizeof(body), "h", NULL, 0, NULL, 0, NULL);
    assert_int_equal(hdl_resolution_request_decode(body, n, &req), HDL_OK);
    assert_true(selects(&req, 1, "URL"));
    assert_true(selects(&req, 77, "ANYTHING"));

    static const uint32_t idx100[] = {100};
    static const char *email[] = {"EMAIL"};
    n = build_request(body, sizeof(body), "h", idx100, 1, email, 1, NULL);
    assert_int_equal(hdl_resolution_request_decode(body, n, &req), HDL_OK);
    assert_int_equal(hdl_resolution_index_at(&req, 0), 100);
    assert_false(selects(&req, 1, "URL"));
    assert_true(selects(&req, 2, "EMAIL"));
    assert_true(selects(&req, 2, "email"));
    assert_true(selects(&req, 100, "HS_ADMIN"));

    static const char *hs_admin[] = {"hs_admin"};
    n = build_request(body, sizeof(body), "h", NULL, 0, hs_admin, 1, NULL);
    assert_int_equal(hdl_resolution_request_decode(body, n, &req), HDL_OK);
    assert_true(selects(&req, 100, "HS_ADMIN"));
    assert_false(selects(&req, 1, "URL"));

    static const char *hs[] = {"HS_"};
    n = build_request(body, sizeof(body), "h", NULL, 0, hs, 1, NULL);
    assert_int_equal(hdl_resolution_request_decode(body, n, &req), HDL_OK);
    assert_false(selects(&req, 100, "HS_ADMIN"));
    assert_false(selects(&req, 1, "HS_SITE"));

    static const char *url_parent[] = {"EMAIL", "url."};
    n = build_request(body, sizeof(body), "h", NULL, 0, url_parent, 2, NULL);
    assert_int_equal(hdl_resolution_request_decode(body, n, &req), HDL_OK);
    assert_int_equal(req.type_count, 2);
    assert_true(selects(&req, 1, "URL"));
    assert_true(selects(&req, 1, "URL.mirror"));
    assert_true(selects(&req, 1, "Url.Mirror.2"));
    assert_true(selects(&req, 1, "URL."));
    assert_true(selects(&req, 2, "EMAIL"));
    assert_false(selects(&req, 1, "URLX"));
    assert_false(selects(&req, 1, "UR"));
    assert_false(selects(&req, 1, ""));

    assert_true(hdl_type_matches(cstr("URL"), cstr("url")));
    assert_false(hdl_type_matches(cstr("URL"), cstr("URL.x")));
    assert_false(hdl_type_matches(cstr(""), cstr("URL")));
    assert_true(hdl_type_matches(cstr("."), cstr("")));
    assert_true(hdl_type_matches(cstr("."), cstr(".x")));
    assert_false(hdl_type_matches(cstr("."), cstr("ANY")));
}

static void resolution_request_accepts_trailing_auth_bytes(void **state)
{
    uint8_t body[256], out[256];
    struct hdl_resolution_request req;
    size_t n = build_request(body, sizeof(body), "88.608.5288/x", NULL, 0, NULL, 0, "eyJ.token");
    assert_int_equal(hdl_resolution_request_decode(body, n, &req), HDL_OK);
    assert_true(req.has_auth_bytes);
    assert_int_equal(req.auth_bytes.len, 9);
    assert_memory_equal(req.auth_bytes.ptr, "eyJ.token", 9);
    struct hdl_writer w;
    hdl_writer_init(&w, out, sizeof(out));
    hdl_resolution_request_encode(&w, &req);
    assert_int_equal(w.len, n);
    assert_memory_equal(out, body, n);

    n = build_request(body, sizeof(body), "88.608.5288/x", NULL, 0, NULL, 0, "");
    assert_int_equal(hdl_resolution_request_decode(body, n, &req), HDL_OK);
    assert_true(req.has_auth_bytes);
    assert_int_equal(req.auth_bytes.len, 0);
    assert_int_equal(hdl_resolution_request_decode(body, n - 4, &req), HDL_OK);
    assert_false(req.has_auth_bytes);
    for (size_t cut = 1; cut < 4; cut++)
        assert_int_equal(hdl_resolution_request_decode(body, n - cut, &req), HDL_ERR_TRAILING);
    body[n] = 0;
    assert_int_equal(hdl_resolution_request_decode(body, n + 1, &req), HDL_ERR_TRAILING);
}

static void credential_section_round_trips(void **state)
{
    uint8_t buf[128], out[128];
    struct hdl_writer w;
    struct hdl_credential c = {.signer_index = 3,
                               .type = cstr("HS_MAC"),
                               .has_alg = true,
                               .digest_alg = cstr("HMAC-SHA256"),
                               .signature = cstr("0123")};
    hdl_writer_init(&w, buf, sizeof(buf));
    hdl_credential_encode(&w, &c);
    struct hdl_credential d;
    assert_int_equal(hdl_credential_decode(buf, w.len, &d), HDL_OK);
    assert_true(d.has_alg);
    assert_int_equal(d.section.len, 4 + 11 + 4 + 4);
    assert_int_equal(d.signer_index, 3);
    for (size_t cut = 0; cut < w.len; cut++)
        assert_int_not_equal(hdl_credential_decode(buf, cut, &d), HDL_OK);
    buf[w.len] = 0;
    assert_int_equal(hdl_credential_decode(buf, w.len + 1, &d), HDL_ERR_TRAILING);

    /* An old peer's section (a 1-byte algorithm code) is kept as it came. */
    static const uint8_t legacy[] = {2, 0xaa, 0xbb};
    struct hdl_credential o = {.type = cstr("HS_SIGNED"), .section = {legacy, 3}};
    hdl_writer_init(&w, buf, sizeof(buf));
    hdl_credential_encode(&w, &o);
    assert_int_equal(hdl_credential_decode(buf, w.len, &d), HDL_OK);
    assert_false(d.has_alg);
    struct hdl_writer w2;
    hdl_writer_init(&w2, out, sizeof(out));
    hdl_credential_encode(&w2, &d);
    assert_int_equal(w2.len, w.len);
    assert_memory_equal(out, buf, w.len);

    /* 2.7: no suggested version (the layout verified on a 2.7 replication answer). */
    static const uint8_t part[] = {0xde, 0xad};
    struct hdl_message m = {.env = {.major = 2, .minor = 7, .sugg_major = 2, .sugg_minor = 10,
                                    .session_id = 1, .request_id = 2},
                            .signed_part = {part, 2}};
    hdl_writer_init(&w, buf, sizeof(buf));
    assert_int_equal(hdl_credential_signed_data(&w, &m, 3), HDL_OK);
    static const uint8_t v27[] = {2, 7, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0xde, 0xad};
    assert_int_equal(w.len, sizeof v27);
    assert_memory_equal(buf, v27, sizeof v27);
}

/* Bodies the vectors do not contain, built by hand: each decodes to its kind and re-encodes. */
static void other_bodies_round_trip(void **state)
{
    uint8_t buf[512], out[512];
    struct hdl_writer w;
    static struct hdl_body b;
    static const struct {
        uint32_t op, rc, flags;
        enum hdl_body_kind kind;
    } cases[] = {
        {HDL_OC_REMOVE_VALUE, 0, 0, HDL_BODY_REMOVE_VALUES},
        {HDL_OC_LIST_HANDLES, 1, HDL_FLAG_CN, HDL_BODY_HANDLE_LIST},
        {HDL_OC_RESOLUTION, HDL_RC_PREFIX_REFERRAL, 0, HDL_BODY_REFERRAL},
        {HDL_OC_RESOLUTION, HDL_RC_SERVICE_REFERRAL, 0, HDL_BODY_REFERRAL},
        {HDL_OC_LOGIN_ID_SYSTEM, 0, HDL_FLAG_RD, HDL_BODY_IDENTITY},
        {HDL_OC_VERIFY_RESPONSE, 0, 0, HDL_BODY_VERIFY_REQUEST},
        {HDL_OC_VERIFY_RESPONSE, 1, 0, HDL_BODY_VERIFY_RESPONSE},
        {HDL_OC_ADD_VALUE, 1, HDL_FLAG_RD, HDL_BODY_EMPTY},
        {HDL_OC_HOME_NA, 0, 0, HDL_BODY_HANDLE},
        {HDL_OC_RESOLUTION, HDL_RC_INVALID_ADMIN, HDL_FLAG_RD, HDL_BODY_ERROR},
    };
    uint8_t digest[32] = {1, 2, 3};
    struct hdl_value v = {.index = 1, .type = cstr("HS_SITE"), .data = cstr("site")};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        hdl_writer_init(&w, buf, sizeof(buf));
        if (cases[i].rc && (cases[i].flags & HDL_FLAG_RD)) {
            hdl_put_u8(&w, HDL_DIGEST_SHA256);
            hdl_put_raw(&w, digest, 32);
        }
        switch (cases[i].kind) {
        case HDL_BODY_REMOVE_VALUES:
            hdl_put_cstr(&w, "88.100.1/X");
            hdl_put_u32(&w, 2);
            hdl_put_u32(&w, 1);
            hdl_put_u32(&w, 2);
            break;
        case HDL_BODY_HANDLE_LIST:
            hdl_put_u32(&w, 2);
            hdl_put_cstr(&w, "88.100.1/A");
            hdl_put_cstr(&w, "88.100.1/B");
            break;
        case HDL_BODY_REFERRAL:
            hdl_put_cstr(&w, "88.100.1/X");
            if (cases[i].rc == HDL_RC_PREFIX_REFERRAL) {
                hdl_put_u32(&w, 1);
                hdl_value_encode(&w, &v);
            }
            break;
        case HDL_BODY_IDENTITY:
            hdl_put_cstr(&w, "0.NA/88.100.1");
            hdl_put_u32(&w, 300);
            break;
        case HDL_BODY_VERIFY_REQUEST:
            hdl_put_cstr(&w, "0.NA/88.100.1");
            hdl_put_u32(&w, 300);
            hdl_put_bytes(&w, digest, 16);
            hdl_put_bytes(&w, digest, 32);
            hdl_put_bytes(&w, digest, 20);
            break;
        case HDL_BODY_VERIFY_RESPONSE:
            hdl_put_u8(&w, 1);
            break;
        case HDL_BODY_HANDLE:
            hdl_put_cstr(&w, "0.NA/88.100");
            break;
        case HDL_BODY_ERROR:
            hdl_put_cstr(&w, "not an admin");
            break;
        default:
            break;
        }
        assert_int_equal(decode_body(cases[i].op, cases[i].rc, cases[i].flags, buf, w.len, &b),
                         HDL_OK);
        assert_int_equal(b.kind, cases[i].kind);
        assert_non_null(hdl_body_kind_name(b.kind));
        struct hdl_writer o;
        hdl_writer_init(&o, out, sizeof(out));
        assert_int_equal(hdl_body_encode(&o, &b), HDL_OK);
        assert_int_equal(o.len, w.len);
        assert_memory_equal(out, buf, w.len);
        if (w.len) {
            buf[w.len] = 0xee;
            assert_int_not_equal(
                decode_body(cases[i].op, cases[i].rc, cases[i].flags, buf, w.len + 1, &b), HDL_OK);
        }
    }
    assert_int_equal(decode_body(9999, 0, 0, buf, 0, &b), HDL_ERR_UNSUPPORTED);

    struct hdl_remove_values rv;
    hdl_writer_init(&w, buf, sizeof(buf));
    hdl_put_cstr(&w, "h");
    hdl_put_u32(&w, 1);
    hdl_put_u32(&w, 7);
    assert_int_equal(hdl_remove_values_decode(buf, w.len, &rv), HDL_OK);
    assert_int_equal(hdl_remove_values_index_at(&rv, 0), 7);
    struct hdl_handle_list hl;
    hdl_writer_init(&w, buf, sizeof(buf));
    hdl_put_u32(&w, 2);
    hdl_put_cstr(&w, "a");
    hdl_put_cstr(&w, "bc");
    assert_int_equal(hdl_handle_list_decode(buf, w.len, &hl), HDL_OK);
    uint32_t pos = 0;
    struct hdl_slice h;
    assert_int_equal(hdl_handle_list_next(&hl, &pos, &h), HDL_OK);
    assert_int_equal(h.len, 1);
    assert_int_equal(hdl_handle_list_next(&hl, &pos, &h), HDL_OK);
    assert_int_equal(h.len, 2);
    assert_int_equal(hdl_handle_list_next(&hl, &pos, &h), HDL_ERR_TRUNCATED);
}

static void every_error_has_a_description(void **state)
{
    for (int e = HDL_OK; e <= HDL_ERR_DIGEST; e++) {
        if (e > HDL_OK && e < HDL_ERR_TRUNCATED)
            continue; /* not the codec's */
        assert_non_null(pz_strerror(e));
        assert_string_not_equal(pz_strerror(e), "unknown error");
    }
    assert_string_equal(pz_strerror(-1), "unknown error");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(reader_getters_fail_past_the_end),
        cmocka_unit_test(byte_string_lengths_are_checked),
        cmocka_unit_test(writer_latches_overflow),
        cmocka_unit_test(truncation_fails_at_every_offset),
        cmocka_unit_test(lengths_past_the_end_and_huge_counts_fail),
        cmocka_unit_test(wrong_versions_and_lengths_are_rejected),
        cmocka_unit_test(trailing_garbage_is_rejected),
        cmocka_unit_test(fragmentation_round_trips_at_boundaries),
        cmocka_unit_test(reassembly_rejects_mismatching_fragments),
        cmocka_unit_test(resolution_filters_by_index_or_type),
        cmocka_unit_test(resolution_request_accepts_trailing_auth_bytes),
        cmocka_unit_test(credential_section_round_trips),
        cmocka_unit_test(other_bodies_round_trip),
        cmocka_unit_test(every_error_has_a_description),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
