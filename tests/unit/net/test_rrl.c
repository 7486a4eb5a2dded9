#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <arpa/inet.h>
#include <cmocka.h>
#include <netinet/in.h>

#include "resolver/net/rrl.h"

static struct sockaddr_storage v4(const char *text)
{
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
    sin->sin_family = AF_INET;
    assert_int_equal(inet_pton(AF_INET, text, &sin->sin_addr), 1);
    return ss;
}

static struct sockaddr_storage v6(const char *text)
{
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
    sin6->sin6_family = AF_INET6;
    assert_int_equal(inet_pton(AF_INET6, text, &sin6->sin6_addr), 1);
    return ss;
}

static struct rrl_settings settings(uint32_t per_second, uint32_t slip)
{
    struct rrl_settings s = {
        .per_second = per_second,
        .slip = slip,
        .ipv4_prefix = 24,
        .ipv6_prefix = 56,
        .buckets = 1024,
    };
    return s;
}

/* Counts the verdicts of n answers to sa at now_ms. */
static void run(struct rrl_table *t, const struct sockaddr_storage *sa, uint64_t now_ms, int n,
                int out[3])
{
    out[0] = out[1] = out[2] = 0;
    for (int i = 0; i < n; i++)
        out[rrl_check(t, (const struct sockaddr *)sa, now_ms)]++;
}

static void budget_passes_then_every_second_answer_slips(void **state)
{
    (void)state;
    struct rrl_settings s = settings(10, 2);
    struct rrl_table *t = rrl_new(&s, 42);
    struct sockaddr_storage a = v4("192.0.2.7");
    int got[3];
    run(t, &a, 1000, 30, got);
    assert_int_equal(got[RRL_PASS], 10);
    assert_int_equal(got[RRL_SLIP], 10);
    assert_int_equal(got[RRL_DROP], 10);
    rrl_free(t);
}

static void tokens_refill_with_time_up_to_one_second(void **state)
{
    (void)state;
    struct rrl_settings s = settings(10, 0);
    struct rrl_table *t = rrl_new(&s, 1);
    struct sockaddr_storage a = v4("192.0.2.7");
    int got[3];
    run(t, &a, 1000, 10, got);
    assert_int_equal(got[RRL_PASS], 10);
    /* 300 ms later: three answers' worth. */
    run(t, &a, 1300, 10, got);
    assert_int_equal(got[RRL_PASS], 3);
    assert_int_equal(got[RRL_DROP], 7);
    assert_int_equal(got[RRL_SLIP], 0);
    /* A long silence refills one second's budget, no more. */
    run(t, &a, 60000, 20, got);
    assert_int_equal(got[RRL_PASS], 10);
    rrl_free(t);
}

static void one_network_shares_a_budget_others_have_their_own(void **state)
{
    (void)state;
    struct rrl_settings s = settings(5, 1);
    struct rrl_table *t = rrl_new(&s, 7);
    struct sockaddr_storage a = v4("198.51.100.1"), b = v4("198.51.100.254"),
                            other = v4("198.51.101.1");
    int got[3];
    run(t, &a, 5000, 5, got);
    assert_int_equal(got[RRL_PASS], 5);
    run(t, &b, 5000, 3, got); /* same /24 */
    assert_int_equal(got[RRL_PASS], 0);
    assert_int_equal(got[RRL_SLIP], 3);
    run(t, &other, 5000, 5, got);
    assert_int_equal(got[RRL_PASS], 5);
    rrl_free(t);
}

static void ipv6_sources_are_grouped_by_56_bits(void **state)
{
    (void)state;
    struct rrl_settings s = settings(4, 0);
    struct rrl_table *t = rrl_new(&s, 9);
    struct sockaddr_storage a = v6("2001:db8:0:ab00::1"), same = v6("2001:db8:0:abff:ffff::2"),
                            other = v6("2001:db8:0:ac00::1");
    int got[3];
    run(t, &a, 100, 4, got);
    assert_int_equal(got[RRL_PASS], 4);
    run(t, &same, 100, 2, got);
    assert_int_equal(got[RRL_DROP], 2);
    run(t, &other, 100, 4, got);
    assert_int_equal(got[RRL_PASS], 4);
    rrl_free(t);
}

