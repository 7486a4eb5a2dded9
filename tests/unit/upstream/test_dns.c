/*
 * upstream/dns: host names through c-ares on a libevent loop, and its cache.
 *
 * Without PAZHOU_TEST_DNS it checks what needs no DNS server: numeric hosts, bad names, servers
 * that refuse or never answer, cancelled waits, freeing with waits pending.
 *
 * With PAZHOU_TEST_DNS=ADDR:PORT (tests/integration/test_dns.py starts Knot DNS with
 * tests/integration/dns_server.py) it asks that server, whose zone pazhou.test. must hold:
 *   v4      A     192.0.2.1            both    A     192.0.2.2
 *   v6      AAAA  2001:db8::1          both    AAAA  2001:db8::2
 *   shared  A     192.0.2.3            ttl     A     192.0.2.10  (TTL 1)
 * and no other names (nope.pazhou.test must not exist; the apex has no address). With
 * PAZHOU_TEST_DNS_SYNC=1 it prints the line "DNS-CHANGE ttl.pazhou.test" once the TTL test has
 * the first address cached and reads one line from stdin: the driver changes ttl's A record to
 * 192.0.2.11 (and reloads the zone) before writing it; later it prints "DNS-STOP" and reads a
 * line: the driver stops the server before writing it (without the variable that case is
 * skipped).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <cmocka.h>
#include <event2/event.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "common/errcode.h"
#include "resolver/upstream/dns.h"

#define TIMEOUT_MS 200

struct got {
    int calls;
    struct updns_answer a;
};

static void on_answer(void *ctx, const struct updns_answer *a)
{
    struct got *g = ctx;
    g->calls++;
    g->a = *a;
}

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void tick(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    (void)arg;
}

/* A loop with a 10 ms tick, so that one turn of it never waits long. */
static struct event_base *new_loop(struct event **tick_ev)
{
    struct event_base *base = event_base_new();
    assert_non_null(base);
    *tick_ev = event_new(base, -1, EV_PERSIST, tick, NULL);
    struct timeval tv = {0, 10000};
    event_add(*tick_ev, &tv);
    return base;
}

/* Turns the loop until *calls reaches want or ms pass; returns the milliseconds it took. */
static uint64_t run_until(struct event_base *base, const int *calls, int want, uint64_t ms)
{
    uint64_t start = now_ms();
    while ((calls == NULL || *calls < want) && now_ms() - start < ms)
        event_base_loop(base, EVLOOP_ONCE);
    return now_ms() - start;
}

static void assert_v4(const struct updns_answer *a, int i, const char *text, uint16_t port)
{
    const struct sockaddr_in *sin = (const struct sockaddr_in *)&a->addrs[i];
    char buf[INET_ADDRSTRLEN];
    assert_int_equal(sin->sin_family, AF_INET);
    assert_int_equal(a->lens[i], sizeof *sin);
    assert_non_null(inet_ntop(AF_INET, &sin->sin_addr, buf, sizeof buf));
    assert_string_equal(buf, text);
    assert_int_equal(ntohs(sin->sin_port), port);
}

static void assert_v6(const struct updns_answer *a, int i, const char *text, uint16_t port)
{
    const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)&a->addrs[i];
    char buf[INET6_ADDRSTRLEN];
    assert_int_equal(sin6->sin6_family, AF_INET6);
    assert_int_equal(a->lens[i], sizeof *sin6);
    assert_non_null(inet_ntop(AF_INET6, &sin6->sin6_addr, buf, sizeof buf));
    assert_string_equal(buf, text);
    assert_int_equal(ntohs(sin6->sin6_port), port);
}

/* A UDP socket on 127.0.0.1 that is never read: a DNS server that does not answer. */
static int silent_server(struct conf_endpoint *ep)
{
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_in sin = {.sin_family = AF_INET};
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof sin), 0);
    socklen_t len = sizeof sin;
    assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
    memset(ep, 0, sizeof *ep);
    strcpy(ep->host, "127.0.0.1");
    ep->port = ntohs(sin.sin_port);
    return fd;
}

/* A loopback port nothing listens on: the server's host answers "port unreachable". */
static void refusing_server(struct conf_endpoint *ep)
{
    int fd = silent_server(ep);
    close(fd);
}

