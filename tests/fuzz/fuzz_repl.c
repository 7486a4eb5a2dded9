/*
 * libFuzzer target for replication (proto/hdl_repl.h), both sides of the untrusted wire:
 *  - the primary's request decoders: the bytes as a RETRIEVE_TXN_LOG body under each version
 *    whose layout differs (2.7, 2.8, 2.9, 2.10, 3.0) and as a DUMP_HANDLES body; what decodes
 *    re-encodes to the same bytes, which decode to the same fields;
 *  - the mirror's stream readers driven as mirror_stream.c drives them: the first byte picks a
 *    dump or transaction stream and how many bytes a socket read delivers, the rest is the
 *    stream: type word (and hash id), header, records until DONE / END, and in PK mode a
 *    signature after every signed block. Every reader is fed growing prefixes: it answers
 *    HDL_ERR_TRUNCATED exactly while fewer bytes than its record are there, and the record it
 *    then reads is the one the whole buffer gives. Slices lie inside the input; a record's
 *    values are value_count × (int4 len + one value that hdl_value_decode takes whole), and
 *    turn into a stored record (repl_record_build) or are refused as duplicates; a block the
 *    primary has a writer for (hdl_repl_put_*) re-writes to the bytes it was read from.
 * Built by -DPAZHOU_FUZZ=ON (docs/fuzzing.md).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/errcode.h"
#include "proto/hdl_buf.h"
#include "proto/hdl_const.h"
#include "proto/hdl_repl.h"
#include "proto/hdl_value.h"
#include "resolver/replication/mirror_record.h"

#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c))                                                                                  \
            abort();                                                                               \
    } while (0)

static const uint8_t *in_ptr;
static size_t in_len;

static void inside(struct hdl_slice s)
{
    if (s.len == 0)
        return;
    CHECK(s.ptr >= in_ptr && s.ptr + s.len <= in_ptr + in_len);
}

/* ---- requests ---- */

static void retrieve_round_trip(const uint8_t *p, size_t len, uint8_t major, uint8_t minor)
{
    struct hdl_repl_retrieve a, b;
    memset(&a, 0xA5, sizeof a);
    if (hdl_repl_retrieve_decode(p, len, major, minor, &a) != HDL_OK)
        return;
    CHECK(a.num_servers != 0 && a.server_num < a.num_servers);
    uint8_t buf[64];
    struct hdl_writer w;
    hdl_writer_init(&w, buf, sizeof buf);
    hdl_repl_retrieve_encode(&w, major, minor, &a);
    CHECK(hdl_writer_status(&w) == HDL_OK);
    CHECK(w.len == len && memcmp(buf, p, len) == 0);
    CHECK(hdl_repl_retrieve_decode(buf, w.len, major, minor, &b) == HDL_OK);
    CHECK(a.last_txn_id == b.last_txn_id && a.last_query_date == b.last_query_date &&
          a.hash_type == b.hash_type && a.num_servers == b.num_servers &&
          a.server_num == b.server_num);
}

static void dump_round_trip(const uint8_t *p, size_t len)
{
    struct hdl_repl_dump a, b;
    if (hdl_repl_dump_decode(p, len, &a) != HDL_OK)
        return;
    CHECK(a.num_servers != 0 && a.server_num < a.num_servers);
    if (a.has_start) {
        inside(a.start);
        CHECK(a.start.len <= HDL_MAX_HANDLE_LEN && a.start_type <= HDL_REPL_START_NA);
    }
    uint8_t *buf = malloc(len + 1);
    CHECK(buf != NULL);
    struct hdl_writer w;
    hdl_writer_init(&w, buf, len + 1);
    hdl_repl_dump_encode(&w, &a);
    CHECK(hdl_writer_status(&w) == HDL_OK);
    CHECK(w.len == len && memcmp(buf, p, len) == 0);
    CHECK(hdl_repl_dump_decode(buf, w.len, &b) == HDL_OK);
    CHECK(a.hash_type == b.hash_type && a.num_servers == b.num_servers &&
          a.server_num == b.server_num && a.has_start == b.has_start);
    if (a.has_start)
        CHECK(a.start_type == b.start_type && a.start.len == b.start.len &&
              memcmp(a.start.ptr, b.start.ptr, a.start.len) == 0);
    free(buf);
}

/* ---- streams ---- */

/* One reader, whichever it is: rc, *used and what it read (compared as a whole). */
enum which { STREAM_TYPE, DUMP_HEADER, TXN_HEADER, DUMP_RECORD, TXN_RECORD, SIGNATURE };
struct outcome {
    int rc;
    size_t used;
    uint32_t word; /* stream type or txn status */
    struct hdl_slice slice; /* hash id or signature */
    struct hdl_repl_record rec;
};

