#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* nftw */
#endif
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ftw.h>
#include <unistd.h>

#include <cmocka.h>

#include "registry/reg_prefix.h"

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    return remove(path);
}

/* Builds a prefix set from a fresh registry in which the NULL-terminated prefixes are homed. */
static struct reg_prefix_set *set_of(bool case_sensitive, const char *const *prefixes)
{
    char dir[64];
    snprintf(dir, sizeof(dir), "/tmp/test_reg_prefix_XXXXXX");
    assert_non_null(mkdtemp(dir));
    struct reg_options opt = {.path = dir,
                              .block_cache_bytes = 1u << 20,
                              .create_if_missing = true,
                              .case_sensitive = case_sensitive};
    struct reg_db *db = NULL;
    char err[512];
    if (reg_open(&opt, &db, err, sizeof(err)))
        fail_msg("reg_open: %s", err);
    for (; *prefixes; prefixes++)
        assert_int_equal(reg_home_prefix(db, *prefixes), REG_OK);
    struct reg_prefix_set *set = reg_prefix_set_load(db);
    assert_non_null(set);
    reg_close(db);
    nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    return set;
}

static bool serves(const struct reg_prefix_set *set, const char *handle)
{
    return reg_prefix_set_serves(set, (const uint8_t *)handle, strlen(handle));
}

static bool has(const struct reg_prefix_set *set, const char *handle)
{
    return reg_prefix_set_has(set, (const uint8_t *)handle, strlen(handle));
}

static const char *const homed[] = {"0.NA/88.100", "0.NA/20.500.12345", "0.na/ab.cd", NULL};

static void has_finds_homed_prefixes_in_any_case(void **state)
{
    struct reg_prefix_set *set = set_of(false, homed);
    assert_int_equal(reg_prefix_set_count(set), 3);
    assert_true(has(set, "0.NA/88.100"));
    assert_true(has(set, "0.na/88.100"));
    assert_true(has(set, "0.NA/AB.CD"));
    assert_true(has(set, "0.Na/ab.Cd"));
    assert_false(has(set, "0.NA/88.1"));
    assert_false(has(set, "0.NA/88.100.1"));
    assert_false(has(set, "88.100"));
    assert_false(has(set, "0.NA/"));
    assert_false(has(set, ""));
    reg_prefix_set_free(set);
}

static void handle_is_served_when_its_prefix_is_homed(void **state)
{
    struct reg_prefix_set *set = set_of(false, homed);
    assert_true(serves(set, "88.100/x"));
    assert_true(serves(set, "88.100/"));
    assert_true(serves(set, "20.500.12345/a/b/c"));
    assert_true(serves(set, "AB.cd/anything"));
    /* Only the exact prefix counts for ordinary handles, not its ancestors or children. */
    assert_false(serves(set, "88.100.1/x"));
    assert_false(serves(set, "88/x"));
    assert_false(serves(set, "88.101/x"));
    assert_false(serves(set, "/x"));
    reg_prefix_set_free(set);
}

static void prefix_handle_is_served_by_itself_or_a_dotted_ancestor(void **state)
{
    struct reg_prefix_set *set = set_of(false, homed);
    assert_true(serves(set, "0.NA/88.100"));
    assert_true(serves(set, "0.na/88.100"));
    assert_true(serves(set, "0.NA/88.100.1"));
    assert_true(serves(set, "0.NA/88.100.1.7"));
    assert_true(serves(set, "0.NA/20.500.12345.9"));
    assert_false(serves(set, "0.NA/88.1000"));
    assert_false(serves(set, "0.NA/88"));
    assert_false(serves(set, "0.NA/20.500"));
    assert_false(serves(set, "0.NA/"));
    assert_false(serves(set, "0.NA/0.NA"));
    reg_prefix_set_free(set);
}

static void root_prefix_serves_every_prefix_handle_only(void **state)
{
    static const char *const root[] = {"0.NA/0.NA", NULL};
    struct reg_prefix_set *set = set_of(false, root);
    assert_true(serves(set, "0.NA/0.NA"));
    assert_true(serves(set, "0.NA/88.100.1"));
    assert_true(serves(set, "0.na/77"));
    assert_false(serves(set, "88.100.1/x"));
    /* Only a prefix part of exactly 0.NA makes a prefix handle. */
    assert_false(serves(set, "0.NAX/1"));
    reg_prefix_set_free(set);
}

static void handle_without_slash_is_not_served(void **state)
{
    struct reg_prefix_set *set = set_of(false, homed);
    assert_false(serves(set, "88.100"));
    assert_false(serves(set, "0.NA"));
    assert_false(serves(set, ""));
    reg_prefix_set_free(set);
}

static void case_sensitive_set_folds_only_the_na_part(void **state)
{
    static const char *const mixed[] = {"0.na/Ab", NULL};
    struct reg_prefix_set *set = set_of(true, mixed);
    assert_true(has(set, "0.NA/Ab"));
    assert_true(has(set, "0.na/Ab"));
    assert_false(has(set, "0.NA/AB"));
    assert_true(serves(set, "Ab/x"));
    assert_false(serves(set, "AB/x"));
    assert_false(serves(set, "ab/x"));
    assert_true(serves(set, "0.na/Ab.1"));
    assert_false(serves(set, "0.NA/AB.1"));
    reg_prefix_set_free(set);
}

static void empty_set_serves_nothing(void **state)
{
    static const char *const none[] = {NULL};
    struct reg_prefix_set *set = set_of(false, none);
    assert_int_equal(reg_prefix_set_count(set), 0);
    assert_false(serves(set, "88.100/x"));
    assert_false(serves(set, "0.NA/88.100"));
    reg_prefix_set_free(set);
}

static void many_prefixes_and_overlong_handles(void **state)
{
    static char names[500][32];
    static const char *list[501];
    for (int i = 0; i < 500; i++) {
        snprintf(names[i], sizeof(names[i]), "0.NA/20.%d", i);
        list[i] = names[i];
    }
    list[500] = NULL;
    struct reg_prefix_set *set = set_of(false, list);
    assert_int_equal(reg_prefix_set_count(set), 500);
    char h[32];
    for (int i = 0; i < 500; i++) {
        snprintf(h, sizeof(h), "20.%d/x", i);
        assert_true(serves(set, h));
    }
    assert_false(serves(set, "20.500/x"));

    static uint8_t big[5000];
    memset(big, '2', sizeof(big));
    big[2100] = '/';
    assert_false(reg_prefix_set_serves(set, big, sizeof(big)));
    memcpy(big, "0.NA/", 5);
    assert_false(reg_prefix_set_serves(set, big, sizeof(big)));
    assert_false(reg_prefix_set_has(set, big, sizeof(big)));
    reg_prefix_set_free(set);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(has_finds_homed_prefixes_in_any_case),
        cmocka_unit_test(handle_is_served_when_its_prefix_is_homed),
        cmocka_unit_test(prefix_handle_is_served_by_itself_or_a_dotted_ancestor),
        cmocka_unit_test(root_prefix_serves_every_prefix_handle_only),
        cmocka_unit_test(handle_without_slash_is_not_served),
        cmocka_unit_test(case_sensitive_set_folds_only_the_na_part),
        cmocka_unit_test(empty_set_serves_nothing),
        cmocka_unit_test(many_prefixes_and_overlong_handles),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
