/* The configuration loader: the defaults, every key read from a file, the errors with their
 * lines, endpoints and identities. Over 600 lines because each case writes a file and loads it
 * through the same helpers, and one case lists every key. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "conf/conf.h"

/* Writes text to a fresh temporary file; path receives its name. */
static void write_temp(const char *text, char path[64])
{
    snprintf(path, 64, "/tmp/test_conf_XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    size_t n = strlen(text);
    assert_int_equal(write(fd, text, n), (ssize_t)n);
    close(fd);
}

/* Loads text over the defaults; returns the conf_err and leaves the message in err. */
static int load_text(const char *text, struct conf *c, char *err, size_t errlen, char path[64])
{
    conf_defaults(c);
    write_temp(text, path);
    err[0] = '\0';
    int rc = conf_load(c, path, err, errlen);
    unlink(path);
    return rc;
}

/* The load fails with code, at line, with a message containing what. */
static void expect_error(const char *text, int code, int line, const char *what)
{
    struct conf c;
    char err[512], path[64], prefix[96];
    assert_int_equal(load_text(text, &c, err, sizeof err, path), code);
    snprintf(prefix, sizeof prefix, "%s:%d: ", path, line);
    if (strncmp(err, prefix, strlen(prefix)) != 0 || !strstr(err, what))
        fail_msg("got \"%s\", want \"%s...%s\"", err, prefix, what);
}

static void defaults_are_the_documented_ones(void **state)
{
    struct conf c;
    conf_defaults(&c);
    assert_string_equal(c.data_dir, "var/registry");
    assert_int_equal(c.threads, 0);
    assert_int_equal(c.listen_count, 1);
    assert_string_equal(c.listen[0].host, "127.0.0.1");
    assert_int_equal(c.listen[0].port, 2641);
    assert_true(c.udp);
    assert_true(c.tcp);
    assert_int_equal(c.tcp_idle_timeout_s, 60);
    assert_int_equal(c.tcp_max_connections, 10000);
    assert_int_equal(c.max_message_bytes, 262144);
    assert_string_equal(c.log_level, "info");
    assert_int_equal(c.block_cache_mb, 256);
    assert_int_equal(c.bloom_bits_per_key, 10);
    assert_int_equal(c.block_size_kb, 16);
    assert_int_equal(c.answer_cache_mb, 16);
    assert_false(c.case_sensitive);
    assert_true(c.sync_writes);
    assert_int_equal(c.server_id, 1);
    assert_int_equal(c.site_serial, 1);
    assert_string_equal(c.site_description, "Pazhou identifier resolution node");
    assert_string_equal(c.server_key_file, "var/server_key.pem");
    assert_string_equal(c.advertise_address, "");
    assert_string_equal(conf_advertise_address(&c), "127.0.0.1");
    assert_true(c.site_primary);
    assert_false(c.site_multi_primary);
    assert_int_equal(c.http_listen_count, 1);
    assert_string_equal(c.http_listen[0].host, "127.0.0.1");
    assert_int_equal(c.http_listen[0].port, 8000);
    assert_int_equal(c.https_listen_count, 0);
    assert_string_equal(c.tls_cert, "var/tls_cert.pem");
    assert_string_equal(c.tls_key, "var/tls_key.pem");
    assert_int_equal(c.http_max_header_bytes, 8192);
    assert_int_equal(c.http_max_body_bytes, 262164);
    assert_int_equal(c.http_timeout_s, 30);
    assert_string_equal(c.http_public_url, "");
    assert_int_equal(c.admin_count, 0);
}

static void sample_file_loads_with_the_defaults(void **state)
{
    struct conf c, d;
    char err[512] = "";
    conf_defaults(&d);
    /* Loaded over values that differ from every default, so each key must be present. */
    memset(&c, 0x5a, sizeof c);
    c.listen_count = 0;
    c.admin_count = 3;
    c.data_dir[0] = c.site_description[0] = c.server_key_file[0] = c.log_level[0] = '\0';
    c.server_key_named = false;
    c.import_dir[0] = '\0';
    c.bottommost_compression[0] = c.block_cache_type[0] = c.index_layout[0] = '\0';
    c.advertise_address[0] = 'x';
    c.advertise_address[1] = '\0';
    c.http_listen_count = 0;
    c.https_listen_count = 3;
    c.tls_cert[0] = c.tls_key[0] = '\0';
    c.tcp_max_per_source = c.tcp_message_timeout_s = c.http_max_per_source = 7;
    c.http_request_timeout_s = c.rrl_per_second = c.rrl_slip = c.rrl_ipv4_prefix = 7;
    c.rrl_ipv6_prefix = c.rrl_table_size = c.udp_max_amplification = c.max_sessions = 7;
    c.max_admin_jobs = c.auth_max_failures = c.auth_failure_window_s = c.auth_lockout_s = 7;
    c.auth_failure_delay_ms = 7;
    c.udp_exempt_count = 0;
    c.site_server_count = 0; /* the sample's site.servers is a comment: a one-server site */
    snprintf(c.http_public_url, sizeof c.http_public_url, "%s", "x");
    int rc = conf_load(&c, PAZHOU_SOURCE_DIR "/conf/pazhou.conf", err, sizeof err);
    if (rc != CONF_OK)
        fail_msg("%s", err);

    assert_string_equal(c.data_dir, d.data_dir);
    assert_string_equal(c.import_dir, d.import_dir);
    assert_int_equal(c.threads, d.threads);
    assert_int_equal(c.listen_count, 1);
    assert_string_equal(c.listen[0].host, "127.0.0.1");
    assert_int_equal(c.listen[0].port, 2641);
    assert_int_equal(c.udp, d.udp);
    assert_int_equal(c.tcp, d.tcp);
    assert_int_equal(c.tcp_idle_timeout_s, d.tcp_idle_timeout_s);
    assert_int_equal(c.tcp_max_connections, d.tcp_max_connections);
    assert_int_equal(c.max_message_bytes, d.max_message_bytes);
    assert_int_equal(c.tcp_max_per_source, 256);
    assert_int_equal(c.tcp_message_timeout_s, 30);
    assert_int_equal(c.http_max_per_source, 256);
    assert_int_equal(c.http_request_timeout_s, 60);
    assert_int_equal(c.rrl_per_second, 1000);
    assert_int_equal(c.rrl_slip, 2);
    assert_int_equal(c.rrl_ipv4_prefix, 24);
    assert_int_equal(c.rrl_ipv6_prefix, 56);
    assert_int_equal(c.rrl_table_size, 16384);
    assert_int_equal(c.udp_exempt_count, 2);
    assert_memory_equal(c.udp_exempt, d.udp_exempt, 2 * sizeof c.udp_exempt[0]);
    assert_int_equal(c.udp_max_amplification, 10);
    assert_int_equal(c.max_sessions, 65536);
    assert_int_equal(c.max_admin_jobs, 4096);
    assert_int_equal(c.auth_max_failures, 5);
    assert_int_equal(c.auth_failure_window_s, 60);
    assert_int_equal(c.auth_lockout_s, 60);
    assert_int_equal(c.auth_failure_delay_ms, 1000);
    assert_string_equal(c.log_level, d.log_level);
    assert_int_equal(c.block_cache_mb, d.block_cache_mb);
    assert_int_equal(c.bloom_bits_per_key, d.bloom_bits_per_key);
    assert_int_equal(c.block_size_kb, d.block_size_kb);
    assert_int_equal(c.case_sensitive, d.case_sensitive);
    assert_int_equal(c.sync_writes, d.sync_writes);
    assert_string_equal(c.bottommost_compression, "lz4");
    assert_string_equal(c.bottommost_compression, d.bottommost_compression);
    assert_string_equal(c.block_cache_type, "clock");
    assert_string_equal(c.index_layout, "whole");
    assert_int_equal(c.server_id, d.server_id);
    assert_int_equal(c.site_serial, d.site_serial);
    assert_string_equal(c.site_description, d.site_description);
    assert_string_equal(c.server_key_file, d.server_key_file);
    assert_string_equal(c.advertise_address, d.advertise_address);
    assert_int_equal(c.site_primary, d.site_primary);
    assert_int_equal(c.site_multi_primary, d.site_multi_primary);
    assert_int_equal(c.site_server_count, 0);
    assert_int_equal(c.site_self, -1);
    assert_int_equal(c.http_listen_count, 1);
    assert_string_equal(c.http_listen[0].host, "127.0.0.1");
    assert_int_equal(c.http_listen[0].port, 8000);
    assert_int_equal(c.https_listen_count, 0);
    assert_string_equal(c.tls_cert, d.tls_cert);
    assert_string_equal(c.tls_key, d.tls_key);
    assert_int_equal(c.http_max_header_bytes, d.http_max_header_bytes);
    assert_int_equal(c.http_max_body_bytes, d.http_max_body_bytes);
    assert_int_equal(c.http_timeout_s, d.http_timeout_s);
    assert_string_equal(c.http_public_url, "");
    assert_int_equal(c.admin_count, 0);
}

static void every_key_takes_its_value_from_the_file(void **state)
{
    struct conf c;
    char err[512], path[64];
    const char *text =
        "data_dir = \"/srv/pazhou\";\n"
        "threads = 8;\n"
        "listen = [ \"0.0.0.0:2641\", \"[::1]:12641\" ];\n"
        "log_level = \"debug\";\n"
        "transport = { udp = false; tcp = true; };\n"
        "tcp = { idle_timeout = 5; max_connections = 20; max_message_bytes = 4096; "
        "};\n"
        "registry = { block_cache_mb = 0; bloom_bits_per_key = 16; block_size_kb = 4;\n"
        "             case_sensitive = true; sync = false;\n"
        "             bottommost_compression = \"zstd\"; block_cache_type = \"lru\";\n"
        "             index_layout = \"partitioned\"; };\n"
        "site = { server_id = 3000000000L; serial = 65535; description = \"d\";\n"
        "         key_file = \"k.pem\"; address = \"192.0.2.7\";\n"
        "         primary = false; multi_primary = true; };\n"
        "server_admins = [ \"300:0.NA/88.100.1\", \"200:88.100.1/ADMIN\" ];\n"
        "http = { listen = [ ]; https_listen = [ \"0.0.0.0:443\", \"[::1]:8443\" ];\n"
        "         tls_cert = \"c.pem\"; tls_key = \"k2.pem\"; max_header_bytes = 2048;\n"
        "         max_body_bytes = 4096; timeout = 7; };\n";
    int rc = load_text(text, &c, err, sizeof err, path);
    if (rc != CONF_OK)
        fail_msg("%s", err);
    assert_string_equal(c.data_dir, "/srv/pazhou");
    assert_int_equal(c.threads, 8);
    assert_int_equal(c.listen_count, 2);
    assert_string_equal(c.listen[0].host, "0.0.0.0");
    assert_int_equal(c.listen[0].port, 2641);
    assert_string_equal(c.listen[1].host, "::1");
    assert_int_equal(c.listen[1].port, 12641);
    assert_string_equal(c.log_level, "debug");
    assert_false(c.udp);
    assert_true(c.tcp);
    assert_int_equal(c.tcp_idle_timeout_s, 5);
    assert_int_equal(c.tcp_max_connections, 20);
    assert_int_equal(c.max_message_bytes, 4096);
    assert_int_equal(c.block_cache_mb, 0);
    assert_int_equal(c.bloom_bits_per_key, 16);
    assert_int_equal(c.block_size_kb, 4);
    assert_true(c.case_sensitive);
    assert_false(c.sync_writes);
    assert_string_equal(c.bottommost_compression, "zstd");
    assert_string_equal(c.block_cache_type, "lru");
    assert_string_equal(c.index_layout, "partitioned");
    assert_int_equal(c.server_id, 3000000000u);
    assert_int_equal(c.site_serial, 65535);
    assert_string_equal(c.site_description, "d");
    assert_string_equal(c.server_key_file, "k.pem");
    assert_string_equal(c.advertise_address, "192.0.2.7");
    assert_string_equal(conf_advertise_address(&c), "192.0.2.7");
    assert_false(c.site_primary);
    assert_true(c.site_multi_primary);
    assert_int_equal(c.admin_count, 2);
    assert_int_equal(c.admins[0].index, 300);
    assert_string_equal(c.admins[0].handle, "0.NA/88.100.1");
    assert_int_equal(c.admins[1].index, 200);
    assert_string_equal(c.admins[1].handle, "88.100.1/ADMIN");
    assert_int_equal(c.http_listen_count, 0);
    assert_int_equal(c.https_listen_count, 2);
    assert_string_equal(c.https_listen[0].host, "0.0.0.0");
    assert_int_equal(c.https_listen[0].port, 443);
    assert_string_equal(c.https_listen[1].host, "::1");
    assert_int_equal(c.https_listen[1].port, 8443);
    assert_string_equal(c.tls_cert, "c.pem");
    assert_string_equal(c.tls_key, "k2.pem");
    assert_int_equal(c.http_max_header_bytes, 2048);
    assert_int_equal(c.http_max_body_bytes, 4096);
    assert_int_equal(c.http_timeout_s, 7);
}

static void keys_left_out_keep_their_current_values(void **state)
{
    struct conf c;
    char err[512], path[64];
    assert_int_equal(load_text("tcp = { idle_timeout = 9; };\n", &c, err, sizeof err, path),
                     CONF_OK);
    assert_int_equal(c.tcp_idle_timeout_s, 9);
    assert_int_equal(c.tcp_max_connections, 10000);
    assert_int_equal(c.listen_count, 1);
    assert_string_equal(c.data_dir, "var/registry");
}

static void syntax_error_names_file_and_line(void **state)
{
    expect_error("threads = 4;\n\nlog_level = \"info\";\ntcp = = { };\n", CONF_ERR_SYNTAX, 4,
                 "syntax error");
}

static void unknown_keys_name_the_key_and_line(void **state)
{
    expect_error("threads = 4;\nthread_count = 2;\n", CONF_ERR_UNKNOWN, 2,
                 "unknown key 'thread_count'");
    expect_error("tcp = {\n  idle_timeout = 5;\n  idle_timout = 5;\n};\n", CONF_ERR_UNKNOWN, 3,
                 "unknown key 'tcp.idle_timout'");
    expect_error("site = {\n  server_id = 1;\n  extra = { a = 1; };\n};\n", CONF_ERR_UNKNOWN, 3,
                 "unknown key 'site.extra'");
    expect_error("\n\nudp = true;\n", CONF_ERR_UNKNOWN, 3, "unknown key 'udp'");
    expect_error("http = {\n  listen = [ ];\n  tls_certificate = \"x\";\n};\n", CONF_ERR_UNKNOWN, 3,
                 "unknown key 'http.tls_certificate'");
}

static void bad_numbers_name_the_line(void **state)
{
    expect_error("data_dir = \"x\";\nthreads = -1;\n", CONF_ERR_VALUE, 2,
                 "threads = -1 is out of range");
    expect_error("threads = \"4\";\n", CONF_ERR_VALUE, 1, "threads must be an integer");
    expect_error("\ntcp = {\n  max_connections = 0;\n};\n", CONF_ERR_VALUE, 3,
                 "tcp.max_connections = 0 is out of range (1 to 1000000)");
    expect_error("registry = { block_size_kb = 0; };\n", CONF_ERR_VALUE, 1,
                 "registry.block_size_kb = 0 is out of range (1 to 1024)");
    expect_error("site = { serial = 65536; };\n", CONF_ERR_VALUE, 1, "site.serial = 65536");
    expect_error("site = { server_id = 4294967296L; };\n", CONF_ERR_VALUE, 1, "site.server_id");
    expect_error("registry = {\n sync = 1;\n};\n", CONF_ERR_VALUE, 2,
                 "registry.sync must be true or false");
}

static void bad_strings_name_the_line(void **state)
{
    expect_error("\n\nlog_level = \"verbose\";\n", CONF_ERR_VALUE, 3,
                 "log_level 'verbose' is not one of error, warn, info, debug");
    expect_error("registry = {\n  bottommost_compression = \"snappy\";\n};\n", CONF_ERR_VALUE, 2,
                 "registry.bottommost_compression 'snappy' is not one of lz4, zstd, none");
    expect_error("data_dir = \"\";\n", CONF_ERR_VALUE, 1, "data_dir must not be empty");
    expect_error("site = {\n  address = \"node example\";\n};\n", CONF_ERR_VALUE, 2,
                 "site.address 'node example' is neither a numeric");
    expect_error("tcp = 5;\n", CONF_ERR_VALUE, 1, "tcp must be a group");
}

static void public_url_is_set_or_follows_the_first_listener(void **state)
{
    struct conf c;
    char err[512], path[64], url[128];
    conf_defaults(&c);
    assert_int_equal(conf_public_url(&c, url, sizeof url), strlen("http://127.0.0.1:8000"));
    assert_string_equal(url, "http://127.0.0.1:8000");
    assert_int_equal(conf_public_url(&c, url, 21), 0);
    assert_string_equal(url, "");
    assert_int_equal(conf_public_url(&c, url, 22), 21);

    assert_int_equal(load_text("http = { listen = [ \"[::1]:8080\", \"127.0.0.1:80\" ]; };\n", &c,
                               err, sizeof err, path),
                     CONF_OK);
    conf_public_url(&c, url, sizeof url);
    assert_string_equal(url, "http://[::1]:8080");
    assert_int_equal(load_text("http = { listen = [ ]; https_listen = [ \"0.0.0.0:8443\" ]; };\n",
                               &c, err, sizeof err, path),
                     CONF_OK);
    conf_public_url(&c, url, sizeof url);
    assert_string_equal(url, "https://0.0.0.0:8443");
    assert_int_equal(load_text("http = { listen = [ ]; };\n", &c, err, sizeof err, path), CONF_OK);
    assert_int_equal(conf_public_url(&c, url, sizeof url), 0);
    assert_string_equal(url, "");

    assert_int_equal(load_text("http = { public_url = \"https://id.example.com/hdl\"; };\n", &c,
                               err, sizeof err, path),
                     CONF_OK);
    assert_string_equal(c.http_public_url, "https://id.example.com/hdl");
    conf_public_url(&c, url, sizeof url);
    assert_string_equal(url, "https://id.example.com/hdl");
    assert_int_equal(load_text("http = { public_url = \"http://192.0.2.1:8000/\"; };\n", &c, err,
                               sizeof err, path),
                     CONF_OK);
    assert_string_equal(c.http_public_url, "http://192.0.2.1:8000/");

    const char *why = "is not a URL \"http://host[:port][/path]\" or \"https://...\"";
    expect_error("http = {\n  public_url = \"id.example.com\";\n};\n", CONF_ERR_VALUE, 2,
                 "http.public_url 'id.example.com' ");
    expect_error("http = {\n  public_url = \"ftp://id.example.com\";\n};\n", CONF_ERR_VALUE, 2,
                 why);
    expect_error("http = { public_url = \"http://\"; };\n", CONF_ERR_VALUE, 1, why);
    expect_error("http = { public_url = \"https:///x\"; };\n", CONF_ERR_VALUE, 1, why);
    expect_error("http = { public_url = \"http://a b\"; };\n", CONF_ERR_VALUE, 1, why);
    expect_error("http = { public_url = \"http://a/?x=\"; };\n", CONF_ERR_VALUE, 1, why);
    expect_error("http = { public_url = \"http://a/#x\"; };\n", CONF_ERR_VALUE, 1, why);
    expect_error("http = { public_url = \"http://a/%41\"; };\n", CONF_ERR_VALUE, 1, why);
    expect_error("http = { public_url = \"http://\xc3\xa9.cn\"; };\n", CONF_ERR_VALUE, 1, why);
    expect_error("http = { public_url = 8000; };\n", CONF_ERR_VALUE, 1,
                 "http.public_url must be a string");
    assert_true(conf_valid_public_url("https://x"));
    assert_false(conf_valid_public_url(""));
}

static void bad_listen_entries_name_their_line(void **state)
{
    expect_error("threads = 1;\nlisten = [\n  \"127.0.0.1:2641\",\n  \"127.0.0.1:70000\"\n];\n",
                 CONF_ERR_VALUE, 2, "listen[1] '127.0.0.1:70000'");
    expect_error("\nlisten = [ \"localhost:2641\" ];\n", CONF_ERR_VALUE, 2,
                 "host names are not resolved");
    expect_error("listen = [ ];\n", CONF_ERR_VALUE, 1, "listen needs at least 1 entry");
    expect_error("listen = \"127.0.0.1:2641\";\n", CONF_ERR_VALUE, 1, "listen must be an array");
    expect_error("threads = 1;\nlisten = [ \"1.0.0.1:1\", \"1.0.0.2:1\", \"1.0.0.3:1\", "
                 "\"1.0.0.4:1\", \"1.0.0.5:1\", \"1.0.0.6:1\", \"1.0.0.7:1\", \"1.0.0.8:1\", "
                 "\"1.0.0.9:1\" ];\n",
                 CONF_ERR_VALUE, 2, "listen has 9 entries; at most 8");
    expect_error("\nhttp = { https_listen = [ \"127.0.0.1:0\" ]; };\n", CONF_ERR_VALUE, 2,
                 "http.https_listen[0] '127.0.0.1:0'");
    expect_error("http = { timeout = 0; };\n", CONF_ERR_VALUE, 1,
                 "http.timeout = 0 is out of range (1 to 86400)");
}

static void bad_admin_entries_name_their_line(void **state)
{
    expect_error("\nserver_admins = [\n  \"300:0.NA/88.100.1\",\n  \"admin:0.NA/88.100.1\"\n];\n",
                 CONF_ERR_VALUE, 2, "server_admins[1] 'admin:0.NA/88.100.1'");
    char text[1024] = "server_admins = [";
    for (int i = 0; i < CONF_MAX_ADMINS + 1; i++)
        strcat(text, i ? ", \"1:a/b\"" : "\"1:a/b\"");
    strcat(text, "];\n");
    expect_error(text, CONF_ERR_VALUE, 1, "server_admins has 17 entries; at most 16");
}

static void failed_load_leaves_the_conf_unchanged(void **state)
{
    struct conf c, d;
    char err[512], path[64];
    assert_int_equal(load_text("threads = 3;\nlisten = [ \"10.0.0.1:1\" ];\nlog_level = \"x\";\n",
                               &c, err, sizeof err, path),
                     CONF_ERR_VALUE);
    conf_defaults(&d);
    assert_int_equal(c.threads, d.threads);
    assert_int_equal(c.listen_count, 1);
    assert_string_equal(c.listen[0].host, "127.0.0.1");
}

static void limits_load_and_bad_ones_name_their_line(void **state)
{
    (void)state;
    struct conf c;
    char err[512], path[64];
    assert_int_equal(load_text("limits = {\n  udp_rrl_per_second = 0;\n"
                               "  udp_exempt = [ \"10.0.0.0/8\", \"2001:db8::/32\", "
                               "\"192.0.2.1\" ];\n  auth_lockout = 5;\n};\n"
                               "tcp = { message_timeout = 3; max_connections_per_source = 9; };\n"
                               "http = { request_timeout = 4; max_connections_per_source = 8; };\n",
                               &c, err, sizeof err, path),
                     CONF_OK);
    assert_int_equal(c.rrl_per_second, 0);
    assert_int_equal(c.udp_exempt_count, 3);
    assert_int_equal(c.udp_exempt[0].bits, 8);
    assert_int_equal(c.udp_exempt[1].bits, 32);
    assert_int_equal(c.udp_exempt[2].bits, 32);
    assert_int_equal(c.auth_lockout_s, 5);
    assert_int_equal(c.tcp_message_timeout_s, 3);
    assert_int_equal(c.tcp_max_per_source, 9);
    assert_int_equal(c.http_request_timeout_s, 4);
    assert_int_equal(c.http_max_per_source, 8);

    expect_error("limits = {\n udp_exempt = [ \"10.0.0.0/40\" ];\n};\n", CONF_ERR_VALUE, 2,
                 "limits.udp_exempt[0] '10.0.0.0/40' is not a network \"ADDR/LEN\"");
    expect_error("limits = {\n udp_rrl_ipv4_prefix = 4;\n};\n", CONF_ERR_VALUE, 2,
                 "limits.udp_rrl_ipv4_prefix = 4 is out of range (8 to 32)");
    expect_error("limits = {\n udp_rrl_rate = 4;\n};\n", CONF_ERR_UNKNOWN, 2,
                 "unknown key 'limits.udp_rrl_rate'");
}

static void missing_file_is_an_io_error(void **state)
{
    struct conf c;
    char err[512];
    conf_defaults(&c);
    assert_int_equal(conf_load(&c, "/nonexistent/pazhou.conf", err, sizeof err), CONF_ERR_IO);
    assert_non_null(strstr(err, "/nonexistent/pazhou.conf: cannot read"));
}

static void endpoints_parse_numeric_forms_only(void **state)
{
    struct conf_endpoint ep;
    assert_int_equal(conf_parse_endpoint("1.2.3.4:2641", &ep), 0);
    assert_string_equal(ep.host, "1.2.3.4");
    assert_int_equal(ep.port, 2641);
    assert_int_equal(conf_parse_endpoint("[::1]:2641", &ep), 0);
    assert_string_equal(ep.host, "::1");
    assert_int_equal(ep.port, 2641);
    assert_int_equal(conf_parse_endpoint("[2001:db8::7]:65535", &ep), 0);
    assert_string_equal(ep.host, "2001:db8::7");
    assert_int_equal(ep.port, 65535);
    assert_int_equal(conf_parse_endpoint("0.0.0.0:1", &ep), 0);

    const char *bad[] = {
        "localhost:2641",      "1.2.3.4",       "1.2.3.4:",
        "1.2.3.4:0",           "1.2.3.4:65536", "1.2.3.4:-1",
        "1.2.3.4:+1",          "1.2.3.4:2x",    "::1:2641",
        "[::1]2641",           "[::1]:",        "[1.2.3.4]:1",
        "[::1:2641",           ":2641",         "1.2.3:2641",
        "1.2.3.4: 2641",       "[]:2641",       "",
        "1.2.3.4:99999999999",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (conf_parse_endpoint(bad[i], &ep) != -1)
            fail_msg("accepted endpoint \"%s\"", bad[i]);
}

/* Left out of the file, the server key sits in the directory holding the registry. */
static void server_key_follows_the_data_directory(void **state)
{
    (void)state;
    static const struct {
        const char *data_dir, *key;
    } cases[] = {
        {"var/registry", "var/server_key.pem"},
        {"/var/lib/pazhou/registry/", "/var/lib/pazhou/server_key.pem"},
        {"/srv//reg", "/srv/server_key.pem"},
        {"/reg", "/server_key.pem"},
        {"reg", "server_key.pem"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct conf c;
        conf_defaults(&c);
        snprintf(c.data_dir, sizeof c.data_dir, "%s", cases[i].data_dir);
        conf_place_server_key(&c);
        assert_string_equal(c.server_key_file, cases[i].key);
    }
    struct conf c;
    char err[512], path[64];
    assert_int_equal(load_text("site = { key_file = \"k.pem\"; };\n", &c, err, sizeof err, path),
                     CONF_OK);
    snprintf(c.data_dir, sizeof c.data_dir, "/elsewhere/registry");
    conf_place_server_key(&c);
    assert_string_equal(c.server_key_file, "k.pem");
}

static void identities_parse_index_and_handle(void **state)
{
    struct conf_identity id;
    assert_int_equal(conf_parse_identity("300:0.NA/88.100.1", &id), 0);
    assert_int_equal(id.index, 300);
    assert_string_equal(id.handle, "0.NA/88.100.1");
    assert_int_equal(conf_parse_identity("4294967295:88.100.1/a:b", &id), 0);
    assert_int_equal(id.index, 4294967295u);
    assert_string_equal(id.handle, "88.100.1/a:b");

    char long_handle[300];
    memset(long_handle, 'a', sizeof long_handle);
    memcpy(long_handle, "1:x/", 4);
    long_handle[sizeof long_handle - 1] = '\0';
    const char *bad[] = {
        "0.NA/88.100.1", "300:",          ":0.NA/88.100.1",    "x:0.NA/88.100.1",
        "-1:0.NA/1",     "+1:0.NA/1",     "4294967296:0.NA/1", "300:88.100.1",
        "300:/abc",      "300:0.NA/\x01", long_handle,
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (conf_parse_identity(bad[i], &id) != -1)
            fail_msg("accepted identity \"%s\"", bad[i]);
}

static void resolver_and_dns_settings(void **state)
{
    (void)state;
    struct conf c;
    char err[512], path[64];
    conf_defaults(&c);
    assert_false(c.recursion);
    assert_int_equal(c.root_count, 0);
    assert_int_equal(c.max_recursion, 8);
    assert_int_equal(c.recursion_timeout_ms, 3000);
    assert_int_equal(c.negative_ttl_s, 10);
    assert_int_equal(c.dns_server_count, 0);
    const char *text =
        "resolver = { recursion = true;\n"
        "  root = [ \"root.example.cn:2641\", \"192.0.2.1:12641\", \"[2001:db8::1]:2641\" ];\n"
        "  max_recursion = 4; timeout_ms = 1500; upstream_timeout_ms = 100; max_upstream = 7;\n"
        "  cache_mb = 1; negative_ttl = 3; max_ttl = 60; };\n"
        "dns = { servers = [ \"127.0.0.1:5353\", \"[::1]:53\" ]; timeout_ms = 200; };\n"
        "site = { address = \"node.example.cn\"; };\n";
    assert_int_equal(load_text(text, &c, err, sizeof err, path), CONF_OK);
    assert_true(c.recursion);
    assert_int_equal(c.root_count, 3);
    assert_string_equal(c.roots[0].host, "root.example.cn");
    assert_int_equal(c.roots[0].port, 2641);
    assert_string_equal(c.roots[1].host, "192.0.2.1");
    assert_int_equal(c.roots[1].port, 12641);
    assert_string_equal(c.roots[2].host, "2001:db8::1");
    assert_int_equal(c.max_recursion, 4);
    assert_int_equal(c.recursion_timeout_ms, 1500);
    assert_int_equal(c.upstream_timeout_ms, 100);
    assert_int_equal(c.max_upstream, 7);
    assert_int_equal(c.recursion_cache_mb, 1);
    assert_int_equal(c.negative_ttl_s, 3);
    assert_int_equal(c.max_ttl_s, 60);
    assert_int_equal(c.dns_server_count, 2);
    assert_int_equal(c.dns_timeout_ms, 200);
    assert_string_equal(c.advertise_address, "node.example.cn");
    char csv[128];
    conf_dns_servers_csv(&c, csv, sizeof csv);
    assert_string_equal(csv, "127.0.0.1:5353,[::1]:53");

    expect_error("resolver = {\n  root = [ \"root.example.cn\" ];\n};\n", CONF_ERR_VALUE, 2,
                 "resolver.root[0] 'root.example.cn' is not \"HOST:PORT\"");
    expect_error("resolver = {\n  root = [ \"bad host:1\" ];\n};\n", CONF_ERR_VALUE, 2,
                 "resolver.root[0]");
    expect_error("resolver = {\n  root = [ \"[nope]:1\" ];\n};\n", CONF_ERR_VALUE, 2,
                 "resolver.root[0]");
    expect_error("dns = {\n  servers = [ \"dns.example:53\" ];\n};\n", CONF_ERR_VALUE, 2,
                 "dns.servers[0]");
    expect_error("resolver = {\n  max_recursion = 0;\n};\n", CONF_ERR_VALUE, 2,
                 "resolver.max_recursion = 0 is out of range");
    expect_error("resolver = {\n  recursive = true;\n};\n", CONF_ERR_UNKNOWN, 2,
                 "unknown key 'resolver.recursive'");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(defaults_are_the_documented_ones),
        cmocka_unit_test(sample_file_loads_with_the_defaults),
        cmocka_unit_test(every_key_takes_its_value_from_the_file),
        cmocka_unit_test(keys_left_out_keep_their_current_values),
        cmocka_unit_test(syntax_error_names_file_and_line),
        cmocka_unit_test(unknown_keys_name_the_key_and_line),
        cmocka_unit_test(bad_numbers_name_the_line),
        cmocka_unit_test(bad_strings_name_the_line),
        cmocka_unit_test(public_url_is_set_or_follows_the_first_listener),
        cmocka_unit_test(bad_listen_entries_name_their_line),
        cmocka_unit_test(bad_admin_entries_name_their_line),
        cmocka_unit_test(failed_load_leaves_the_conf_unchanged),
        cmocka_unit_test(limits_load_and_bad_ones_name_their_line),
        cmocka_unit_test(missing_file_is_an_io_error),
        cmocka_unit_test(endpoints_parse_numeric_forms_only),
        cmocka_unit_test(identities_parse_index_and_handle),
        cmocka_unit_test(server_key_follows_the_data_directory),
        cmocka_unit_test(resolver_and_dns_settings),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