static void numeric_hosts_answer_at_once_with_the_port(void **state)
{
    (void)state;
    struct event *t;
    struct event_base *base = new_loop(&t);
    struct conf_endpoint ep;
    refusing_server(&ep);
    struct updns *d = updns_new(base, &ep, 1, TIMEOUT_MS);
    assert_non_null(d);
    struct got g = {0};
    struct updns_answer now;
    struct updns_wait *w = (struct updns_wait *)&g;

    assert_int_equal(updns_lookup(d, "192.0.2.7", 2641, &now, on_answer, &g, &w), 0);
    assert_null(w);
    assert_int_equal(now.err, 0);
    assert_int_equal(now.count, 1);
    assert_v4(&now, 0, "192.0.2.7", 2641);

    assert_int_equal(updns_lookup(d, "2001:db8::1", 8000, &now, on_answer, &g, &w), 0);
    assert_int_equal(now.count, 1);
    assert_v6(&now, 0, "2001:db8::1", 8000);

    assert_int_equal(updns_lookup(d, "[::1]", 443, &now, on_answer, &g, &w), 0);
    assert_int_equal(now.count, 1);
    assert_v6(&now, 0, "::1", 443);

    run_until(base, NULL, 0, 50);
    assert_int_equal(g.calls, 0);
    struct updns_stats s;
    updns_get_stats(d, &s);
    assert_int_equal(s.queries, 0);
    updns_free(d);
    event_free(t);
    event_base_free(base);
}

static void bad_names_are_refused(void **state)
{
    (void)state;
    struct event *t;
    struct event_base *base = new_loop(&t);
    struct updns *d = updns_new(base, NULL, 0, TIMEOUT_MS);
    assert_non_null(d);
    char long_label[70], long_name[300];
    memset(long_label, 'a', 64);
    strcpy(long_label + 64, ".cn");
    for (int i = 0; i < 254; i += 2)
        memcpy(long_name + i, "a.", 2);
    long_name[253] = 'b'; /* 254 bytes, no final dot */
    long_name[254] = '\0';
    const char *bad[] = {"",         ".",          "a..b",      ".a",   "exa mple.cn",
                         "a/b.cn",   "ünicode.cn", "a.cn:2641", "[::1", "192.0.2.1/24",
                         long_label, long_name};
    struct got g = {0};
    struct updns_answer now;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct updns_wait *w = NULL;
        int rc = updns_lookup(d, bad[i], 2641, &now, on_answer, &g, &w);
        if (rc != PZ_ERR_DNS_BADNAME)
            fail_msg("\"%s\": %d", bad[i], rc);
        assert_null(w);
    }
    struct updns_stats s;
    updns_get_stats(d, &s);
    assert_int_equal(s.queries, 0);
    assert_int_equal(g.calls, 0);
    updns_free(d);
    event_free(t);
    event_base_free(base);
}

/* Looks a name up through a server that does not answer (silent) or refuses: the wait ends in
 * PZ_ERR_DNS_FAILED within c-ares' tries (3 x TIMEOUT_MS: two rounds, the second twice as
 * long), and meanwhile numeric hosts still answer at once. */
static void dead_server(bool silent)
{
    struct event *t;
    struct event_base *base = new_loop(&t);
    struct conf_endpoint ep;
    int fd = -1;
    if (silent)
        fd = silent_server(&ep);
    else
        refusing_server(&ep);
    struct updns *d = updns_new(base, &ep, 1, TIMEOUT_MS);
    assert_non_null(d);
    struct got g = {0};
    struct updns_answer now;
    struct updns_wait *w = NULL;
    assert_int_equal(updns_lookup(d, "host.pazhou.test", 2641, &now, on_answer, &g, &w), 1);
    assert_non_null(w);
    assert_int_equal(updns_lookup(d, "192.0.2.9", 2641, &now, on_answer, &g, &w), 0);
    uint64_t took = run_until(base, &g.calls, 1, 5000);
    assert_int_equal(g.calls, 1);
    assert_int_equal(g.a.err, PZ_ERR_DNS_FAILED);
    assert_int_equal(g.a.count, 0);
    if (silent)
        assert_true(took >= TIMEOUT_MS - 20);
    assert_true(took <= 3 * TIMEOUT_MS + 1400); /* slack for a loaded machine */
    run_until(base, NULL, 0, 50);
    assert_int_equal(g.calls, 1);
    struct updns_stats s;
    updns_get_stats(d, &s);
    assert_int_equal(s.queries, 1);
    assert_int_equal(s.failures, 1);
    updns_free(d);
    if (fd >= 0)
        close(fd);
    event_free(t);
    event_base_free(base);
}

