/* Choosing a site's server and interface as the reference client does: the server numbers below
 * are the reference's own answers, so a node and a Java client send a handle to the same server
 * of a multi-server site. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cmocka.h>

#include "client/site_pick.h"
#include "common/errcode.h"
#include "proto/hdl_const.h"

static const uint32_t SERVER_COUNTS[] = {1, 2, 3, 5, 7, 31};
#define NCOUNTS (sizeof SERVER_COUNTS / sizeof SERVER_COUNTS[0])

struct pick_case {
    const char *handle; /* UTF-8 bytes */
    /* [hashOption 0 prefix, 1 suffix, 2 whole handle][server count as in SERVER_COUNTS] */
    uint32_t server[3][NCOUNTS];
};

/*
 * Computed by running the reference's own code: a throwaway Java program, compiled against
 * handle-9.0.0.jar of the HANDLE.NET 9.0.0 server install, printed
 * net.handle.hdllib.SiteInfo.determineServerNum(Util.encodeString(handle), hashOption, n) for each
 * handle, hashOption 0..2 and n in SERVER_COUNTS. Mixed-case ASCII, handles without a slash, with
 * several slashes or an empty prefix or suffix, derived prefixes, prefix handles and non-ASCII
 * UTF-8 in octal escapes (Latin, CJK, Greek: upper-casing leaves their bytes alone).
 */
static const struct pick_case CASES[] = {
    {"10.1000/abc", {{0, 1, 1, 0, 0, 14}, {0, 0, 1, 3, 3, 15}, {0, 1, 1, 4, 4, 1}}},
    {"Test/MixedCase", {{0, 1, 2, 2, 3, 15}, {0, 1, 1, 2, 4, 7}, {0, 0, 2, 2, 5, 21}}},
    {"test/mixedcase", {{0, 1, 2, 2, 3, 15}, {0, 1, 1, 2, 4, 7}, {0, 0, 2, 2, 5, 21}}},
    {"NoSlash", {{0, 1, 2, 4, 4, 13}, {0, 0, 1, 0, 4, 1}, {0, 0, 1, 0, 4, 1}}},
    {"88.100.1.5/x", {{0, 1, 0, 0, 2, 8}, {0, 1, 1, 3, 0, 13}, {0, 0, 1, 2, 1, 20}}},
    {"88.100.1/X", {{0, 1, 0, 1, 3, 27}, {0, 1, 1, 3, 0, 13}, {0, 0, 1, 2, 4, 19}}},
    {"0.NA/88.100.1", {{0, 1, 2, 4, 4, 13}, {0, 1, 0, 1, 3, 27}, {0, 0, 0, 4, 5, 13}}},
    {"0.na/88.100.1", {{0, 1, 2, 4, 4, 13}, {0, 1, 0, 1, 3, 27}, {0, 0, 0, 4, 5, 13}}},
    {"0.NA/88.100.1.5", {{0, 1, 2, 4, 4, 13}, {0, 1, 0, 0, 2, 8}, {0, 0, 1, 4, 6, 25}}},
    {"a/b/c", {{0, 1, 2, 4, 1, 6}, {0, 1, 0, 2, 4, 28}, {0, 0, 0, 3, 1, 20}}},
    {"/leading", {{0, 0, 0, 0, 2, 7}, {0, 0, 0, 2, 6, 27}, {0, 0, 2, 4, 3, 22}}},
    {"trailing/", {{0, 1, 2, 2, 3, 30}, {0, 0, 0, 0, 2, 7}, {0, 1, 0, 1, 1, 26}}},
    {"20.500.12345/\303\204\303\226\303\234-\303\237",
     {{0, 1, 2, 3, 1, 27}, {0, 0, 2, 4, 1, 9}, {0, 0, 0, 3, 6, 16}}},
    {"pr\303\251fixe/\303\211t\303\251",
     {{0, 1, 0, 2, 0, 19}, {0, 1, 0, 4, 0, 15}, {0, 0, 1, 1, 4, 15}}},
    {"20.TEST/\344\270\255\346\226\207",
     {{0, 1, 0, 1, 4, 2}, {0, 1, 2, 2, 5, 29}, {0, 0, 0, 4, 1, 26}}},
    {"\316\240\317\201\316\277\316\270/\316\264\316\277\316\272\316\271\316\274\316\256",
     {{0, 1, 2, 4, 4, 9}, {0, 0, 0, 3, 1, 28}, {0, 0, 1, 2, 6, 16}}},
};

static struct hdl_site site;

static void set_servers(uint8_t hash_option, uint32_t count)
{
    memset(&site, 0, sizeof site);
    site.data_version = 1;
    site.hash_option = hash_option;
    site.server_count = count;
    for (uint32_t i = 0; i < count; i++)
        site.servers[i].server_id = i + 1;
}

