/* Values and records for the registry's record tests (test_reg_record, test_reg_stored). */
#ifndef REG_TEST_RECORDS_H
#define REG_TEST_RECORDS_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "proto/hdl_const.h"
#include "registry/reg_record.h"

static inline struct hdl_slice str(const char *s)
{
    return (struct hdl_slice){(const uint8_t *)s, (uint32_t)strlen(s)};
}

/* A value as the demo records carry them: one fixed timestamp, a relative TTL of a day. */
static inline struct hdl_value value(uint32_t index, uint8_t perms, const char *type,
                                     const char *data)
{
    struct hdl_value v = {0};
    v.index = index;
    v.timestamp = 0x6b079bd4;
    v.ttl_type = HDL_TTL_RELATIVE;
    v.ttl = 86400;
    v.perms = perms;
    v.type = str(type);
    v.data = str(data);
    return v;
}

/* Builds values into buf; returns the record length (asserting success). */
static inline size_t build(struct hdl_value *values, size_t n, uint8_t *buf, size_t cap)
{
    struct hdl_writer w;
    hdl_writer_init(&w, buf, cap);
    assert_int_equal(reg_record_build(&w, values, n), HDL_OK);
    return w.len;
}

#endif
