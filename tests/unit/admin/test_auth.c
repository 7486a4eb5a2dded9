/* Authentication primitives of the node: the captured challenge answers verify with the captured
 * nonces (HS_SECKEY and HS_PUBKEY), signatures and session MACs round-trip, DH agrees, and
 * session counters are accepted once. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/dh.h>
#include <openssl/param_build.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>

#include "crypto/dh_session.h"
#include "crypto/key.h"
#include "crypto/sign.h"
#include "proto/hdl_body.h"
#include "proto/hdl_challenge.h"
#include "proto/hdl_credential.h"
#include "proto/hdl_credential_data.h"
#include "proto/hdl_message.h"
#include "proto/hdl_pubkey.h"
#include "proto/hdl_resolution.h"
#include "proto/hdl_session.h"
#include "resolver/admin/auth.h"
#include "resolver/admin/auth_state.h"
#include "resolver/admin/session.h"
#include "tests/unit/hdl_test_vectors.h"

static struct vec_file auth_vec, session_vec, resolve_vec;

static int load(void **state)
{
    (void)state;
    assert_int_equal(vec_load("auth.txt", &auth_vec), 0);
    assert_int_equal(vec_load("session.txt", &session_vec), 0);
    assert_int_equal(vec_load("resolve.txt", &resolve_vec), 0);
    return 0;
}

static int unload(void **state)
{
    (void)state;
    vec_free(&auth_vec);
    vec_free(&session_vec);
    vec_free(&resolve_vec);
    return 0;
}

static void split(const struct vec_msg *v, struct hdl_message *m)
{
    assert_int_equal(hdl_message_split(v->bytes, v->len, m), HDL_OK);
}

/* nonce || digest bytes of the 402 challenge at index i. */
static size_t challenge_data(const struct vec_file *f, size_t i, uint8_t *out)
{
    struct hdl_message m;
    struct hdl_challenge c;
    split(&f->msgs[i], &m);
    assert_int_equal(m.hdr.response_code, 402);
    assert_int_equal(hdl_challenge_decode(m.body.ptr, m.body.len, &c), HDL_OK);
    memcpy(out, c.nonce.ptr, c.nonce.len);
    memcpy(out + c.nonce.len, c.digest.bytes.ptr, c.digest.bytes.len);
    return c.nonce.len + c.digest.bytes.len;
}

static void answer_at(const struct vec_file *f, size_t i, struct hdl_challenge_answer *a)
{
    struct hdl_message m;
    split(&f->msgs[i], &m);
    assert_int_equal(m.hdr.opcode, 200);
    assert_int_equal(hdl_challenge_answer_decode(m.body.ptr, m.body.len, a), HDL_OK);
}

static void captured_seckey_answers_verify(void **state)
{
    (void)state;
    const uint8_t secret[] = "anchor-secret";
    size_t pairs[][2] = {{1, 2}, {5, 6}};
    for (size_t p = 0; p < 2; p++) {
        uint8_t data[64];
        size_t len = challenge_data(&auth_vec, pairs[p][0], data);
        assert_int_equal(len, 48);
        struct hdl_challenge_answer a;
        struct hdl_seckey_response r;
        answer_at(&auth_vec, pairs[p][1], &a);
        assert_int_equal(
            hdl_seckey_response_decode(a.signed_response.ptr, a.signed_response.len, &r), HDL_OK);
        assert_int_equal(r.code, HDL_SECKEY_PBKDF2_HMAC_SHA1);
        assert_int_equal(auth_check_seckey(secret, sizeof secret - 1, &r, data, len),
                         HDL_RC_SUCCESS);
        assert_int_equal(auth_check_seckey((const uint8_t *)"anchor-secreT", 13, &r, data, len),
                         HDL_RC_AUTHENTICATION_FAILED);
        data[0] ^= 1; /* another nonce: the same answer no longer fits */
        assert_int_equal(auth_check_seckey(secret, sizeof secret - 1, &r, data, len),
                         HDL_RC_AUTHENTICATION_FAILED);
    }
}

