#include "registry/import/bulk_csv.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/base64.h"
#include "common/handle_name.h"
#include "common/hex.h"
#include "common/iso8601.h"
#include "common/utf8.h"
#include "proto/hdl_admin.h"
#include "proto/hdl_const.h"

#define DEFAULT_TTL 86400u

int csv_next_row(char *buf, size_t len, size_t *pos, uint64_t *line, struct csv_row *row,
                 const char **msg)
{
    size_t p = *pos;
    while (p < len && (buf[p] == '\n' || buf[p] == '\r')) {
        if (buf[p] == '\n')
            (*line)++;
        p++;
    }
    if (p >= len) {
        *pos = p;
        return 0;
    }
    row->line = *line;
    row->nfields = 0;
    row->too_many = false;
    const char *bad = NULL;
    size_t row_end = SIZE_MAX; /* the next line break at or after p, once looked up */
    for (;;) {
        char *start = buf + p;
        size_t flen;
        if (p < len && buf[p] == '"') {
            /* Unquoted in place: the text moves left over the opening quote. Quoted fields are
             * short and JSON in them is full of doubled quotes, so a byte loop beats a memchr and
             * a memmove for every run between two quotes. */
            size_t w = p++;
            bool closed = false;
            while (p < len) {
                char c = buf[p];
                if (c == '"') {
                    if (p + 1 < len && buf[p + 1] == '"') {
                        buf[w++] = '"';
                        p += 2;
                        continue;
                    }
                    p++;
                    closed = true;
                    break;
                }
                if (c == '\n')
                    (*line)++;
                buf[w++] = c;
                p++;
            }
            flen = (size_t)(buf + w - start);
            if (!closed) {
                bad = "a quoted field is not closed";
                p = len;
            } else if (p < len && buf[p] != ',' && buf[p] != '\n' && buf[p] != '\r') {
                bad = "text after the closing quote of a field";
                while (p < len && buf[p] != '\n')
                    p++;
            }
        } else {
            size_t s = p;
            if (row_end == SIZE_MAX || row_end < p) {
                const char *nl = memchr(buf + p, '\n', len - p);
                row_end = nl ? (size_t)(nl - buf) : len;
            }
            const char *comma = memchr(buf + p, ',', row_end - p);
            p = comma ? (size_t)(comma - buf) : row_end;
            flen = p - s;
            if (flen && buf[s + flen - 1] == '\r' && (p >= len || buf[p] == '\n'))
                flen--;
        }
        if (row->nfields < CSV_MAX_FIELDS)
            row->f[row->nfields++] = (struct csv_field){start, flen};
        else
            row->too_many = true;
        if (!bad && p < len && buf[p] == ',') {
            p++;
            continue;
        }
        if (p < len && buf[p] == '\r')
            p++;
        if (p < len && buf[p] == '\n') {
            p++;
            (*line)++;
        }
        break;
    }
    *pos = p;
    if (bad) {
        *msg = bad;
        return -1;
    }
    return 1;
}

bool csv_is_header(const struct csv_row *row)
{
    return row->nfields >= 2 && row->f[0].len == 6 &&
           strncasecmp(row->f[0].ptr, "handle", 6) == 0 && row->f[1].len == 5 &&
           strncasecmp(row->f[1].ptr, "index", 5) == 0;
}

#define ONES 0x0101010101010101ull
#define LOW7 0x7f7f7f7f7f7f7f7full

/* Of the eight bytes of x, how many are zero: each zero byte becomes exactly 0x80 (no borrow
 * crosses bytes, so no false matches), then the bytes' low bits are summed by a multiply. */
static inline uint64_t zero_bytes(uint64_t x)
{
    uint64_t zero = ~(((x & LOW7) + LOW7) | x | LOW7);
    return ((zero >> 7) * ONES) >> 56;
}

/* How many quotes and line breaks buf holds, eight bytes at a time. */
static void count_quotes_breaks(const char *buf, size_t len, uint64_t *quotes, uint64_t *breaks)
{
    uint64_t q = 0, b = 0;
    size_t i = 0;
    for (; i + 8 <= len; i += 8) {
        uint64_t x;
        memcpy(&x, buf + i, 8);
        q += zero_bytes(x ^ (ONES * '"'));
        b += zero_bytes(x ^ (ONES * '\n'));
    }
    for (; i < len; i++) {
        q += buf[i] == '"';
        b += buf[i] == '\n';
    }
    *quotes = q;
    *breaks = b;
}

