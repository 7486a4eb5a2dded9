/*
 * pazhou import: loads identifiers offline into a registry directory from JSON Lines, one
 * object per handle: {"handle": "...", "values": [{"index":1,"type":"URL","data":"..."}, ...]}.
 * A bad line is reported with its number and either skipped (the default) or ends the load
 * with nothing of it written (--on-error abort). A line is never half-written.
 */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "commands.h"
#include "hdl_const.h"
#include "hdl_json.h"
#include "offline.h"
#include "reg_prefix.h"
#include "reg_record.h"

#define COMMIT_EVERY 10000
#define STORE_BYTES (1u << 20)

struct import {
    struct reg_db *db;
    struct reg_prefix_set *prefixes;
    struct reg_batch *batch;
    struct hdl_value values[HDL_MAX_VALUES];
    uint8_t *store;  /* bytes the JSON values decode into */
    uint8_t *record; /* the record being built */
    uint32_t now;
    bool abort_on_error;
    unsigned long loaded, bad;
};

static void usage(FILE *f)
{
    fprintf(f, "Usage: pazhou import --data DIR [--on-error skip|abort] FILE|-\n"
               "Loads JSON Lines ({\"handle\":...,\"values\":[...]} per line) into the registry "
               "at DIR.\n");
}

/* Builds the record of one line into imp->record; returns its length, 0 with err set. */
static size_t build_record(struct import *imp, json_t *obj, const char **handle, size_t *hlen,
                           char *err, size_t errlen)
{
    if (!json_is_object(obj)) {
        snprintf(err, errlen, "a line must be a JSON object");
        return 0;
    }
    json_t *h = json_object_get(obj, "handle");
    json_t *vals = json_object_get(obj, "values");
    if (!json_is_string(h) || json_string_length(h) == 0) {
        snprintf(err, errlen, "\"handle\" must be a non-empty string");
        return 0;
    }
    *handle = json_string_value(h);
    *hlen = json_string_length(h);
    if (*hlen > HDL_MAX_HANDLE_LEN || !memchr(*handle, '/', *hlen)) {
        snprintf(err, errlen, "\"%s\" is not a handle PREFIX/SUFFIX of at most %u bytes", *handle,
                 HDL_MAX_HANDLE_LEN);
        return 0;
    }
    if (!reg_prefix_set_serves(imp->prefixes, (const uint8_t *)*handle, *hlen)) {
        snprintf(err, errlen, "the prefix of %s is not homed in this registry (pazhou init)",
                 *handle);
        return 0;
    }
    if (!json_is_array(vals) || json_array_size(vals) == 0 ||
        json_array_size(vals) > HDL_MAX_VALUES) {
        snprintf(err, errlen, "\"values\" must be an array of 1 to %u values", HDL_MAX_VALUES);
        return 0;
    }
    struct hdl_writer store;
    hdl_writer_init(&store, imp->store, STORE_BYTES);
    size_t n = json_array_size(vals);
    for (size_t i = 0; i < n; i++) {
        char verr[200];
        if (hdl_value_from_json(json_array_get(vals, i), &store, &imp->values[i], verr,
                                sizeof verr) != HDL_OK) {
            snprintf(err, errlen, "values[%zu]: %s", i, verr);
            return 0;
        }
        if (imp->values[i].timestamp == 0)
            imp->values[i].timestamp = imp->now;
    }
    struct hdl_writer rw;
    hdl_writer_init(&rw, imp->record, HDL_MAX_MESSAGE_LEN);
    int rc = reg_record_build(&rw, imp->values, n);
    if (rc == HDL_ERR_MALFORMED) {
        snprintf(err, errlen, "two values have the same index");
        return 0;
    }
    if (rc != HDL_OK || hdl_writer_status(&rw) != HDL_OK) {
        snprintf(err, errlen, "the handle's values exceed %u bytes", HDL_MAX_MESSAGE_LEN);
        return 0;
    }
    return rw.len;
}