/* The admin's RSA HS_PUBKEY: index 300 of 0.NA/88.100.1, in the 3-datagram answer. */
static void admin_pubkey(uint8_t *out, size_t *len)
{
    uint8_t msg[2048];
    size_t n = HDL_ENVELOPE_LEN;
    memcpy(msg, resolve_vec.msgs[5].bytes, HDL_ENVELOPE_LEN);
    for (size_t i = 5; i <= 7; i++) {
        memcpy(msg + n, resolve_vec.msgs[i].bytes + HDL_ENVELOPE_LEN,
               resolve_vec.msgs[i].len - HDL_ENVELOPE_LEN);
        n += resolve_vec.msgs[i].len - HDL_ENVELOPE_LEN;
    }
    struct hdl_message m;
    assert_int_equal(hdl_message_split(msg, n, &m), HDL_OK);
    struct hdl_resolution_response rr;
    assert_int_equal(hdl_resolution_response_decode(m.body.ptr, m.body.len, &rr), HDL_OK);
    uint32_t pos = 0;
    struct hdl_value v;
    while (hdl_resolution_response_next(&rr, &pos, &v) == HDL_OK) {
        if (v.index == 300) {
            memcpy(out, v.data.ptr, v.data.len);
            *len = v.data.len;
            return;
        }
    }
    fail_msg("no HS_PUBKEY at 300");
}

static void check_pubkey_answer(const struct vec_file *f, size_t challenge, size_t answer,
                                const uint8_t *key, size_t key_len)
{
    uint8_t data[64];
    size_t len = challenge_data(f, challenge, data);
    struct hdl_challenge_answer a;
    struct hdl_pubkey_response r;
    char msg[200];
    answer_at(f, answer, &a);
    assert_int_equal(hdl_pubkey_response_decode(a.signed_response.ptr, a.signed_response.len, &r),
                     HDL_OK);
    assert_int_equal(auth_check_pubkey(key, key_len, &r, data, len, msg, sizeof msg),
                     HDL_RC_SUCCESS);
    data[len - 1] ^= 1; /* another request digest */
    assert_int_equal(auth_check_pubkey(key, key_len, &r, data, len, msg, sizeof msg),
                     HDL_RC_AUTHENTICATION_FAILED);
}

static void captured_pubkey_answers_verify(void **state)
{
    (void)state;
    uint8_t key[512];
    size_t key_len = 0;
    admin_pubkey(key, &key_len);
    check_pubkey_answer(&auth_vec, 9, 10, key, key_len);
    check_pubkey_answer(&auth_vec, 13, 14, key, key_len);
    check_pubkey_answer(&session_vec, 3, 4, key, key_len);
}

static size_t demo_response(uint8_t *buf, size_t cap)
{
    struct hdl_envelope env = {.major = 2,
                               .minor = 10,
                               .sugg_major = 2,
                               .sugg_minor = 10,
                               .session_id = 5,
                               .request_id = 77};
    struct hdl_header hdr = {.opcode = 1, .response_code = 1, .op_flags = 0xd9000000};
    struct hdl_writer w;
    hdl_writer_init(&w, buf, cap);
    size_t body = hdl_message_begin(&w, &env, &hdr);
    hdl_put_cstr(&w, "88.100.1/SIGNED");
    hdl_put_u32(&w, 0);
    assert_int_equal(hdl_message_finish_unsigned(&w, body), HDL_OK);
    return w.len;
}

static void verify_signed(EVP_PKEY *key, const uint8_t *msg, size_t len, const char *alg)
{
    struct hdl_message m;
    struct hdl_credential cred;
    assert_int_equal(hdl_message_split(msg, len, &m), HDL_OK);
    assert_int_equal(hdl_credential_decode(m.credential.ptr, m.credential.len, &cred), HDL_OK);
    assert_true(hdl_slice_eq_ci(cred.type, "HS_SIGNED"));
    assert_true(hdl_slice_eq_ci(cred.digest_alg, alg));
    uint8_t data[1024];
    struct hdl_writer w;
    hdl_writer_init(&w, data, sizeof data);
    assert_int_equal(hdl_credential_signed_data(&w, &m, 0), HDL_OK);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    const EVP_MD *md = strcmp(alg, "SHA-256") == 0 ? EVP_sha256() : EVP_sha1();
    assert_int_equal(EVP_DigestVerifyInit(ctx, NULL, md, NULL, key), 1);
    assert_int_equal(EVP_DigestVerify(ctx, cred.signature.ptr, cred.signature.len, data, w.len), 1);
    EVP_MD_CTX_free(ctx);
}

