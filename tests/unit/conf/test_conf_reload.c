/* Which keys a reload reports as taking a restart: those that changed, and only those. */
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
#include "conf/conf_reload.h"

struct names {
    char text[1024];
};

static void collect(void *ctx, const char *name)
{
    struct names *n = ctx;
    size_t len = strlen(n->text);
    snprintf(n->text + len, sizeof n->text - len, "%s%s", len ? " " : "", name);
}

/* Loads text over the defaults into c. */
static void load_text(const char *text, struct conf *c)
{
    char path[64], err[512];
    snprintf(path, sizeof path, "/tmp/test_conf_reload_XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    memset(c, 0, sizeof *c);
    conf_defaults(c);
    int rc = conf_load(c, path, err, sizeof err);
    unlink(path);
    assert_int_equal(rc, CONF_OK);
}

/* The keys reported between two files, space-separated, into n; returns their number. */
static int changes(const char *was_text, const char *now_text, struct names *n)
{
    static struct conf was, now;
    load_text(was_text, &was);
    load_text(now_text, &now);
    n->text[0] = '\0';
    return conf_restart_changes(&was, &now, collect, n);
}

static const char *const base = "listen = [ \"127.0.0.1:2641\" ];\n"
                                "http = { listen = [ \"127.0.0.1:8000\" ]; };\n"
                                "limits = { udp_exempt = [ \"127.0.0.0/8\" ]; };\n";

static void the_same_file_changes_nothing(void **state)
{
    (void)state;
    struct names n;
    assert_int_equal(changes(base, base, &n), 0);
    assert_string_equal(n.text, "");
}

static void reloadable_keys_are_not_reported(void **state)
{
    (void)state;
    struct names n;
    const char *now = "listen = [ \"127.0.0.1:2641\" ];\n"
                      "http = { listen = [ \"127.0.0.1:8000\" ]; tls_cert = \"/x/c.pem\";"
                      " tls_key = \"/x/k.pem\"; session_timeout = 60; };\n"
                      "limits = { udp_exempt = [ \"127.0.0.0/8\" ]; udp_rrl_per_second = 5;"
                      " max_admin_jobs = 7; auth_max_failures = 2; max_sessions = 9; };\n"
                      "log_level = \"debug\";\n"
                      "server_admins = [ \"300:0.NA/88.100.1\" ];\n"
                      "registry = { answer_cache_mb = 1; };\n"
                      "resolver = { timeout_ms = 100; negative_ttl = 3; max_upstream = 5; };\n";
    assert_int_equal(changes(base, now, &n), 0);
    assert_string_equal(n.text, "");
}

static void each_restart_key_that_changed_is_named_once(void **state)
{
    (void)state;
    struct names n;
    const char *now = "listen = [ \"127.0.0.1:2642\" ];\n"
                      "threads = 3;\n"
                      "http = { listen = [ \"127.0.0.1:8000\", \"127.0.0.1:8001\" ]; };\n"
                      "limits = { udp_exempt = [ \"127.0.0.0/16\" ]; };\n"
                      "registry = { block_cache_mb = 64; index_layout = \"partitioned\"; };\n"
                      "site = { description = \"another\"; };\n"
                      "resolver = { recursion = true; };\n"
                      "dns = { servers = [ \"127.0.0.1:53\" ]; };\n";
    assert_int_equal(changes(base, now, &n), 9);
    assert_string_equal(n.text, "threads listen registry.block_cache_mb registry.index_layout "
                                "site.description http.listen limits.udp_exempt "
                                "resolver.recursion dns.servers");
}

static void strings_compare_by_text_not_bytes_past_the_end(void **state)
{
    (void)state;
    static struct conf was, now;
    struct names n = {{0}};
    memset(&was, 0, sizeof was);
    memset(&now, 0, sizeof now);
    conf_defaults(&was);
    conf_defaults(&now);
    /* The same short path written over defaults of different lengths. */
    snprintf(was.data_dir, sizeof was.data_dir, "/a/much/longer/path");
    snprintf(was.data_dir, sizeof was.data_dir, "/d");
    snprintf(now.data_dir, sizeof now.data_dir, "/d");
    assert_int_equal(conf_restart_changes(&was, &now, collect, &n), 0);
    snprintf(now.data_dir, sizeof now.data_dir, "/e");
    assert_int_equal(conf_restart_changes(&was, &now, collect, &n), 1);
    assert_string_equal(n.text, "data_dir");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(the_same_file_changes_nothing),
        cmocka_unit_test(reloadable_keys_are_not_reported),
        cmocka_unit_test(each_restart_key_that_changed_is_named_once),
        cmocka_unit_test(strings_compare_by_text_not_bytes_past_the_end),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
