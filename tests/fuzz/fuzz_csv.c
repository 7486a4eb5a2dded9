/*
 * libFuzzer target for CSV imports (registry/bulk_csv.c, bulk_parse.c): the bytes are read row by
 * row (csv_next_row, csv_row_value), cut where a chunk may end (csv_cut), and parsed as one
 * chunk into entries whose stored records must expand into valid records. Built by -DPAZHOU_FUZZ=ON
 * (docs/fuzzing.md).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/hdl_const.h"
#include "registry/import/bulk_csv.h"
#include "registry/import/bulk_parse.h"
#include "tests/fuzz/fuzz_registry.h"

static struct bulk_parser parser;
static uint8_t store_buf[2 * HDL_MAX_MESSAGE_LEN];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_registry_open();
    if (bulk_parser_init(&parser, fuzz_db, fuzz_prefixes, "f.csv", BULK_CSV, 1700000000, false) !=
        0)
        abort();
    return 0;
}

static void rows(const uint8_t *data, size_t size)
{
    char *buf = malloc(size + 1);
    memcpy(buf, data, size);
    buf[size] = '\0';
    size_t pos = 0;
    uint64_t line = 1;
    struct csv_row row;
    const char *msg;
    int rc;
    while ((rc = csv_next_row(buf, size, &pos, &line, &row, &msg)) != 0) {
        if (pos > size || row.nfields > CSV_MAX_FIELDS)
            abort();
        if (rc < 0)
            continue;
        for (size_t i = 0; i < row.nfields; i++)
            if (row.f[i].ptr < buf || row.f[i].ptr + row.f[i].len > buf + size)
                abort();
        struct hdl_writer store;
        hdl_writer_init(&store, store_buf, sizeof store_buf);
        struct hdl_value v;
        char err[256];
        (void)csv_row_value(&row, &store, &v, err, sizeof err);
    }
    free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 256 * 1024)
        return 0;
    rows(data, size);
    uint64_t lines;
    if (csv_cut((const char *)data, size, false, &lines) > size ||
        csv_cut((const char *)data, size, true, &lines) != size)
        abort();

    struct bulk_chunk *c = calloc(1, sizeof *c);
    c->text = malloc(size + BULK_TEXT_PADDING);
    memcpy(c->text, data, size);
    memset(c->text + size, ',', BULK_TEXT_PADDING);
    c->text_cap = size;
    c->len = size;
    c->first_line = 1;
    if (bulk_parse_chunk(&parser, c) != 0)
        abort();
    for (size_t i = 0; i < c->n; i++)
        if (!fuzz_stored_valid(bulk_ent_record(c->ents[i]), bulk_ent_rlen(c->ents[i])))
            abort();
    bulk_chunk_free(c);
    return 0;
}
