/* The captured exchanges of the reference implementation, decoded and re-encoded byte for byte.
 * Over 600 lines because it walks every captured vector in tests/vectors/ in one place, the
 * ground truth of the codec's bytes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "crypto/digest.h"
#include "crypto/key.h"
#include "proto/hdl_admin.h"
#include "proto/hdl_body.h"
#include "proto/hdl_const.h"
#include "proto/hdl_credential.h"
#include "proto/hdl_credential_data.h"
#include "proto/hdl_fragment.h"
#include "proto/hdl_pubkey.h"
#include "proto/hdl_site.h"
#include "tests/unit/hdl_test_vectors.h"

#define FRAG 0 /* a datagram of a multi-packet message: decoded after reassembly */

struct vectors {
    struct vec_file resolve, auth, session;
    uint8_t prefix_msg[2048]; /* the reassembled 0.NA/88.100.1 answer: envelope + payload */
    size_t prefix_len;
};

static int setup(void **state)
{
    struct vectors *v = calloc(1, sizeof(*v));
    if (v == NULL || vec_load("resolve.txt", &v->resolve) || vec_load("auth.txt", &v->auth) ||
        vec_load("session.txt", &v->session))
        return -1;
    *state = v;
    return 0;
}

static int teardown(void **state)
{
    struct vectors *v = *state;
    vec_free(&v->resolve);
    vec_free(&v->auth);
    vec_free(&v->session);
    free(v);
    return 0;
}

static void assert_slice_eq(struct hdl_slice s, const char *expect)
{
    assert_int_equal(s.len, strlen(expect));
    assert_memory_equal(s.ptr, expect, s.len);
}

static void decode_message(const uint8_t *buf, size_t len, struct hdl_message *m,
                           struct hdl_body *b)
{
    assert_int_equal(hdl_message_split(buf, len, m), HDL_OK);
    assert_int_equal(hdl_body_decode(m, b), HDL_OK);
}

/* Rebuilds the whole message from its decoded parts and compares with the captured bytes. */
static void assert_reencodes(const uint8_t *orig, size_t len, const struct hdl_message *m,
                             const struct hdl_body *b)
{
    static uint8_t out[8192];
    uint8_t cred[1024];
    struct hdl_writer w, cw;
    hdl_writer_init(&w, out, sizeof(out));
    hdl_writer_init(&cw, cred, sizeof(cred));
    size_t off = hdl_message_begin(&w, &m->env, &m->hdr);
    assert_int_equal(hdl_body_encode(&w, b), HDL_OK);
    if (m->credential.len) {
        struct hdl_credential c;
        assert_int_equal(hdl_credential_decode(m->credential.ptr, m->credential.len, &c), HDL_OK);
        assert_true(c.has_alg);
        hdl_credential_encode(&cw, &c);
        assert_int_equal(hdl_writer_status(&cw), HDL_OK);
    }
    assert_int_equal(hdl_message_finish(&w, off, cred, cw.len), HDL_OK);
    assert_int_equal(w.len, len);
    assert_memory_equal(out, orig, len);
}

static void check_file(const struct vec_file *vf, const enum hdl_body_kind *kinds, size_t n)
{
    assert_int_equal(vf->count, n);
    for (size_t i = 0; i < n; i++) {
        const struct vec_msg *vm = &vf->msgs[i];
        struct hdl_message m;
        struct hdl_body b;
        if (kinds[i] == FRAG) {
            assert_int_equal(hdl_message_split(vm->bytes, vm->len, &m), HDL_ERR_TRUNCATED);
            continue;
        }
        print_message("%s\n", vm->note);
        decode_message(vm->bytes, vm->len, &m, &b);
        assert_int_equal(b.kind, kinds[i]);
        assert_reencodes(vm->bytes, vm->len, &m, &b);
    }
}

static void resolve_vectors_round_trip(void **state)
{
    struct vectors *v = *state;
    static const enum hdl_body_kind kinds[] = {
        HDL_BODY_RESOLUTION_REQUEST,
        HDL_BODY_RESOLUTION_RESPONSE,
        HDL_BODY_RESOLUTION_REQUEST,
        HDL_BODY_RESOLUTION_RESPONSE,
        HDL_BODY_RESOLUTION_REQUEST,
        FRAG,
        FRAG,
        FRAG,
        HDL_BODY_RESOLUTION_REQUEST,
        HDL_BODY_ERROR,
    };
    check_file(&v->resolve, kinds, sizeof(kinds) / sizeof(kinds[0]));
}

