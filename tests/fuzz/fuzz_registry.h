/*
 * A scratch registry for the import targets: created once in a temporary directory (prefix
 * 88.100.1 homed), parsers built on it, removed at exit.
 */
#ifndef FUZZ_REGISTRY_H
#define FUZZ_REGISTRY_H

#define _XOPEN_SOURCE 700
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "proto/hdl_error.h"
#include "registry/reg_db.h"
#include "registry/reg_prefix.h"
#include "registry/reg_record.h"
#include "registry/reg_stored.h"

static char fuzz_dir[64];
static struct reg_db *fuzz_db;
static struct reg_prefix_set *fuzz_prefixes;

static int fuzz_unlink(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void fuzz_registry_close(void)
{
    reg_prefix_set_free(fuzz_prefixes);
    reg_close(fuzz_db);
    nftw(fuzz_dir, fuzz_unlink, 16, FTW_DEPTH | FTW_PHYS);
}

static void fuzz_registry_open(void)
{
    snprintf(fuzz_dir, sizeof fuzz_dir, "/tmp/pazhou_fuzz_XXXXXX");
    struct reg_options opt = {.path = fuzz_dir,
                              .block_cache_bytes = 1u << 20,
                              .bloom_bits_per_key = 10,
                              .create_if_missing = true};
    char err[512];
    if (!mkdtemp(fuzz_dir) || reg_open(&opt, &fuzz_db, err, sizeof err) != REG_OK ||
        reg_home_prefix(fuzz_db, "0.NA/88.100.1") != REG_OK ||
        !(fuzz_prefixes = reg_prefix_set_load(fuzz_db))) {
        fprintf(stderr, "cannot make the scratch registry in %s\n", fuzz_dir);
        abort();
    }
    atexit(fuzz_registry_close);
}

/* Whether an entry's stored form (compact, or a whole record) holds a valid record. */
static int fuzz_stored_valid(const uint8_t *stored, size_t len)
{
    struct reg_record_view view;
    size_t need = reg_stored_record_len(stored, len);
    if (need == 0)
        return reg_record_parse(stored, len, 1, &view) == HDL_OK;
    uint8_t *record = malloc(need);
    int ok = record && reg_stored_expand(stored, len, record, need) == HDL_OK &&
             reg_record_parse(record, need, 1, &view) == HDL_OK;
    free(record);
    return ok;
}

#endif
