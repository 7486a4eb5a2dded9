/*
 * The administration client's cryptography (client/admin_auth.c, the client half of
 * crypto/dh_session.c) checked by the node's own verifiers (resolver/admin/auth.c, the node's half
 * of crypto/dh_session.c): what the client answers, the node accepts, and nothing else.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include "client/admin_auth.h"
#include "crypto/dh_session.h"
#include "crypto/key.h"
#include "proto/hdl_challenge.h"
#include "proto/hdl_pubkey.h"
#include "resolver/admin/auth.h"
#include "resolver/admin/session.h"

/* nonce || SHA-256 digest, as a 2.10 challenge has it signed. */
static const uint8_t data[48] = {
    0xb6, 0x25, 0x76, 0xcc, 0x1f, 0x58, 0x63, 0x47, 0xb4, 0x05, 0x75, 0xa1, 0xfa, 0x74, 0xe1, 0x31,
    0x24, 0x25, 0x03, 0xe1, 0x77, 0x93, 0x17, 0xa1, 0x25, 0x3a, 0x9c, 0xfb, 0x0c, 0x9b, 0x70, 0xea,
    0x92, 0xda, 0x44, 0x96, 0x77, 0x1d, 0x7d, 0xa2, 0xea, 0xbb, 0xf1, 0x97, 0x7d, 0x13, 0x95, 0xc4};

static void seckey_answer_is_pbkdf2_the_node_accepts(void **state)
{
    struct admin_auth a = {0};
    const char *secret = "anchor-secret";
    assert_int_equal(admin_auth_use_secret(&a, (const uint8_t *)secret, strlen(secret)), 0);
    assert_string_equal(admin_auth_type(&a), "HS_SECKEY");
    uint8_t buf[512];
    struct hdl_writer w;
    hdl_writer_init(&w, buf, sizeof buf);
    assert_int_equal(admin_auth_answer(&a, data, sizeof data, &w), HDL_OK);

    struct hdl_seckey_response r;
    assert_int_equal(hdl_seckey_response_decode(buf, w.len, &r), HDL_OK);
    assert_int_equal(r.code, HDL_SECKEY_PBKDF2_HMAC_SHA1);
    assert_int_equal(r.salt.len, 16);
    assert_int_equal(r.iterations, 10000);
    assert_int_equal(r.key_bits, 160);
    assert_int_equal(r.hmac.len, 20);
    assert_int_equal(
        auth_check_seckey((const uint8_t *)secret, strlen(secret), &r, data, sizeof data),
        HDL_RC_SUCCESS);
    assert_int_equal(auth_check_seckey((const uint8_t *)"anchor-secreT", 13, &r, data, sizeof data),
                     HDL_RC_AUTHENTICATION_FAILED);
    uint8_t other[48];
    memcpy(other, data, sizeof other);
    other[47] ^= 1;
    assert_int_equal(
        auth_check_seckey((const uint8_t *)secret, strlen(secret), &r, other, sizeof other),
        HDL_RC_AUTHENTICATION_FAILED);
    admin_auth_clear(&a);
    assert_int_equal(a.kind, ADMIN_AUTH_NONE);
    assert_null(a.secret);
}

static EVP_PKEY *make_key(const char *type)
{
    if (strcmp(type, "RSA") == 0)
        return EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
    EVP_PKEY *key = NULL;
    if (strcmp(type, "SM2") == 0) {
        EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "SM2", NULL);
        assert_int_equal(EVP_PKEY_keygen_init(ctx), 1);
        assert_int_equal(EVP_PKEY_generate(ctx, &key), 1);
        EVP_PKEY_CTX_free(ctx);
        return key;
    }
    EVP_PKEY *params = NULL;
    EVP_PKEY_CTX *pctx = EVP_PKEY_CTX_new_from_name(NULL, "DSA", NULL);
    assert_int_equal(EVP_PKEY_paramgen_init(pctx), 1);
    assert_int_equal(EVP_PKEY_CTX_set_dsa_paramgen_bits(pctx, 1024), 1);
    assert_int_equal(EVP_PKEY_generate(pctx, &params), 1);
    EVP_PKEY_CTX *kctx = EVP_PKEY_CTX_new_from_pkey(NULL, params, NULL);
    assert_int_equal(EVP_PKEY_keygen_init(kctx), 1);
    assert_int_equal(EVP_PKEY_generate(kctx, &key), 1);
    EVP_PKEY_CTX_free(kctx);
    EVP_PKEY_CTX_free(pctx);
    EVP_PKEY_free(params);
    return key;
}