static void auth_vectors_round_trip(void **state)
{
    struct vectors *v = *state;
    static const enum hdl_body_kind kinds[] = {
        HDL_BODY_HANDLE_VALUES, HDL_BODY_CHALLENGE, HDL_BODY_CHALLENGE_ANSWER, HDL_BODY_HANDLE,
        HDL_BODY_HANDLE,        HDL_BODY_CHALLENGE, HDL_BODY_CHALLENGE_ANSWER, HDL_BODY_EMPTY,
        HDL_BODY_HANDLE_VALUES, HDL_BODY_CHALLENGE, HDL_BODY_CHALLENGE_ANSWER, HDL_BODY_HANDLE,
        HDL_BODY_HANDLE,        HDL_BODY_CHALLENGE, HDL_BODY_CHALLENGE_ANSWER, HDL_BODY_EMPTY,
    };
    check_file(&v->auth, kinds, sizeof(kinds) / sizeof(kinds[0]));
}

static void session_vectors_round_trip(void **state)
{
    struct vectors *v = *state;
    static const enum hdl_body_kind kinds[] = {
        HDL_BODY_SESSION_REQUEST, HDL_BODY_SESSION_RESPONSE, HDL_BODY_HANDLE_VALUES,
        HDL_BODY_CHALLENGE,       HDL_BODY_CHALLENGE_ANSWER, HDL_BODY_HANDLE,
    };
    check_file(&v->session, kinds, sizeof(kinds) / sizeof(kinds[0]));
}

static void resolution_response_has_three_values(void **state)
{
    struct vectors *v = *state;
    struct hdl_message m;
    struct hdl_body b;
    decode_message(v->resolve.msgs[1].bytes, v->resolve.msgs[1].len, &m, &b);
    assert_int_equal(m.env.request_id, 0x3fd40baf);
    assert_int_equal(m.hdr.op_flags, 0x99000000u);
    assert_int_equal(m.hdr.expiration, 0x6b084536u);
    const struct hdl_resolution_response *r = &b.u.resolution_response;
    assert_slice_eq(r->handle, "88.100.1/PRODUCT-000001");
    assert_int_equal(r->value_count, 3);
    static const uint32_t idx[] = {1, 2, 100};
    static const char *types[] = {"URL", "EMAIL", "HS_ADMIN"};
    uint32_t pos = 0;
    struct hdl_value val;
    for (int i = 0; i < 3; i++) {
        assert_int_equal(hdl_resolution_response_next(r, &pos, &val), HDL_OK);
        assert_int_equal(val.index, idx[i]);
        assert_slice_eq(val.type, types[i]);
        assert_int_equal(val.timestamp, 0x6b079bd4u);
        assert_int_equal(val.ttl_type, HDL_TTL_RELATIVE);
        assert_int_equal(val.ttl, 86400);
        assert_int_equal(val.perms, HDL_PERM_DEFAULT);
        assert_int_equal(val.ref_count, 0);
        if (i == 0)
            assert_slice_eq(val.data, "https://example.com/product/000001");
        if (i == 1)
            assert_slice_eq(val.data, "product-000001@example.com");
    }
    assert_int_equal(hdl_resolution_response_next(r, &pos, &val), HDL_ERR_TRUNCATED);
    struct hdl_admin adm;
    assert_int_equal(hdl_admin_decode(val.data.ptr, val.data.len, &adm), HDL_OK);
    assert_int_equal(adm.perms, HDL_ADM_ALL);
    assert_slice_eq(adm.handle, "0.NA/88.100.1");
    assert_int_equal(adm.index, 300);
}

