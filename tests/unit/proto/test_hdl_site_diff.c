/* hdl_site_diff, hdl_site_describe, hdl_site_shares_key: what tells an operator that a stored
 * HS_SITE is not the node's site. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "proto/hdl_site.h"
#include "proto/hdl_site_diff.h"

static const uint8_t KEY_A[] = "key-a";
static const uint8_t KEY_B[] = "key-b";

/* The site `pazhou init` writes for 127.0.0.1 with ports port (UDP, TCP) and http. */
static void node_site(struct hdl_site *s, uint32_t port, uint32_t http, const uint8_t *key)
{
    memset(s, 0, sizeof *s);
    s->data_version = 1;
    s->proto_major = 2;
    s->proto_minor = 10;
    s->serial = 1;
    s->flags = HDL_SITE_PRIMARY;
    s->attr_count = 1;
    s->attrs[0].name = (struct hdl_slice){(const uint8_t *)"desc", 4};
    s->attrs[0].value = (struct hdl_slice){(const uint8_t *)"node", 4};
    s->server_count = 1;
    struct hdl_site_server *srv = &s->servers[0];
    srv->server_id = 1;
    srv->address[12] = 127;
    srv->address[15] = 1;
    srv->public_key = (struct hdl_slice){key, 5};
    srv->ifaces[srv->iface_count++] = (struct hdl_site_iface){HDL_IF_ADMIN_QUERY, HDL_IF_TCP, port};
    srv->ifaces[srv->iface_count++] = (struct hdl_site_iface){HDL_IF_QUERY, HDL_IF_UDP, port};
    srv->ifaces[srv->iface_count++] =
        (struct hdl_site_iface){HDL_IF_ADMIN_QUERY, HDL_IF_HTTP, http};
}

static struct hdl_site a, b;

static void site_diff_same_site_differs_in_nothing(void **state)
{
    (void)state;
    node_site(&a, 2641, 8000, KEY_A);
    node_site(&b, 2641, 8000, KEY_A);
    char out[128] = "x";
    assert_int_equal(hdl_site_diff(&a, &b, out, sizeof out), 0);
    assert_string_equal(out, "");
}

static void site_diff_leaves_the_serial_out(void **state)
{
    (void)state;
    node_site(&a, 2641, 8000, KEY_A);
    node_site(&b, 2641, 8000, KEY_A);
    b.serial = 7;
    char out[128];
    assert_int_equal(hdl_site_diff(&a, &b, out, sizeof out), 0);
}

static void site_diff_names_a_changed_port(void **state)
{
    (void)state;
    node_site(&a, 12641, 8000, KEY_A);
    node_site(&b, 2641, 8000, KEY_A);
    char out[128];
    assert_int_equal(hdl_site_diff(&a, &b, out, sizeof out), 1);
    assert_string_equal(out, "interfaces");
    /* The HTTP port alone counts as well. */
    node_site(&b, 12641, 8001, KEY_A);
    assert_int_equal(hdl_site_diff(&a, &b, out, sizeof out), 1);
    assert_string_equal(out, "interfaces");
}

static void site_diff_names_every_part(void **state)
{
    (void)state;
    node_site(&a, 2641, 8000, KEY_A);
    node_site(&b, 2641, 8000, KEY_B);
    b.servers[0].address[15] = 2;
    b.servers[0].server_id = 2;
    b.flags = 0;
    b.attrs[0].value = (struct hdl_slice){(const uint8_t *)"other", 5};
    char out[128];
    assert_int_equal(hdl_site_diff(&a, &b, out, sizeof out), 5);
    assert_string_equal(out, "primary flags, attributes, server id, address, server key");
    /* A short buffer is cut, never overrun; the count stays right. */
    char small[12];
    assert_int_equal(hdl_site_diff(&a, &b, small, sizeof small), 5);
    assert_true(strlen(small) < sizeof small);
    assert_int_equal(hdl_site_diff(&a, &b, NULL, 0), 5);
}

static void site_diff_counts_servers(void **state)
{
    (void)state;
    node_site(&a, 2641, 8000, KEY_A);
    node_site(&b, 2641, 8000, KEY_A);
    b.server_count = 2;
    b.servers[1] = b.servers[0];
    char out[128];
    assert_int_equal(hdl_site_diff(&a, &b, out, sizeof out), 1);
    assert_string_equal(out, "number of servers");
}

static void site_describe_gives_address_and_ports(void **state)
{
    (void)state;
    node_site(&a, 12641, 8000, KEY_A);
    char out[256];
    hdl_site_describe(&a, out, sizeof out);
    assert_string_equal(out, "127.0.0.1 tcp/12641 udp/12641 http/8000");
    a.servers[0].address[0] = 0x20;
    a.servers[0].address[1] = 0x01;
    a.servers[0].address[12] = 0;
    a.servers[0].address[15] = 1;
    a.servers[0].ifaces[1].type = HDL_IF_OUT_OF_SERVICE;
    hdl_site_describe(&a, out, sizeof out);
    assert_string_equal(out, "2001::1 tcp/12641 udp/12641(out of service) http/8000");
    char small[8];
    hdl_site_describe(&a, small, sizeof small);
    assert_string_equal(small, "2001::1");
}

static void site_shares_key_matches_servers_by_key(void **state)
{
    (void)state;
    node_site(&a, 2641, 8000, KEY_A);
    node_site(&b, 12641, 8000, KEY_A);
    assert_true(hdl_site_shares_key(&a, &b));
    node_site(&b, 2641, 8000, KEY_B);
    assert_false(hdl_site_shares_key(&a, &b));
    b.server_count = 2;
    b.servers[1] = a.servers[0];
    assert_true(hdl_site_shares_key(&a, &b));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(site_diff_same_site_differs_in_nothing),
        cmocka_unit_test(site_diff_leaves_the_serial_out),
        cmocka_unit_test(site_diff_names_a_changed_port),
        cmocka_unit_test(site_diff_names_every_part),
        cmocka_unit_test(site_diff_counts_servers),
        cmocka_unit_test(site_describe_gives_address_and_ports),
        cmocka_unit_test(site_shares_key_matches_servers_by_key),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