static void picks_the_reference_server(void **state)
{
    (void)state;
    for (size_t c = 0; c < sizeof CASES / sizeof CASES[0]; c++) {
        const uint8_t *h = (const uint8_t *)CASES[c].handle;
        size_t len = strlen(CASES[c].handle);
        for (uint8_t opt = 0; opt < 3; opt++) {
            for (size_t n = 0; n < NCOUNTS; n++) {
                set_servers(opt, SERVER_COUNTS[n]);
                uint32_t index = 99;
                assert_int_equal(site_pick_server(&site, h, len, &index), HDL_OK);
                if (index != CASES[c].server[opt][n])
                    fail_msg("%s hashOption %u, %u servers: %u, the reference %u", CASES[c].handle,
                             opt, SERVER_COUNTS[n], index, CASES[c].server[opt][n]);
                /* The form without a decoded site, which servers and imports use. */
                index = 99;
                assert_int_equal(site_pick_index(opt, SERVER_COUNTS[n], h, len, &index), HDL_OK);
                assert_int_equal(index, CASES[c].server[opt][n]);
            }
        }
    }
}

static void unknown_hash_option_or_no_server_is_malformed(void **state)
{
    (void)state;
    const uint8_t h[] = "10.1000/abc";
    uint32_t index = 0;
    set_servers(3, 2);
    assert_int_equal(site_pick_server(&site, h, sizeof h - 1, &index), HDL_ERR_MALFORMED);
    set_servers(3, 1); /* the reference refuses the option before it looks at the count */
    assert_int_equal(site_pick_server(&site, h, sizeof h - 1, &index), HDL_ERR_MALFORMED);
    set_servers(HDL_HASH_BY_HANDLE, 0);
    assert_int_equal(site_pick_server(&site, h, sizeof h - 1, &index), HDL_ERR_MALFORMED);
}

static void overlong_handle_is_refused(void **state)
{
    (void)state;
    static uint8_t h[HDL_MAX_HANDLE_LEN + 1];
    memset(h, 'a', sizeof h);
    h[3] = '/';
    uint32_t index = 0;
    set_servers(HDL_HASH_BY_HANDLE, 3);
    assert_int_equal(site_pick_server(&site, h, sizeof h, &index), HDL_ERR_LIMIT);
    assert_int_equal(site_pick_server(&site, h, sizeof h - 1, &index), HDL_OK);
    assert_true(index < 3);
}

static void empty_handle_hashes_like_the_reference(void **state)
{
    (void)state;
    /* "" by prefix hashes "0.NA", as does any handle without a slash ("NoSlash" above). */
    uint32_t index = 99, expect = 99;
    set_servers(HDL_HASH_BY_PREFIX, 5);
    assert_int_equal(site_pick_server(&site, (const uint8_t *)"", 0, &index), HDL_OK);
    assert_int_equal(site_pick_server(&site, (const uint8_t *)"0.NA/x", 6, &expect), HDL_OK);
    assert_int_equal(index, expect);
    assert_int_equal(index, 4);
}

static void add_iface(struct hdl_site_server *s, uint8_t type, uint8_t protocol, uint32_t port)
{
    s->ifaces[s->iface_count++] = (struct hdl_site_iface){type, protocol, port};
}

static void endpoint_maps_ipv4_to_af_inet(void **state)
{
    (void)state;
    struct hdl_site_server s = {.server_id = 1};
    s.address[12] = 192;
    s.address[13] = 0;
    s.address[14] = 2;
    s.address[15] = 7;
    add_iface(&s, HDL_IF_ADMIN, HDL_IF_TCP, 2000); /* admin only: no queries */
    add_iface(&s, HDL_IF_QUERY, HDL_IF_UDP, 2641);
    add_iface(&s, HDL_IF_ADMIN_QUERY, HDL_IF_TCP, 2642);
    add_iface(&s, HDL_IF_QUERY, HDL_IF_HTTP, 8000);

    struct sockaddr_storage ss;
    socklen_t len = 0;
    assert_int_equal(site_pick_endpoint(&s, HDL_IF_TCP, &ss, &len), 0);
    const struct sockaddr_in *in = (const struct sockaddr_in *)&ss;
    assert_int_equal(len, sizeof(struct sockaddr_in));
    assert_int_equal(in->sin_family, AF_INET);
    assert_int_equal(ntohs(in->sin_port), 2642);
    assert_int_equal(ntohl(in->sin_addr.s_addr), 0xc0000207u);

    assert_int_equal(site_pick_endpoint(&s, HDL_IF_UDP, &ss, &len), 0);
    assert_int_equal(ntohs(in->sin_port), 2641);
    assert_int_equal(site_pick_endpoint(&s, HDL_IF_HTTP, &ss, &len), 0);
    assert_int_equal(ntohs(in->sin_port), 8000);
    assert_int_equal(site_pick_endpoint(&s, HDL_IF_HTTPS, &ss, &len), -1);

    /* ::ffff:192.0.2.7 is IPv4 too, as Java's InetAddress makes it. */
    s.address[10] = 0xff;
    s.address[11] = 0xff;
    assert_int_equal(site_pick_endpoint(&s, HDL_IF_UDP, &ss, &len), 0);
    assert_int_equal(in->sin_family, AF_INET);
    assert_int_equal(ntohl(in->sin_addr.s_addr), 0xc0000207u);
}

