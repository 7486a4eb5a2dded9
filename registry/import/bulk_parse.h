/*
 * The parsing half of `pazhou import`: a chunk of input (whole JSON lines, or whole CSV handle
 * runs) becomes entries, each a canonical key and its record, sorted by key, with the line each
 * came from; bad lines become messages "NAME:LINE: reason". Workers parse chunks in parallel
 * (bulk_read.c); bulk_run.c and bulk_write.c merge them (bulk_merge.h).
 * Entries are in bulk_ent.h's format.
 *
 * A chunk's text must be followed by BULK_TEXT_PADDING readable bytes (JSON Lines are read with
 * SIMD loads that run past a line's end).
 */
#ifndef BULK_PARSE_H
#define BULK_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "proto/hdl_value.h"
#include "registry/import/bulk_ent.h"
#include "registry/import/bulk_jsonl.h"
#include "registry/reg_db.h"
#include "registry/reg_prefix.h"

#define BULK_TEXT_PADDING 64

enum bulk_format { BULK_JSONL, BULK_CSV };

struct bulk_chunk {
    uint64_t seq;        /* position in the input */
    uint64_t first_line; /* line number of text[0] */
    char *text;          /* the input bytes, BULK_TEXT_PADDING more readable */
    size_t text_cap;     /* its allocation, padding aside */
    size_t len;
    /* parse results */
    uint8_t *arena;
    size_t arena_len, arena_cap;
    uint8_t **ents; /* sorted */
    size_t n, ents_cap;
    char *errs; /* "NAME:LINE: reason\n" for each bad line, in input order */
    size_t errs_len, errs_cap;
    uint64_t bad;     /* lines (rows) reported */
    uint64_t handles; /* entries made */
    struct bulk_chunk *next;
};

/* One worker's parser and its scratch buffers. */
struct bulk_parser {
    struct reg_db *db;
    const struct reg_prefix_set *prefixes;
    const char *name; /* the input's name in messages */
    enum bulk_format format;
    uint32_t now;       /* timestamp of values given without one */
    bool stop_at_error; /* stop parsing the chunk at its first bad line */
    struct hdl_value *values;
    uint8_t *store;
    uint8_t *record;
    struct bulk_jsonl_reader *fast; /* JSON Lines: the simdjson path (bulk_jsonl.h); NULL: off */
    struct bulk_jsonl_line *fast_line;
    /* The arena chunks are parsed into, kept from chunk to chunk: its pages are touched once,
     * not once a chunk (fresh pages cost the kernel's zeroing) */
    uint8_t *scratch;
    size_t scratch_cap;
    void *sort_scratch; /* bulk_sort_keyed's, kept from chunk to chunk for the same reason */
    size_t sort_cap;
};

int bulk_parser_init(struct bulk_parser *p, struct reg_db *db,
                     const struct reg_prefix_set *prefixes, const char *name,
                     enum bulk_format format, uint32_t now, bool stop_at_error);
void bulk_parser_free(struct bulk_parser *p);

/* Parses c->text into c's entries (sorted) and messages; the text stays c's (the caller may reuse
 * it). -1 when memory runs out. A CSV header row is skipped when the chunk starts at line 1. */
int bulk_parse_chunk(struct bulk_parser *p, struct bulk_chunk *c);

/* Frees a chunk's buffers and the chunk. */
void bulk_chunk_free(struct bulk_chunk *c);

#endif