static int commit(struct import *imp)
{
    if (reg_batch_count(imp->batch) == 0)
        return 0;
    if (reg_batch_commit(imp->batch) != REG_OK) {
        fprintf(stderr, "pazhou: writing to the registry failed\n");
        return -1;
    }
    return 0;
}

static int run(struct import *imp, FILE *in, const char *name)
{
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    unsigned long lineno = 0, pending = 0;
    int status = 0;
    while ((len = getline(&line, &cap, in)) >= 0) {
        lineno++;
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = '\0';
        if (len == 0)
            continue;
        json_error_t jerr;
        json_t *obj = json_loadb(line, (size_t)len, 0, &jerr);
        char err[512];
        const char *handle = NULL;
        size_t hlen = 0;
        size_t rlen = 0;
        if (!obj)
            snprintf(err, sizeof err, "not JSON: %s (column %d)", jerr.text, jerr.column);
        else
            rlen = build_record(imp, obj, &handle, &hlen, err, sizeof err);
        if (rlen == 0) {
            fprintf(stderr, "%s:%lu: %s\n", name, lineno, err);
            imp->bad++;
            json_decref(obj);
            if (imp->abort_on_error) {
                status = 1;
                break;
            }
            continue;
        }
        if (reg_batch_put(imp->batch, (const uint8_t *)handle, hlen, imp->record, rlen) != REG_OK) {
            fprintf(stderr, "%s:%lu: cannot stage %s\n", name, lineno, handle);
            json_decref(obj);
            status = 2;
            break;
        }
        json_decref(obj);
        imp->loaded++;
        /* With --on-error abort everything waits for the end, so a bad line leaves no trace. */
        if (!imp->abort_on_error && ++pending == COMMIT_EVERY) {
            if (commit(imp) != 0) {
                status = 2;
                break;
            }
            pending = 0;
        }
    }
    if (ferror(in)) {
        fprintf(stderr, "pazhou: reading %s: %s\n", name, strerror(errno));
        status = 2;
    }
    free(line);
    if (status == 0 && commit(imp) != 0)
        status = 2;
    return status;
}

int cmd_import(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"data", required_argument, NULL, 'd'},
        {"on-error", required_argument, NULL, 'e'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *data = NULL;
    static struct import imp;
    int ch;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "d:e:h", longopts, NULL)) != -1) {
        switch (ch) {
        case 'd':
            data = optarg;
            break;
        case 'e':
            if (strcmp(optarg, "abort") == 0)
                imp.abort_on_error = true;
            else if (strcmp(optarg, "skip") != 0) {
                fprintf(stderr, "pazhou: --on-error takes skip or abort\n");
                return 2;
            }
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (!data || optind != argc - 1) {
        usage(stderr);
        return 2;
    }
    const char *name = argv[optind];
    FILE *in = strcmp(name, "-") == 0 ? stdin : fopen(name, "r");
    if (!in) {
        fprintf(stderr, "pazhou: cannot open %s: %s\n", name, strerror(errno));
        return 2;
    }
    imp.db = offline_open(data, false, false);
    if (!imp.db) {
        if (in != stdin)
            fclose(in);
        return 2;
    }
    imp.prefixes = reg_prefix_set_load(imp.db);
    imp.batch = reg_batch_new(imp.db);
    imp.store = malloc(STORE_BYTES);
    imp.record = malloc(HDL_MAX_MESSAGE_LEN);
    imp.now = (uint32_t)time(NULL);
    int status = 2;
    if (imp.prefixes && imp.batch && imp.store && imp.record)
        status = run(&imp, in, strcmp(name, "-") == 0 ? "stdin" : name);
    if (in != stdin)
        fclose(in);
    if (status == 1)
        fprintf(stderr, "pazhou: load aborted at the first bad line; nothing was written\n");
    else
        fprintf(stderr, "pazhou: %lu handles loaded, %lu bad lines skipped\n", imp.loaded, imp.bad);
    free(imp.store);
    free(imp.record);
    reg_batch_free(imp.batch);
    reg_prefix_set_free(imp.prefixes);
    reg_close(imp.db);
    if (status == 0 && imp.bad > 0)
        return 1;
    return status;
}