static void responses_are_signed_with_the_server_key(void **state)
{
    (void)state;
    EVP_PKEY *rsa = EVP_RSA_gen(2048);
    EVP_PKEY *dsa = NULL;
    EVP_PKEY_CTX *pctx = EVP_PKEY_CTX_new_from_name(NULL, "DSA", NULL);
    EVP_PKEY *params = NULL;
    assert_int_equal(EVP_PKEY_paramgen_init(pctx), 1);
    assert_int_equal(EVP_PKEY_CTX_set_dsa_paramgen_bits(pctx, 1024), 1);
    assert_int_equal(EVP_PKEY_paramgen(pctx, &params), 1);
    EVP_PKEY_CTX *kctx = EVP_PKEY_CTX_new_from_pkey(NULL, params, NULL);
    assert_int_equal(EVP_PKEY_keygen_init(kctx), 1);
    assert_int_equal(EVP_PKEY_keygen(kctx, &dsa), 1);
    EVP_PKEY *keys[] = {rsa, dsa};
    const char *algs[] = {"SHA-256", "SHA1"};
    for (int i = 0; i < 2; i++) {
        uint8_t buf[2048];
        size_t len = demo_response(buf, sizeof buf);
        struct hdl_writer w = {buf, sizeof buf, len, false};
        assert_int_equal(sign_message(keys[i], &w, 0), HDL_OK);
        assert_int_equal(hdl_load_u32(buf + 16), w.len - HDL_ENVELOPE_LEN);
        verify_signed(keys[i], buf, w.len, algs[i]);
    }
    EVP_PKEY_free(rsa);
    EVP_PKEY_free(dsa);
    EVP_PKEY_free(params);
    EVP_PKEY_CTX_free(pctx);
    EVP_PKEY_CTX_free(kctx);
}

static void session_macs_verify_once_and_only_with_the_key(void **state)
{
    (void)state;
    uint8_t key[32], other[32];
    memset(key, 0x42, sizeof key);
    memset(other, 0x43, sizeof other);
    uint8_t buf[2048];
    size_t len = demo_response(buf, sizeof buf);
    struct hdl_writer w = {buf, sizeof buf, len, false};
    assert_int_equal(mac_message(key, 32, 7, &w, 0), HDL_OK);
    struct hdl_message m;
    uint32_t counter = 0;
    assert_int_equal(hdl_message_split(buf, w.len, &m), HDL_OK);
    assert_int_equal(mac_verify(key, 32, &m, &counter), HDL_OK);
    assert_int_equal(counter, 7);
    assert_int_not_equal(mac_verify(other, 32, &m, &counter), HDL_OK);
    buf[HDL_ENVELOPE_LEN + HDL_HEADER_LEN + 5] ^= 1; /* a changed body */
    assert_int_equal(hdl_message_split(buf, w.len, &m), HDL_OK);
    assert_int_not_equal(mac_verify(key, 32, &m, &counter), HDL_OK);

    struct auth_state *st = auth_state_new();
    uint32_t sid = auth_session_open(st, key, 32, 60);
    assert_true(sid != 0);
    assert_true(auth_session_accept_counter(st, sid, 1));
    assert_true(auth_session_accept_counter(st, sid, 3));
    assert_true(auth_session_accept_counter(st, sid, 2)); /* late, but not seen */
    assert_false(auth_session_accept_counter(st, sid, 2));
    assert_false(auth_session_accept_counter(st, sid, 3));
    assert_true(auth_session_accept_counter(st, sid, 100));
    assert_false(auth_session_accept_counter(st, sid, 4)); /* too far behind */
    assert_false(auth_session_accept_counter(st, sid, 0));
    assert_true(auth_session_close(st, sid));
    assert_false(auth_session_accept_counter(st, sid, 101));
    auth_state_free(st);
}

