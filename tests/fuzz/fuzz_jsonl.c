/*
 * libFuzzer target for JSON Lines imports (registry/bulk_parse.c, bulk_jsonl.cc): the bytes are
 * parsed as one chunk of lines twice, with the simdjson fast path and with jansson alone, and
 * both must give the same entries (keys and records) and the same messages for bad lines. Every
 * entry's stored record must expand into a valid record. Built by -DPAZHOU_FUZZ=ON
 * (docs/fuzzing.md).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "registry/import/bulk_parse.h"
#include "tests/fuzz/fuzz_registry.h"

static struct bulk_parser fast, full;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_registry_open();
    if (bulk_parser_init(&fast, fuzz_db, fuzz_prefixes, "f.jsonl", BULK_JSONL, 1700000000, false) !=
            0 ||
        bulk_parser_init(&full, fuzz_db, fuzz_prefixes, "f.jsonl", BULK_JSONL, 1700000000, false) !=
            0 ||
        !fast.fast)
        abort();
    bulk_jsonl_reader_free(full.fast);
    full.fast = NULL;
    return 0;
}

static struct bulk_chunk *parse(struct bulk_parser *p, const uint8_t *data, size_t size)
{
    struct bulk_chunk *c = calloc(1, sizeof *c);
    c->text = malloc(size + BULK_TEXT_PADDING);
    memcpy(c->text, data, size);
    memset(c->text + size, '}', BULK_TEXT_PADDING); /* padding is never part of a line */
    c->text_cap = size;
    c->len = size;
    c->first_line = 1;
    if (bulk_parse_chunk(p, c) != 0)
        abort();
    for (size_t i = 0; i < c->n; i++)
        if (!fuzz_stored_valid(bulk_ent_record(c->ents[i]), bulk_ent_rlen(c->ents[i])))
            abort();
    return c;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 256 * 1024)
        return 0;
    struct bulk_chunk *a = parse(&fast, data, size), *b = parse(&full, data, size);
    if (a->n != b->n || a->bad != b->bad || a->errs_len != b->errs_len ||
        (a->errs_len && memcmp(a->errs, b->errs, a->errs_len) != 0))
        abort();
    for (size_t i = 0; i < a->n; i++) {
        size_t sa = bulk_ent_size(a->ents[i]), sb = bulk_ent_size(b->ents[i]);
        if (sa != sb || memcmp(a->ents[i], b->ents[i], sa) != 0)
            abort();
    }
    bulk_chunk_free(a);
    bulk_chunk_free(b);
    return 0;
}