static void not_found_is_an_empty_error_body(void **state)
{
    struct vectors *v = *state;
    struct hdl_message m;
    struct hdl_body b;
    decode_message(v->resolve.msgs[9].bytes, v->resolve.msgs[9].len, &m, &b);
    assert_int_equal(m.hdr.response_code, HDL_RC_HANDLE_NOT_FOUND);
    assert_int_equal(b.kind, HDL_BODY_ERROR);
    assert_false(b.has_digest);
    assert_int_equal(b.u.error.message.len, 0);

    /* The server side builds the same 52 bytes with the response helpers. */
    uint8_t out[64];
    struct hdl_writer w;
    hdl_writer_init(&w, out, sizeof(out));
    size_t off = hdl_message_begin(&w, &m.env, &m.hdr);
    hdl_error_body_encode(&w, "");
    assert_int_equal(hdl_message_finish_unsigned(&w, off), HDL_OK);
    assert_int_equal(w.len, v->resolve.msgs[9].len);
    assert_memory_equal(out, v->resolve.msgs[9].bytes, w.len);
}

/* Reassembles datagrams 5..7 of resolve.txt, arriving out of order and with a duplicate. */
static void reassemble_prefix_answer(struct vectors *v, struct hdl_message *m)
{
    static const int order[] = {7, 5, 7, 6};
    struct hdl_reassembly ra;
    uint8_t *payload = v->prefix_msg + HDL_ENVELOPE_LEN;
    hdl_reassembly_init(&ra, payload, sizeof(v->prefix_msg) - HDL_ENVELOPE_LEN);
    bool complete = false;
    struct hdl_envelope first;
    for (size_t i = 0; i < 4; i++) {
        const struct vec_msg *d = &v->resolve.msgs[order[i]];
        struct hdl_reader r;
        struct hdl_envelope env;
        hdl_reader_init(&r, d->bytes, d->len);
        assert_int_equal(hdl_envelope_decode(&r, &env), HDL_OK);
        assert_int_equal(env.message_length, 1033);
        assert_int_equal(env.flags, 0); /* the server does not set TRUNCATED */
        if (env.message_id == 0)
            first = env;
        assert_false(complete);
        assert_int_equal(
            hdl_reassembly_add(&ra, &env, d->bytes + r.pos, hdl_reader_left(&r), &complete),
            HDL_OK);
    }
    assert_true(complete);
    assert_int_equal(ra.fragments, 3);
    struct hdl_writer w;
    hdl_writer_init(&w, v->prefix_msg, HDL_ENVELOPE_LEN);
    hdl_envelope_encode(&w, &first);
    v->prefix_len = HDL_ENVELOPE_LEN + ra.message_length;
    m->env = first;
    assert_int_equal(hdl_message_split_payload(payload, ra.message_length, m), HDL_OK);
}

static void multi_datagram_answer_reassembles(void **state)
{
    struct vectors *v = *state;
    struct hdl_message m;
    struct hdl_body b;
    reassemble_prefix_answer(v, &m);
    assert_int_equal(hdl_body_decode(&m, &b), HDL_OK);
    assert_int_equal(b.kind, HDL_BODY_RESOLUTION_RESPONSE);
    assert_slice_eq(b.u.resolution_response.handle, "0.NA/88.100.1");
    assert_int_equal(b.u.resolution_response.value_count, 3);
    assert_reencodes(v->prefix_msg, v->prefix_len, &m, &b);

    /* Splitting the message again yields the captured datagrams. */
    for (uint32_t n = 0; n < 3; n++) {
        uint8_t dg[HDL_UDP_DATAGRAM_MAX];
        size_t dlen = hdl_fragment_build(&m.env, v->prefix_msg + HDL_ENVELOPE_LEN, 1033, n, dg);
        assert_int_equal(dlen, v->resolve.msgs[5 + n].len);
        assert_memory_equal(dg, v->resolve.msgs[5 + n].bytes, dlen);
    }
}

/* Finds the value at index in a resolution response. */
static void find_value(const struct hdl_resolution_response *r, uint32_t index,
                       struct hdl_value *out)
{
    uint32_t pos = 0;
    while (hdl_resolution_response_next(r, &pos, out) == HDL_OK)
        if (out->index == index)
            return;
    fail_msg("no value at index %u", index);
}

