/* The OpenSSL side of the wire forms: keys as Java big integers, request digests. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <openssl/evp.h>
#include <openssl/rsa.h>

#include "crypto/digest.h"
#include "crypto/key.h"
#include "proto/hdl_const.h"
#include "proto/hdl_error_body.h"
#include "proto/hdl_pubkey.h"

static void pubkey_integers_are_java_big_integers(void **state)
{
    EVP_PKEY *pkey = EVP_RSA_gen(1024);
    assert_non_null(pkey);
    uint8_t out[512];
    struct hdl_writer w;
    hdl_writer_init(&w, out, sizeof(out));
    assert_int_equal(cry_pubkey_from_evp(&w, pkey), HDL_OK);
    struct hdl_pubkey key;
    assert_int_equal(hdl_pubkey_decode(out, w.len, &key), HDL_OK);
    assert_int_equal(key.kind, HDL_KEY_RSA);
    assert_int_equal(key.trailing_zeros, 4);
    static const uint8_t e65537[] = {1, 0, 1};
    assert_int_equal(key.a.len, 3);
    assert_memory_equal(key.a.ptr, e65537, 3);
    assert_int_equal(key.b.len, 129); /* top bit of a 1024-bit modulus is set: a 0x00 first */
    assert_int_equal(key.b.ptr[0], 0);
    assert_true(key.b.ptr[1] & 0x80);
    assert_int_equal(w.len, 4 + 11 + 2 + 4 + 3 + 4 + 129 + 4);
    EVP_PKEY *back = NULL;
    assert_int_equal(cry_pubkey_to_evp(&key, &back), HDL_OK);
    assert_int_equal(EVP_PKEY_eq(pkey, back), 1);
    EVP_PKEY_free(back);
    EVP_PKEY_free(pkey);

    /* A modulus with its top bit set but no 0x00 is a negative number: no key. */
    uint8_t neg[64];
    hdl_writer_init(&w, neg, sizeof(neg));
    hdl_put_cstr(&w, "RSA_PUB_KEY");
    hdl_put_u16(&w, 0);
    hdl_put_bytes(&w, e65537, 3);
    static const uint8_t m[] = {0x80, 1, 2, 3};
    hdl_put_bytes(&w, m, 4);
    assert_int_equal(hdl_pubkey_decode(neg, w.len, &key), HDL_OK);
    assert_int_equal(key.trailing_zeros, 0);
    assert_int_equal(cry_pubkey_to_evp(&key, &back), HDL_ERR_MALFORMED);
    assert_null(back);
    hdl_put_u8(&w, 1);
    assert_int_equal(hdl_pubkey_decode(neg, w.len, &key), HDL_ERR_TRAILING);

    hdl_writer_init(&w, neg, sizeof(neg));
    hdl_put_cstr(&w, "SM2_PUB_KEY");
    hdl_put_u16(&w, 0);
    assert_int_equal(hdl_pubkey_decode(neg, w.len, &key), HDL_ERR_UNSUPPORTED);
}

static void digests_follow_the_version(void **state)
{
    assert_int_equal(hdl_digest_alg_for_version(2, 10), HDL_DIGEST_SHA256);
    assert_int_equal(hdl_digest_alg_for_version(2, 7), HDL_DIGEST_SHA256);
    assert_int_equal(hdl_digest_alg_for_version(2, 6), HDL_DIGEST_SHA1);
    assert_int_equal(hdl_digest_alg_for_version(2, 1), HDL_DIGEST_SHA1);
    assert_int_equal(hdl_digest_alg_for_version(2, 0), HDL_DIGEST_OLD_MD5);

    static const uint8_t data[] = "abc";
    static const uint8_t md5_abc[] = {0x90, 0x01, 0x50, 0x98, 0x3c, 0xd2, 0x4f, 0xb0,
                                      0xd6, 0x96, 0x3f, 0x7d, 0x28, 0xe1, 0x7f, 0x72};
    uint8_t out[64];
    struct hdl_writer w;
    hdl_writer_init(&w, out, sizeof(out));
    assert_int_equal(cry_digest_put(&w, HDL_DIGEST_OLD_MD5, data, 3), HDL_OK);
    assert_int_equal(w.len, 1 + 4 + 16);
    assert_memory_equal(out + 5, md5_abc, 16);
    struct hdl_reader r;
    struct hdl_digest d;
    hdl_reader_init(&r, out, w.len);
    assert_int_equal(hdl_digest_decode(&r, &d), HDL_OK);
    assert_int_equal(d.bytes.len, 16);
    assert_int_equal(hdl_reader_left(&r), 0);
    for (uint8_t alg = HDL_DIGEST_MD5; alg <= HDL_DIGEST_SHA256; alg++) {
        hdl_writer_init(&w, out, sizeof(out));
        assert_int_equal(cry_digest_put(&w, alg, data, 3), HDL_OK);
        assert_int_equal(w.len, 1 + (alg == 1 ? 16 : alg == 2 ? 20 : 32));
        hdl_reader_init(&r, out, w.len - 1);
        assert_int_equal(hdl_digest_decode(&r, &d), HDL_ERR_TRUNCATED);
        assert_int_equal(r.pos, 0);
    }
    hdl_writer_init(&w, out, 10);
    assert_int_equal(cry_digest_put(&w, HDL_DIGEST_SHA256, data, 3), HDL_ERR_NOSPACE);
    hdl_writer_init(&w, out, sizeof(out));
    assert_int_equal(cry_digest_put(&w, 7, data, 3), HDL_ERR_MALFORMED);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(pubkey_integers_are_java_big_integers),
        cmocka_unit_test(digests_follow_the_version),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
