/*
 * The fast path of JSON Lines imports: simdjson's On-Demand parser reads a line of the shape
 * exports and data-set generators write,
 *
 *   {"handle": "...", "values": [{"index": 1, "type": "URL", "data": "...",
 *     ["ttl": 86400 | "2026-...Z",] ["timestamp": "2026-...Z",] ["permissions": "1110"]}, ...]}
 *
 * with data a string, {"format": "string", "value": "..."} or
 * {"format": "admin", "value": {"handle": "...", "index": 300, "permissions": "1111..."}}.
 * It hands the line's strings and numbers over undecoded beyond JSON itself; bulk_parse.c turns
 * them into values. Whatever else a line holds (another member, a member given twice, another
 * data format, references, a NUL in a string, more than BULK_JSONL_FAST_VALUES values, any
 * error) makes it answer "not mine", and the line goes to the jansson path, whose meaning and
 * messages are the reference: the fast path has only to agree with it on the lines it takes
 * (tests/unit/test_bulk_jsonl.c compares the two on generated lines).
 */
#ifndef BULK_JSONL_H
#define BULK_JSONL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Bytes past the end of a line that must be readable (simdjson reads ahead in 64-byte blocks). */
#define BULK_JSONL_PADDING 64
#define BULK_JSONL_FAST_VALUES 64

struct bulk_jsonl_str {
    const char *ptr; /* not NUL-terminated; valid until the next bulk_jsonl_read */
    size_t len;
};

struct bulk_jsonl_value {
    uint32_t index;
    struct bulk_jsonl_str type;
    bool admin;                 /* data is {"format":"admin",...}, else a string */
    struct bulk_jsonl_str data; /* the string; the admin's handle */
    uint32_t admin_index;
    struct bulk_jsonl_str admin_perms;
    bool has_ttl, ttl_is_time; /* ttl: seconds in ttl, or an ISO time in ttl_time */
    uint32_t ttl;
    struct bulk_jsonl_str ttl_time;
    bool has_timestamp;
    struct bulk_jsonl_str timestamp;
    bool has_perms;
    struct bulk_jsonl_str perms;
};

struct bulk_jsonl_line {
    struct bulk_jsonl_str handle;
    size_t count;
    struct bulk_jsonl_value values[BULK_JSONL_FAST_VALUES];
};

struct bulk_jsonl_reader;
struct bulk_jsonl_reader *bulk_jsonl_reader_new(void);
void bulk_jsonl_reader_free(struct bulk_jsonl_reader *r);

/* Reads the line text[0..len), whose buffer is readable up to text + capacity (at least len +
 * BULK_JSONL_PADDING): true with out filled, false when the line is not the fast path's. */
bool bulk_jsonl_read(struct bulk_jsonl_reader *r, const char *text, size_t len, size_t capacity,
                     struct bulk_jsonl_line *out);

#ifdef __cplusplus
}
#endif

#endif
