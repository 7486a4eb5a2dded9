/*
 * pazhou stats: what a registry holds, from the exact per-prefix counts (no scan of the handles),
 * RocksDB's estimate of the number of keys, and the bytes its files take. Read-only, so it works
 * beside a running node.
 */
#include <dirent.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/handle_name.h"
#include "registry/reg_db.h"
#include "registry/reg_stats.h"
#include "tools/commands.h"

#define MAX_ROWS 4096

struct row {
    char prefix[REG_MAX_KEY + 1];
    uint64_t handles;
    bool homed;
};

struct table {
    struct row *rows;
    size_t n;
};

static struct row *find(struct table *t, const char *prefix)
{
    for (size_t i = 0; i < t->n; i++)
        if (strcmp(t->rows[i].prefix, prefix) == 0)
            return &t->rows[i];
    if (t->n == MAX_ROWS)
        return NULL;
    struct row *r = &t->rows[t->n++];
    snprintf(r->prefix, sizeof r->prefix, "%s", prefix);
    return r;
}

static int on_count(void *ctx, const char *prefix, size_t len, uint64_t count)
{
    (void)len;
    struct row *r = find(ctx, prefix);
    if (r)
        r->handles = count;
    return 0;
}

static int on_homed(void *ctx, const char *prefix_handle, size_t len)
{
    (void)len;
    struct row *r = find(ctx, prefix_handle + HNAME_NA_PREFIX_LEN);
    if (r)
        r->homed = true;
    return 0;
}

static int by_prefix(const void *a, const void *b)
{
    return strcmp(((const struct row *)a)->prefix, ((const struct row *)b)->prefix);
}

/* Bytes of the registry's files, and of its table files. */
static void disk_usage(const char *dir, uint64_t *total, uint64_t *tables)
{
    *total = *tables = 0;
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *de;
    char path[4400];
    struct stat st;
    while ((de = readdir(d))) {
        snprintf(path, sizeof path, "%.4000s/%.300s", dir, de->d_name);
        if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
            continue;
        *total += (uint64_t)st.st_size;
        size_t n = strlen(de->d_name);
        if (n > 4 && strcmp(de->d_name + n - 4, ".sst") == 0)
            *tables += (uint64_t)st.st_size;
    }
    closedir(d);
}

int cmd_stats(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"data", required_argument, NULL, 'd'},
        {"json", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *data = NULL;
    bool json = false;
    int ch;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "d:h", longopts, NULL)) != -1) {
        switch (ch) {
        case 'd':
            data = optarg;
            break;
        case 'j':
            json = true;
            break;
        case 'h':
            printf("Usage: pazhou stats --data DIR [--json]\n"
                   "Prints the handles under each prefix (exact), the estimated total and the\n"
                   "disk space of the registry at DIR.\n");
            return 0;
        default:
            return 2;
        }
    }
    if (!data || optind != argc) {
        fprintf(stderr, "Usage: pazhou stats --data DIR [--json]\n");
        return 2;
    }
    struct reg_options ro = {.path = data, .block_cache_bytes = 8u << 20, .read_only = true};
    struct reg_db *db = NULL;
    char err[512];
    if (reg_open(&ro, &db, err, sizeof err) != REG_OK) {
        fprintf(stderr, "pazhou: %s\n", err);
        return 2;
    }
    struct table t = {calloc(MAX_ROWS, sizeof(struct row)), 0};
    if (!t.rows || reg_list_counts(db, on_count, &t) != REG_OK ||
        reg_list_prefixes(db, on_homed, &t) != REG_OK) {
        fprintf(stderr, "pazhou: cannot read the counts of %s\n", data);
        free(t.rows);
        reg_close(db);
        return 2;
    }
    qsort(t.rows, t.n, sizeof *t.rows, by_prefix);
    uint64_t total = 0, disk, tables;
    for (size_t i = 0; i < t.n; i++)
        total += t.rows[i].handles;
    uint64_t estimated = reg_estimate_handles(db);
    struct reg_table_stats ts;
    reg_get_table_stats(db, &ts);
    disk_usage(data, &disk, &tables);
    reg_close(db);
    /* What a node needs in RAM per handle for index and filters (docs/scale.md). */
    double per = ts.entries ? 1.0 / (double)ts.entries : 0;

    if (json) {
        json_t *rows = json_array();
        for (size_t i = 0; i < t.n; i++)
            json_array_append_new(rows, json_pack("{s:s,s:I,s:b}", "prefix", t.rows[i].prefix,
                                                  "handles", (json_int_t)t.rows[i].handles, "homed",
                                                  t.rows[i].homed));
        json_t *doc =
            json_pack("{s:s,s:o,s:I,s:I,s:I,s:I}", "registry", data, "prefixes", rows, "handles",
                      (json_int_t)total, "handles_estimated", (json_int_t)estimated, "disk_bytes",
                      (json_int_t)disk, "table_bytes", (json_int_t)tables);
        json_object_set_new(
            doc, "tables",
            json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I}", "entries", (json_int_t)ts.entries,
                      "data_blocks", (json_int_t)ts.data_blocks, "data_bytes",
                      (json_int_t)ts.data_bytes, "raw_key_bytes", (json_int_t)ts.raw_key_bytes,
                      "raw_value_bytes", (json_int_t)ts.raw_value_bytes, "index_bytes",
                      (json_int_t)ts.index_bytes, "index_partitions",
                      (json_int_t)ts.index_partitions, "filter_bytes",
                      (json_int_t)ts.filter_bytes));
        json_dumpf(doc, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        printf("\n");
        json_decref(doc);
    } else {
        printf("registry %s\n", data);
        printf("  %-32s %15s  %s\n", "prefix", "handles", "homed");
        for (size_t i = 0; i < t.n; i++)
            printf("  %-32s %15llu  %s\n", t.rows[i].prefix, (unsigned long long)t.rows[i].handles,
                   t.rows[i].homed
                       ? "yes"
                       : (strcmp(t.rows[i].prefix, HNAME_NA) == 0 ? "(prefix handles)" : "no"));
        printf("  %-32s %15llu\n", "total", (unsigned long long)total);
        printf("  %-32s %15llu\n", "estimated (RocksDB)", (unsigned long long)estimated);
        printf("  %-32s %15.1f MiB (%.1f MiB in table files)\n", "disk", (double)disk / 1048576.0,
               (double)tables / 1048576.0);
        printf("  %-32s %15.1f B key + %.1f B record, uncompressed\n", "per table entry",
               (double)ts.raw_key_bytes * per, (double)ts.raw_value_bytes * per);
        printf("  %-32s %15.2f B index + %.2f B filter (%llu index partitions)\n",
               "in RAM per entry", (double)ts.index_bytes * per, (double)ts.filter_bytes * per,
               (unsigned long long)ts.index_partitions);
    }
    free(t.rows);
    return 0;
}
