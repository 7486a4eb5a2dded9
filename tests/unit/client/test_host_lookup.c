/* One-shot name lookups for start-up and the command line: numeric hosts as they are, bad names
 * refused, a DNS server that does not answer ends in PZ_ERR_DNS_FAILED within the time given.
 * (Lookups answered by a real DNS server: tests/integration/test_dns.py.) */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "client/host_lookup.h"
#include "common/errcode.h"

static void numeric_hosts_need_no_dns(void **state)
{
    (void)state;
    struct sockaddr_storage a;
    socklen_t len;
    assert_int_equal(host_lookup("192.0.2.7", 2641, "127.0.0.1:1", 10, &a, &len), 0);
    assert_int_equal(a.ss_family, AF_INET);
    assert_int_equal(len, sizeof(struct sockaddr_in));
    assert_int_equal(ntohs(((struct sockaddr_in *)&a)->sin_port), 2641);
    assert_int_equal(host_lookup("2001:db8::1", 53, NULL, 10, &a, &len), 0);
    assert_int_equal(a.ss_family, AF_INET6);
    assert_int_equal(ntohs(((struct sockaddr_in6 *)&a)->sin6_port), 53);
    char text[64];
    assert_int_equal(host_lookup_text("::1", NULL, 10, text, sizeof text), 0);
    assert_string_equal(text, "::1");
}

static void bad_names_are_refused(void **state)
{
    (void)state;
    struct sockaddr_storage a;
    socklen_t len;
    assert_int_equal(host_lookup("bad host", 1, NULL, 10, &a, &len), PZ_ERR_DNS_BADNAME);
    assert_int_equal(host_lookup("", 1, NULL, 10, &a, &len), PZ_ERR_DNS_BADNAME);
    assert_int_equal(host_lookup("a..b", 1, NULL, 10, &a, &len), PZ_ERR_DNS_BADNAME);
    assert_int_equal(host_lookup("x/y", 1, NULL, 10, &a, &len), PZ_ERR_DNS_BADNAME);
}

static void a_silent_server_fails_in_time(void **state)
{
    (void)state;
    /* A bound UDP socket that never answers. */
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(0x7f000001)};
    assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof sin), 0);
    socklen_t sl = sizeof sin;
    getsockname(fd, (struct sockaddr *)&sin, &sl);
    char servers[64];
    snprintf(servers, sizeof servers, "127.0.0.1:%u", (unsigned)ntohs(sin.sin_port));
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    struct sockaddr_storage a;
    socklen_t len;
    assert_int_equal(host_lookup("node.pazhou.test", 1, servers, 300, &a, &len),
                     PZ_ERR_DNS_FAILED);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
    assert_true(ms < 2000);
    close(fd);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(numeric_hosts_need_no_dns),
        cmocka_unit_test(bad_names_are_refused),
        cmocka_unit_test(a_silent_server_fails_in_time),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