static void a_silent_server_fails_the_lookup_after_its_timeout(void **state)
{
    (void)state;
    dead_server(true);
}

static void a_refusing_server_fails_the_lookup(void **state)
{
    (void)state;
    dead_server(false);
}

static void a_cancelled_wait_gets_no_callback(void **state)
{
    (void)state;
    struct event *t;
    struct event_base *base = new_loop(&t);
    struct conf_endpoint ep;
    int fd = silent_server(&ep);
    struct updns *d = updns_new(base, &ep, 1, TIMEOUT_MS);
    assert_non_null(d);
    struct got kept = {0}, cancelled = {0};
    struct updns_answer now;
    struct updns_wait *w1 = NULL, *w2 = NULL;
    assert_int_equal(updns_lookup(d, "Host.Pazhou.Test", 1, &now, on_answer, &cancelled, &w1), 1);
    assert_int_equal(updns_lookup(d, "host.pazhou.test", 2, &now, on_answer, &kept, &w2), 1);
    updns_cancel(w1);
    run_until(base, &kept.calls, 1, 5000);
    assert_int_equal(kept.calls, 1);
    assert_int_equal(kept.a.err, PZ_ERR_DNS_FAILED);
    run_until(base, NULL, 0, 50);
    assert_int_equal(cancelled.calls, 0);
    struct updns_stats s;
    updns_get_stats(d, &s);
    assert_int_equal(s.queries, 1); /* the second wait joined the first lookup */
    updns_cancel(NULL);
    updns_free(d);
    close(fd);
    event_free(t);
    event_base_free(base);
}

static void free_with_waits_pending_calls_nothing(void **state)
{
    (void)state;
    struct event *t;
    struct event_base *base = new_loop(&t);
    struct conf_endpoint ep;
    int fd = silent_server(&ep);
    struct updns *d = updns_new(base, &ep, 1, TIMEOUT_MS);
    assert_non_null(d);
    struct got g = {0};
    struct updns_answer now;
    struct updns_wait *w = NULL;
    assert_int_equal(updns_lookup(d, "one.pazhou.test", 1, &now, on_answer, &g, &w), 1);
    assert_int_equal(updns_lookup(d, "one.pazhou.test", 2, &now, on_answer, &g, &w), 1);
    assert_int_equal(updns_lookup(d, "two.pazhou.test", 3, &now, on_answer, &g, &w), 1);
    run_until(base, NULL, 0, 30); /* the queries are on the wire */
    updns_free(d);
    run_until(base, NULL, 0, 4 * TIMEOUT_MS);
    assert_int_equal(g.calls, 0);
    close(fd);
    event_free(t);
    event_base_free(base);
}

/* With a real server (PAZHOU_TEST_DNS). */

static struct conf_endpoint server;

struct fixture {
    struct event *tick;
    struct event_base *base;
    struct updns *d;
};

static int setup_server(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    f->base = new_loop(&f->tick);
    f->d = updns_new(f->base, &server, 1, 1000);
    if (f->d == NULL)
        return -1;
    *state = f;
    return 0;
}

static int teardown_server(void **state)
{
    struct fixture *f = *state;
    updns_free(f->d);
    event_free(f->tick);
    event_base_free(f->base);
    free(f);
    return 0;
}

/* Looks host up, waiting for the answer when it is not known at once; returns lookup's code. */
static int lookup(struct fixture *f, const char *host, uint16_t port, struct updns_answer *a)
{
    struct got g = {0};
    struct updns_wait *w = NULL;
    int rc = updns_lookup(f->d, host, port, a, on_answer, &g, &w);
    if (rc == 1) {
        run_until(f->base, &g.calls, 1, 5000);
        assert_int_equal(g.calls, 1);
        *a = g.a;
    }
    return rc;
}

static void a_record(void **state)
{
    struct updns_answer a;
    assert_int_equal(lookup(*state, "v4.pazhou.test", 2641, &a), 1);
    assert_int_equal(a.err, 0);
    assert_int_equal(a.count, 1);
    assert_v4(&a, 0, "192.0.2.1", 2641);
}

static void aaaa_record(void **state)
{
    struct updns_answer a;
    assert_int_equal(lookup(*state, "v6.pazhou.test.", 2641, &a), 1);
    assert_int_equal(a.err, 0);
    assert_int_equal(a.count, 1);
    assert_v6(&a, 0, "2001:db8::1", 2641);
}

