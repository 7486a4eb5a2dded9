#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "proto/hdl_admin.h"
#include "proto/hdl_const.h"
#include "registry/import/bulk_csv.h"

/* Reads every row of text; returns how many, with their fields joined by '|' into out. */
static int rows(const char *text, char *out, size_t cap, uint64_t *lines, const char **msg)
{
    char *buf = strdup(text);
    size_t pos = 0, len = strlen(buf), o = 0;
    uint64_t line = 1;
    struct csv_row row;
    int n = 0, rc;
    *msg = NULL;
    out[0] = '\0';
    while ((rc = csv_next_row(buf, len, &pos, &line, &row, msg)) != 0) {
        if (rc < 0) {
            o += (size_t)snprintf(out + o, cap - o, "[%llu:error]", (unsigned long long)row.line);
            continue;
        }
        o += (size_t)snprintf(out + o, cap - o, "[%llu:", (unsigned long long)row.line);
        for (size_t i = 0; i < row.nfields; i++)
            o += (size_t)snprintf(out + o, cap - o, "%s%.*s", i ? "|" : "", (int)row.f[i].len,
                                  row.f[i].ptr);
        o += (size_t)snprintf(out + o, cap - o, "]");
        n++;
    }
    *lines = line;
    free(buf);
    return n;
}

static void rows_follow_rfc4180_quoting(void **state)
{
    char out[512];
    uint64_t lines;
    const char *msg;
    int n = rows("a,b,c\r\n\"x,y\",\"say \"\"hi\"\"\",\"two\nlines\"\n\nlast,,\n", out, sizeof out,
                 &lines, &msg);
    assert_int_equal(n, 3);
    assert_string_equal(out, "[1:a|b|c][2:x,y|say \"hi\"|two\nlines][5:last||]");
    assert_int_equal(lines, 6);
    n = rows("no,final,newline", out, sizeof out, &lines, &msg);
    assert_int_equal(n, 1);
    assert_string_equal(out, "[1:no|final|newline]");
}

static void malformed_rows_are_reported_on_their_line(void **state)
{
    char out[512];
    uint64_t lines;
    const char *msg;
    rows("ok,1\n\"bad\"x,2\nok,3\n", out, sizeof out, &lines, &msg);
    assert_string_equal(out, "[1:ok|1][2:error][3:ok|3]");
    assert_non_null(strstr(msg, "closing quote"));
    rows("ok,1\n\"never closed,2\nmore\n", out, sizeof out, &lines, &msg);
    assert_string_equal(out, "[1:ok|1][2:error]");
    assert_non_null(strstr(msg, "not closed"));
}

static int value_of(const char *line, struct hdl_value *v, uint8_t *store, char *err)
{
    static char buf[1024];
    snprintf(buf, sizeof buf, "%s", line);
    size_t pos = 0;
    uint64_t l = 1;
    struct csv_row row;
    const char *msg;
    assert_int_equal(csv_next_row(buf, strlen(buf), &pos, &l, &row, &msg), 1);
    struct hdl_writer w;
    hdl_writer_init(&w, store, 4096);
    return csv_row_value(&row, &w, v, err, 200);
}

