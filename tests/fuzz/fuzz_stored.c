/*
 * libFuzzer target for the compact stored form of records (registry/reg_stored.h): arbitrary
 * bytes are expanded; whatever expands into a valid record must encode again and expand to the
 * same record. Built by -DPAZHOU_FUZZ=ON (docs/fuzzing.md).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/hdl_error.h"
#include "registry/reg_record.h"
#include "registry/reg_stored.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t need = reg_stored_record_len(data, size);
    if (need == 0 || need > (1u << 20))
        return 0;
    uint8_t *record = malloc(need), *again = malloc(need), *stored = malloc(need);
    struct reg_record_view view;
    if (reg_stored_expand(data, size, record, need) == HDL_OK &&
        reg_record_parse(record, need, 1, &view) == HDL_OK) {
        struct hdl_writer w;
        hdl_writer_init(&w, stored, need);
        if (reg_stored_encode(record, need, &w) != HDL_OK)
            abort();
        if (stored[0] == REG_STORED_COMPACT) {
            if (reg_stored_expand(stored, w.len, again, need) != HDL_OK ||
                memcmp(again, record, need) != 0)
                abort();
        } else if (w.len != need || memcmp(stored, record, need) != 0) {
            abort();
        }
    }
    free(record);
    free(again);
    free(stored);
    return 0;
}