/* The previous line break before p (after lo) that lies outside quotes, given that the text at
 * p is outside quotes; NULL when there is none. Walking back, each quote toggles the state. */
static const char *prev_break(const char *lo, const char *p)
{
    bool quoted = false;
    while (p > lo) {
        char c = *--p;
        if (c == '"')
            quoted = !quoted;
        else if (c == '\n' && !quoted)
            return p;
    }
    return NULL;
}

/* Field 0 of the row [row, stop): up to its first comma outside quotes. */
static size_t first_field(const char *row, const char *stop)
{
    bool quoted = false;
    for (const char *p = row; p < stop; p++) {
        if (*p == '"')
            quoted = !quoted;
        else if (*p == ',' && !quoted)
            return (size_t)(p - row);
    }
    return (size_t)(stop - row);
}

/*
 * The buffer starts outside quotes (at the input's start or a previous cut), so a line break is
 * outside quotes exactly when an even number of quotes precede it. The last such break ends the
 * complete rows; from there the rows are walked back while their handle (field 0) stays the
 * same. Only the buffer's quotes and line breaks are counted, with no per-row calls: the reading
 * thread does this for every block while the parsers wait for it.
 */
size_t csv_cut(const char *buf, size_t len, bool eof, uint64_t *lines)
{
    uint64_t quotes, breaks;
    if (eof) {
        count_quotes_breaks(buf, len, &quotes, lines);
        return len;
    }
    *lines = 0;
    const char *nl = memrchr(buf, '\n', len);
    if (!nl)
        return 0; /* no complete row yet */
    count_quotes_breaks(buf, (size_t)(nl - buf), &quotes, &breaks);
    while (quotes % 2) {
        /* Inside a quoted field: step back to the break before it. */
        const char *prev = memrchr(buf, '\n', (size_t)(nl - buf));
        if (!prev)
            return 0;
        uint64_t q, b;
        count_quotes_breaks(prev, (size_t)(nl - prev), &q, &b);
        quotes -= q;
        breaks -= b;
        nl = prev;
    }
    /* Rows back from the last complete one: [row, stop) with stop before any CR. */
    const char *group = NULL, *last = NULL;
    size_t last_len = 0;
    for (const char *row_end = nl; row_end;) {
        const char *brk = prev_break(buf, row_end);
        const char *row = brk ? brk + 1 : buf;
        const char *stop = row_end > row && row_end[-1] == '\r' ? row_end - 1 : row_end;
        if (stop > row) {
            size_t f0 = first_field(row, stop);
            if (last && (f0 != last_len || memcmp(row, last, f0) != 0))
                break;
            last = row;
            last_len = f0;
            group = row;
        }
        row_end = brk;
    }
    if (!group || group == buf)
        return 0; /* one handle fills the buffer so far */
    uint64_t q, b;
    count_quotes_breaks(group, (size_t)(nl - group), &q, &b);
    *lines = breaks - b;
    return (size_t)(group - buf);
}

static bool parse_u32(const struct csv_field *f, uint32_t *out)
{
    if (f->len == 0 || f->len > 10)
        return false;
    uint64_t v = 0;
    for (size_t i = 0; i < f->len; i++) {
        if (f->ptr[i] < '0' || f->ptr[i] > '9')
            return false;
        v = v * 10 + (uint64_t)(f->ptr[i] - '0');
    }
    if (v > UINT32_MAX)
        return false;
    *out = (uint32_t)v;
    return true;
}

/* Base64 by the rule of common/base64.h into w; false when it is not base64. */
static bool put_base64(struct hdl_writer *w, const char *s, size_t n)
{
    size_t got = 0;
    int rc =
        w->overflow ? B64_ERR_NOSPACE : b64_decode(s, n, w->buf + w->len, w->cap - w->len, &got, 0);
    if (rc == B64_ERR_NOSPACE)
        w->overflow = true; /* "the value is too large", as for any other data */
    else if (rc == B64_OK)
        w->len += got;
    return rc == B64_OK || rc == B64_ERR_NOSPACE;
}

static bool has_prefix(const struct csv_field *f, const char *p, size_t n)
{
    return f->len >= n && memcmp(f->ptr, p, n) == 0;
}

