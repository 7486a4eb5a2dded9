/* The access log's JSON lines: fields, their order, escaping, clients, and lines too long. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "resolver/access_log.h"

static void resolution_line_has_every_field_in_order(void **state)
{
    (void)state;
    char buf[512];
    struct access_entry e = {
        .time = 1765000000,
        .frontend = NODE_UDP,
        .client = "127.0.0.1:40000",
        .op = "resolution",
        .handle = (const uint8_t *)"88.100.1/A",
        .handle_len = 10,
        .rc = 1,
        .us = 123,
    };
    size_t n = access_log_format(&e, buf, sizeof buf);
    const char *want = "{\"time\":\"2025-12-06T05:46:40Z\",\"frontend\":\"udp\","
                       "\"client\":\"127.0.0.1:40000\",\"op\":\"resolution\","
                       "\"handle\":\"88.100.1/A\",\"rc\":1,\"us\":123}\n";
    assert_int_equal(n, strlen(want));
    assert_memory_equal(buf, want, n);
}

static void change_line_names_the_identity_and_no_time_taken(void **state)
{
    (void)state;
    char buf[512];
    struct access_entry e = {
        .time = 0,
        .frontend = NODE_HTTP,
        .client = "[::1]:8000",
        .op = "create_handle",
        .handle = (const uint8_t *)"88.100.1/B",
        .handle_len = 10,
        .who_index = 300,
        .who = (const uint8_t *)"0.NA/88.100.1",
        .who_len = 13,
        .rc = 1,
        .us = -1,
    };
    size_t n = access_log_format(&e, buf, sizeof buf);
    const char *want = "{\"time\":\"1970-01-01T00:00:00Z\",\"frontend\":\"http\","
                       "\"client\":\"[::1]:8000\",\"op\":\"create_handle\","
                       "\"handle\":\"88.100.1/B\",\"identity\":\"300:0.NA/88.100.1\",\"rc\":1}\n";
    assert_int_equal(n, strlen(want));
    assert_memory_equal(buf, want, n);
}

static void handles_are_escaped_as_json_strings(void **state)
{
    (void)state;
    char buf[512];
    /* A quote, a backslash, a newline, NUL, DEL, valid UTF-8 (é, 中) and stray bytes. */
    static const uint8_t h[] = "a\"b\\c\nd\0e\x7f"
                               "\xc3\xa9\xe4\xb8\xad"
                               "\xff\xc3";
    struct access_entry e = {
        .frontend = NODE_TCP, .handle = h, .handle_len = sizeof h - 1, .us = -1};
    size_t n = access_log_format(&e, buf, sizeof buf);
    assert_true(n > 0);
    buf[n] = '\0';
    assert_non_null(strstr(buf, "\"handle\":\"a\\\"b\\\\c\\u000ad\\u0000e\\u007f"
                                "\xc3\xa9\xe4\xb8\xad\\u00ff\\u00c3\""));
    /* No client and no op given: those fields are left out. */
    assert_null(strstr(buf, "client"));
    assert_null(strstr(buf, "\"op\""));
}

static void a_line_too_long_for_the_buffer_is_not_written(void **state)
{
    (void)state;
    char buf[40];
    struct access_entry e = {.frontend = NODE_UDP,
                             .op = "resolution",
                             .handle = (const uint8_t *)"88.100.1/A-LONG-HANDLE",
                             .handle_len = 22,
                             .us = 1};
    assert_int_equal(access_log_format(&e, buf, sizeof buf), 0);
}

static void clients_carry_their_port(void **state)
{
    (void)state;
    char buf[ACCESS_CLIENT_MAX];
    struct sockaddr_in in = {.sin_family = AF_INET, .sin_port = htons(2641)};
    inet_pton(AF_INET, "192.0.2.7", &in.sin_addr);
    access_log_client((const struct sockaddr *)&in, buf, sizeof buf);
    assert_string_equal(buf, "192.0.2.7:2641");
    struct sockaddr_in6 in6 = {.sin6_family = AF_INET6, .sin6_port = htons(443)};
    inet_pton(AF_INET6, "2001:db8::1", &in6.sin6_addr);
    access_log_client((const struct sockaddr *)&in6, buf, sizeof buf);
    assert_string_equal(buf, "[2001:db8::1]:443");
    struct sockaddr other = {.sa_family = AF_UNIX};
    access_log_client(&other, buf, sizeof buf);
    assert_string_equal(buf, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(resolution_line_has_every_field_in_order),
        cmocka_unit_test(change_line_names_the_identity_and_no_time_taken),
        cmocka_unit_test(handles_are_escaped_as_json_strings),
        cmocka_unit_test(a_line_too_long_for_the_buffer_is_not_written),
        cmocka_unit_test(clients_carry_their_port),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
