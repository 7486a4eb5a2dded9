/* The simdjson fast path of JSON Lines imports against the jansson path, line by line: on
 * generated lines, valid and not, in every shape the fast path takes and many it must leave,
 * both give the same entries (key and record bytes) and the same bad-line messages. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "registry/import/bulk_jsonl.h"
#include "registry/import/bulk_parse.h"
#include "registry/reg_db.h"
#include "registry/reg_prefix.h"

struct fixture {
    char dir[64];
    struct reg_db *db;
    struct reg_prefix_set *prefixes;
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    snprintf(f->dir, sizeof f->dir, "/tmp/test_bulk_jsonl_XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    struct reg_options opt = {.path = f->dir,
                              .block_cache_bytes = 8u << 20,
                              .bloom_bits_per_key = 10,
                              .create_if_missing = true};
    char err[512];
    assert_int_equal(reg_open(&opt, &f->db, err, sizeof err), REG_OK);
    assert_int_equal(reg_home_prefix(f->db, "0.NA/88.100.1"), REG_OK);
    assert_non_null(f->prefixes = reg_prefix_set_load(f->db));
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    reg_prefix_set_free(f->prefixes);
    reg_close(f->db);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", f->dir);
    assert_int_equal(system(cmd), 0);
    free(f);
    return 0;
}

/* Parses text as one chunk, with the fast path or without it. */
static struct bulk_chunk *parse(struct fixture *f, const char *text, bool fast)
{
    struct bulk_parser p;
    assert_int_equal(
        bulk_parser_init(&p, f->db, f->prefixes, "t.jsonl", BULK_JSONL, 1700000000, false), 0);
    if (!fast) {
        bulk_jsonl_reader_free(p.fast);
        p.fast = NULL;
    }
    struct bulk_chunk *c = calloc(1, sizeof *c);
    size_t len = strlen(text);
    c->text = malloc(len + BULK_TEXT_PADDING);
    memcpy(c->text, text, len);
    memset(c->text + len, 'x', BULK_TEXT_PADDING); /* padding is never part of a line */
    c->len = len;
    c->first_line = 1;
    assert_int_equal(bulk_parse_chunk(&p, c), 0);
    bulk_parser_free(&p);
    return c;
}

static void assert_same(struct fixture *f, const char *text)
{
    struct bulk_chunk *a = parse(f, text, true), *b = parse(f, text, false);
    if (a->n != b->n || a->bad != b->bad || a->errs_len != b->errs_len ||
        (a->errs_len && memcmp(a->errs, b->errs, a->errs_len) != 0))
        fail_msg("fast and full paths differ on:\n%s\nfast (%zu, %llu bad):\n%.*s\nfull (%zu, "
                 "%llu bad):\n%.*s",
                 text, a->n, (unsigned long long)a->bad, (int)a->errs_len, a->errs, b->n,
                 (unsigned long long)b->bad, (int)b->errs_len, b->errs);
    for (size_t i = 0; i < a->n; i++) {
        size_t sa = bulk_ent_size(a->ents[i]), sb = bulk_ent_size(b->ents[i]);
        if (sa != sb || memcmp(a->ents[i], b->ents[i], sa) != 0)
            fail_msg("entry %zu differs on:\n%s", i, text);
    }
    bulk_chunk_free(a);
    bulk_chunk_free(b);
}

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint32_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng >> 16);
}
static const char *pick(const char *const *options, size_t n)
{
    return options[next() % n];
}
#define PICK(a) pick(a, sizeof a / sizeof a[0])

/* Appends a formatted piece to buf. */
static void add(char *buf, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void add(char *buf, size_t cap, const char *fmt, ...)
{
    size_t n = strlen(buf);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf + n, cap - n, fmt, ap);
    va_end(ap);
}

