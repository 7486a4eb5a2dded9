/* Handle values (docs/protocol.md §9): decoded as views into the buffer they came from. */
#ifndef HDL_VALUE_H
#define HDL_VALUE_H

#include <stdbool.h>
#include <stdint.h>

#include "proto/hdl_buf.h"

struct hdl_value {
    uint32_t index;
    uint32_t timestamp;
    uint8_t ttl_type;
    uint32_t ttl;
    uint8_t perms; /* HDL_PERM_* */
    struct hdl_slice type;
    struct hdl_slice data;
    uint32_t ref_count;
    struct hdl_slice refs; /* ref_count × { byteString handle, int4 index }, validated */
};

/* Decodes one value at the reader; the slices point into the reader's buffer. */
int hdl_value_decode(struct hdl_reader *r, struct hdl_value *v);
/* Advances the reader past one value, validating it, without filling a struct. */
int hdl_value_skip(struct hdl_reader *r);
void hdl_value_encode(struct hdl_writer *w, const struct hdl_value *v);
/* Bytes hdl_value_encode writes for v. */
size_t hdl_value_encoded_len(const struct hdl_value *v);

/* Iterates the references of a decoded value: *pos starts at 0; returns HDL_OK while one was read,
 * HDL_ERR_TRUNCATED at the end (the run was validated at decode time). */
int hdl_value_next_ref(const struct hdl_value *v, uint32_t *pos, struct hdl_slice *handle,
                       uint32_t *index);

/* Type comparison of a resolution request (docs/protocol.md §7): ASCII case-insensitive and exact,
 * except that a query type ending in '.' matches every type it prefixes and the bare type
 * without the dot. */
bool hdl_type_matches(struct hdl_slice query_type, struct hdl_slice value_type);

/* ASCII case-insensitive equality of a slice and a C string (types such as "HS_ADMIN"). */
bool hdl_slice_eq_ci(struct hdl_slice s, const char *cstr);

/* Byte equality of two slices. */
bool hdl_slice_eq(struct hdl_slice a, struct hdl_slice b);

/* The same value but for its timestamp, which a node sets on every write: index, type, data,
 * TTL, permissions and references all equal. */
bool hdl_value_same(const struct hdl_value *a, const struct hdl_value *b);

#endif