static void call(enum which w, const uint8_t *p, size_t len, struct outcome *o)
{
    memset(o, 0, sizeof *o);
    o->used = (size_t)-1;
    switch (w) {
    case STREAM_TYPE:
        o->rc = hdl_repl_read_stream_type(p, len, &o->used, &o->word, &o->slice);
        break;
    case DUMP_HEADER:
        o->rc = hdl_repl_read_dump_header(p, len, &o->used);
        break;
    case TXN_HEADER:
        o->rc = hdl_repl_read_txn_header(p, len, &o->used, &o->word);
        break;
    case DUMP_RECORD:
        o->rc = hdl_repl_read_dump_record(p, len, &o->used, &o->rec);
        break;
    case TXN_RECORD:
        o->rc = hdl_repl_read_txn_record(p, len, &o->used, &o->rec);
        break;
    case SIGNATURE:
        o->rc = hdl_repl_read_signature(p, len, &o->used, &o->slice);
        break;
    }
}

static bool slice_eq(struct hdl_slice a, struct hdl_slice b)
{
    return a.len == b.len && (a.len == 0 || a.ptr == b.ptr);
}

static bool same(const struct outcome *a, const struct outcome *b)
{
    if (a->rc != b->rc)
        return false;
    if (a->rc != HDL_OK)
        return true;
    return a->used == b->used && a->word == b->word && slice_eq(a->slice, b->slice) &&
           a->rec.type == b->rec.type && a->rec.date_ms == b->rec.date_ms &&
           a->rec.txn_id == b->rec.txn_id && slice_eq(a->rec.handle, b->rec.handle) &&
           a->rec.action == b->rec.action && a->rec.value_count == b->rec.value_count &&
           slice_eq(a->rec.values, b->rec.values);
}

/* A block read whole re-writes (hdl_repl_put_*) to the bytes it was read from, where the primary
 * has a writer for it (not HANDLE_DATE, NA_DATE, OTHER_SITE). */
static void rewrite(enum which w, const uint8_t *p, const struct outcome *o)
{
    const struct hdl_repl_record *rec = &o->rec;
    uint8_t *buf = malloc(o->used + 1);
    uint8_t *run = malloc(o->used + 1);
    CHECK(buf != NULL && run != NULL);
    struct hdl_writer wr;
    hdl_writer_init(&wr, buf, o->used + 1);
    /* The values unframed, as a stored record holds them. */
    struct hdl_reader r;
    size_t run_len = 0;
    hdl_reader_init(&r, rec->values.ptr, rec->values.len);
    for (uint32_t i = 0; i < rec->value_count; i++) {
        uint32_t n;
        struct hdl_slice v;
        CHECK(hdl_get_u32(&r, &n) == HDL_OK && hdl_get_raw(&r, n, &v) == HDL_OK);
        memcpy(run + run_len, v.ptr, v.len);
        run_len += v.len;
    }
    struct hdl_slice values = {run, (uint32_t)run_len};
    bool written = true;
    switch (w) {
    case STREAM_TYPE:
        written = false; /* the hash id is a C string to the writer */
        break;
    case DUMP_HEADER:
        hdl_repl_put_dump_header(&wr);
        break;
    case TXN_HEADER:
        hdl_repl_put_txn_header(&wr, o->word);
        break;
    case SIGNATURE:
        hdl_repl_put_signature(&wr, o->slice);
        break;
    case DUMP_RECORD:
        if (rec->type == HDL_REPL_DUMP_INFO)
            hdl_repl_put_dump_info(&wr, rec->date_ms, rec->txn_id);
        else if (rec->type == HDL_REPL_DUMP_HANDLE)
            CHECK(hdl_repl_put_dump_handle(&wr, rec->handle, rec->value_count, values) == HDL_OK);
        else if (rec->type == HDL_REPL_DUMP_HOMED)
            hdl_repl_put_dump_homed(&wr, rec->handle);
        else if (rec->type == HDL_REPL_DUMP_DONE)
            hdl_repl_put_dump_done(&wr);
        else
            written = false;
        break;
    case TXN_RECORD:
        if (rec->type == HDL_REPL_TXN_END)
            hdl_repl_put_txn_end(&wr, rec->date_ms);
        else
            CHECK(hdl_repl_put_txn(&wr, rec->txn_id, rec->handle, rec->action, rec->date_ms,
                                   rec->value_count, values) == HDL_OK);
        break;
    }
    if (written)
        CHECK(hdl_writer_status(&wr) == HDL_OK && wr.len == o->used &&
              memcmp(buf, p, o->used) == 0);
    free(run);
    free(buf);
}

static struct repl_record_buf record_buf;