/* admin:INDEX:HANDLE:PERMS; the handle may itself hold colons. */
static bool put_admin(struct hdl_writer *w, const char *s, size_t n)
{
    const char *colon = memchr(s, ':', n);
    const char *last = NULL;
    for (size_t i = n; i-- > 0;)
        if (s[i] == ':') {
            last = s + i;
            break;
        }
    if (!colon || last == colon)
        return false;
    struct csv_field idx = {(char *)s, (size_t)(colon - s)};
    struct hdl_admin adm = {0};
    char perms[16];
    size_t plen = (size_t)(s + n - last - 1);
    if (!parse_u32(&idx, &adm.index) || plen == 0 || plen > 12)
        return false;
    memcpy(perms, last + 1, plen);
    perms[plen] = '\0';
    if (hdl_admin_perms_from_json(perms, &adm.perms) != 0)
        return false;
    adm.handle.ptr = (const uint8_t *)colon + 1;
    adm.handle.len = (uint32_t)(last - colon - 1);
    if (adm.handle.len == 0 || adm.handle.len > HDL_MAX_HANDLE_LEN)
        return false;
    hdl_admin_encode(w, &adm);
    return true;
}

static int fail(char *err, size_t errlen, const char *msg)
{
    snprintf(err, errlen, "%s", msg);
    return -1;
}

int csv_row_value(const struct csv_row *row, struct hdl_writer *store, struct hdl_value *v,
                  char *err, size_t errlen)
{
    if (row->nfields < 4 || row->too_many)
        return fail(err, errlen,
                    "a row has 4 to 7 columns: handle,index,type,data[,ttl[,"
                    "permissions[,timestamp]]]");
    memset(v, 0, sizeof *v);
    if (!parse_u32(&row->f[1], &v->index))
        return fail(err, errlen, "index is not an integer from 0 to 4294967295");
    const struct csv_field *type = &row->f[2], *data = &row->f[3];
    if (type->len == 0 || type->len > HDL_MAX_HANDLE_LEN)
        return fail(err, errlen, "type is empty or too long");
    size_t start = store->len;
    hdl_put_raw(store, type->ptr, type->len);
    v->type = (struct hdl_slice){store->buf + start, (uint32_t)type->len};

    start = store->len;
    if (has_prefix(data, "hex:", 4)) {
        size_t got = 0;
        int rc = store->overflow ? HEX_ERR_NOSPACE
                                 : hex_decode(data->ptr + 4, data->len - 4, store->buf + store->len,
                                              store->cap - store->len, &got);
        if (rc == HEX_ERR_ODD)
            return fail(err, errlen, "data: hex: needs an even number of digits");
        if (rc == HEX_ERR_DIGIT)
            return fail(err, errlen, "data: hex: holds a character that is not a hex digit");
        if (rc == HEX_ERR_NOSPACE)
            store->overflow = true;
        else
            store->len += got;
    } else if (has_prefix(data, "base64:", 7)) {
        if (!put_base64(store, data->ptr + 7, data->len - 7))
            return fail(err, errlen, "data: base64: is not standard base64");
    } else if (has_prefix(data, "admin:", 6)) {
        if (!put_admin(store, data->ptr + 6, data->len - 6))
            return fail(err, errlen,
                        "data: admin: is not INDEX:HANDLE:PERMS (e.g. 300:" HNAME_NA_PREFIX
                        "88.100.1:"
                        "111111111111)");
    } else if (has_prefix(data, "text:", 5)) {
        hdl_put_raw(store, data->ptr + 5, data->len - 5);
    } else {
        hdl_put_raw(store, data->ptr, data->len);
    }
    if (store->overflow)
        return fail(err, errlen, "the value is too large");
    v->data = (struct hdl_slice){store->buf + start, (uint32_t)(store->len - start)};

    v->ttl_type = HDL_TTL_RELATIVE;
    v->ttl = DEFAULT_TTL;
    if (row->nfields > 4 && row->f[4].len) {
        const struct csv_field *t = &row->f[4];
        if (t->ptr[0] >= '0' && t->ptr[0] <= '9' && t->len <= 10 && !memchr(t->ptr, '-', t->len)) {
            if (!parse_u32(t, &v->ttl))
                return fail(err, errlen, "ttl is not a number of seconds from 0 to 4294967295");
        } else {
            v->ttl_type = HDL_TTL_ABSOLUTE;
            if (!iso8601_parse(t->ptr, t->len, &v->ttl))
                return fail(err, errlen,
                            "ttl is neither seconds nor a time such as "
                            "2026-11-26T02:39:16Z");
        }
    }
    v->perms = HDL_PERM_DEFAULT;
    if (row->nfields > 5 && row->f[5].len) {
        const struct csv_field *p = &row->f[5];
        if (p->len != 4)
            return fail(err, errlen, "permissions is not 4 characters of 0 and 1");
        v->perms = 0;
        for (int i = 0; i < 4; i++) {
            if (p->ptr[i] != '0' && p->ptr[i] != '1')
                return fail(err, errlen, "permissions is not 4 characters of 0 and 1");
            if (p->ptr[i] == '1')
                v->perms |= (uint8_t)(0x08u >> i);
        }
    }
    if (row->nfields > 6 && row->f[6].len &&
        !iso8601_parse(row->f[6].ptr, row->f[6].len, &v->timestamp))
        return fail(err, errlen, "timestamp is not a time such as 2026-11-26T02:39:16Z");
    return 0;
}