static void endpoint_keeps_ipv6(void **state)
{
    (void)state;
    struct hdl_site_server s = {.server_id = 2};
    const uint8_t v6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01};
    memcpy(s.address, v6, 16);
    add_iface(&s, HDL_IF_QUERY, HDL_IF_UDP, 2641);
    struct sockaddr_storage ss;
    socklen_t len = 0;
    assert_int_equal(site_pick_endpoint(&s, HDL_IF_UDP, &ss, &len), 0);
    const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)&ss;
    assert_int_equal(len, sizeof(struct sockaddr_in6));
    assert_int_equal(in6->sin6_family, AF_INET6);
    assert_int_equal(ntohs(in6->sin6_port), 2641);
    assert_memory_equal(&in6->sin6_addr, v6, 16);
}

static void endpoint_skips_unusable_interfaces(void **state)
{
    (void)state;
    struct hdl_site_server s = {.server_id = 3};
    s.address[15] = 1;
    add_iface(&s, HDL_IF_OUT_OF_SERVICE, HDL_IF_UDP, 2641);
    add_iface(&s, HDL_IF_ADMIN, HDL_IF_UDP, 2641);
    add_iface(&s, HDL_IF_QUERY, HDL_IF_UDP, 70000); /* no such port */
    struct sockaddr_storage ss;
    socklen_t len = 0;
    assert_int_equal(site_pick_endpoint(&s, HDL_IF_UDP, &ss, &len), -1);
    add_iface(&s, HDL_IF_QUERY, HDL_IF_UDP, 2651);
    assert_int_equal(site_pick_endpoint(&s, HDL_IF_UDP, &ss, &len), 0);
    assert_int_equal(ntohs(((const struct sockaddr_in *)&ss)->sin_port), 2651);

    struct hdl_site_server none = {.server_id = 4};
    assert_int_equal(site_pick_endpoint(&none, HDL_IF_UDP, &ss, &len), -1);
}

static void prefix_handles_are_0na_slash_in_any_case(void **state)
{
    (void)state;
    assert_true(site_is_prefix_handle((const uint8_t *)"0.NA/88.100.1", 13));
    assert_true(site_is_prefix_handle((const uint8_t *)"0.na/88.100.1", 13));
    assert_true(site_is_prefix_handle((const uint8_t *)"0.nA/", 5));
    assert_false(site_is_prefix_handle((const uint8_t *)"0.NA", 4));
    assert_false(site_is_prefix_handle((const uint8_t *)"0.NAX/1", 7));
    assert_false(site_is_prefix_handle((const uint8_t *)"10.NA/1", 7));
    assert_false(site_is_prefix_handle((const uint8_t *)"88.100.1/0.NA/", 14));
    assert_false(site_is_prefix_handle((const uint8_t *)"", 0));
    /* Only the first five bytes count: the length bounds the read. */
    assert_false(site_is_prefix_handle((const uint8_t *)"0.NA/", 4));
}

/* A server of a site places a handle without a '/' as its prefix handle "0.NA/<handle>". */
static void a_slashless_handle_is_placed_as_its_prefix_handle(void **state)
{
    (void)state;
    static const char *names[] = {"88.100", "88.100.1", "x", "0.NA", "A.B.C.D"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        char full[64];
        snprintf(full, sizeof full, "0.NA/%s", names[i]);
        for (uint32_t n = 1; n <= 5; n++) {
            uint32_t want;
            assert_int_equal(site_pick_index(HDL_HASH_BY_HANDLE, n, (const uint8_t *)full,
                                             strlen(full), &want),
                             HDL_OK);
            assert_int_equal(site_pick_part(HDL_HASH_BY_HANDLE, n, (const uint8_t *)names[i],
                                            strlen(names[i])),
                             (int)want);
        }
    }
    uint32_t want;
    assert_int_equal(site_pick_index(HDL_HASH_BY_HANDLE, 3, (const uint8_t *)"88.100.1/X", 10,
                                     &want),
                     HDL_OK);
    assert_int_equal(site_pick_part(HDL_HASH_BY_HANDLE, 3, (const uint8_t *)"88.100.1/X", 10),
                     (int)want);
    assert_int_equal(site_pick_part(99, 3, (const uint8_t *)"88.100.1/X", 10), -1);
    uint8_t longest[HDL_MAX_HANDLE_LEN];
    memset(longest, 'a', sizeof longest); /* no '/': too long once "0.NA/" is added */
    assert_int_equal(site_pick_part(HDL_HASH_BY_HANDLE, 3, longest, sizeof longest), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(picks_the_reference_server),
        cmocka_unit_test(unknown_hash_option_or_no_server_is_malformed),
        cmocka_unit_test(overlong_handle_is_refused),
        cmocka_unit_test(empty_handle_hashes_like_the_reference),
        cmocka_unit_test(endpoint_maps_ipv4_to_af_inet),
        cmocka_unit_test(endpoint_keeps_ipv6),
        cmocka_unit_test(endpoint_skips_unusable_interfaces),
        cmocka_unit_test(prefix_handles_are_0na_slash_in_any_case),
        cmocka_unit_test(a_slashless_handle_is_placed_as_its_prefix_handle),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
