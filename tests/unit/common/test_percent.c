/* The one percent-encoder: letters, digits and the caller's set stay, every other byte is %XX. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "common/percent.h"

static void encode(const char *in, const char *keep, const char *want)
{
    char out[256];
    const uint8_t *s = (const uint8_t *)in;
    size_t len = pct_encoded_len(s, strlen(in), keep);
    assert_int_equal(len, strlen(want));
    assert_int_equal(pct_encode(out, s, strlen(in), keep), len);
    out[len] = '\0';
    assert_string_equal(out, want);
}

static void bytes_outside_the_set_become_upper_case_hex(void **state)
{
    (void)state;
    encode("88.100.1/LOT 7#a?b%", PCT_UNRESERVED "/", "88.100.1/LOT%207%23a%3Fb%25");
    encode("88.100.1/LOT-1", PCT_UNRESERVED, "88.100.1%2FLOT-1");
    encode("\xe4\xba\xa7~_", PCT_UNRESERVED, "%E4%BA%A7~_");
    encode("a+b&c", PCT_UNRESERVED "+&", "a+b&c");
    encode("", PCT_UNRESERVED, "");
}

static void a_nul_byte_is_encoded_not_kept(void **state)
{
    (void)state;
    char out[8];
    const uint8_t s[] = {'a', 0, 'b'};
    assert_int_equal(pct_encoded_len(s, 3, PCT_UNRESERVED), 5);
    assert_int_equal(pct_encode(out, s, 3, PCT_UNRESERVED), 5);
    assert_memory_equal(out, "a%00b", 5);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(bytes_outside_the_set_become_upper_case_hex),
        cmocka_unit_test(a_nul_byte_is_encoded_not_kept),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
