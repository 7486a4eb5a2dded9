/* The HTTP load's response parser: whole, partial, pipelined and malformed responses. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "bench/bench_http.h"

static int parse(const char *s, size_t *used, int *status, uint32_t *rc)
{
    return bench_http_parse_response((const uint8_t *)s, strlen(s), used, status, rc);
}

static void whole_response_gives_status_rc_and_length(void **state)
{
    (void)state;
    const char *r = "HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\n"
                    "content-length: 45\r\n\r\n"
                    "{\"responseCode\":100,\"handle\":\"88.100.1/NOPE\"}X";
    size_t used = 0;
    int status = 0;
    uint32_t rc = 0;
    assert_int_equal(parse(r, &used, &status, &rc), 1);
    assert_int_equal(status, 404);
    assert_int_equal(rc, 100);
    assert_int_equal(used, strlen(r) - 1);
}

static void partial_response_needs_more(void **state)
{
    (void)state;
    size_t used = 0;
    int status = 0;
    uint32_t rc = 0;
    assert_int_equal(parse("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n", &used, &status, &rc), 0);
    assert_int_equal(
        parse("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n{\"resp", &used, &status, &rc), 0);
    assert_int_equal(parse("HTTP/1", &used, &status, &rc), 0);
}

static void pipelined_responses_parse_one_at_a_time(void **state)
{
    (void)state;
    const char *two = "HTTP/1.1 200 OK\r\nContent-Length: 18\r\n\r\n{\"responseCode\":1}"
                      "HTTP/1.1 200 OK\r\nContent-Length: 20\r\n\r\n{\"responseCode\":200}";
    size_t used = 0;
    int status = 0;
    uint32_t rc = 0;
    assert_int_equal(parse(two, &used, &status, &rc), 1);
    assert_int_equal(rc, 1);
    assert_int_equal(parse(two + used, &used, &status, &rc), 1);
    assert_int_equal(rc, 200);
}

static void malformed_responses_are_refused(void **state)
{
    (void)state;
    size_t used = 0;
    int status = 0;
    uint32_t rc = 0;
    assert_int_equal(parse("SSH-2.0-OpenSSH\r\n\r\n", &used, &status, &rc), -1);
    assert_int_equal(
        parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", &used, &status, &rc), -1);
    assert_int_equal(parse("HTTP/1.1\r\nContent-Length: 0\r\n\r\n", &used, &status, &rc), -1);
    /* A body without a responseCode (an HTML error page) still counts, with rc 0. */
    assert_int_equal(
        parse("HTTP/1.1 413 Too Large\r\nContent-Length: 4\r\n\r\n<h1>", &used, &status, &rc), 1);
    assert_int_equal(status, 413);
    assert_int_equal(rc, 0);
}

static void chunked_responses_parse_with_the_any_parser(void **state)
{
    (void)state;
    const char *r = "HTTP/1.1 302 Found\r\nLocation: https://id.example.com/x\r\n"
                    "Transfer-Encoding: chunked\r\n\r\n5\r\n<html\r\n3\r\n/>\n\r\n0\r\n\r\nX";
    size_t used = 0;
    int status = 0;
    uint32_t rc = 7;
    assert_int_equal(
        bench_http_parse_any_response((const uint8_t *)r, strlen(r), &used, &status, &rc), 1);
    assert_int_equal(status, 302);
    assert_int_equal(rc, 0);
    assert_int_equal(used, strlen(r) - 1);
    /* Cut anywhere before its end, it needs more. */
    for (size_t cut = 0; cut < strlen(r) - 1; cut++)
        assert_int_equal(
            bench_http_parse_any_response((const uint8_t *)r, cut, &used, &status, &rc), 0);
    /* Not chunked: as the strict parser. */
    const char *plain = "HTTP/1.1 302 Found\r\nContent-Length: 2\r\n\r\nabHTTP";
    assert_int_equal(
        bench_http_parse_any_response((const uint8_t *)plain, strlen(plain), &used, &status, &rc),
        1);
    assert_int_equal(used, strlen(plain) - 4);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(whole_response_gives_status_rc_and_length),
        cmocka_unit_test(partial_response_needs_more),
        cmocka_unit_test(pipelined_responses_parse_one_at_a_time),
        cmocka_unit_test(chunked_responses_parse_with_the_any_parser),
        cmocka_unit_test(malformed_responses_are_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
