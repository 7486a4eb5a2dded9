/* The replication group of the configuration (conf/conf_replication.h): a mirror's sources,
 * identity, key, interval and stream mode, and the errors of an incomplete or bad group. */
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

static int load_text(const char *text, struct conf *c, char *err, size_t errlen)
{
    char path[64];
    snprintf(path, sizeof path, "/tmp/test_conf_repl_XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    size_t n = strlen(text);
    assert_int_equal(write(fd, text, n), (ssize_t)n);
    close(fd);
    conf_defaults(c);
    err[0] = '\0';
    int rc = conf_load(c, path, err, errlen);
    unlink(path);
    return rc;
}

static void a_primary_has_no_replication(void **state)
{
    (void)state;
    struct conf c;
    char err[512];
    assert_int_equal(load_text("threads = 1;\n", &c, err, sizeof err), CONF_OK);
    assert_false(c.replication.enabled);
    assert_int_equal(c.replication.interval_ms, 1000);
    assert_string_equal(c.replication.mode, "tls");
}

static void the_group_makes_a_mirror(void **state)
{
    (void)state;
    struct conf c;
    char err[512];
    int rc = load_text("replication = {\n"
                       "  from = [ \"127.0.0.1:2641\", \"primary.example:2642\" ];\n"
                       "  admin = \"300:0.NA/88.100.1\";\n"
                       "  key_file = \"repl.pem\";\n"
                       "  interval_ms = 200;\n"
                       "  mode = \"pk\";\n"
                       "};\n",
                       &c, err, sizeof err);
    assert_int_equal(rc, CONF_OK);
    const struct conf_replication *r = &c.replication;
    assert_true(r->enabled);
    assert_int_equal(r->from_count, 2);
    assert_string_equal(r->from[0].host, "127.0.0.1");
    assert_int_equal(r->from[0].port, 2641);
    assert_string_equal(r->from[1].host, "primary.example");
    assert_int_equal(r->from[1].port, 2642);
    assert_int_equal(r->admin_index, 300);
    assert_string_equal(r->admin_handle, "0.NA/88.100.1");
    assert_string_equal(r->key_file, "repl.pem");
    assert_int_equal(r->interval_ms, 200);
    assert_true(conf_replication_pk(r));
}

static void expect_error(const char *text, const char *what)
{
    struct conf c;
    char err[512];
    assert_int_not_equal(load_text(text, &c, err, sizeof err), CONF_OK);
    if (!strstr(err, what))
        fail_msg("got \"%s\", want \"...%s\"", err, what);
    assert_false(c.replication.enabled);
}

static void bad_groups_are_refused(void **state)
{
    (void)state;
    expect_error("replication = { from = [ \"127.0.0.1:2641\" ]; key_file = \"k.pem\"; };\n",
                 "replication needs from");
    expect_error("replication = { from = [ ]; admin = \"300:0.NA/X\"; key_file = \"k\"; };\n",
                 "replication.from needs at least 1");
    expect_error("replication = { from = [ \"nohost\" ]; admin = \"300:0.NA/X\"; "
                 "key_file = \"k\"; };\n",
                 "replication.from[0] 'nohost' is not");
    expect_error("replication = { from = [ \"127.0.0.1:1\" ]; admin = \"0.NA/X\"; "
                 "key_file = \"k\"; };\n",
                 "replication.admin '0.NA/X' is not \"index:handle\"");
    expect_error("replication = { from = [ \"127.0.0.1:1\" ]; admin = \"300:0.NA/X\"; "
                 "key_file = \"k\"; mode = \"clear\"; };\n",
                 "replication.mode 'clear' is not one of tls, pk");
    expect_error("replication = { from = [ \"127.0.0.1:1\" ]; admin = \"300:0.NA/X\"; "
                 "key_file = \"k\"; interval_ms = 1; };\n",
                 "replication.interval_ms = 1 is out of range");
    expect_error("replication = { from = [ \"127.0.0.1:1\" ]; admin = \"300:0.NA/X\"; "
                 "key_file = \"k\"; pull_all = true; };\n",
                 "unknown key 'replication.pull_all'");
}

static void note(void *ctx, const char *name)
{
    snprintf(ctx, 64, "%s", name);
}

static void a_reload_names_replication_changes(void **state)
{
    (void)state;
    static const char base[] = "replication = { from = [ \"127.0.0.1:2641\" ]; admin = "
                               "\"300:0.NA/X\"; key_file = \"k\"; interval_ms = %d; };\n";
    char text[256], err[512], changed[64] = "";
    struct conf was, now;
    snprintf(text, sizeof text, base, 200);
    assert_int_equal(load_text(text, &was, err, sizeof err), CONF_OK);
    assert_int_equal(load_text(text, &now, err, sizeof err), CONF_OK);
    assert_int_equal(conf_restart_changes(&was, &now, note, changed), 0);
    snprintf(text, sizeof text, base, 300);
    assert_int_equal(load_text(text, &now, err, sizeof err), CONF_OK);
    assert_int_equal(conf_restart_changes(&was, &now, note, changed), 1);
    assert_string_equal(changed, "replication.interval_ms");
    assert_int_equal(load_text("threads = 1;\n", &now, err, sizeof err), CONF_OK);
    assert_true(conf_restart_changes(&was, &now, note, changed) >= 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_primary_has_no_replication),
        cmocka_unit_test(the_group_makes_a_mirror),
        cmocka_unit_test(bad_groups_are_refused),
        cmocka_unit_test(a_reload_names_replication_changes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