/* The HS_PUBKEY value bytes a node would hold for key: binary for RSA and DSA, PEM for SM2. */
static size_t pubkey_value(EVP_PKEY *key, uint8_t *buf, size_t cap)
{
    if (EVP_PKEY_is_a(key, "SM2")) {
        BIO *bio = BIO_new(BIO_s_mem());
        assert_int_equal(PEM_write_bio_PUBKEY(bio, key), 1);
        char *p;
        long n = BIO_get_mem_data(bio, &p);
        assert_true(n > 0 && (size_t)n <= cap);
        memcpy(buf, p, (size_t)n);
        BIO_free(bio);
        return (size_t)n;
    }
    struct hdl_writer w;
    hdl_writer_init(&w, buf, cap);
    assert_int_equal(cry_pubkey_from_evp(&w, key), HDL_OK);
    return w.len;
}

static void check_signature(const char *type, const char *hash)
{
    EVP_PKEY *key = make_key(type);
    assert_non_null(key);
    struct admin_auth a = {0};
    assert_int_equal(admin_auth_use_key(&a, key), 0);
    assert_string_equal(admin_auth_type(&a), "HS_PUBKEY");
    uint8_t buf[2048];
    struct hdl_writer w;
    hdl_writer_init(&w, buf, sizeof buf);
    assert_int_equal(admin_auth_answer(&a, data, sizeof data, &w), HDL_OK);
    struct hdl_pubkey_response r;
    assert_int_equal(hdl_pubkey_response_decode(buf, w.len, &r), HDL_OK);
    assert_int_equal(r.hash_alg.len, strlen(hash));
    assert_memory_equal(r.hash_alg.ptr, hash, strlen(hash));

    uint8_t pub[4096];
    size_t pub_len = pubkey_value(key, pub, sizeof pub);
    char msg[256] = "";
    assert_int_equal(auth_check_pubkey(pub, pub_len, &r, data, sizeof data, msg, sizeof msg),
                     HDL_RC_SUCCESS);
    uint8_t other[48];
    memcpy(other, data, sizeof other);
    other[0] ^= 0x80;
    assert_int_equal(auth_check_pubkey(pub, pub_len, &r, other, sizeof other, msg, sizeof msg),
                     HDL_RC_AUTHENTICATION_FAILED);
    admin_auth_clear(&a);
    EVP_PKEY_free(key);
}

static void rsa_answer_is_sha256_the_node_accepts(void **state)
{
    check_signature("RSA", "SHA-256");
}

static void dsa_answer_is_sha1_the_node_accepts(void **state)
{
    check_signature("DSA", "SHA1");
}

static void sm2_answer_is_sm3_the_node_accepts(void **state)
{
    check_signature("SM2", "SM3");
}