static EVP_PKEY *site_key(struct vectors *v, struct hdl_site *site)
{
    struct hdl_message m;
    struct hdl_body b;
    struct hdl_value val;
    reassemble_prefix_answer(v, &m);
    assert_int_equal(hdl_body_decode(&m, &b), HDL_OK);
    find_value(&b.u.resolution_response, 1, &val);
    assert_slice_eq(val.type, "HS_SITE");
    assert_int_equal(val.data.len, 570);
    assert_int_equal(hdl_site_decode(val.data.ptr, val.data.len, site), HDL_OK);

    uint8_t out[1024];
    struct hdl_writer w;
    hdl_writer_init(&w, out, sizeof(out));
    hdl_site_encode(&w, site);
    assert_int_equal(hdl_writer_status(&w), HDL_OK);
    assert_int_equal(w.len, val.data.len);
    assert_memory_equal(out, val.data.ptr, w.len);

    struct hdl_pubkey key;
    EVP_PKEY *pkey = NULL;
    const struct hdl_slice pk = site->servers[0].public_key;
    assert_int_equal(hdl_pubkey_decode(pk.ptr, pk.len, &key), HDL_OK);
    assert_int_equal(key.kind, HDL_KEY_DSA);
    assert_int_equal(key.trailing_zeros, 0);
    assert_int_equal(cry_pubkey_to_evp(&key, &pkey), HDL_OK);
    assert_true(EVP_PKEY_is_a(pkey, "DSA"));
    assert_int_equal(EVP_PKEY_get_bits(pkey), 1024);
    hdl_writer_init(&w, out, sizeof(out));
    assert_int_equal(cry_pubkey_from_evp(&w, pkey), HDL_OK);
    assert_int_equal(w.len, pk.len);
    assert_memory_equal(out, pk.ptr, w.len);
    return pkey;
}

static void site_record_decodes_and_reencodes(void **state)
{
    static struct hdl_site site;
    EVP_PKEY *pkey = site_key(*state, &site);
    EVP_PKEY_free(pkey);
    assert_int_equal(site.data_version, 1);
    assert_int_equal(site.proto_major, 2);
    assert_int_equal(site.proto_minor, 10);
    assert_int_equal(site.serial, 1);
    assert_int_equal(site.flags, HDL_SITE_PRIMARY);
    assert_int_equal(site.hash_option, HDL_HASH_BY_HANDLE);
    assert_int_equal(site.hash_filter.len, 0);
    assert_int_equal(site.attr_count, 1);
    assert_slice_eq(site.attrs[0].name, "desc");
    assert_slice_eq(site.attrs[0].value, "CNRI HANDLE.NET 9.0.0 anchor test server (loopback)");
    assert_int_equal(site.server_count, 1);
    const struct hdl_site_server *s = &site.servers[0];
    static const uint8_t loopback[16] = {[12] = 127, [15] = 1};
    assert_int_equal(s->server_id, 1);
    assert_memory_equal(s->address, loopback, 16);
    assert_int_equal(s->public_key.len, 441);
    assert_int_equal(s->iface_count, 3);
    static const struct hdl_site_iface ifs[] = {
        {HDL_IF_ADMIN_QUERY, HDL_IF_TCP, 2641},
        {HDL_IF_QUERY, HDL_IF_UDP, 2641},
        {HDL_IF_ADMIN_QUERY, HDL_IF_HTTP, 8000},
    };
    for (int i = 0; i < 3; i++) {
        assert_int_equal(s->ifaces[i].type, ifs[i].type);
        assert_int_equal(s->ifaces[i].protocol, ifs[i].protocol);
        assert_int_equal(s->ifaces[i].port, ifs[i].port);
    }
}

static EVP_PKEY *admin_rsa_key(struct vectors *v)
{
    struct hdl_message m;
    struct hdl_body b;
    struct hdl_value val;
    reassemble_prefix_answer(v, &m);
    assert_int_equal(hdl_body_decode(&m, &b), HDL_OK);
    find_value(&b.u.resolution_response, 300, &val);
    assert_slice_eq(val.type, "HS_PUBKEY");
    assert_int_equal(val.data.len, 289);
    struct hdl_pubkey key;
    EVP_PKEY *pkey = NULL;
    assert_int_equal(hdl_pubkey_decode(val.data.ptr, val.data.len, &key), HDL_OK);
    assert_int_equal(key.kind, HDL_KEY_RSA);
    assert_int_equal(key.trailing_zeros, 4);
    assert_int_equal(key.a.len, 3); /* 65537 */
    assert_int_equal(key.b.len, 257);
    assert_int_equal(cry_pubkey_to_evp(&key, &pkey), HDL_OK);
    assert_true(EVP_PKEY_is_a(pkey, "RSA"));
    assert_int_equal(EVP_PKEY_get_bits(pkey), 2048);

    uint8_t out[512];
    struct hdl_writer w;
    hdl_writer_init(&w, out, sizeof(out));
    assert_int_equal(cry_pubkey_from_evp(&w, pkey), HDL_OK);
    assert_int_equal(w.len, val.data.len);
    assert_memory_equal(out, val.data.ptr, w.len);
    return pkey;
}

