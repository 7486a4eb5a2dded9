#include "registry/reg_stored.h"

#include <string.h>

#include "proto/hdl_const.h"
#include "proto/hdl_error.h"
#include "registry/reg_record.h"

/* What a compact value carries beyond its type and data. */
#define REG_STORED_V_NEXT_INDEX 0x01u /* index = previous + 1, not stored */
#define REG_STORED_V_TYPE_CODE 0x02u  /* type is a code of well_known_types */
#define REG_STORED_V_PERMS 0x04u
#define REG_STORED_V_TTL 0x08u
#define REG_STORED_V_TIMESTAMP 0x10u
#define REG_STORED_V_REFS 0x20u
#define REG_STORED_V_ALL 0x3fu

/* Codes 1..n of types common enough to spell with one byte. Stored in registries: only ever
 * append to this list. */
static const char *const well_known_types[] = {
    "URL",       "EMAIL",     "HS_ADMIN", "HS_SITE",        "HS_SITE.PREFIX", "HS_SERV", "HS_ALIAS",
    "HS_PUBKEY", "HS_SECKEY", "HS_VLIST", "HS_NA_DELEGATE", "HS_SIGNATURE",   "HS_CERT", "DESC",
};
#define WELL_KNOWN_TYPES (sizeof well_known_types / sizeof well_known_types[0])

/* The fields most values share, stored once in the header. */
struct shared_fields {
    uint8_t perms, ttl_type;
    uint32_t ttl, timestamp;
};

static uint8_t type_code(struct hdl_slice type)
{
    for (size_t i = 0; i < WELL_KNOWN_TYPES; i++)
        if (strlen(well_known_types[i]) == type.len &&
            memcmp(well_known_types[i], type.ptr, type.len) == 0)
            return (uint8_t)(i + 1);
    return 0;
}

static void put_varint(struct hdl_writer *w, uint32_t v)
{
    uint8_t b[5];
    size_t n = 0;
    do {
        b[n] = (uint8_t)(v & 0x7f);
        v >>= 7;
        if (v)
            b[n] |= 0x80;
        n++;
    } while (v);
    hdl_put_raw(w, b, n);
}

static void put_header(struct hdl_writer *w, uint8_t flags, size_t record_len, size_t n,
                       const struct shared_fields *s)
{
    hdl_put_u8(w, REG_STORED_COMPACT);
    hdl_put_u8(w, flags);
    put_varint(w, (uint32_t)record_len);
    put_varint(w, (uint32_t)n);
    if (n) {
        hdl_put_u8(w, s->perms);
        hdl_put_u8(w, s->ttl_type);
        hdl_put_u32(w, s->ttl);
        hdl_put_u32(w, s->timestamp);
    }
}

static void put_value(struct hdl_writer *w, const struct hdl_value *v, uint32_t prev,
                      const struct shared_fields *s)
{
    uint8_t code = type_code(v->type);
    uint8_t what = 0;
    if (v->index == prev + 1)
        what |= REG_STORED_V_NEXT_INDEX;
    if (code)
        what |= REG_STORED_V_TYPE_CODE;
    if (v->perms != s->perms)
        what |= REG_STORED_V_PERMS;
    if (v->ttl_type != s->ttl_type || v->ttl != s->ttl)
        what |= REG_STORED_V_TTL;
    if (v->timestamp != s->timestamp)
        what |= REG_STORED_V_TIMESTAMP;
    if (v->ref_count)
        what |= REG_STORED_V_REFS;
    hdl_put_u8(w, what);
    if (!(what & REG_STORED_V_NEXT_INDEX))
        put_varint(w, v->index);
    if (code) {
        hdl_put_u8(w, code);
    } else {
        put_varint(w, v->type.len);
        hdl_put_raw(w, v->type.ptr, v->type.len);
    }
    put_varint(w, v->data.len);
    hdl_put_raw(w, v->data.ptr, v->data.len);
    if (what & REG_STORED_V_PERMS)
        hdl_put_u8(w, v->perms);
    if (what & REG_STORED_V_TTL) {
        hdl_put_u8(w, v->ttl_type);
        hdl_put_u32(w, v->ttl);
    }
    if (what & REG_STORED_V_TIMESTAMP)
        hdl_put_u32(w, v->timestamp);
    if (what & REG_STORED_V_REFS) {
        put_varint(w, v->ref_count);
        put_varint(w, v->refs.len);
        hdl_put_raw(w, v->refs.ptr, v->refs.len);
    }
}

