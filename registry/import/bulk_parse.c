#include "registry/import/bulk_parse.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "common/iso8601.h"
#include "common/utf8.h"
#include "proto/hdl_admin.h"
#include "proto/hdl_const.h"
#include "proto/hdl_json.h"
#include "registry/import/bulk_csv.h"
#include "registry/import/bulk_mem.h"
#include "registry/import/bulk_sort.h"
#include "registry/reg_record.h"
#include "registry/reg_stored.h"

#define STORE_BYTES (1u << 20)

int bulk_parser_init(struct bulk_parser *p, struct reg_db *db,
                     const struct reg_prefix_set *prefixes, const char *name,
                     enum bulk_format format, uint32_t now, bool stop_at_error)
{
    *p = (struct bulk_parser){.db = db,
                              .prefixes = prefixes,
                              .name = name,
                              .format = format,
                              .now = now,
                              .stop_at_error = stop_at_error};
    p->values = malloc(HDL_MAX_VALUES * sizeof *p->values);
    p->store = malloc(STORE_BYTES);
    p->record = malloc(HDL_MAX_MESSAGE_LEN);
    if (format == BULK_JSONL) {
        p->fast = bulk_jsonl_reader_new();
        p->fast_line = malloc(sizeof *p->fast_line);
    }
    if (!p->values || !p->store || !p->record ||
        (format == BULK_JSONL && (!p->fast || !p->fast_line))) {
        bulk_parser_free(p);
        return -1;
    }
    return 0;
}

void bulk_parser_free(struct bulk_parser *p)
{
    free(p->values);
    free(p->store);
    free(p->record);
    bulk_jsonl_reader_free(p->fast);
    free(p->fast_line);
    free(p->scratch);
    free(p->sort_scratch);
    p->sort_scratch = NULL;
    p->sort_cap = 0;
    p->scratch = NULL;
    p->scratch_cap = 0;
    p->values = NULL;
    p->store = p->record = NULL;
    p->fast = NULL;
    p->fast_line = NULL;
}

void bulk_chunk_free(struct bulk_chunk *c)
{
    if (!c)
        return;
    free(c->text);
    free(c->arena);
    free(c->ents);
    free(c->errs);
    free(c);
}