/* The request digest of every 402 (and of the session setup response) is the SHA-256 of the
 * header + body of the request just before it. */
static void check_digests(const struct vec_file *vf)
{
    int seen = 0;
    for (size_t i = 1; i < vf->count; i++) {
        struct hdl_message req, resp;
        struct hdl_body rb, b;
        decode_message(vf->msgs[i].bytes, vf->msgs[i].len, &resp, &b);
        if (!b.has_digest)
            continue;
        decode_message(vf->msgs[i - 1].bytes, vf->msgs[i - 1].len, &req, &rb);
        assert_int_equal(req.hdr.response_code, 0);
        assert_int_equal(b.digest.alg, HDL_DIGEST_SHA256);
        assert_int_equal(hdl_digest_alg_for_version(req.env.major, req.env.minor),
                         HDL_DIGEST_SHA256);
        uint8_t d[64];
        struct hdl_writer w;
        hdl_writer_init(&w, d, sizeof(d));
        assert_int_equal(
            cry_digest_put(&w, HDL_DIGEST_SHA256, req.signed_part.ptr, req.signed_part.len),
            HDL_OK);
        assert_int_equal(w.len, 33);
        assert_int_equal(d[0], HDL_DIGEST_SHA256);
        assert_memory_equal(d + 1, b.digest.bytes.ptr, 32);
        seen++;
    }
    assert_true(seen > 0);
}

static void challenge_digest_is_sha256_of_request(void **state)
{
    struct vectors *v = *state;
    check_digests(&v->auth);
    check_digests(&v->session);
}

static void challenge_nonce(const struct vec_file *vf, size_t i, struct hdl_challenge *c)
{
    struct hdl_message m;
    static struct hdl_body b;
    decode_message(vf->msgs[i].bytes, vf->msgs[i].len, &m, &b);
    assert_int_equal(m.hdr.response_code, HDL_RC_AUTHENTICATION_NEEDED);
    assert_int_equal(m.hdr.op_flags, 0x99800000u);
    assert_int_equal(b.u.challenge.nonce.len, 16);
    *c = b.u.challenge;
}

static void verify_pubkey_answer(const struct vec_file *vf, size_t i, EVP_PKEY *pkey)
{
    struct hdl_challenge ch;
    challenge_nonce(vf, i - 1, &ch);
    struct hdl_message m;
    static struct hdl_body b;
    decode_message(vf->msgs[i].bytes, vf->msgs[i].len, &m, &b);
    const struct hdl_challenge_answer *a = &b.u.challenge_answer;
    assert_slice_eq(a->auth_type, "HS_PUBKEY");
    assert_slice_eq(a->identity_handle, "0.NA/88.100.1");
    assert_int_equal(a->identity_index, 300);
    assert_int_equal(m.hdr.site_serial, 0xffff);
    assert_int_equal(m.credential.len, 0);
    struct hdl_pubkey_response pr;
    assert_int_equal(
        hdl_pubkey_response_decode(a->signed_response.ptr, a->signed_response.len, &pr), HDL_OK);
    assert_slice_eq(pr.hash_alg, "SHA-256");
    assert_int_equal(pr.signature.len, 256);

    uint8_t data[64];
    struct hdl_writer w;
    hdl_writer_init(&w, data, sizeof(data));
    hdl_challenge_signed_data(&w, &ch);
    assert_int_equal(w.len, 48);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    assert_int_equal(EVP_DigestVerifyInit(ctx, NULL, EVP_sha256(), NULL, pkey), 1);
    assert_int_equal(EVP_DigestVerify(ctx, pr.signature.ptr, pr.signature.len, data, w.len), 1);
    EVP_MD_CTX_free(ctx);
}

