/* Batch value lines (tools/batch_value.c) and batch files (tools/batch_file.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "proto/hdl_admin.h"
#include "proto/hdl_const.h"
#include "tools/batch_file.h"
#include "tools/batch_value.h"

static uint8_t store_buf[65536];

static int parse(const char *line, struct hdl_value *v, char *err)
{
    static struct hdl_writer store;
    hdl_writer_init(&store, store_buf, sizeof store_buf);
    return batch_value_parse(line, &store, v, err, 256);
}

static void assert_slice(struct hdl_slice s, const void *want, size_t len)
{
    assert_int_equal(s.len, len);
    assert_memory_equal(s.ptr, want, len);
}

static void utf8_line_keeps_the_rest_of_the_line(void **state)
{
    struct hdl_value v;
    char err[256];
    assert_int_equal(parse("1 URL 86400 1110 UTF8 https://example.com/a b c", &v, err), 0);
    assert_int_equal(v.index, 1);
    assert_slice(v.type, "URL", 3);
    assert_int_equal(v.ttl, 86400);
    assert_int_equal(v.ttl_type, HDL_TTL_RELATIVE);
    assert_int_equal(v.perms, 0x0e);
    assert_int_equal(v.timestamp, 0);
    assert_int_equal(v.ref_count, 0);
    assert_slice(v.data, "https://example.com/a b c", 25);
}

static void permissions_read_admin_read_write_then_public(void **state)
{
    struct hdl_value v;
    char err[256];
    assert_int_equal(parse("300 HS_SECKEY 86400 1100 UTF8 s3cret", &v, err), 0);
    assert_int_equal(v.perms, HDL_PERM_ADMIN_READ | HDL_PERM_ADMIN_WRITE);
    assert_int_equal(parse("2 EMAIL 60 0001 UTF8 a@b", &v, err), 0);
    assert_int_equal(v.perms, HDL_PERM_PUBLIC_WRITE);
    assert_int_equal(v.ttl, 60);
}

static void admin_line_reads_permissions_in_batch_order(void **state)
{
    struct hdl_value v;
    char err[256];
    /* Character i is bit 1 << i: add handle, delete handle ... list handles last. */
    assert_int_equal(parse("100 HS_ADMIN 86400 1110 ADMIN 300:110000000001:0.NA/88.100.1", &v, err),
                     0);
    static const uint8_t want[] = {0x08, 0x03, 0,   0,   0,   13,  '0', '.', 'N', 'A',  '/', '8',
                                   '8',  '.',  '1', '0', '0', '.', '1', 0,   0,   0x01, 0x2c};
    assert_slice(v.type, "HS_ADMIN", 8);
    assert_slice(v.data, want, sizeof want);
    struct hdl_admin adm;
    assert_int_equal(hdl_admin_decode(v.data.ptr, v.data.len, &adm), HDL_OK);
    assert_int_equal(adm.perms, HDL_ADM_ADD_HANDLE | HDL_ADM_DELETE_HANDLE | HDL_ADM_LIST_HANDLES);
}

static void list_line_encodes_a_vlist(void **state)
{
    struct hdl_value v;
    char err[256];
    assert_int_equal(
        parse("200 HS_VLIST 86400 1110 LIST 300:0.NA/X; 301 : 88.100.1/ADMIN;", &v, err), 0);
    static const uint8_t want[] = {0,   0,   0,   2,   0,   0,   0,   6,    '0', '.',
                                   'N', 'A', '/', 'X', 0,   0,   1,   0x2c, 0,   0,
                                   0,   14,  '8', '8', '.', '1', '0', '0',  '.', '1',
                                   '/', 'A', 'D', 'M', 'I', 'N', 0,   0,    1,   0x2d};
    assert_slice(v.data, want, sizeof want);
    /* The last semicolon is optional. */
    assert_int_equal(parse("200 HS_VLIST 86400 1110 LIST 300:0.NA/X", &v, err), 0);
    assert_int_equal(v.data.len, 4 + 4 + 6 + 4);
}