static void exempt_networks_and_zero_budget_are_never_limited(void **state)
{
    (void)state;
    struct conf_net loop;
    assert_int_equal(conf_parse_net("127.0.0.0/8", &loop), 0);
    struct rrl_settings s = settings(1, 0);
    s.exempt = &loop;
    s.exempt_count = 1;
    struct rrl_table *t = rrl_new(&s, 3);
    struct sockaddr_storage lo = v4("127.3.2.1"), out = v4("128.0.0.1");
    int got[3];
    run(t, &lo, 0, 100, got);
    assert_int_equal(got[RRL_PASS], 100);
    run(t, &out, 0, 3, got);
    assert_int_equal(got[RRL_PASS], 1);
    rrl_free(t);

    struct rrl_settings off = settings(0, 2);
    t = rrl_new(&off, 3);
    run(t, &out, 0, 100, got);
    assert_int_equal(got[RRL_PASS], 100);
    rrl_free(t);
}

static void a_full_table_keeps_limiting_the_busiest_network(void **state)
{
    (void)state;
    struct rrl_settings s = settings(3, 0);
    s.buckets = 64;
    struct rrl_table *t = rrl_new(&s, 11);
    struct sockaddr_storage hot = v4("203.0.113.9");
    int got[3];
    run(t, &hot, 1000, 3, got);
    assert_int_equal(got[RRL_PASS], 3);
    /* Many other networks pass once each at an earlier moment than hot's last refill... */
    char text[32];
    for (int i = 0; i < 200; i++) {
        snprintf(text, sizeof text, "10.%d.%d.1", i / 250, i % 250);
        struct sockaddr_storage x = v4(text);
        assert_int_equal(rrl_check(t, (const struct sockaddr *)&x, 1000), RRL_PASS);
    }
    /* ...and hot, still within its second, is at worst given a fresh budget, never more than
     * one second's worth per eviction. */
    run(t, &hot, 1000, 10, got);
    assert_true(got[RRL_PASS] == 0 || got[RRL_PASS] == 3);
    assert_int_equal(got[RRL_PASS] + got[RRL_DROP], 10);
    rrl_free(t);
}

static void networks_parse_with_and_without_a_length(void **state)
{
    (void)state;
    struct conf_net n;
    assert_int_equal(conf_parse_net("10.1.2.3", &n), 0);
    assert_int_equal(n.bits, 32);
    assert_int_equal(conf_parse_net("2001:db8::/32", &n), 0);
    assert_int_equal(n.family, AF_INET6);
    assert_int_equal(n.bits, 32);
    assert_int_equal(conf_parse_net("10.0.0.0/33", &n), -1);
    assert_int_equal(conf_parse_net("10.0.0.0/", &n), -1);
    assert_int_equal(conf_parse_net("host/8", &n), -1);
    struct sockaddr_storage in = v4("10.200.3.4"), out = v4("11.0.0.1");
    assert_int_equal(conf_parse_net("10.0.0.0/8", &n), 0);
    assert_true(rrl_net_contains(&n, (const struct sockaddr *)&in));
    assert_false(rrl_net_contains(&n, (const struct sockaddr *)&out));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(budget_passes_then_every_second_answer_slips),
        cmocka_unit_test(tokens_refill_with_time_up_to_one_second),
        cmocka_unit_test(one_network_shares_a_budget_others_have_their_own),
        cmocka_unit_test(ipv6_sources_are_grouped_by_56_bits),
        cmocka_unit_test(exempt_networks_and_zero_budget_are_never_limited),
        cmocka_unit_test(a_full_table_keeps_limiting_the_busiest_network),
        cmocka_unit_test(networks_parse_with_and_without_a_length),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
