/*
 * Reading batch files in the reference tools' format (docs/batch.md, hdl-genericbatch): a stream of
 * operations, each with the number of the line it starts on. A malformed operation comes back as
 * BATCH_INVALID with the reason, its block consumed, so a run can go on after it.
 */
#ifndef TOOLS_BATCH_FILE_H
#define TOOLS_BATCH_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "proto/hdl_const.h"
#include "proto/hdl_value.h"

enum batch_kind {
    BATCH_INVALID = 1, /* error says why */
    BATCH_AUTH_SECKEY, /* index:handle, text = the secret */
    BATCH_AUTH_PUBKEY, /* index:handle, text = key file, passphrase after '|' if any */
    BATCH_SESSION,     /* use_session, session_timeout_s */
    BATCH_CREATE,      /* handle, values */
    BATCH_ADD,         /* handle, values */
    BATCH_MODIFY,      /* handle, values */
    BATCH_REMOVE,      /* handle, indexes */
    BATCH_DELETE,      /* handle */
    BATCH_HOME,        /* handle = a prefix handle, text = "ip:port:protocol" of its block */
    BATCH_UNHOME,      /* as BATCH_HOME */
};

#define BATCH_TEXT_MAX 4096

struct batch_op {
    enum batch_kind kind;
    unsigned line; /* where the operation starts (1-based) */
    char handle[HDL_MAX_HANDLE_LEN + 1];
    uint32_t index;
    char text[BATCH_TEXT_MAX];
    char passphrase[1024];
    const struct hdl_value *values; /* owned by the reader, valid until the next call */
    size_t value_count;
    uint32_t indexes[HDL_MAX_VALUES];
    size_t index_count;
    bool use_session;
    uint32_t session_timeout_s; /* 0: the default */
    char error[256];
};

struct batch_reader;

/* A reader of f (not closed by the reader). NULL when memory is short. */
struct batch_reader *batch_reader_new(FILE *f);
void batch_reader_free(struct batch_reader *r);

/* The next operation into op: returns 1, or 0 at the end of the file. */
int batch_reader_next(struct batch_reader *r, struct batch_op *op);

/* Lines read so far. */
unsigned batch_reader_lines(const struct batch_reader *r);

/* Whether an operation of this kind counts as an entry in the summary (not AUTHENTICATE or
 * SESSIONSETUP). */
bool batch_op_is_entry(enum batch_kind kind);

/* The reference tool's name of the operation in result lines ("create", "add values", ...). */
const char *batch_op_name(enum batch_kind kind);

#endif