static void file_line_takes_the_file_bytes(void **state)
{
    char path[] = "/tmp/test_batch_value_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    static const uint8_t bytes[] = {0, 1, 2, 0xff, '\n', 0};
    assert_int_equal(write(fd, bytes, sizeof bytes), (ssize_t)sizeof bytes);
    close(fd);
    char line[256];
    snprintf(line, sizeof line, "300 HS_PUBKEY 86400 1110 FILE %s", path);
    struct hdl_value v;
    char err[256];
    assert_int_equal(parse(line, &v, err), 0);
    assert_slice(v.data, bytes, sizeof bytes);
    unlink(path);
    assert_int_equal(parse(line, &v, err), -1);
    assert_non_null(strstr(err, "cannot read"));
}

static void malformed_lines_name_the_field(void **state)
{
    static const struct {
        const char *line;
        const char *says;
    } cases[] = {
        {"x URL 86400 1110 UTF8 a", "index"},
        {"1", "no type"},
        {"1 URL soon 1110 UTF8 a", "TTL"},
        {"1 URL 86400 111 UTF8 a", "permissions"},
        {"1 URL 86400 11a0 UTF8 a", "permissions"},
        {"1 URL 86400 1110", "no data"},
        {"1 URL 86400 1110 HEX 00", "unknown data kind"},
        {"100 HS_ADMIN 86400 1110 ADMIN 300:11111111111:0.NA/X", "12 characters"},
        {"100 HS_ADMIN 86400 1110 ADMIN 300:111111111111:", "12 characters"},
        {"100 HS_ADMIN 86400 1110 ADMIN x:111111111111:0.NA/X", "ADMIN needs"},
        {"200 HS_VLIST 86400 1110 LIST 0.NA/X", "LIST entries"},
        {"200 HS_VLIST 86400 1110 LIST ;;", "no entries"},
        {"1 URL 4294967296 1110 UTF8 a", "TTL"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct hdl_value v;
        char err[256] = "";
        assert_int_equal(parse(cases[i].line, &v, err), -1);
        if (!strstr(err, cases[i].says))
            fail_msg("'%s' said '%s', not '%s'", cases[i].line, err, cases[i].says);
    }
}

static const char batch_text[] = "AUTHENTICATE PUBKEY:300:0.NA/88.100.1\n" /* 1 */
                                 "keys/admin.pem|pass phrase\n"            /* 2 */
                                 "\n"                                      /* 3 */
                                 "SESSIONSETUP\n"                          /* 4 */
                                 "USESESSION:1\n"                          /* 5 */
                                 "TIMEOUT:2\n"                             /* 6 */
                                 "\n"                                      /* 7 */
                                 "CREATE 88.100.1/P1\n"                    /* 8 */
                                 "100 HS_ADMIN 86400 1110 ADMIN 300:111111111111:0.NA/88.100.1\n"
                                 "1 URL 86400 1110 UTF8 https://example.com/1\n" /* 10 */
                                 "\n"                                            /* 11 */
                                 "MODIFY 88.100.1/P1\n"                          /* 12 */
                                 "1 URL 86400 1110 BOGUS x\n"                    /* 13 */
                                 "2 EMAIL 86400 1110 UTF8 a@b\n"                 /* 14 */
                                 "\n"                                            /* 15 */
                                 "REMOVE 1,2:88.100.1/P1\n"                      /* 16 */
                                 "DELETE 88.100.1/P1\n"                          /* 17 */
                                 "FROB 88.100.1/P1\n"                            /* 18 */
                                 "HOME 127.0.0.1:2641:tcp\n"                     /* 19 */
                                 "0.NA/88.200\n"                                 /* 20 */
                                 "88.300\n"                                      /* 21 */
                                 "\n"                                            /* 22 */
                                 "AUTHENTICATE SECKEY:301:88.100.1/ADMIN\n"      /* 23 */
                                 "  secret with spaces  \n"                      /* 24 */
                                 "ADD 88.100.1/P2\n"                             /* 25 */
                                 "\n"                                            /* 26 */
                                 "REMOVE x:88.100.1/P2\n";                       /* 27 */

static void batch_file_yields_operations_with_their_lines(void **state)
{
    FILE *f = fmemopen((void *)batch_text, sizeof batch_text - 1, "r");
    assert_non_null(f);
    struct batch_reader *r = batch_reader_new(f);
    static struct batch_op op;
    assert_non_null(r);

    assert_int_equal(batch_reader_next(r, &op), 1);
    assert_int_equal(op.kind, BATCH_AUTH_PUBKEY);
    assert_int_equal(op.line, 1);
    assert_int_equal(op.index, 300);
    assert_string_equal(op.handle, "0.NA/88.100.1");
    assert_string_equal(op.text, "keys/admin.pem");
    assert_string_equal(op.passphrase, "pass phrase");

    assert_int_equal(batch_reader_next(r, &op), 1);
    assert_int_equal(op.kind, BATCH_SESSION);
    assert_true(op.use_session);
    assert_int_equal(op.session_timeout_s, 7200);

    assert_int_equal(batch_reader_next(r, &op), 1);
    assert_int_equal(op.kind, BATCH_CREATE);
    assert_int_equal(op.line, 8);
    assert_string_equal(op.handle, "88.100.1/P1");
    assert_int_equal(op.value_count, 2);
    assert_int_equal(op.values[1].index, 1);
    assert_slice(op.values[1].data, "https://example.com/1", 21);

    /* A bad value line spoils its block, which is consumed whole. */
    assert_int_equal(batch_reader_next(r, &op), 1);
    assert_int_equal(op.kind, BATCH_INVALID);
    assert_int_equal(op.line, 12);
    assert_non_null(strstr(op.error, "line 13"));

    assert_int_equal(batch_reader_next(r, &op), 1);
    assert_int_equal(op.kind, BATCH_REMOVE);
    assert_int_equal(op.line, 16);
    assert_int_equal(op.index_count, 2);
    assert_int_equal(op.indexes[0], 1);
    assert_int_equal(op.indexes[1], 2);
    assert_string_equal(op.handle, "88.100.1/P1");

    assert_int_equal(batch_reader_next(r, &op), 1);
    assert_int_equal(op.kind, BATCH_DELETE);
    assert_int_equal(op.line, 17);

    assert_int_equal(batch_reader_next(r, &op), 1);
    assert_int_equal(op.kind, BATCH_INVALID);
    assert_int_equal(op.line, 18);
    assert_false(batch_op_is_entry(BATCH_SESSION));

    /* One operation per prefix of a HOME block. */
    assert_int_equal(batch_reader_next(r, &op), 1);
    assert_int_equal(op.kind, BATCH_HOME);
    assert_int_equal(op.line, 20);
    assert_string_equal(op.handle, "0.NA/88.200");
    assert_string_equal(op.text, "127.0.0.1:2641:tcp");
    assert_int_equal(batch_reader_next(r, &op), 1);
    assert_int_equal(op.kind, BATCH_INVALID);
    assert_int_equal(op.line, 21);

    assert_int_equal(batch_reader_next(r, &op), 1);
    assert_int_equal(op.kind, BATCH_AUTH_SECKEY);
    assert_int_equal(op.index, 301);
    assert_string_equal(op.text, "secret with spaces");

    assert_int_equal(batch_reader_next(r, &op), 1);
    assert_int_equal(op.kind, BATCH_INVALID);
    assert_int_equal(op.line, 25);
    assert_non_null(strstr(op.error, "no handle values"));

    assert_int_equal(batch_reader_next(r, &op), 1);
    assert_int_equal(op.kind, BATCH_INVALID);
    assert_int_equal(op.line, 27);

    assert_int_equal(batch_reader_next(r, &op), 0);
    assert_int_equal(batch_reader_lines(r), 27);
    batch_reader_free(r);
    fclose(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(utf8_line_keeps_the_rest_of_the_line),
        cmocka_unit_test(permissions_read_admin_read_write_then_public),
        cmocka_unit_test(admin_line_reads_permissions_in_batch_order),
        cmocka_unit_test(list_line_encodes_a_vlist),
        cmocka_unit_test(file_line_takes_the_file_bytes),
        cmocka_unit_test(malformed_lines_name_the_field),
        cmocka_unit_test(batch_file_yields_operations_with_their_lines),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