/* A record's values as the reader promises them, and as the mirror stores them. */
static void check_values(const struct hdl_repl_record *rec)
{
    inside(rec->handle);
    inside(rec->values);
    CHECK(rec->value_count <= HDL_MAX_VALUES);
    struct hdl_reader r;
    hdl_reader_init(&r, rec->values.ptr, rec->values.len);
    for (uint32_t i = 0; i < rec->value_count; i++) {
        uint32_t n;
        struct hdl_slice raw;
        CHECK(hdl_get_u32(&r, &n) == HDL_OK && hdl_get_raw(&r, n, &raw) == HDL_OK);
        struct hdl_reader vr;
        struct hdl_value v;
        hdl_reader_init(&vr, raw.ptr, raw.len);
        CHECK(hdl_value_decode(&vr, &v) == HDL_OK && hdl_reader_left(&vr) == 0);
    }
    CHECK(hdl_reader_left(&r) == 0);
    const uint8_t *out;
    size_t len;
    int rc = repl_record_build(&record_buf, rec, &out, &len);
    CHECK(rc == HDL_OK || rc == HDL_ERR_MALFORMED); /* duplicate indexes */
}

/*
 * Reads one block at p[0..len) as a socket delivers it, step bytes more each time. Returns its
 * outcome (rc HDL_ERR_TRUNCATED when even the whole input does not complete it).
 */
static void read_incrementally(enum which w, const uint8_t *p, size_t len, size_t step,
                               struct outcome *o)
{
    size_t have = 0;
    size_t last_truncated = 0;
    bool any_truncated = false;
    for (;;) {
        call(w, p, have, o);
        if (o->rc != HDL_ERR_TRUNCATED || have == len)
            break;
        any_truncated = true;
        last_truncated = have;
        have = have + step < len ? have + step : len;
    }
    struct outcome whole;
    call(w, p, len, &whole);
    CHECK(same(o, &whole));
    if (o->rc != HDL_OK)
        return;
    /* Truncated only while the record was not all there; complete with exactly its bytes. */
    CHECK(o->used <= have && o->used > 0);
    if (any_truncated)
        CHECK(last_truncated < o->used);
    struct outcome exact, short_by_one;
    call(w, p, o->used, &exact);
    CHECK(same(o, &exact));
    call(w, p, o->used - 1, &short_by_one);
    CHECK(short_by_one.rc == HDL_ERR_TRUNCATED);
    rewrite(w, p, o);
}

static void read_stream(const uint8_t *p, size_t len, bool dump, size_t step)
{
    struct outcome o;
    size_t pos = 0;
    read_incrementally(STREAM_TYPE, p, len, step, &o);
    if (o.rc != HDL_OK)
        return;
    inside(o.slice);
    bool pk = o.word == HDL_REPL_STREAM_PK;
    CHECK(pk || o.word == HDL_REPL_STREAM_TLS || o.word == HDL_REPL_STREAM_UNSIGNED);
    CHECK(pk ? o.slice.len <= 32 : o.slice.len == 0);
    pos += o.used;

    bool header = true;
    while (pos <= len) {
        enum which w = header ? (dump ? DUMP_HEADER : TXN_HEADER) : (dump ? DUMP_RECORD : TXN_RECORD);
        read_incrementally(w, p + pos, len - pos, step, &o);
        if (o.rc != HDL_OK)
            return;
        pos += o.used;
        bool end = false;
        bool is_signed = true;
        if (header) {
            if (!dump && o.word == HDL_REPL_STATUS_NEED_REDUMP)
                end = true;
            CHECK(dump || o.word == HDL_REPL_STATUS_SENDING ||
                  o.word == HDL_REPL_STATUS_NEED_REDUMP);
            header = false;
        } else {
            const struct hdl_repl_record *rec = &o.rec;
            inside(rec->handle);
            inside(rec->values);
            bool has_values = dump ? rec->type == HDL_REPL_DUMP_HANDLE
                                   : rec->type == HDL_REPL_TXN &&
                                         (rec->action == HDL_REPL_ACT_CREATE ||
                                          rec->action == HDL_REPL_ACT_UPDATE);
            if (has_values)
                check_values(rec);
            else
                CHECK(rec->value_count == 0 && rec->values.len == 0);
            if (dump && rec->type == HDL_REPL_DUMP_DONE) {
                end = true;
                is_signed = false;
            }
            if (!dump && rec->type == HDL_REPL_TXN_END)
                end = true;
        }
        if (pk && is_signed) {
            read_incrementally(SIGNATURE, p + pos, len - pos, step, &o);
            if (o.rc != HDL_OK)
                return;
            inside(o.slice);
            CHECK(o.slice.len > 0 && o.slice.len <= 1024);
            pos += o.used;
        }
        if (end)
            return;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (record_buf.values == NULL && repl_record_buf_init(&record_buf) != 0)
        abort();
    in_ptr = data;
    in_len = size;
    static const uint8_t versions[][2] = {{2, 7}, {2, 8}, {2, 9}, {2, 10}, {3, 0}};
    for (size_t i = 0; i < sizeof versions / sizeof versions[0]; i++)
        retrieve_round_trip(data, size, versions[i][0], versions[i][1]);
    dump_round_trip(data, size);
    if (size == 0)
        return 0;
    /* Byte 0: bit 0 the stream (dump or transactions), the rest a socket read's size. */
    bool dump = (data[0] & 1) == 0;
    size_t step = 1 + (data[0] >> 1) % 64;
    read_stream(data + 1, size - 1, dump, step);
    return 0;
}
