/*
 * pazhou export: streams a registry (or one prefix) to JSON Lines or CSV, in the formats
 * `pazhou import` reads, so that importing an export gives back the same records: values keep
 * their timestamps, TTLs and permissions. Handles are written in canonical form (as stored).
 * The registry is opened read-only, so a running node may keep serving it.
 */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "common/handle_name.h"
#include "proto/hdl_json.h"
#include "registry/import/bulk_csv.h"
#include "registry/reg_bulk.h"
#include "registry/reg_record.h"
#include "tools/commands.h"

struct export
{
    FILE *out;
    bool csv;
    uint64_t handles, skipped;
    int failed;
};

static void usage(FILE *f)
{
    fprintf(f, "Usage: pazhou export --data DIR [--prefix P] [--format jsonl|csv] [FILE|-]\n"
               "Writes every handle of the registry at DIR (or those under prefix P) to FILE\n"
               "(default: standard output) as JSON Lines or CSV, the formats of pazhou import.\n");
}

static int write_jsonl(struct export *x, const uint8_t *key, size_t klen,
                       const struct reg_record_view *view)
{
    json_t *vals = json_array();
    json_t *obj = json_pack("{s:s%,s:o}", "handle", (const char *)key, klen, "values", vals);
    if (!obj)
        return -1;
    struct hdl_reader r;
    hdl_reader_init(&r, view->values.ptr, view->values.len);
    for (uint32_t i = 0; i < view->value_count; i++) {
        struct hdl_value v;
        json_t *j;
        /* Each value in a form the importer reads back to the same bytes (hdl_json_render.h). */
        if (hdl_value_decode(&r, &v) != HDL_OK || !(j = hdl_value_to_json(&v)) ||
            json_array_append_new(vals, j) != 0) {
            json_decref(obj);
            return -1;
        }
    }
    int rc = json_dumpf(obj, x->out, JSON_COMPACT | JSON_PRESERVE_ORDER);
    putc('\n', x->out);
    json_decref(obj);
    return rc;
}

static int write_csv(struct export *x, const uint8_t *key, size_t klen,
                     const struct reg_record_view *view)
{
    struct hdl_reader r;
    struct hdl_value v;
    hdl_reader_init(&r, view->values.ptr, view->values.len);
    /* A handle goes out whole or not at all. */
    for (uint32_t i = 0; i < view->value_count; i++)
        if (hdl_value_decode(&r, &v) != HDL_OK || v.ref_count)
            return 1;
    hdl_reader_init(&r, view->values.ptr, view->values.len);
    for (uint32_t i = 0; i < view->value_count; i++)
        if (hdl_value_decode(&r, &v) != HDL_OK || csv_write_value(x->out, key, klen, &v) != 0)
            return -1;
    return 0;
}

static int export_one(void *ctx, const uint8_t *key, size_t klen, const uint8_t *record,
                      size_t rlen)
{
    struct export *x = ctx;
    struct reg_record_view view;
    int rc = reg_record_parse(record, rlen, 1, &view) == HDL_OK
                 ? (x->csv ? write_csv(x, key, klen, &view) : write_jsonl(x, key, klen, &view))
                 : 1;
    if (rc > 0 || (rc < 0 && !ferror(x->out))) {
        fprintf(stderr, "pazhou: %.*s cannot be exported%s\n", (int)klen, (const char *)key,
                x->csv ? " as CSV (values with references need --format jsonl)" : "");
        x->skipped++;
        return 0;
    }
    if (rc < 0) {
        x->failed = 1;
        return 1;
    }
    x->handles++;
    return 0;
}

int cmd_export(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"data", required_argument, NULL, 'd'},
        {"prefix", required_argument, NULL, 'p'},
        {"format", required_argument, NULL, 'F'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *data = NULL, *prefix = NULL;
    struct export x = {0};
    int ch;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "d:p:h", longopts, NULL)) != -1) {
        switch (ch) {
        case 'd':
            data = optarg;
            break;
        case 'p':
            prefix = optarg;
            break;
        case 'F':
            if (strcmp(optarg, "csv") && strcmp(optarg, "jsonl")) {
                fprintf(stderr, "pazhou: --format takes jsonl or csv\n");
                return 2;
            }
            x.csv = strcmp(optarg, "csv") == 0;
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (!data || optind < argc - 1) {
        usage(stderr);
        return 2;
    }
    const char *name = optind == argc - 1 ? argv[optind] : "-";
    struct reg_options ro = {.path = data, .block_cache_bytes = 16u << 20, .read_only = true};
    struct reg_db *db = NULL;
    char err[512];
    if (reg_open(&ro, &db, err, sizeof err) != REG_OK) {
        fprintf(stderr, "pazhou: %s\n", err);
        return 2;
    }
    /* "88.100.1" and "0.NA/88.100.1" both mean the handles 88.100.1/... */
    uint8_t key[REG_MAX_KEY + 1];
    size_t plen = 0;
    if (prefix) {
        size_t n = strlen(prefix);
        prefix = hname_strip_na(prefix, &n);
        plen = reg_canonical_key(db, (const uint8_t *)prefix, n, key);
        if (!plen || plen >= REG_MAX_KEY || memchr(key, '/', plen)) {
            fprintf(stderr, "pazhou: '%s' is not a prefix\n", prefix);
            reg_close(db);
            return 2;
        }
        key[plen++] = '/';
    }
    x.out = strcmp(name, "-") == 0 ? stdout : fopen(name, "w");
    if (!x.out) {
        fprintf(stderr, "pazhou: cannot write %s: %s\n", name, strerror(errno));
        reg_close(db);
        return 2;
    }
    setvbuf(x.out, NULL, _IOFBF, 1u << 20);
    if (x.csv)
        fputs(CSV_HEADER, x.out);
    int rc = reg_bulk_scan(db, key, plen, export_one, &x);
    if (fflush(x.out) != 0 || ferror(x.out))
        x.failed = 1;
    if (x.out != stdout && fclose(x.out) != 0)
        x.failed = 1;
    reg_close(db);
    if (rc != REG_OK || x.failed) {
        fprintf(stderr, "pazhou: export failed: %s\n",
                rc != REG_OK ? pz_strerror(rc) : strerror(errno));
        return 2;
    }
    fprintf(stderr, "pazhou: %llu handles exported", (unsigned long long)x.handles);
    if (x.skipped)
        fprintf(stderr, ", %llu left out", (unsigned long long)x.skipped);
    fprintf(stderr, "\n");
    return x.skipped ? 1 : 0;
}