static void random_value(char *out, size_t cap, int index)
{
    /* The index as written: mostly plain, sometimes a real, negative, a string or at the edges. */
    static const char *const index_forms[] = {"",   "",           "",           ".0", "-",
                                              "\"", "4294967296", "4294967295", "0"};
    static const char *const types[] = {"\"URL\"", "\"EMAIL\"",    "\"HS_ADMIN\"", "\"\"",
                                        "7",       "\"T\\u00e9\"", "\"A\\u0000B\""};
    static const char *const datas[] = {
        "\"https://example.com/a\"",
        "\"{\\\"sku\\\":\\\"A1\\\"}\"",
        "\"caf\\u00e9 \\ud83d\\ude00\"",
        "\"\"",
        "\"nul\\u0000in\"",
        "{\"format\":\"string\",\"value\":\"s\"}",
        "{\"value\":\"s\",\"format\":\"string\"}",
        "{\"format\":\"admin\",\"value\":{\"handle\":\"0.NA/88.100.1\",\"index\":300,"
        "\"permissions\":\"111111111111\"}}",
        "{\"format\":\"admin\",\"value\":{\"index\":300,\"handle\":\"0.NA/88.100.1\","
        "\"permissions\":\"110\"}}",
        "{\"format\":\"admin\",\"value\":{\"handle\":\"\",\"index\":300,\"permissions\":\"1\"}}",
        "{\"format\":\"admin\",\"value\":{\"handle\":\"0.NA/"
        "X\",\"index\":-1,\"permissions\":\"1\"}}",
        "{\"format\":\"admin\",\"value\":{\"handle\":\"0.NA/"
        "X\",\"index\":1,\"permissions\":\"12\"}}",
        "{\"format\":\"admin\",\"value\":{\"handle\":\"0.NA/X\",\"index\":1}}",
        "{\"format\":\"hex\",\"value\":\"00ff\"}",
        "{\"format\":\"base64\",\"value\":\"AAEC\"}",
        "{\"format\":\"string\"}",
        "{\"format\":\"nope\",\"value\":\"x\"}",
        "{\"format\":\"string\",\"value\":\"a\",\"extra\":1}",
        "[1,2]",
        "12",
        "null",
    };
    static const char *const extras[] = {
        "",
        "",
        ",\"ttl\":3600",
        ",\"ttl\":0",
        ",\"ttl\":4294967295",
        ",\"ttl\":-5",
        ",\"ttl\":1.5",
        ",\"ttl\":\"2030-01-02T03:04:05Z\"",
        ",\"ttl\":\"2030-01-02T03:04:05.123+08:00\"",
        ",\"ttl\":\"tomorrow\"",
        ",\"timestamp\":\"2026-11-26T02:39:16Z\"",
        ",\"timestamp\":\"2026-02-30T00:00:00Z\"",
        ",\"timestamp\":12",
        ",\"permissions\":\"1110\"",
        ",\"permissions\":\"0101\"",
        ",\"permissions\":\"111\"",
        ",\"permissions\":\"11a0\"",
        ",\"permissions\":1110",
        ",\"references\":[{\"handle\":\"0.NA/88.100.1\",\"index\":1}]",
        ",\"note\":true",
        ",\"index\":9",
    };
    char idx[32];
    const char *form = PICK(index_forms);
    if (!strcmp(form, ".0"))
        snprintf(idx, sizeof idx, "%d.0", index);
    else if (!strcmp(form, "-") || !strcmp(form, "\""))
        snprintf(idx, sizeof idx, "%s%d%s", form, index, form[0] == '"' ? "\"" : "");
    else if (form[0])
        snprintf(idx, sizeof idx, "%s", form);
    else
        snprintf(idx, sizeof idx, "%d", index);
    const char *type = PICK(types), *data = PICK(datas), *extra = PICK(extras);
    switch (next() % 4) {
    case 0:
        snprintf(out, cap, "{\"index\":%s,\"type\":%s,\"data\":%s%s}", idx, type, data, extra);
        break;
    case 1:
        snprintf(out, cap, "{\"data\":%s,\"type\":%s%s,\"index\":%s}", data, type, extra, idx);
        break;
    case 2:
        snprintf(out, cap, "{ \"type\" : %s , \"index\" : %s , \"data\" : %s %s }", type, idx, data,
                 extra);
        break;
    default: /* a required member missing */
        snprintf(out, cap, "{\"index\":%s,\"data\":%s%s}", idx, data, extra);
        break;
    }
}