static void challenges_are_single_use(void **state)
{
    (void)state;
    struct auth_state *st = auth_state_new();
    struct auth_challenge c;
    const uint8_t *req = auth_vec.msgs[0].bytes;
    size_t len = auth_vec.msgs[0].len;
    assert_int_equal(auth_challenge_issue(st, req, len, req + 20, len - 24, 3, 0, &c), 0);
    /* The digest is the captured one: SHA-256 of the same request. */
    struct hdl_message m;
    split(&auth_vec.msgs[1], &m);
    assert_memory_equal(c.digest, m.body.ptr, 33);
    struct auth_challenge *got = auth_challenge_take(st, c.id);
    assert_non_null(got);
    assert_int_equal(got->request_len, len);
    assert_memory_equal(got->nonce, c.nonce, AUTH_NONCE_LEN);
    auth_challenge_free(got);
    assert_null(auth_challenge_take(st, c.id));
    auth_state_free(st);
}

static EVP_PKEY *dh_key(const struct hdl_pubkey *pk, bool with_public)
{
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    BIGNUM *p = BN_bin2bn(pk->b.ptr, (int)pk->b.len, NULL);
    BIGNUM *g = BN_bin2bn(pk->c.ptr, (int)pk->c.len, NULL);
    BIGNUM *y = BN_bin2bn(pk->a.ptr, (int)pk->a.len, NULL);
    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_FFC_P, p);
    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_FFC_G, g);
    if (with_public)
        OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PUB_KEY, y);
    OSSL_PARAM *params = OSSL_PARAM_BLD_to_param(bld);
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "DH", NULL);
    EVP_PKEY *k = NULL;
    assert_int_equal(EVP_PKEY_fromdata_init(ctx), 1);
    assert_int_equal(EVP_PKEY_fromdata(ctx, &k,
                                       with_public ? EVP_PKEY_PUBLIC_KEY : EVP_PKEY_KEY_PARAMETERS,
                                       params),
                     1);
    EVP_PKEY_CTX_free(ctx);
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(bld);
    BN_free(p);
    BN_free(g);
    BN_free(y);
    return k;
}

static void dh_session_keys_agree(void **state)
{
    (void)state;
    /* A client key of our own in the group of the captured set-up (RFC 2409 group 2). */
    struct hdl_message m;
    struct hdl_session_request sr;
    struct hdl_pubkey captured;
    split(&session_vec.msgs[0], &m);
    assert_int_equal(hdl_session_request_decode(m.body.ptr, m.body.len, &sr), HDL_OK);
    assert_int_equal(hdl_pubkey_decode(sr.public_key.ptr, sr.public_key.len, &captured), HDL_OK);
    EVP_PKEY *params = dh_key(&captured, false);
    EVP_PKEY_CTX *gen = EVP_PKEY_CTX_new_from_pkey(NULL, params, NULL);
    EVP_PKEY *client = NULL;
    assert_int_equal(EVP_PKEY_keygen_init(gen), 1);
    assert_int_equal(EVP_PKEY_generate(gen, &client), 1);
    BIGNUM *y = NULL;
    assert_int_equal(EVP_PKEY_get_bn_param(client, OSSL_PKEY_PARAM_PUB_KEY, &y), 1);
    uint8_t ybuf[300], client_pub[1024];
    int ylen = BN_bn2bin(y, ybuf + 1);
    ybuf[0] = 0;
    struct hdl_pubkey mine = captured;
    mine.a = (struct hdl_slice){ybuf[1] & 0x80 ? ybuf : ybuf + 1,
                                (uint32_t)(ybuf[1] & 0x80 ? ylen + 1 : ylen)};
    struct hdl_writer cw;
    hdl_writer_init(&cw, client_pub, sizeof client_pub);
    hdl_pubkey_encode(&cw, &mine);

    uint8_t server_pub[1024], key[32];
    size_t key_len = 0;
    struct hdl_writer w;
    hdl_writer_init(&w, server_pub, sizeof server_pub);
    assert_int_equal(cry_dh_agree(client_pub, cw.len, &w, key, &key_len), HDL_OK);
    assert_int_equal(key_len, 32);

    /* The client derives from the server's answer: the same 32 bytes. */
    struct hdl_pubkey theirs;
    assert_int_equal(hdl_pubkey_decode(server_pub, w.len, &theirs), HDL_OK);
    assert_int_equal(theirs.kind, HDL_KEY_DH);
    EVP_PKEY *peer = dh_key(&theirs, true);
    EVP_PKEY_CTX *d = EVP_PKEY_CTX_new_from_pkey(NULL, client, NULL);
    uint8_t secret[300];
    size_t slen = sizeof secret;
    assert_int_equal(EVP_PKEY_derive_init(d), 1);
    assert_int_equal(EVP_PKEY_CTX_set_dh_pad(d, 0), 1);
    assert_int_equal(EVP_PKEY_derive_set_peer(d, peer), 1);
    assert_int_equal(EVP_PKEY_derive(d, secret, &slen), 1);
    size_t skip = 0;
    while (secret[skip] == 0)
        skip++;
    assert_memory_equal(secret + skip, key, 32);
    /* A key that is no DH key is refused. */
    assert_int_not_equal(cry_dh_agree((const uint8_t *)"junk", 4, &w, key, &key_len), HDL_OK);
    BN_free(y);
    EVP_PKEY_CTX_free(d);
    EVP_PKEY_CTX_free(gen);
    EVP_PKEY_free(peer);
    EVP_PKEY_free(client);
    EVP_PKEY_free(params);
}