static void data_prefixes_decode_bytes(void **state)
{
    uint8_t store[4096];
    char err[200];
    struct hdl_value v;
    assert_int_equal(value_of("h/1,1,URL,https://a.example/x", &v, store, err), 0);
    assert_int_equal(v.index, 1);
    assert_memory_equal(v.data.ptr, "https://a.example/x", v.data.len);
    assert_int_equal(v.ttl, 86400);
    assert_int_equal(v.perms, HDL_PERM_DEFAULT);
    assert_int_equal(v.timestamp, 0);

    assert_int_equal(value_of("h/1,2,BIN,hex:00ff10", &v, store, err), 0);
    assert_int_equal(v.data.len, 3);
    assert_memory_equal(v.data.ptr, "\x00\xff\x10", 3);
    assert_int_equal(value_of("h/1,3,BIN,base64:AP8Q", &v, store, err), 0);
    assert_memory_equal(v.data.ptr, "\x00\xff\x10", 3);
    assert_int_equal(value_of("h/1,4,T,text:hex:zz", &v, store, err), 0);
    assert_memory_equal(v.data.ptr, "hex:zz", 6);

    assert_int_equal(
        value_of("h/1,100,HS_ADMIN,admin:300:0.NA/88.100.1:111111111111", &v, store, err), 0);
    struct hdl_admin adm;
    assert_int_equal(hdl_admin_decode(v.data.ptr, v.data.len, &adm), HDL_OK);
    assert_int_equal(adm.index, 300);
    assert_int_equal(adm.perms, HDL_ADM_ALL);
    assert_memory_equal(adm.handle.ptr, "0.NA/88.100.1", 13);

    assert_int_equal(
        value_of("h/1,5,URL,u,2026-11-26T02:39:16Z,1100,2026-01-02T03:04:05Z", &v, store, err), 0);
    assert_int_equal(v.ttl_type, HDL_TTL_ABSOLUTE);
    assert_int_equal(v.ttl, 1795660756u);
    assert_int_equal(v.perms, HDL_PERM_ADMIN_READ | HDL_PERM_ADMIN_WRITE);
    assert_int_equal(v.timestamp, 1767323045u);
}

/* The CSV columns read times as the JSON and JSON Lines forms do (common/iso8601.h): with a zone
 * offset, lower-case 't'/'z' and a fraction, not only "...Z". */
static void times_take_zone_offsets_as_json_does(void **state)
{
    uint8_t store[4096];
    char err[200];
    struct hdl_value v;
    assert_int_equal(value_of("h/1,5,URL,u,2026-11-26T03:39:16+01:00,,2026-01-01T22:04:05-05:00",
                              &v, store, err),
                     0);
    assert_int_equal(v.ttl_type, HDL_TTL_ABSOLUTE);
    assert_int_equal(v.ttl, 1795660756u);
    assert_int_equal(v.timestamp, 1767323045u);
    assert_int_equal(
        value_of("h/1,5,URL,u,2026-11-26t02:39:16.250z,,2026-01-02T03:04:05.9Z", &v, store, err),
        0);
    assert_int_equal(v.ttl, 1795660756u);
    assert_int_equal(v.timestamp, 1767323045u);
    assert_int_equal(value_of("h/1,1,URL,u,,,2026-01-02T03:04:05+24:00", &v, store, err), -1);
    assert_non_null(strstr(err, "timestamp"));
    assert_int_equal(value_of("h/1,1,URL,u,,,2026-00-02T03:04:05Z", &v, store, err), -1);
    assert_non_null(strstr(err, "timestamp"));
}

static void bad_columns_name_the_column(void **state)
{
    uint8_t store[4096];
    char err[200];
    struct hdl_value v;
    assert_int_equal(value_of("h/1,x,URL,u", &v, store, err), -1);
    assert_non_null(strstr(err, "index"));
    assert_int_equal(value_of("h/1,1,URL", &v, store, err), -1);
    assert_non_null(strstr(err, "columns"));
    assert_int_equal(value_of("h/1,1,BIN,hex:abc", &v, store, err), -1);
    assert_non_null(strstr(err, "hex"));
    assert_int_equal(value_of("h/1,1,BIN,base64:A", &v, store, err), -1);
    assert_non_null(strstr(err, "base64"));
    assert_int_equal(value_of("h/1,1,HS_ADMIN,admin:300:0.NA/X:2", &v, store, err), -1);
    assert_non_null(strstr(err, "admin"));
    assert_int_equal(value_of("h/1,1,URL,u,soon", &v, store, err), -1);
    assert_non_null(strstr(err, "ttl"));
    assert_int_equal(value_of("h/1,1,URL,u,,111", &v, store, err), -1);
    assert_non_null(strstr(err, "permissions"));
    assert_int_equal(value_of("h/1,1,URL,u,,,2026-02-30T00:00:00Z", &v, store, err), -1);
    assert_non_null(strstr(err, "timestamp"));
}

