/* site.hash and site.servers: a multi-server site in the configuration, its checks and their
 * "file:line: message" reports. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "conf/conf.h"
#include "conf/conf_site_servers.h"
#include "proto/hdl_site.h"

static char dir[64];
static char key_path[3][128];
static EVP_PKEY *keys[3];

/* Three RSA keys whose public halves are s1.pub.pem .. s3.pub.pem in a fresh directory. */
static int make_keys(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/test_site_servers_XXXXXX");
    if (!mkdtemp(dir))
        return -1;
    for (int i = 0; i < 3; i++) {
        keys[i] = EVP_RSA_gen(1024);
        snprintf(key_path[i], sizeof key_path[i], "%s/s%d.pub.pem", dir, i + 1);
        FILE *f = fopen(key_path[i], "w");
        if (!keys[i] || !f || PEM_write_PUBKEY(f, keys[i]) != 1)
            return -1;
        fclose(f);
    }
    return 0;
}

static int drop_keys(void **state)
{
    (void)state;
    for (int i = 0; i < 3; i++) {
        unlink(key_path[i]);
        EVP_PKEY_free(keys[i]);
    }
    rmdir(dir);
    return 0;
}

/* Loads text (with %1$s .. %3$s standing for the key files) over the defaults. */
static int load(const char *fmt, struct conf *c, char *err, size_t errlen, char path[64])
{
    char text[4096];
    size_t n = 0;
    for (const char *p = fmt; *p && n + 130 < sizeof text; p++) {
        if (p[0] == '%' && p[1] >= '1' && p[1] <= '3' && strncmp(p + 2, "$s", 2) == 0) {
            n += (size_t)snprintf(text + n, sizeof text - n, "%s", key_path[p[1] - '1']);
            p += 3;
        } else {
            text[n++] = *p;
        }
    }
    text[n] = '\0';
    snprintf(path, 64, "/tmp/test_conf_site_XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    conf_defaults(c);
    err[0] = '\0';
    int rc = conf_load(c, path, err, errlen);
    unlink(path);
    return rc;
}

static void expect_error(const char *fmt, int line, const char *what)
{
    static struct conf c;
    char err[1500], path[64], prefix[96];
    assert_int_equal(load(fmt, &c, err, sizeof err, path), CONF_ERR_VALUE);
    snprintf(prefix, sizeof prefix, "%s:%d: ", path, line);
    if (strncmp(err, prefix, strlen(prefix)) != 0 || !strstr(err, what))
        fail_msg("got \"%s\", want \"%s...%s\"", err, prefix, what);
}

#define THREE                                                                                      \
    "listen = [ \"127.0.0.1:12642\" ];\n"                                                          \
    "http = { listen = [ \"127.0.0.1:18002\" ]; };\n"                                              \
    "site = {\n"                                                                                   \
    "  server_id = 2;\n"                                                                           \
    "  hash = \"handle\";\n"                                                                       \
    "  servers = (\n"                                                                              \
    "    { id = 1; address = \"127.0.0.1\"; port = 12641; http_port = 18001; public_key = "        \
    "\"%1$s\"; },\n"                                                                               \
    "    { id = 2; },\n"                                                                           \
    "    { id = 3; address = \"::1\"; port = 12643; public_key = \"%3$s\"; }\n"                    \
    "  );\n"                                                                                       \
    "};\n"

static void three_servers_load(void **state)
{
    (void)state;
    static struct conf c;
    char err[1500], path[64];
    if (load(THREE, &c, err, sizeof err, path) != CONF_OK)
        fail_msg("%s", err);
    assert_int_equal(c.site_hash, HDL_HASH_BY_HANDLE);
    assert_int_equal(c.site_server_count, 3);
    assert_int_equal(c.site_self, 1);
    assert_int_equal(c.site_servers[0].id, 1);
    assert_string_equal(c.site_servers[0].address, "127.0.0.1");
    assert_int_equal(c.site_servers[0].port, 12641);
    assert_int_equal(c.site_servers[0].http_port, 18001);
    assert_int_equal(c.site_servers[2].http_port, 0);
    assert_string_equal(c.site_servers[2].address, "::1");
    /* RSA in the HS_SITE layout (docs/protocol.md §9.3): its type name first. */
    assert_true(c.site_servers[0].public_key_len > 100);
    assert_memory_equal(c.site_servers[0].public_key, "\0\0\0\x0bRSA_PUB_KEY", 15);
    assert_int_equal(c.site_servers[1].public_key_len, 0);
    assert_memory_not_equal(c.site_servers[0].public_key, c.site_servers[2].public_key, 40);
    /* This server's entry takes the node's listeners. */
    assert_string_equal(conf_site_self_address(&c), "127.0.0.1");
    assert_int_equal(conf_site_self_port(&c), 12642);
    assert_int_equal(conf_site_self_http_port(&c), 18002);
    assert_string_equal(conf_site_hash_name(c.site_hash), "handle");
}

static void without_servers_the_site_is_one_server(void **state)
{
    (void)state;
    static struct conf c;
    char err[1500], path[64];
    assert_int_equal(load("site = { server_id = 7; };\n", &c, err, sizeof err, path), CONF_OK);
    assert_int_equal(c.site_server_count, 0);
    assert_int_equal(c.site_self, -1);
    assert_int_equal(c.site_hash, HDL_HASH_BY_PREFIX);
    assert_int_equal(conf_site_self_port(&c), 2641);
    assert_int_equal(conf_site_self_http_port(&c), 8000);
    assert_string_equal(conf_site_self_address(&c), "127.0.0.1");
    assert_int_equal(conf_site_self_check(&c, keys[0], err, sizeof err), 0);
    assert_int_equal(load("site = { hash = \"suffix\"; };\n", &c, err, sizeof err, path), CONF_OK);
    assert_int_equal(c.site_hash, HDL_HASH_BY_SUFFIX);
}

static void bad_site_lists_are_reported_at_their_line(void **state)
{
    (void)state;
    expect_error("site = {\n hash = \"md5\"; };\n", 2, "site.hash must be");
    /* server_id names no entry */
    expect_error("site = {\n server_id = 9;\n servers = (\n { id = 1; },\n"
                 " { id = 2; address = \"127.0.0.2\"; port = 2641; public_key = \"%2$s\"; }\n"
                 " ); };\n",
                 3, "site.server_id 9 is not the id of any site.servers entry");
    /* ids unique */
    expect_error("site = {\n servers = (\n { id = 1; },\n"
                 " { id = 1; address = \"127.0.0.2\"; port = 2641; public_key = \"%2$s\"; }\n"
                 " ); };\n",
                 4, "id 1 is already the id of the entry at line 3");
    /* another server needs its key */
    expect_error("site = {\n servers = (\n { id = 1; },\n"
                 " { id = 2; address = \"127.0.0.2\"; port = 2641; }\n"
                 " ); };\n",
                 4, "the entry of server 2 needs its public_key");
    /* a key file that is not there */
    expect_error("site = {\n servers = (\n { id = 1;\n public_key = \"/nonexistent.pem\"; }\n"
                 " ); };\n",
                 4, "cannot read the public key /nonexistent.pem");
    /* this server's port is not one it listens on */
    expect_error("listen = [ \"127.0.0.1:2641\" ];\nsite = {\n servers = (\n"
                 " { id = 1; port = 2642; }\n ); };\n",
                 4, "has port 2642, which is not a listen port");
    expect_error("site = {\n servers = (\n { id = 1; address = \"127.0.0.9\"; }\n ); };\n", 3,
                 "neither site.address nor a listen address");
    expect_error("site = {\n servers = (\n { id = 1; http_port = 9; }\n ); };\n", 3,
                 "not an http.listen port");
    expect_error("site = {\n servers = (\n { id = 1;\n weight = 3; }\n ); };\n", 4,
                 "unknown key 'weight'");
    expect_error("site = {\n servers = (\n { id = 1;\n address = \"host.example\"; }\n ); };\n", 4,
                 "is not a numeric IPv4 or IPv6 address");
    expect_error("site = {\n servers = ( );\n };\n", 2, "from 1 to 32 are allowed");
    expect_error("site = {\n servers = (\n { address = \"127.0.0.1\"; }\n ); };\n", 3,
                 "needs its id");
    expect_error("site = {\n servers = (\n { id = 1; },\n"
                 " { id = 2; address = \"127.0.0.1\"; port = 2641; public_key = \"%2$s\"; },\n"
                 " { id = 3; address = \"127.0.0.1\"; port = 2641; public_key = \"%3$s\"; }\n"
                 " ); };\n",
                 5, "127.0.0.1 port 2641 is already the server at line 4");
}

static void own_key_must_be_the_server_key(void **state)
{
    (void)state;
    static struct conf c;
    char err[1500], path[64];
    assert_int_equal(load("site = { servers = ( { id = 1; public_key = \"%1$s\"; } ); };\n", &c,
                          err, sizeof err, path),
                     CONF_OK);
    assert_int_equal(conf_site_self_check(&c, keys[0], err, sizeof err), 0);
    assert_int_equal(conf_site_self_check(&c, keys[1], err, sizeof err), -1);
    assert_non_null(strstr(err, "is not the public half of the server key"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(three_servers_load),
        cmocka_unit_test(without_servers_the_site_is_one_server),
        cmocka_unit_test(bad_site_lists_are_reported_at_their_line),
        cmocka_unit_test(own_key_must_be_the_server_key),
    };
    return cmocka_run_group_tests(tests, make_keys, drop_keys);
}