static void put_field(FILE *out, const void *ptr, size_t len)
{
    const char *s = ptr;
    bool quote = false;
    for (size_t i = 0; i < len && !quote; i++)
        quote = s[i] == ',' || s[i] == '"' || s[i] == '\n' || s[i] == '\r';
    if (!quote) {
        fwrite(s, 1, len, out);
        return;
    }
    putc('"', out);
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '"')
            putc('"', out);
        putc(s[i], out);
    }
    putc('"', out);
}

static void put_time(FILE *out, uint32_t t)
{
    char buf[ISO8601_MAX];
    fputs(iso8601_format(t, 0, buf) ? buf : "", out);
}

/* The data column; admin data only as admin: when it re-encodes to the same bytes. */
static void put_data(FILE *out, const struct hdl_value *v)
{
    static const char *const reserved[] = {"hex:", "base64:", "admin:", "text:"};
    const uint8_t *d = v->data.ptr;
    size_t n = v->data.len;
    struct hdl_admin adm;
    if (hdl_slice_eq_ci(v->type, "HS_ADMIN") && hdl_admin_decode(d, n, &adm) == HDL_OK &&
        !adm.legacy_pad && utf8_is_text(adm.handle.ptr, adm.handle.len)) {
        uint8_t again[HDL_MAX_HANDLE_LEN + 16];
        struct hdl_writer w;
        hdl_writer_init(&w, again, sizeof again);
        hdl_admin_encode(&w, &adm);
        if (!w.overflow && w.len == n && memcmp(again, d, n) == 0) {
            char perms[13];
            hdl_admin_perms_to_json(adm.perms, perms);
            size_t cap = 40 + adm.handle.len;
            char *text = malloc(cap);
            if (text) {
                int len = snprintf(text, cap, "admin:%u:%.*s:%s", adm.index, (int)adm.handle.len,
                                   (const char *)adm.handle.ptr, perms);
                put_field(out, text, (size_t)len);
                free(text);
                return;
            }
        }
    }
    bool binary = hdl_slice_eq_ci(v->type, "HS_PUBKEY") ||
                  (v->type.len >= 7 && strncasecmp((const char *)v->type.ptr, "HS_SITE", 7) == 0);
    if (!binary && utf8_is_text(d, n)) {
        bool clash = false;
        for (size_t i = 0; i < sizeof reserved / sizeof reserved[0]; i++)
            clash |= n >= strlen(reserved[i]) && memcmp(d, reserved[i], strlen(reserved[i])) == 0;
        if (!clash) {
            put_field(out, d, n);
            return;
        }
        /* text: needs no quoting of its own; put_field quotes the whole field if needed. */
        char *text = malloc(n + 5);
        if (text) {
            memcpy(text, "text:", 5);
            memcpy(text + 5, d, n);
            put_field(out, text, n + 5);
            free(text);
            return;
        }
    }
    char *b64 = malloc(b64_encoded_len(n, 0) + 1);
    if (!b64)
        return;
    fputs("base64:", out);
    fwrite(b64, 1, b64_encode(d, n, b64, 0), out);
    free(b64);
}

int csv_write_value(FILE *out, const uint8_t *handle, size_t hlen, const struct hdl_value *v)
{
    if (v->ref_count)
        return -1;
    put_field(out, handle, hlen);
    fprintf(out, ",%u,", v->index);
    put_field(out, v->type.ptr, v->type.len);
    putc(',', out);
    put_data(out, v);
    putc(',', out);
    if (v->ttl_type == HDL_TTL_ABSOLUTE)
        put_time(out, v->ttl);
    else
        fprintf(out, "%u", v->ttl);
    putc(',', out);
    if ((v->perms & 0x0f) != HDL_PERM_DEFAULT)
        for (int i = 0; i < 4; i++)
            putc((v->perms & (0x08u >> i)) ? '1' : '0', out);
    putc(',', out);
    if (v->timestamp)
        put_time(out, v->timestamp);
    putc('\n', out);
    return ferror(out) ? -1 : 0;
}