static void sm2_signatures_with_pem_keys_verify(void **state)
{
    (void)state;
    EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "SM2");
    assert_non_null(key);
    BIO *bio = BIO_new(BIO_s_mem());
    assert_int_equal(PEM_write_bio_PUBKEY(bio, key), 1);
    char *pem;
    long pem_len = BIO_get_mem_data(bio, &pem);
    uint8_t data[48];
    memset(data, 0x5a, sizeof data);
    uint8_t sig[256];
    size_t sig_len = sizeof sig;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    EVP_PKEY_CTX *pctx = NULL;
    assert_int_equal(EVP_DigestSignInit(ctx, &pctx, EVP_sm3(), NULL, key), 1);
    assert_true(EVP_PKEY_CTX_set1_id(pctx, "1234567812345678", 16) > 0);
    assert_int_equal(EVP_DigestSign(ctx, sig, &sig_len, data, sizeof data), 1);
    EVP_MD_CTX_free(ctx);
    struct hdl_pubkey_response r = {{(const uint8_t *)"SM3", 3}, {sig, (uint32_t)sig_len}};
    char msg[200];
    assert_int_equal(auth_check_pubkey((const uint8_t *)pem, (size_t)pem_len, &r, data, sizeof data,
                                       msg, sizeof msg),
                     HDL_RC_SUCCESS);
    data[0] ^= 1;
    assert_int_equal(auth_check_pubkey((const uint8_t *)pem, (size_t)pem_len, &r, data, sizeof data,
                                       msg, sizeof msg),
                     HDL_RC_AUTHENTICATION_FAILED);
    BIO_free(bio);
    EVP_PKEY_free(key);
}

/* Every HS_SECKEY answer code of docs/protocol.md §13, computed here with OpenSSL directly. */
static void every_seckey_code_verifies(void **state)
{
    (void)state;
    const uint8_t secret[] = "s3cret";
    const size_t slen = sizeof secret - 1;
    uint8_t data[48];
    memset(data, 0x33, sizeof data);
    struct {
        uint8_t code;
        const EVP_MD *md;
        bool hmac;
    } cases[] = {
        {HDL_SECKEY_MD5, EVP_md5(), false},           {HDL_SECKEY_SHA1, EVP_sha1(), false},
        {HDL_SECKEY_SHA256, EVP_sha256(), false},     {HDL_SECKEY_HMAC_SHA1, EVP_sha1(), true},
        {HDL_SECKEY_HMAC_SHA256, EVP_sha256(), true},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint8_t mac[EVP_MAX_MD_SIZE];
        unsigned mac_len = 0;
        if (cases[i].hmac) {
            assert_non_null(HMAC(cases[i].md, secret, (int)slen, data, sizeof data, mac, &mac_len));
        } else {
            EVP_MD_CTX *ctx = EVP_MD_CTX_new();
            EVP_DigestInit_ex(ctx, cases[i].md, NULL);
            EVP_DigestUpdate(ctx, secret, slen);
            EVP_DigestUpdate(ctx, data, sizeof data);
            EVP_DigestUpdate(ctx, secret, slen);
            EVP_DigestFinal_ex(ctx, mac, &mac_len);
            EVP_MD_CTX_free(ctx);
        }
        struct hdl_seckey_response r = {.code = cases[i].code, .mac = {mac, mac_len}};
        assert_int_equal(auth_check_seckey(secret, slen, &r, data, sizeof data), HDL_RC_SUCCESS);
        mac[0] ^= 1;
        assert_int_equal(auth_check_seckey(secret, slen, &r, data, sizeof data),
                         HDL_RC_AUTHENTICATION_FAILED);
    }
    /* PBKDF2 with too many iterations is refused outright rather than computed. */
    uint8_t salt[16] = {0}, hmac[20] = {0};
    struct hdl_seckey_response p = {.code = HDL_SECKEY_PBKDF2_HMAC_SHA1,
                                    .salt = {salt, 16},
                                    .iterations = 10000000,
                                    .key_bits = 160,
                                    .hmac = {hmac, 20}};
    assert_int_equal(auth_check_seckey(secret, slen, &p, data, sizeof data),
                     HDL_RC_AUTHENTICATION_FAILED);
    struct hdl_seckey_response unknown = {.code = 0x7f, .mac = {hmac, 20}};
    assert_int_equal(auth_check_seckey(secret, slen, &unknown, data, sizeof data),
                     HDL_RC_AUTHENTICATION_FAILED);
}