static void cut_keeps_handle_runs_and_quoted_breaks_whole(void **state)
{
    const char *text = "A/1,1,URL,x\nA/1,2,T,\"multi\nline\"\nB/2,1,URL,y\nB/2,2,T,z\nC/3,1,U";
    uint64_t lines;
    /* The last complete run (B) may continue past the buffer: the cut is before it. */
    size_t cut = csv_cut(text, strlen(text), false, &lines);
    assert_int_equal(cut, strstr(text, "B/2") - text);
    assert_int_equal(lines, 3);
    /* Only one run complete so far: no cut yet. */
    assert_int_equal(csv_cut(text, (size_t)(strstr(text, "B/2") - text), false, &lines), 0);
    assert_int_equal(csv_cut(text, strlen(text), true, &lines), strlen(text));
    assert_int_equal(lines, 5);
}

/* The cut as a plain forward scan, row by row: what csv_cut must agree with. */
static uint64_t ref_count_lines(const char *buf, size_t len)
{
    uint64_t n = 0;
    for (const char *p = buf; (p = memchr(p, '\n', (size_t)(buf + len - p))); p++)
        n++;
    return n;
}

/* The end of the quoted run that starts after the quote at q (the position past its closing
 * quote), or NULL when the buffer ends first. Doubled quotes are two runs back to back. */
static const char *ref_skip_quoted(const char *q, const char *end)
{
    const char *c = memchr(q + 1, '"', (size_t)(end - q - 1));
    return c ? c + 1 : NULL;
}

static size_t reference_cut(const char *buf, size_t len, bool eof, uint64_t *lines)
{
    if (eof) {
        *lines = ref_count_lines(buf, len);
        return len;
    }
    const char *end = buf + len, *row = buf;
    const char *prev = NULL, *group = buf;
    size_t prev_len = 0;
    while (row < end) {
        /* Find the row's end: the first line break outside quotes. */
        const char *p = row, *f0_end = NULL, *nl;
        for (;;) {
            nl = memchr(p, '\n', (size_t)(end - p));
            if (!nl)
                break;
            const char *q = memchr(p, '"', (size_t)(nl - p));
            if (!f0_end) {
                const char *comma = memchr(p, ',', (size_t)((q ? q : nl) - p));
                if (comma)
                    f0_end = comma;
            }
            if (!q)
                break;
            if (!(p = ref_skip_quoted(q, end))) {
                nl = NULL;
                break;
            }
        }
        if (!nl)
            break; /* the row is not complete in the buffer */
        const char *stop = nl > row && nl[-1] == '\r' ? nl - 1 : nl;
        if (stop > row) {
            if (!f0_end || f0_end > stop)
                f0_end = stop;
            size_t f0_len = (size_t)(f0_end - row);
            if (!prev || f0_len != prev_len || memcmp(row, prev, f0_len) != 0)
                group = row;
            prev = row;
            prev_len = f0_len;
        }
        row = nl + 1;
    }
    *lines = ref_count_lines(buf, (size_t)(group - buf));
    return (size_t)(group - buf);
}

/* csv_cut against the forward scan on random text made of quotes, commas, line breaks (LF and
 * CRLF) and two handles: every quoting state, doubled quote, empty line and handle run. */
static void cut_agrees_with_a_forward_scan_on_random_text(void **state)
{
    const char alphabet[] = "AAB,,\"\"\n\n\rx";
    uint64_t seed = 7;
    char buf[256];
    for (int round = 0; round < 50000; round++) {
        seed = seed * 6364136223846793005ull + 1442695040888963407ull;
        size_t len = (size_t)(seed >> 33) % sizeof buf;
        for (size_t i = 0; i < len; i++) {
            seed = seed * 6364136223846793005ull + 1442695040888963407ull;
            buf[i] = alphabet[(seed >> 33) % (sizeof alphabet - 1)];
        }
        for (int eof = 0; eof < 2; eof++) {
            uint64_t want_lines = 99, got_lines = 99;
            size_t want = reference_cut(buf, len, eof, &want_lines);
            size_t got = csv_cut(buf, len, eof, &got_lines);
            if (want != got || (want && want_lines != got_lines))
                fail_msg("round %d eof %d: cut %zu (lines %llu), forward scan %zu (lines %llu): "
                         "%.*s", round, eof, got, (unsigned long long)got_lines, want,
                         (unsigned long long)want_lines, (int)len, buf);
        }
    }
}