static void both_records_ipv6_first(void **state)
{
    struct updns_answer a;
    assert_int_equal(lookup(*state, "both.pazhou.test", 8000, &a), 1);
    assert_int_equal(a.err, 0);
    assert_int_equal(a.count, 2);
    assert_v6(&a, 0, "2001:db8::2", 8000);
    assert_v4(&a, 1, "192.0.2.2", 8000);
}

static void no_such_name_is_not_found_and_kept(void **state)
{
    struct fixture *f = *state;
    struct updns_answer a;
    assert_int_equal(lookup(f, "nope.pazhou.test", 2641, &a), 1);
    assert_int_equal(a.err, PZ_ERR_DNS_NOTFOUND);
    assert_int_equal(a.count, 0);
    assert_int_equal(lookup(f, "nope.pazhou.test", 2641, &a), 0);
    assert_int_equal(a.err, PZ_ERR_DNS_NOTFOUND);
    /* A name with records but no address. */
    assert_int_equal(lookup(f, "pazhou.test", 2641, &a), 1);
    assert_int_equal(a.err, PZ_ERR_DNS_NOTFOUND);
    struct updns_stats s;
    updns_get_stats(f->d, &s);
    assert_int_equal(s.queries, 2);
    assert_int_equal(s.cache_hits, 1);
    assert_int_equal(s.failures, 2);
}

static void concurrent_lookups_share_one_query(void **state)
{
    struct fixture *f = *state;
    struct got g[3] = {{0}};
    struct updns_wait *w[3];
    struct updns_answer now;
    const char *spelling[3] = {"shared.pazhou.test", "SHARED.pazhou.test", "Shared.Pazhou.Test"};
    for (int i = 0; i < 3; i++)
        assert_int_equal(
            updns_lookup(f->d, spelling[i], (uint16_t)(1000 + i), &now, on_answer, &g[i], &w[i]),
            1);
    run_until(f->base, &g[2].calls, 1, 5000);
    run_until(f->base, NULL, 0, 20);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(g[i].calls, 1);
        assert_int_equal(g[i].a.err, 0);
        assert_int_equal(g[i].a.count, 1);
        assert_v4(&g[i].a, 0, "192.0.2.3", (uint16_t)(1000 + i));
    }
    struct updns_stats s;
    updns_get_stats(f->d, &s);
    assert_int_equal(s.queries, 1);
    assert_int_equal(updns_lookup(f->d, "shared.pazhou.test", 7, &now, on_answer, &g[0], &w[0]), 0);
    assert_v4(&now, 0, "192.0.2.3", 7);
    updns_get_stats(f->d, &s);
    assert_int_equal(s.queries, 1);
    assert_int_equal(s.cache_hits, 1);
}

static void expired_name_is_served_while_it_is_refreshed(void **state)
{
    struct fixture *f = *state;
    bool sync = getenv("PAZHOU_TEST_DNS_SYNC") != NULL;
    struct updns_answer a;
    struct updns_stats s;
    assert_int_equal(lookup(f, "ttl.pazhou.test", 2641, &a), 1);
    assert_int_equal(a.err, 0);
    assert_v4(&a, 0, "192.0.2.10", 2641);
    assert_int_equal(lookup(f, "ttl.pazhou.test", 2641, &a), 0); /* within the TTL */
    assert_v4(&a, 0, "192.0.2.10", 2641);
    updns_get_stats(f->d, &s);
    assert_int_equal(s.queries, 1);
    assert_int_equal(s.cache_hits, 1);

    if (sync) {
        printf("DNS-CHANGE ttl.pazhou.test\n");
        fflush(stdout);
        char line[64];
        assert_non_null(fgets(line, sizeof line, stdin));
    }
    run_until(f->base, NULL, 0, 1300); /* past the TTL of 1 s */

    /* The old address at once, and a refresh under way. */
    assert_int_equal(lookup(f, "ttl.pazhou.test", 2641, &a), 0);
    assert_int_equal(a.err, 0);
    assert_v4(&a, 0, "192.0.2.10", 2641);
    updns_get_stats(f->d, &s);
    assert_int_equal(s.queries, 2);
    assert_int_equal(s.cache_hits, 2);

    const char *want = sync ? "192.0.2.11" : "192.0.2.10";
    char got[INET_ADDRSTRLEN] = "";
    uint64_t start = now_ms();
    while (now_ms() - start < 3000) {
        run_until(f->base, NULL, 0, 20);
        assert_int_equal(lookup(f, "ttl.pazhou.test", 2641, &a), 0);
        inet_ntop(AF_INET, &((struct sockaddr_in *)&a.addrs[0])->sin_addr, got, sizeof got);
        if (strcmp(got, want) == 0)
            break;
        updns_get_stats(f->d, &s);
        assert_int_equal(s.queries, 2); /* one refresh, however often it is asked */
    }
    assert_v4(&a, 0, want, 2641);
    updns_get_stats(f->d, &s);
    assert_int_equal(s.queries, 2);
    assert_int_equal(s.failures, 0);
}