/* RSA with SHA-1 and DSA with SHA-1, the older HS_PUBKEY answers, in the binary key layout. */
static void rsa_sha1_and_dsa_answers_verify(void **state)
{
    (void)state;
    EVP_PKEY *keys[2] = {EVP_RSA_gen(2048), NULL};
    EVP_PKEY_CTX *pctx = EVP_PKEY_CTX_new_from_name(NULL, "DSA", NULL);
    EVP_PKEY *params = NULL;
    assert_int_equal(EVP_PKEY_paramgen_init(pctx), 1);
    assert_int_equal(EVP_PKEY_CTX_set_dsa_paramgen_bits(pctx, 1024), 1);
    assert_int_equal(EVP_PKEY_paramgen(pctx, &params), 1);
    EVP_PKEY_CTX *kctx = EVP_PKEY_CTX_new_from_pkey(NULL, params, NULL);
    assert_int_equal(EVP_PKEY_keygen_init(kctx), 1);
    assert_int_equal(EVP_PKEY_keygen(kctx, &keys[1]), 1);
    uint8_t data[48];
    memset(data, 0x44, sizeof data);
    for (int i = 0; i < 2; i++) {
        uint8_t pub[2048];
        struct hdl_writer w;
        hdl_writer_init(&w, pub, sizeof pub);
        assert_int_equal(cry_pubkey_from_evp(&w, keys[i]), HDL_OK);
        uint8_t sig[512];
        size_t sig_len = sizeof sig;
        EVP_MD_CTX *ctx = EVP_MD_CTX_new();
        assert_int_equal(EVP_DigestSignInit(ctx, NULL, EVP_sha1(), NULL, keys[i]), 1);
        assert_int_equal(EVP_DigestSign(ctx, sig, &sig_len, data, sizeof data), 1);
        EVP_MD_CTX_free(ctx);
        struct hdl_pubkey_response r = {{(const uint8_t *)"SHA1", 4}, {sig, (uint32_t)sig_len}};
        char msg[200];
        assert_int_equal(auth_check_pubkey(pub, w.len, &r, data, sizeof data, msg, sizeof msg),
                         HDL_RC_SUCCESS);
        data[3] ^= 1;
        assert_int_equal(auth_check_pubkey(pub, w.len, &r, data, sizeof data, msg, sizeof msg),
                         HDL_RC_AUTHENTICATION_FAILED);
        data[3] ^= 1;
    }
    EVP_PKEY_free(keys[0]);
    EVP_PKEY_free(keys[1]);
    EVP_PKEY_free(params);
    EVP_PKEY_CTX_free(pctx);
    EVP_PKEY_CTX_free(kctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(captured_seckey_answers_verify),
        cmocka_unit_test(captured_pubkey_answers_verify),
        cmocka_unit_test(responses_are_signed_with_the_server_key),
        cmocka_unit_test(session_macs_verify_once_and_only_with_the_key),
        cmocka_unit_test(challenges_are_single_use),
        cmocka_unit_test(dh_session_keys_agree),
        cmocka_unit_test(sm2_signatures_with_pem_keys_verify),
        cmocka_unit_test(every_seckey_code_verifies),
        cmocka_unit_test(rsa_sha1_and_dsa_answers_verify),
    };
    return cmocka_run_group_tests(tests, load, unload);
}
