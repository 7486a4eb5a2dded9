/* The primary's decisions (resolver/replication/repl_primary.h): when a mirror must re-dump,
 * which handles a mirror server of a multi-server site gets, and the self-signed certificate on
 * RSA, DSA and EC keys that its TLS mode presents. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "crypto/self_cert.h"
#include "resolver/replication/repl_primary.h"

#define DAY (86400ull * 1000u)
#define NOW (1796505631577ull)

static void test_redump_rules(void **state)
{
    (void)state;
    /* The reference's log at capture time: ids 1..42, the first two days old. */
    struct repl_log_state log = {.last_id = 42, .first_id = 1, .first_date_ms = NOW - 2 * DAY};
    /* A normal poll: the log began before the mirror's last pull. */
    assert_false(repl_primary_need_redump(&log, 37, NOW - 30000, NOW));
    /* Up to date. */
    assert_false(repl_primary_need_redump(&log, 42, 1000, NOW));
    /* No position, young log holding txn 1: everything is sent. */
    assert_false(repl_primary_need_redump(&log, 0, 0, NOW));
    /* The forged old position of the capture (5, 1000). */
    assert_true(repl_primary_need_redump(&log, 5, 1000, NOW));
    /* The log starts right after the position, within a day of its date. */
    struct repl_log_state pruned = {.last_id = 42, .first_id = 6, .first_date_ms = NOW - DAY};
    assert_false(repl_primary_need_redump(&pruned, 5, NOW - DAY - 1000, NOW));
    assert_true(repl_primary_need_redump(&pruned, 4, NOW - DAY - 1000, NOW));
    /* No position and an old log: only a date near its start avoids the redump. */
    struct repl_log_state old = {.last_id = 42, .first_id = 1, .first_date_ms = NOW - 30 * DAY};
    assert_true(repl_primary_need_redump(&old, 0, 0, NOW));
    assert_false(repl_primary_need_redump(&old, 0, NOW - 30 * DAY - 1000, NOW));
    /* An empty log never asks for a redump. */
    struct repl_log_state empty = {0};
    assert_false(repl_primary_need_redump(&empty, 5, 1000, NOW));
    /* A bulk import after the position: its handles are not in the log. */
    struct repl_log_state imported = log;
    imported.import_id = 40;
    assert_true(repl_primary_need_redump(&imported, 37, NOW - 30000, NOW));
    assert_true(repl_primary_need_redump(&imported, 0, 0, NOW));
    assert_false(repl_primary_need_redump(&imported, 40, NOW - 30000, NOW));
}

static void test_selects(void **state)
{
    (void)state;
    static const char *handles[] = {"88.100.1/A",    "88.100.1/B",     "88.100.1/PRODUCT-000001",
                                    "0.NA/88.100.1", "88.100.1/ADMIN", "X/1"};
    for (size_t i = 0; i < sizeof handles / sizeof handles[0]; i++) {
        const uint8_t *h = (const uint8_t *)handles[i];
        size_t n = strlen(handles[i]);
        assert_true(repl_primary_selects(2, 1, 0, h, n));
        /* Exactly one server of a site of three takes each handle. */
        int takers = 0;
        for (uint32_t s = 0; s < 3; s++)
            takers += repl_primary_selects(2, 3, s, h, n);
        assert_int_equal(takers, 1);
        /* Case does not change the server. */
        char lower[64];
        for (size_t j = 0; j <= n; j++)
            lower[j] = (char)((handles[i][j] >= 'A' && handles[i][j] <= 'Z') ? handles[i][j] + 32
                                                                             : handles[i][j]);
        for (uint32_t s = 0; s < 3; s++)
            assert_int_equal(repl_primary_selects(2, 3, s, h, n),
                             repl_primary_selects(2, 3, s, (const uint8_t *)lower, n));
    }
}

/* The certificate carries the key itself and verifies with it. */
static void check_cert(EVP_PKEY *key)
{
    assert_non_null(key);
    X509 *cert = self_cert_make(key);
    assert_non_null(cert);
    EVP_PKEY *pub = X509_get0_pubkey(cert);
    assert_int_equal(EVP_PKEY_eq(pub, key), 1);
    assert_int_equal(X509_verify(cert, pub), 1);
    char cn[32] = "";
    X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, cn, sizeof cn);
    assert_string_equal(cn, "anonymous");
    X509_free(cert);
    EVP_PKEY_free(key);
}

static void test_self_cert(void **state)
{
    (void)state;
    check_cert(EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048));
    check_cert(EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256"));
    EVP_PKEY_CTX *pctx = EVP_PKEY_CTX_new_from_name(NULL, "DSA", NULL);
    EVP_PKEY *params = NULL, *dsa = NULL;
    assert_int_equal(EVP_PKEY_paramgen_init(pctx), 1);
    assert_int_equal(EVP_PKEY_CTX_set_dsa_paramgen_bits(pctx, 1024), 1);
    assert_int_equal(EVP_PKEY_paramgen(pctx, &params), 1);
    EVP_PKEY_CTX *kctx = EVP_PKEY_CTX_new_from_pkey(NULL, params, NULL);
    assert_int_equal(EVP_PKEY_keygen_init(kctx), 1);
    assert_int_equal(EVP_PKEY_keygen(kctx, &dsa), 1);
    check_cert(dsa);
    EVP_PKEY_CTX_free(kctx);
    EVP_PKEY_free(params);
    EVP_PKEY_CTX_free(pctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_redump_rules),
        cmocka_unit_test(test_selects),
        cmocka_unit_test(test_self_cert),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