static void old_addresses_outlive_a_dead_server(void **state)
{
    struct fixture *f = *state;
    if (getenv("PAZHOU_TEST_DNS_SYNC") == NULL)
        skip();
    struct updns_answer a;
    struct updns_stats s;
    assert_int_equal(lookup(f, "ttl.pazhou.test", 2641, &a), 1);
    assert_int_equal(a.err, 0);
    struct updns_answer first = a;
    char line[64];
    printf("DNS-STOP\n");
    fflush(stdout);
    assert_non_null(fgets(line, sizeof line, stdin));
    run_until(f->base, NULL, 0, 1300); /* past the TTL of 1 s */

    /* Expired: the old address while the refresh fails. */
    assert_int_equal(lookup(f, "ttl.pazhou.test", 2641, &a), 0);
    assert_memory_equal(&a, &first, sizeof a);
    uint64_t start = now_ms();
    do {
        run_until(f->base, NULL, 0, 20);
        updns_get_stats(f->d, &s);
    } while (s.failures == 0 && now_ms() - start < 5000);
    assert_int_equal(s.queries, 2);
    assert_int_equal(s.failures, 1);

    /* Still served, and the dead server is not asked again at once... */
    assert_int_equal(lookup(f, "ttl.pazhou.test", 2641, &a), 0);
    assert_memory_equal(&a, &first, sizeof a);
    updns_get_stats(f->d, &s);
    assert_int_equal(s.queries, 2);

    /* ...but a second later. */
    run_until(f->base, NULL, 0, 1100);
    assert_int_equal(lookup(f, "ttl.pazhou.test", 2641, &a), 0);
    assert_memory_equal(&a, &first, sizeof a);
    updns_get_stats(f->d, &s);
    assert_int_equal(s.queries, 3);
}

int main(void)
{
    const char *env = getenv("PAZHOU_TEST_DNS");
    if (env == NULL || *env == '\0') {
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(numeric_hosts_answer_at_once_with_the_port),
            cmocka_unit_test(bad_names_are_refused),
            cmocka_unit_test(a_silent_server_fails_the_lookup_after_its_timeout),
            cmocka_unit_test(a_refusing_server_fails_the_lookup),
            cmocka_unit_test(a_cancelled_wait_gets_no_callback),
            cmocka_unit_test(free_with_waits_pending_calls_nothing),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
    }
    const char *colon = strrchr(env, ':');
    if (colon == NULL || (size_t)(colon - env) >= sizeof server.host) {
        fprintf(stderr, "PAZHOU_TEST_DNS: ADDR:PORT, not \"%s\"\n", env);
        return 2;
    }
    memcpy(server.host, env, (size_t)(colon - env));
    server.port = (uint16_t)atoi(colon + 1);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(a_record, setup_server, teardown_server),
        cmocka_unit_test_setup_teardown(aaaa_record, setup_server, teardown_server),
        cmocka_unit_test_setup_teardown(both_records_ipv6_first, setup_server, teardown_server),
        cmocka_unit_test_setup_teardown(no_such_name_is_not_found_and_kept, setup_server,
                                        teardown_server),
        cmocka_unit_test_setup_teardown(concurrent_lookups_share_one_query, setup_server,
                                        teardown_server),
        cmocka_unit_test_setup_teardown(expired_name_is_served_while_it_is_refreshed, setup_server,
                                        teardown_server),
        cmocka_unit_test_setup_teardown(old_addresses_outlive_a_dead_server, setup_server,
                                        teardown_server),
    };
    return cmocka_run_group_tests_name("dns_with_server", tests, NULL, NULL);
}