static void pubkey_answers_verify_as_rsa_sha256(void **state)
{
    struct vectors *v = *state;
    EVP_PKEY *pkey = admin_rsa_key(v);
    verify_pubkey_answer(&v->auth, 10, pkey);
    verify_pubkey_answer(&v->auth, 14, pkey);
    verify_pubkey_answer(&v->session, 4, pkey);
    EVP_PKEY_free(pkey);
}

static void verify_seckey_answer(const struct vec_file *vf, size_t i)
{
    struct hdl_challenge ch;
    challenge_nonce(vf, i - 1, &ch);
    struct hdl_message m;
    static struct hdl_body b;
    decode_message(vf->msgs[i].bytes, vf->msgs[i].len, &m, &b);
    const struct hdl_challenge_answer *a = &b.u.challenge_answer;
    assert_slice_eq(a->auth_type, "HS_SECKEY");
    assert_slice_eq(a->identity_handle, "88.100.1/ADMIN");
    assert_int_equal(a->identity_index, 300);
    struct hdl_seckey_response sr;
    assert_int_equal(
        hdl_seckey_response_decode(a->signed_response.ptr, a->signed_response.len, &sr), HDL_OK);
    assert_int_equal(sr.code, HDL_SECKEY_PBKDF2_HMAC_SHA1);
    assert_int_equal(sr.salt.len, 16);
    assert_int_equal(sr.iterations, 10000);
    assert_int_equal(sr.key_bits, 160);
    assert_int_equal(sr.hmac.len, 20);

    uint8_t out[64];
    struct hdl_writer w;
    hdl_writer_init(&w, out, sizeof(out));
    hdl_seckey_response_encode(&w, &sr);
    assert_int_equal(w.len, a->signed_response.len);
    assert_memory_equal(out, a->signed_response.ptr, w.len);

    static const char secret[] = "anchor-secret";
    uint8_t key[20], mac[EVP_MAX_MD_SIZE], data[64];
    unsigned int maclen = 0;
    assert_int_equal(PKCS5_PBKDF2_HMAC(secret, (int)strlen(secret), sr.salt.ptr, (int)sr.salt.len,
                                       (int)sr.iterations, EVP_sha1(), (int)sizeof(key), key),
                     1);
    hdl_writer_init(&w, data, sizeof(data));
    hdl_challenge_signed_data(&w, &ch);
    assert_non_null(HMAC(EVP_sha1(), key, sizeof(key), data, w.len, mac, &maclen));
    assert_int_equal(maclen, 20);
    assert_memory_equal(mac, sr.hmac.ptr, 20);
}

static void seckey_answers_are_pbkdf2_hmac_sha1(void **state)
{
    struct vectors *v = *state;
    verify_seckey_answer(&v->auth, 2);
    verify_seckey_answer(&v->auth, 6);
}