static void shared_of(const struct hdl_value *v, struct shared_fields *s)
{
    s->perms = v->perms;
    s->ttl_type = v->ttl_type;
    s->ttl = v->ttl;
    s->timestamp = v->timestamp;
}

/* Keeps the compact form in w only when it is shorter than the whole record; the caller then
 * writes the record instead. */
static bool compact_fits(struct hdl_writer *w, size_t start, size_t record_len)
{
    if (!w->overflow && w->len - start < record_len)
        return true;
    w->len = start;
    w->overflow = false;
    return false;
}

int reg_stored_encode(const uint8_t *record, size_t len, struct hdl_writer *w)
{
    struct reg_record_view view;
    int rc = reg_record_parse(record, len, 1, &view);
    if (rc != HDL_OK)
        return rc;
    size_t start = w->len;
    size_t cap = w->cap;
    if (w->cap - w->len > len)
        w->cap = w->len + len; /* never more than the record itself */
    /* reserved is 0 in every record reg_record_build writes; anything else stays whole. */
    if (view.value_count && record[2] == 0 && record[3] == 0) {
        struct hdl_reader r;
        hdl_reader_init(&r, view.values.ptr, view.values.len);
        struct hdl_value v;
        struct shared_fields s;
        uint32_t prev = 0;
        for (uint32_t i = 0; i < view.value_count && !w->overflow; i++) {
            hdl_value_decode(&r, &v); /* validated by the parse above */
            if (i == 0) {
                shared_of(&v, &s);
                put_header(w, view.flags, len, view.value_count, &s);
            }
            put_value(w, &v, prev, &s);
            prev = v.index;
        }
        if (compact_fits(w, start, len)) {
            w->cap = cap;
            return HDL_OK;
        }
    }
    w->cap = cap;
    hdl_put_raw(w, record, len);
    return hdl_writer_status(w);
}

int reg_stored_build(struct hdl_writer *w, struct hdl_value *values, size_t n)
{
    uint8_t flags;
    int rc = reg_record_prepare(values, n, &flags);
    if (rc != HDL_OK)
        return rc;
    size_t record_len = REG_RECORD_HEADER_LEN;
    for (size_t i = 0; i < n; i++)
        record_len += hdl_value_encoded_len(&values[i]);
    if (w->cap - w->len < record_len) {
        /* As reg_record_build: the room a record needs bounds what may be stored. */
        w->overflow = true;
        return HDL_ERR_NOSPACE;
    }
    if (n) {
        size_t start = w->len;
        struct shared_fields s;
        shared_of(&values[0], &s);
        put_header(w, flags, record_len, n, &s);
        uint32_t prev = 0;
        for (size_t i = 0; i < n && !w->overflow; i++) {
            put_value(w, &values[i], prev, &s);
            prev = values[i].index;
        }
        if (compact_fits(w, start, record_len))
            return HDL_OK;
    }
    return reg_record_build(w, values, n);
}

/* Bounds-checked reading of a compact value: every failure is HDL_ERR_TRUNCATED or
 * HDL_ERR_MALFORMED, never a read outside the value. */
struct cursor {
    const uint8_t *p, *end;
};

static int get_varint(struct cursor *c, uint32_t *out)
{
    uint32_t v = 0;
    for (int shift = 0; shift < 35; shift += 7) {
        if (c->p == c->end)
            return HDL_ERR_TRUNCATED;
        uint8_t b = *c->p++;
        if (shift == 28 && (b & 0xf0))
            return HDL_ERR_MALFORMED; /* beyond 32 bits */
        v |= (uint32_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            *out = v;
            return HDL_OK;
        }
    }
    return HDL_ERR_MALFORMED;
}

static int get_fixed(struct cursor *c, size_t n, const uint8_t **out)
{
    if ((size_t)(c->end - c->p) < n)
        return HDL_ERR_TRUNCATED;
    *out = c->p;
    c->p += n;
    return HDL_OK;
}

static int get_u32(struct cursor *c, uint32_t *out)
{
    const uint8_t *p;
    int rc = get_fixed(c, 4, &p);
    if (rc == HDL_OK)
        *out = hdl_load_u32(p);
    return rc;
}

struct header {
    uint8_t flags;
    uint32_t record_len, count;
    struct shared_fields shared;
};

