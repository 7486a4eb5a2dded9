/*
 * libFuzzer target for batch files (tools/batch_file.c) and their value lines
 * (tools/batch_value.c): the bytes are read as a whole file, operation by operation, and each
 * line alone as a value line. Every operation read is whole: a known kind, a terminated handle
 * and error, counts within bounds, values that encode. Built by -DPAZHOU_FUZZ=ON
 * (docs/fuzzing.md).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/hdl_const.h"
#include "tools/batch_file.h"
#include "tools/batch_value.h"

static struct batch_op op;
static uint8_t store_buf[HDL_MAX_MESSAGE_LEN], wire[HDL_MAX_MESSAGE_LEN + 1024];

static void value_encodes(const struct hdl_value *v)
{
    struct hdl_writer w;
    hdl_writer_init(&w, wire, sizeof wire);
    hdl_value_encode(&w, v);
    if (hdl_writer_status(&w) == HDL_OK && w.len != hdl_value_encoded_len(v))
        abort();
}

static void read_file(const uint8_t *data, size_t size)
{
    FILE *f = fmemopen((void *)data, size, "r");
    if (!f)
        return;
    struct batch_reader *r = batch_reader_new(f);
    unsigned ops = 0;
    while (r && batch_reader_next(r, &op) == 1) {
        if (op.kind < BATCH_INVALID || op.kind > BATCH_UNHOME || op.line == 0 ||
            op.line > batch_reader_lines(r) || !memchr(op.handle, '\0', sizeof op.handle) ||
            !memchr(op.error, '\0', sizeof op.error) || !memchr(op.text, '\0', sizeof op.text) ||
            op.value_count > HDL_MAX_VALUES || op.index_count > HDL_MAX_VALUES)
            abort();
        for (size_t i = 0; i < op.value_count; i++)
            value_encodes(&op.values[i]);
        if (++ops > size + 1)
            abort(); /* every operation consumes at least a line */
    }
    batch_reader_free(r);
    fclose(f);
}

static void value_lines(const uint8_t *data, size_t size)
{
    char *line = malloc(size + 1);
    size_t at = 0;
    while (at < size) {
        const uint8_t *nl = memchr(data + at, '\n', size - at);
        size_t n = nl ? (size_t)(nl - (data + at)) : size - at;
        memcpy(line, data + at, n);
        line[n] = '\0';
        struct hdl_writer store;
        hdl_writer_init(&store, store_buf, sizeof store_buf);
        struct hdl_value v;
        char err[256];
        if (batch_value_parse(line, &store, &v, err, sizeof err) == 0)
            value_encodes(&v);
        at += n + 1;
    }
    free(line);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* FILE values read the path they name: keep the fuzzer away from devices and the kernel's
     * files, whose reads may block or never end. */
    if (size > 64 * 1024 || memmem(data, size, "dev", 3) || memmem(data, size, "proc", 4) ||
        memmem(data, size, "sys", 3))
        return 0;
    read_file(data, size);
    value_lines(data, size);
    return 0;
}
