/* This server's part of a multi-server site (query_part.h): which handles another server holds,
 * checked with indexes the reference's own SiteInfo.determineServerNum gives (the values of
 * tests/unit/client/test_site_pick.c for three servers). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "conf/conf.h"
#include "proto/hdl_site.h"
#include "resolver/node.h"
#include "resolver/query/query_part.h"

static struct conf conf;
static struct node node;

static void site_of_three(uint8_t hash, int self)
{
    conf_defaults(&conf);
    conf.site_hash = hash;
    conf.site_server_count = 3;
    for (int i = 0; i < 3; i++)
        conf.site_servers[i].id = (uint32_t)i + 1;
    conf.site_self = self;
    conf.server_id = (uint32_t)self + 1;
    node.conf = &conf;
}

static bool elsewhere(const char *h)
{
    return query_part_elsewhere(&node, (const uint8_t *)h, strlen(h));
}

static void handles_of_other_servers_are_elsewhere(void **state)
{
    (void)state;
    /* By handle, three servers: the reference puts 88.100.1/X on 1, Test/MixedCase (in any
     * case) on 2, 0.NA/88.100.1 on 0. */
    site_of_three(HDL_HASH_BY_HANDLE, 1);
    assert_false(elsewhere("88.100.1/X"));
    assert_true(elsewhere("Test/MixedCase"));
    assert_true(elsewhere("test/mixedcase"));
    assert_true(elsewhere("0.NA/88.100.1"));
    site_of_three(HDL_HASH_BY_HANDLE, 2);
    assert_true(elsewhere("88.100.1/X"));
    assert_false(elsewhere("TEST/MIXEDCASE"));
    site_of_three(HDL_HASH_BY_HANDLE, 0);
    assert_false(elsewhere("0.na/88.100.1"));
    /* By prefix: 10.1000/abc on 1, 88.100.1.5/x on 0. */
    site_of_three(HDL_HASH_BY_PREFIX, 1);
    assert_false(elsewhere("10.1000/abc"));
    assert_true(elsewhere("88.100.1.5/x"));
}

static void a_handle_without_slash_is_its_prefix_handle(void **state)
{
    (void)state;
    /* The reference server resolves "88.100.1" as 0.NA/88.100.1, which is server 0's. */
    site_of_three(HDL_HASH_BY_HANDLE, 0);
    assert_false(elsewhere("88.100.1"));
    site_of_three(HDL_HASH_BY_HANDLE, 1);
    assert_true(elsewhere("88.100.1"));
}

static void one_server_sites_hold_everything(void **state)
{
    (void)state;
    conf_defaults(&conf);
    node.conf = &conf;
    assert_false(elsewhere("Test/MixedCase"));
    site_of_three(HDL_HASH_BY_HANDLE, 1);
    conf.site_server_count = 1;
    conf.site_self = 0;
    assert_false(elsewhere("Test/MixedCase"));
    /* A handle the hash cannot place is left to the usual checks. */
    site_of_three(HDL_HASH_BY_HANDLE, 1);
    char big[3000];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    big[5] = '/';
    assert_false(elsewhere(big));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(handles_of_other_servers_are_elsewhere),
        cmocka_unit_test(a_handle_without_slash_is_its_prefix_handle),
        cmocka_unit_test(one_server_sites_hold_everything),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