/* Records a bad line; returns 1 (the line is rejected), or -1 when memory runs out. */
static int report(struct bulk_parser *p, struct bulk_chunk *c, uint64_t line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int report(struct bulk_parser *p, struct bulk_chunk *c, uint64_t line, const char *fmt, ...)
{
    char msg[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    size_t need = strlen(p->name) + strlen(msg) + 32;
    if (c->errs_cap - c->errs_len < need) {
        size_t cap = c->errs_cap ? c->errs_cap * 2 : 4096;
        while (cap - c->errs_len < need)
            cap *= 2;
        char *grown = realloc(c->errs, cap);
        if (!grown)
            return -1;
        c->errs = grown;
        c->errs_cap = cap;
    }
    c->errs_len += (size_t)snprintf(c->errs + c->errs_len, c->errs_cap - c->errs_len,
                                    "%s:%llu: %s\n", p->name, (unsigned long long)line, msg);
    c->bad++;
    return 1;
}

/* Appends an entry; its offset goes into ents until the arena stops moving. */
static int append(struct bulk_chunk *c, uint64_t line, const uint8_t *key, size_t klen,
                  const uint8_t *rec, size_t rlen)
{
    size_t need = BULK_ENT_HDR + klen + rlen;
    if (c->arena_cap - c->arena_len < need) {
        size_t cap = c->arena_cap ? c->arena_cap * 2 : (size_t)c->len + (1u << 16);
        while (cap - c->arena_len < need)
            cap *= 2;
        uint8_t *grown = c->arena ? realloc(c->arena, cap) : bulk_mem_alloc(cap);
        if (!grown)
            return -1;
        if (grown != c->arena)
            bulk_mem_advise(grown, cap);
        c->arena = grown;
        c->arena_cap = cap;
    }
    if (c->n == c->ents_cap) {
        size_t cap = c->ents_cap ? c->ents_cap * 2 : 1024;
        uint8_t **grown = realloc(c->ents, cap * sizeof *grown);
        if (!grown)
            return -1;
        c->ents = grown;
        c->ents_cap = cap;
    }
    uint8_t *e = c->arena + c->arena_len;
    uint32_t r32 = (uint32_t)rlen;
    uint16_t k16 = (uint16_t)klen;
    memcpy(e, &line, 8);
    memcpy(e + 8, &r32, 4);
    memcpy(e + 12, &k16, 2);
    memcpy(e + BULK_ENT_HDR, key, klen);
    memcpy(e + BULK_ENT_HDR + klen, rec, rlen);
    c->ents[c->n++] = (uint8_t *)(uintptr_t)c->arena_len;
    c->arena_len += need;
    c->handles++;
    return 0;
}

/* Checks a handle, builds the record of its n values and appends the entry. 1 when the handle
 * was rejected (and reported), -1 when memory ran out. */
static int add_handle(struct bulk_parser *p, struct bulk_chunk *c, uint64_t line,
                      const char *handle, size_t hlen, size_t n)
{
    uint8_t key[REG_MAX_KEY];
    if (hlen == 0 || hlen > HDL_MAX_HANDLE_LEN || !memchr(handle, '/', hlen))
        return report(p, c, line, "\"%.*s\" is not a handle PREFIX/SUFFIX of at most %u bytes",
                      (int)(hlen > 200 ? 200 : hlen), handle, HDL_MAX_HANDLE_LEN);
    if (!utf8_is_text((const uint8_t *)handle, hlen))
        return report(p, c, line, "the handle is not UTF-8 text");
    if (!reg_prefix_set_serves(p->prefixes, (const uint8_t *)handle, hlen))
        return report(p, c, line, "the prefix of %.*s is not homed in this registry (pazhou init)",
                      (int)(hlen > 200 ? 200 : hlen), handle);
    if (n == 0 || n > HDL_MAX_VALUES)
        return report(p, c, line, "a handle has 1 to %u values", HDL_MAX_VALUES);
    for (size_t i = 0; i < n; i++)
        if (p->values[i].timestamp == 0)
            p->values[i].timestamp = p->now;
    struct hdl_writer rw;
    hdl_writer_init(&rw, p->record, HDL_MAX_MESSAGE_LEN);
    int rc = reg_stored_build(&rw, p->values, n);
    if (rc == HDL_ERR_MALFORMED)
        return report(p, c, line, "two values of %.*s have the same index",
                      (int)(hlen > 200 ? 200 : hlen), handle);
    if (rc != HDL_OK || hdl_writer_status(&rw) != HDL_OK)
        return report(p, c, line, "the handle's values exceed %u bytes", HDL_MAX_MESSAGE_LEN);
    size_t klen = reg_canonical_key(p->db, (const uint8_t *)handle, hlen, key);
    return append(c, line, key, klen, p->record, rw.len);
}

/* A NUL-terminated copy of s into buf (cap bytes); false when it does not fit. */
static bool terminated(struct bulk_jsonl_str s, char *buf, size_t cap)
{
    if (s.len >= cap)
        return false;
    memcpy(buf, s.ptr, s.len);
    buf[s.len] = '\0';
    return true;
}

/* The values of a line the fast path read, encoded as hdl_value_from_json encodes them; false
 * when one needs the full parser (which then also words the error). */
static bool fast_values(struct bulk_parser *p, const struct bulk_jsonl_line *l)
{
    struct hdl_writer store;
    hdl_writer_init(&store, p->store, STORE_BYTES);
    char buf[64];
    for (size_t i = 0; i < l->count; i++) {
        const struct bulk_jsonl_value *f = &l->values[i];
        struct hdl_value *v = &p->values[i];
        v->index = f->index;
        size_t at = store.len;
        hdl_put_raw(&store, f->type.ptr, f->type.len);
        v->type = (struct hdl_slice){store.buf + at, (uint32_t)(store.len - at)};
        at = store.len;
        if (f->admin) {
            struct hdl_admin adm = {
                .index = f->admin_index,
                .handle = {(const uint8_t *)f->data.ptr, (uint32_t)f->data.len}};
            if (f->data.len == 0 || f->data.len > HDL_MAX_HANDLE_LEN ||
                !terminated(f->admin_perms, buf, sizeof buf) ||
                hdl_admin_perms_from_json(buf, &adm.perms))
                return false;
            hdl_admin_encode(&store, &adm);
        } else {
            hdl_put_raw(&store, f->data.ptr, f->data.len);
        }
        v->data = (struct hdl_slice){store.buf + at, (uint32_t)(store.len - at)};
        v->ttl_type = HDL_TTL_RELATIVE;
        v->ttl = f->has_ttl && !f->ttl_is_time ? f->ttl : HDL_JSON_DEFAULT_TTL;
        if (f->has_ttl && f->ttl_is_time) {
            v->ttl_type = HDL_TTL_ABSOLUTE;
            if (!iso8601_parse(f->ttl_time.ptr, f->ttl_time.len, &v->ttl))
                return false;
        }
        v->timestamp = 0;
        if (f->has_timestamp && !iso8601_parse(f->timestamp.ptr, f->timestamp.len, &v->timestamp))
            return false;
        v->perms = HDL_PERM_DEFAULT;
        if (f->has_perms) {
            if (f->perms.len != 4)
                return false;
            v->perms = 0;
            for (int k = 0; k < 4; k++) {
                if (f->perms.ptr[k] != '0' && f->perms.ptr[k] != '1')
                    return false;
                if (f->perms.ptr[k] == '1')
                    v->perms |= (uint8_t)(0x08u >> k);
            }
        }
        v->ref_count = 0;
        v->refs = (struct hdl_slice){store.buf + store.len, 0};
    }
    return !store.overflow;
}

/* The jansson path: every line the fast path leaves, and the wording of every error. */
static int parse_json_line_full(struct bulk_parser *p, struct bulk_chunk *c, uint64_t line,
                                const char *text, size_t len)
{
    json_error_t jerr;
    json_t *obj = json_loadb(text, len, 0, &jerr);
    if (!obj)
        return report(p, c, line, "not JSON: %s (column %d)", jerr.text, jerr.column);
    int rc;
    json_t *h = json_object_get(obj, "handle");
    json_t *vals = json_object_get(obj, "values");
    if (!json_is_object(obj))
        rc = report(p, c, line, "a line must be a JSON object");
    else if (!json_is_string(h) || json_string_length(h) == 0)
        rc = report(p, c, line, "\"handle\" must be a non-empty string");
    else if (!json_is_array(vals) || json_array_size(vals) == 0 ||
             json_array_size(vals) > HDL_MAX_VALUES)
        rc = report(p, c, line, "\"values\" must be an array of 1 to %u values", HDL_MAX_VALUES);
    else {
        struct hdl_writer store;
        hdl_writer_init(&store, p->store, STORE_BYTES);
        size_t n = json_array_size(vals);
        rc = 0;
        for (size_t i = 0; i < n && rc == 0; i++) {
            char verr[200];
            if (hdl_value_from_json(json_array_get(vals, i), &store, &p->values[i], verr,
                                    sizeof verr) != HDL_OK)
                rc = report(p, c, line, "values[%zu]: %s", i, verr);
        }
        if (rc == 0)
            rc = add_handle(p, c, line, json_string_value(h), json_string_length(h), n);
    }
    json_decref(obj);
    return rc;
}

/* One line; capacity: the bytes readable from text on. */
static int parse_json_line(struct bulk_parser *p, struct bulk_chunk *c, uint64_t line,
                           const char *text, size_t len, size_t capacity)
{
    if (p->fast && bulk_jsonl_read(p->fast, text, len, capacity, p->fast_line) &&
        fast_values(p, p->fast_line))
        return add_handle(p, c, line, p->fast_line->handle.ptr, p->fast_line->handle.len,
                          p->fast_line->count);
    return parse_json_line_full(p, c, line, text, len);
}

static int parse_jsonl(struct bulk_parser *p, struct bulk_chunk *c)
{
    uint64_t line = c->first_line;
    for (size_t pos = 0; pos < c->len; line++) {
        const char *s = c->text + pos;
        const char *nl = memchr(s, '\n', c->len - pos);
        size_t len = nl ? (size_t)(nl - s) : c->len - pos;
        pos += len + 1;
        while (len > 0 && (s[len - 1] == '\r' || s[len - 1] == ' '))
            len--;
        if (len == 0)
            continue;
        int rc =
            parse_json_line(p, c, line, s, len, c->len + BULK_TEXT_PADDING - (size_t)(s - c->text));
        if (rc < 0)
            return -1;
        if (rc > 0 && p->stop_at_error)
            break;
    }
    return 0;
}

static bool same_field(const struct csv_field *a, const char *ptr, size_t len)
{
    return a->len == len && memcmp(a->ptr, ptr, len) == 0;
}

static int parse_csv(struct bulk_parser *p, struct bulk_chunk *c)
{
    uint64_t line = c->first_line;
    size_t pos = 0, n = 0;
    const char *handle = NULL;
    size_t hlen = 0;
    uint64_t hline = 0;
    bool group_bad = false;
    struct hdl_writer store;
    hdl_writer_init(&store, p->store, STORE_BYTES);
    struct csv_row row;
    bool first = c->first_line == 1;
    for (;;) {
        const char *msg = NULL;
        int rc = csv_next_row(c->text, c->len, &pos, &line, &row, &msg);
        bool header = rc > 0 && first && csv_is_header(&row);
        first = false;
        if (header)
            continue;
        bool next_group = rc == 0 || (rc > 0 && (!handle || !same_field(&row.f[0], handle, hlen)));
        if (handle && next_group) {
            int arc = group_bad ? 1 : add_handle(p, c, hline, handle, hlen, n);
            if (arc < 0)
                return -1;
            if (arc > 0 && p->stop_at_error)
                return 0;
            handle = NULL;
        }
        if (rc == 0)
            return 0;
        if (rc < 0) {
            /* A row that is not CSV spoils the handle it seems to belong to. */
            if (handle && row.nfields > 0 && same_field(&row.f[0], handle, hlen))
                group_bad = true;
            if (report(p, c, row.line, "%s", msg) < 0)
                return -1;
            if (p->stop_at_error)
                return 0;
            continue;
        }
        if (!handle) {
            handle = row.f[0].ptr;
            hlen = row.f[0].len;
            hline = row.line;
            n = 0;
            group_bad = false;
            hdl_writer_init(&store, p->store, STORE_BYTES);
        }
        if (group_bad)
            continue;
        char err[300];
        if (n == HDL_MAX_VALUES) {
            snprintf(err, sizeof err, "a handle has at most %u values", HDL_MAX_VALUES);
            group_bad = true;
        } else if (csv_row_value(&row, &store, &p->values[n], err, sizeof err) == 0) {
            n++;
            continue;
        }
        group_bad = true;
        if (report(p, c, row.line, "%s", err) < 0)
            return -1;
        if (p->stop_at_error)
            return 0;
    }
}

int bulk_parse_chunk(struct bulk_parser *p, struct bulk_chunk *c)
{
    /* Entries go to the parser's scratch arena, then, sorted, into one of the chunk's own. */
    if (!c->arena) {
        c->arena = p->scratch;
        c->arena_cap = p->scratch_cap;
        p->scratch = NULL;
        p->scratch_cap = 0;
    }
    int rc = p->format == BULK_CSV ? parse_csv(p, c) : parse_jsonl(p, c);
    if (rc)
        return rc; /* the scratch stays with the chunk, which frees it */
    for (size_t i = 0; i < c->n; i++)
        c->ents[i] = c->arena + (uintptr_t)c->ents[i];
    bulk_sort_keyed(c->ents, c->n, &p->sort_scratch, &p->sort_cap);
    /* The entries laid out again in key order, back to back: the merge then reads a chunk front
     * to back rather than at random across its arena (measured: the in-memory merge of 10M
     * entries takes half the time). Without the memory, the arena stays as it is. */
    uint8_t *sorted = bulk_mem_alloc(c->arena_len);
    if (!sorted)
        return 0;
    size_t off = 0;
    for (size_t i = 0; i < c->n; i++) {
        size_t size = bulk_ent_size(c->ents[i]);
        memcpy(sorted + off, c->ents[i], size);
        c->ents[i] = sorted + off;
        off += size;
    }
    p->scratch = c->arena;
    p->scratch_cap = c->arena_cap;
    c->arena = sorted;
    c->arena_cap = c->arena_len;
    return 0;
}