static void export_rows_read_back_the_same(void **state)
{
    uint8_t admin[64];
    struct hdl_writer aw;
    hdl_writer_init(&aw, admin, sizeof admin);
    struct hdl_admin adm = {
        .perms = HDL_ADM_ALL, .handle = {(const uint8_t *)"0.NA/88", 7}, .index = 300};
    hdl_admin_encode(&aw, &adm);
    struct hdl_value in[] = {
        {.index = 1,
         .timestamp = 1767323045u,
         .ttl = 60,
         .perms = HDL_PERM_DEFAULT,
         .type = {(const uint8_t *)"URL", 3},
         .data = {(const uint8_t *)"a,\"b\"\nc", 7}},
        {.index = 2,
         .ttl_type = HDL_TTL_ABSOLUTE,
         .ttl = 1795660756u,
         .perms = 0x0c,
         .type = {(const uint8_t *)"BIN", 3},
         .data = {(const uint8_t *)"\x00\x01\xfe", 3}},
        {.index = 3,
         .ttl = 86400,
         .perms = HDL_PERM_DEFAULT,
         .type = {(const uint8_t *)"T", 1},
         .data = {(const uint8_t *)"admin:looks-like-a-prefix", 25}},
        {.index = 100,
         .ttl = 86400,
         .perms = HDL_PERM_DEFAULT,
         .type = {(const uint8_t *)"HS_ADMIN", 8},
         .data = {admin, (uint32_t)aw.len}},
    };
    char *text = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&text, &size);
    for (size_t i = 0; i < 4; i++)
        assert_int_equal(csv_write_value(f, (const uint8_t *)"88/X", 4, &in[i]), 0);
    fclose(f);
    assert_non_null(strstr(text, "admin:300:0.NA/88:111111111111"));
    assert_non_null(strstr(text, "text:admin:looks"));
    size_t pos = 0;
    uint64_t line = 1;
    struct csv_row row;
    const char *msg;
    uint8_t store[4096];
    for (size_t i = 0; i < 4; i++) {
        struct hdl_value v;
        struct hdl_writer w;
        char err[200];
        hdl_writer_init(&w, store, sizeof store);
        assert_int_equal(csv_next_row(text, size, &pos, &line, &row, &msg), 1);
        assert_int_equal(csv_row_value(&row, &w, &v, err, sizeof err), 0);
        assert_int_equal(v.index, in[i].index);
        assert_int_equal(v.timestamp, in[i].timestamp);
        assert_int_equal(v.ttl_type, in[i].ttl_type);
        assert_int_equal(v.ttl, in[i].ttl);
        assert_int_equal(v.perms, in[i].perms);
        assert_int_equal(v.data.len, in[i].data.len);
        assert_memory_equal(v.data.ptr, in[i].data.ptr, v.data.len);
    }
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(rows_follow_rfc4180_quoting),
        cmocka_unit_test(malformed_rows_are_reported_on_their_line),
        cmocka_unit_test(data_prefixes_decode_bytes),
        cmocka_unit_test(bad_columns_name_the_column),
        cmocka_unit_test(times_take_zone_offsets_as_json_does),
        cmocka_unit_test(cut_keeps_handle_runs_and_quoted_breaks_whole),
        cmocka_unit_test(cut_agrees_with_a_forward_scan_on_random_text),
        cmocka_unit_test(export_rows_read_back_the_same),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