static void session_setup_is_signed_by_the_site_key(void **state)
{
    struct vectors *v = *state;
    static struct hdl_site site;
    EVP_PKEY *dsa = site_key(v, &site);

    struct hdl_message req, resp;
    static struct hdl_body rb, b;
    decode_message(v->session.msgs[0].bytes, v->session.msgs[0].len, &req, &rb);
    const struct hdl_session_request *sr = &rb.u.session_request;
    assert_int_equal(req.hdr.op_flags, 0x59800000u);
    assert_int_equal(sr->mode, HDL_KEYX_DH);
    assert_int_equal(sr->timeout, 86400);
    assert_slice_eq(sr->identity_handle, "0.NA/88.100.1");
    assert_int_equal(sr->identity_index, 300);
    assert_int_equal(sr->public_key.len, 287);
    assert_int_equal(sr->pad, HDL_SESSION_PAD);

    struct hdl_pubkey ck;
    EVP_PKEY *dh = NULL;
    assert_int_equal(hdl_pubkey_decode(sr->public_key.ptr, sr->public_key.len, &ck), HDL_OK);
    assert_int_equal(ck.kind, HDL_KEY_DH);
    assert_int_equal(cry_pubkey_to_evp(&ck, &dh), HDL_OK);
    assert_int_equal(EVP_PKEY_get_bits(dh), 1024);
    uint8_t out[512];
    struct hdl_writer w;
    hdl_writer_init(&w, out, sizeof(out));
    assert_int_equal(cry_pubkey_from_evp(&w, dh), HDL_OK);
    assert_int_equal(w.len, sr->public_key.len);
    assert_memory_equal(out, sr->public_key.ptr, w.len);
    EVP_PKEY_free(dh);

    decode_message(v->session.msgs[1].bytes, v->session.msgs[1].len, &resp, &b);
    assert_int_equal(resp.env.session_id, 5);
    const struct hdl_session_response *ss = &b.u.session_response;
    assert_int_equal(ss->mode, HDL_KEYX_DH);
    assert_int_equal(ss->pad, HDL_SESSION_PAD);
    uint32_t cipher;
    struct hdl_slice skey;
    struct hdl_pubkey sk;
    assert_int_equal(hdl_session_dh_data_decode(ss->data.ptr, ss->data.len, &cipher, &skey),
                     HDL_OK);
    assert_int_equal(cipher, HDL_SESSION_CIPHER_AES);
    assert_int_equal(hdl_pubkey_decode(skey.ptr, skey.len, &sk), HDL_OK);
    assert_int_equal(sk.kind, HDL_KEY_DH);
    /* The server reuses the client's group. */
    assert_int_equal(sk.b.len, ck.b.len);
    assert_memory_equal(sk.b.ptr, ck.b.ptr, ck.b.len);

    struct hdl_credential c;
    assert_int_equal(hdl_credential_decode(resp.credential.ptr, resp.credential.len, &c), HDL_OK);
    assert_slice_eq(c.type, "HS_SIGNED");
    assert_slice_eq(c.digest_alg, "SHA1");
    assert_int_equal(c.signer_index, 0);
    assert_int_equal(c.signer_handle.len, 0);
    assert_int_equal(c.signature.len, 46);

    hdl_writer_init(&w, out, sizeof(out));
    assert_int_equal(hdl_credential_signed_data(&w, &resp, c.signer_index), HDL_OK);
    assert_int_equal(w.len, 4 + 12 + resp.signed_part.len);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    assert_int_equal(EVP_DigestVerifyInit(ctx, NULL, EVP_sha1(), NULL, dsa), 1);
    assert_int_equal(EVP_DigestVerify(ctx, c.signature.ptr, c.signature.len, out, w.len), 1);
    /* Over header + body alone it does not verify. */
    assert_int_equal(EVP_DigestVerifyInit(ctx, NULL, EVP_sha1(), NULL, dsa), 1);
    assert_int_not_equal(EVP_DigestVerify(ctx, c.signature.ptr, c.signature.len,
                                          resp.signed_part.ptr, resp.signed_part.len),
                         1);
    EVP_MD_CTX_free(ctx);
    EVP_PKEY_free(dsa);
}

static void session_request_carries_a_mac(void **state)
{
    struct vectors *v = *state;
    struct hdl_message m;
    static struct hdl_body b;
    decode_message(v->session.msgs[2].bytes, v->session.msgs[2].len, &m, &b);
    assert_int_equal(m.env.session_id, 5);
    struct hdl_credential c;
    assert_int_equal(hdl_credential_decode(m.credential.ptr, m.credential.len, &c), HDL_OK);
    assert_slice_eq(c.type, "HS_MAC");
    assert_slice_eq(c.digest_alg, "HMAC-SHA256");
    assert_int_equal(c.signer_index, 1);
    assert_int_equal(c.signature.len, 32);
    const struct hdl_handle_values *hv = &b.u.handle_values;
    assert_slice_eq(hv->handle, "88.100.1/WIRE-SESSION");
    assert_int_equal(hv->value_count, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(resolve_vectors_round_trip),
        cmocka_unit_test(auth_vectors_round_trip),
        cmocka_unit_test(session_vectors_round_trip),
        cmocka_unit_test(resolution_response_has_three_values),
        cmocka_unit_test(not_found_is_an_empty_error_body),
        cmocka_unit_test(multi_datagram_answer_reassembles),
        cmocka_unit_test(site_record_decodes_and_reencodes),
        cmocka_unit_test(challenge_digest_is_sha256_of_request),
        cmocka_unit_test(pubkey_answers_verify_as_rsa_sha256),
        cmocka_unit_test(seckey_answers_are_pbkdf2_hmac_sha1),
        cmocka_unit_test(session_setup_is_signed_by_the_site_key),
        cmocka_unit_test(session_request_carries_a_mac),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