static void pem_keys_load_plain_and_encrypted(void **state)
{
    EVP_PKEY *key = make_key("SM2");
    char plain[] = "/tmp/test_admin_auth_XXXXXX", enc[] = "/tmp/test_admin_auth_XXXXXX";
    int fd1 = mkstemp(plain), fd2 = mkstemp(enc);
    FILE *f1 = fdopen(fd1, "w"), *f2 = fdopen(fd2, "w");
    assert_int_equal(PEM_write_PrivateKey(f1, key, NULL, NULL, 0, NULL, NULL), 1);
    assert_int_equal(
        PEM_write_PrivateKey(f2, key, EVP_aes_256_cbc(), (unsigned char *)"pw", 2, NULL, NULL), 1);
    fclose(f1);
    fclose(f2);
    struct admin_auth a = {0};
    char err[512];
    assert_int_equal(admin_auth_load_key(&a, plain, NULL, err, sizeof err), 0);
    assert_true(EVP_PKEY_is_a(a.key, "SM2"));
    assert_int_equal(admin_auth_load_key(&a, enc, "pw", err, sizeof err), 0);
    assert_int_equal(a.kind, ADMIN_AUTH_PUBKEY);
    assert_int_equal(admin_auth_load_key(&a, enc, NULL, err, sizeof err), CLI_ERR_CREDENTIAL);
    assert_non_null(strstr(err, "encrypted"));
    assert_int_equal(admin_auth_load_key(&a, enc, "wrong", err, sizeof err), CLI_ERR_CREDENTIAL);
    assert_int_equal(admin_auth_load_key(&a, "/nonexistent/key.pem", NULL, err, sizeof err),
                     CLI_ERR_CREDENTIAL);
    admin_auth_clear(&a);
    unlink(plain);
    unlink(enc);
    EVP_PKEY_free(key);
}

static void identity_is_index_colon_handle(void **state)
{
    struct admin_auth a = {0};
    char err[256];
    assert_int_equal(admin_auth_set_identity(&a, "300:0.NA/88.100.1", err, sizeof err), 0);
    assert_int_equal(a.index, 300);
    assert_string_equal(a.handle, "0.NA/88.100.1");
    assert_int_equal(admin_auth_set_identity(&a, "0.NA/88.100.1", err, sizeof err),
                     CLI_ERR_BAD_ARG);
    assert_int_equal(admin_auth_set_identity(&a, "x:0.NA/88.100.1", err, sizeof err),
                     CLI_ERR_BAD_ARG);
    assert_int_equal(admin_auth_set_identity(&a, "300:", err, sizeof err), CLI_ERR_BAD_ARG);
}

static void dh_client_and_node_agree_on_the_session_key(void **state)
{
    EVP_PKEY *ours = NULL;
    uint8_t cbuf[1024], sbuf[1024];
    struct hdl_writer cw, sw;
    hdl_writer_init(&cw, cbuf, sizeof cbuf);
    hdl_writer_init(&sw, sbuf, sizeof sbuf);
    assert_int_equal(cry_dh_begin(&ours, &cw), HDL_OK);
    struct hdl_pubkey pk;
    assert_int_equal(hdl_pubkey_decode(cbuf, cw.len, &pk), HDL_OK);
    assert_int_equal(pk.kind, HDL_KEY_DH);
    assert_in_range(pk.b.len, 256, 257); /* a 2048-bit p */

    uint8_t node_key[32], client_key[32];
    size_t node_len = 0, client_len = 0;
    assert_int_equal(cry_dh_agree(cbuf, cw.len, &sw, node_key, &node_len), HDL_OK);
    assert_int_equal(cry_dh_finish(ours, sbuf, sw.len, client_key, &client_len), HDL_OK);
    assert_int_equal(client_len, 32);
    assert_int_equal(node_len, client_len);
    assert_memory_equal(node_key, client_key, 32);
    /* A key that is not DH is refused. */
    assert_int_equal(cry_dh_finish(ours, cbuf, 10, client_key, &client_len), HDL_ERR_MALFORMED);
    EVP_PKEY_free(ours);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(seckey_answer_is_pbkdf2_the_node_accepts),
        cmocka_unit_test(rsa_answer_is_sha256_the_node_accepts),
        cmocka_unit_test(dsa_answer_is_sha1_the_node_accepts),
        cmocka_unit_test(sm2_answer_is_sm3_the_node_accepts),
        cmocka_unit_test(pem_keys_load_plain_and_encrypted),
        cmocka_unit_test(identity_is_index_colon_handle),
        cmocka_unit_test(dh_client_and_node_agree_on_the_session_key),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