static void random_line(char *out, size_t cap, int n)
{
    /* Handles as written, the number after the stem: homed, other case, escaped, not homed, no
     * slash, empty, not a string, with a NUL. */
    static const char *const stems[] = {"\"88.100.1/LOT-",
                                        "\"88.100.1/lot-",
                                        "\"88.100.1/\\u00e9-",
                                        "\"88.999/OTHER-",
                                        "\"NOSLASH",
                                        "\"",
                                        "",
                                        "\"88.100.1/A\\u0000"};
    char handle[64];
    const char *stem = PICK(stems);
    if (!strcmp(stem, "\""))
        snprintf(handle, sizeof handle, "\"\"");
    else
        snprintf(handle, sizeof handle, "%s%d%s", stem, n, stem[0] ? "\"" : "");
    out[0] = '\0';
    int shape = (int)(next() % 12);
    if (shape == 0) {
        add(out, cap, "{\"values\":[{\"index\":1,\"type\":\"URL\",\"data\":\"u\"}],\"handle\":%s}",
            handle);
        return;
    }
    if (shape == 1) {
        add(out, cap, "{\"handle\":%s,\"values\":[]}", handle);
        return;
    }
    if (shape == 2) {
        add(out, cap,
            "{\"handle\":%s,\"values\":[{\"index\":1,\"type\":\"URL\",\"data\":\"u\"}],"
            "\"handle\":\"88.100.1/DUP\"}",
            handle);
        return;
    }
    if (shape == 3) {
        add(out, cap, "[%s]", handle);
        return;
    }
    add(out, cap, "{\"handle\":%s,\"values\":[", handle);
    int count = 1 + (int)(next() % 4);
    for (int i = 0; i < count; i++) {
        char v[512];
        random_value(v, sizeof v, (int)(next() % 3) + 1); /* index clashes now and then */
        add(out, cap, "%s%s", i ? "," : "", v);
    }
    add(out, cap, "]%s}%s", shape == 4 ? ",\"extra\":null" : "", shape == 5 ? " x" : "");
    if (shape == 6) /* cut short */
        out[strlen(out) / 2] = '\0';
}

static void fast_and_full_paths_agree_on_generated_lines(void **state)
{
    struct fixture *f = *state;
    char *text = malloc(1 << 20);
    int fast_taken = 0;
    for (int round = 0; round < 200; round++) {
        text[0] = '\0';
        for (int i = 0; i < 100; i++) {
            char line[4096];
            random_line(line, sizeof line, round * 100 + i);
            add(text, 1 << 20, "%s\n", line);
        }
        assert_same(f, text);
    }
    /* The common shapes do take the fast path (else the comparison above proves little). */
    struct bulk_jsonl_reader *r = bulk_jsonl_reader_new();
    struct bulk_jsonl_line *l = malloc(sizeof *l);
    const char *common[] = {
        "{\"handle\":\"88.100.1/A\",\"values\":[{\"index\":1,\"type\":\"URL\",\"data\":\"u\"},"
        "{\"index\":100,\"type\":\"HS_ADMIN\",\"data\":{\"format\":\"admin\",\"value\":"
        "{\"handle\":\"0.NA/88.100.1\",\"index\":300,\"permissions\":\"111111111111\"}}}]}",
        "{\"handle\":\"88.100.1/B\",\"values\":[{\"index\":1,\"type\":\"URL\",\"data\":"
        "{\"format\":\"string\",\"value\":\"u\"},\"ttl\":60,\"permissions\":\"1110\","
        "\"timestamp\":\"2026-11-26T02:39:16Z\"}]}",
    };
    for (size_t i = 0; i < 2; i++) {
        char buf[1024];
        size_t n = strlen(common[i]);
        memcpy(buf, common[i], n + 1);
        fast_taken += bulk_jsonl_read(r, buf, n, sizeof buf, l);
        assert_same(f, common[i]);
    }
    assert_int_equal(fast_taken, 2);
    /* Unknown members and other data formats are left to jansson. */
    char buf[256] = "{\"handle\":\"88.100.1/C\",\"values\":[{\"index\":1,\"type\":\"URL\","
                    "\"data\":\"u\",\"note\":1}]}";
    assert_false(bulk_jsonl_read(r, buf, strlen(buf), sizeof buf, l));
    free(l);
    bulk_jsonl_reader_free(r);
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(fast_and_full_paths_agree_on_generated_lines, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