static int get_header(struct cursor *c, struct header *h)
{
    const uint8_t *p;
    int rc;
    if ((rc = get_fixed(c, 2, &p)))
        return rc;
    if (p[0] != REG_STORED_COMPACT)
        return HDL_ERR_VERSION;
    h->flags = p[1];
    if ((rc = get_varint(c, &h->record_len)) || (rc = get_varint(c, &h->count)))
        return rc;
    if (h->count > HDL_MAX_VALUES)
        return HDL_ERR_LIMIT;
    if (h->count == 0)
        return HDL_ERR_MALFORMED; /* never written compact */
    if ((rc = get_fixed(c, 2, &p)))
        return rc;
    h->shared.perms = p[0];
    h->shared.ttl_type = p[1];
    if ((rc = get_u32(c, &h->shared.ttl)) || (rc = get_u32(c, &h->shared.timestamp)))
        return rc;
    return HDL_OK;
}

size_t reg_stored_record_len(const uint8_t *stored, size_t len)
{
    struct cursor c = {stored, stored + len};
    struct header h;
    return get_header(&c, &h) == HDL_OK ? h.record_len : 0;
}

/* A run of bytes with its varint length. */
static int get_run(struct cursor *c, const uint8_t **p, uint32_t *len)
{
    int rc = get_varint(c, len);
    return rc ? rc : get_fixed(c, *len, p);
}

static int expand_value(struct cursor *c, const struct header *h, uint32_t *prev,
                        struct hdl_writer *w)
{
    const uint8_t *what_p;
    int rc;
    if ((rc = get_fixed(c, 1, &what_p)))
        return rc;
    uint8_t what = *what_p;
    if (what & ~REG_STORED_V_ALL)
        return HDL_ERR_MALFORMED;
    struct hdl_value v;
    if (what & REG_STORED_V_NEXT_INDEX)
        v.index = *prev + 1;
    else if ((rc = get_varint(c, &v.index)))
        return rc;
    if (what & REG_STORED_V_TYPE_CODE) {
        const uint8_t *code;
        if ((rc = get_fixed(c, 1, &code)))
            return rc;
        if (*code == 0 || *code > WELL_KNOWN_TYPES)
            return HDL_ERR_MALFORMED;
        const char *name = well_known_types[*code - 1];
        v.type = (struct hdl_slice){(const uint8_t *)name, (uint32_t)strlen(name)};
    } else if ((rc = get_run(c, &v.type.ptr, &v.type.len))) {
        return rc;
    }
    if ((rc = get_run(c, &v.data.ptr, &v.data.len)))
        return rc;
    v.perms = h->shared.perms;
    v.ttl_type = h->shared.ttl_type;
    v.ttl = h->shared.ttl;
    v.timestamp = h->shared.timestamp;
    const uint8_t *p;
    if ((what & REG_STORED_V_PERMS) && (rc = get_fixed(c, 1, &p)) == HDL_OK)
        v.perms = *p;
    if (rc == HDL_OK && (what & REG_STORED_V_TTL) && (rc = get_fixed(c, 1, &p)) == HDL_OK) {
        v.ttl_type = *p;
        rc = get_u32(c, &v.ttl);
    }
    if (rc == HDL_OK && (what & REG_STORED_V_TIMESTAMP))
        rc = get_u32(c, &v.timestamp);
    v.ref_count = 0;
    v.refs = (struct hdl_slice){NULL, 0};
    if (rc == HDL_OK && (what & REG_STORED_V_REFS) && (rc = get_varint(c, &v.ref_count)) == HDL_OK)
        rc = get_run(c, &v.refs.ptr, &v.refs.len);
    if (rc)
        return rc;
    *prev = v.index;
    hdl_value_encode(w, &v);
    return HDL_OK;
}

int reg_stored_expand(const uint8_t *stored, size_t len, uint8_t *out, size_t cap)
{
    struct cursor c = {stored, stored + len};
    struct header h;
    int rc = get_header(&c, &h);
    if (rc)
        return rc;
    if (cap < h.record_len)
        return HDL_ERR_NOSPACE;
    struct hdl_writer w;
    hdl_writer_init(&w, out, h.record_len);
    hdl_put_u8(&w, REG_RECORD_VERSION);
    hdl_put_u8(&w, h.flags);
    hdl_put_u16(&w, 0);
    hdl_put_u32(&w, h.count);
    uint32_t prev = 0;
    for (uint32_t i = 0; i < h.count; i++) {
        if ((rc = expand_value(&c, &h, &prev, &w)))
            return rc;
        if (w.overflow)
            return HDL_ERR_MALFORMED; /* longer than its header says */
    }
    if (c.p != c.end)
        return HDL_ERR_TRAILING;
    return w.len == h.record_len ? HDL_OK : HDL_ERR_MALFORMED;
}
