/*
 * The mirror's stream reader (resolver/replication/mirror_stream.h) over a real socket: a PK-mode
 * transaction stream captured from a HANDLE.NET primary (tests/fixtures/replication/txn_pk.txt)
 * is read record by record with every block's signature checked against the primary's HS_SITE
 * key; one flipped bit stops it before the bad block is used; a stream cut anywhere ends with
 * CLI_ERR_CLOSED, never a record read from a short block. Also the stored position's layout.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/errcode.h"
#include "proto/hdl_const.h"
#include "proto/hdl_message.h"
#include "proto/hdl_site.h"
#include "resolver/replication/mirror_pos.h"
#include "resolver/replication/mirror_stream.h"
#include "tests/unit/hdl_test_vectors.h"

struct fixture {
    struct vec_file vf;
    uint8_t payload[1024];
    struct hdl_site site;
    uint8_t stream[4096]; /* type word, hash id, then the blocks, as they came */
    size_t len;
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    if (!f || vec_load("../fixtures/replication/txn_pk.txt", &f->vf) != 0 || f->vf.count != 11)
        return -1;
    /* Messages 1 and 2: the two datagrams of the GET_SITE_INFO answer. */
    size_t n = 0;
    for (size_t i = 1; i < 3; i++) {
        memcpy(f->payload + n, f->vf.msgs[i].bytes + HDL_ENVELOPE_LEN,
               f->vf.msgs[i].len - HDL_ENVELOPE_LEN);
        n += f->vf.msgs[i].len - HDL_ENVELOPE_LEN;
    }
    struct hdl_message m;
    if (hdl_message_split_payload(f->payload, n, &m) != HDL_OK ||
        hdl_site_decode(m.body.ptr, m.body.len, &f->site) != HDL_OK)
        return -1;
    for (size_t i = 3; i < f->vf.count; i++) {
        memcpy(f->stream + f->len, f->vf.msgs[i].bytes, f->vf.msgs[i].len);
        f->len += f->vf.msgs[i].len;
    }
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    vec_free(&f->vf);
    free(f);
    return 0;
}

/* Reads bytes (len of them, the writer then closed) as a 1001 stream; returns the first error,
 * with the number of transactions read and the END date. */
static int read_stream(const struct fixture *f, const uint8_t *bytes, size_t len, int *txns,
                       uint64_t *end_date)
{
    int sv[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    assert_int_equal(write(sv[1], bytes, len), (ssize_t)len);
    close(sv[1]);
    struct repl_conn c;
    repl_conn_init(&c, 2000);
    c.fd = sv[0];
    struct repl_stream st;
    const struct hdl_slice key = f->site.servers[0].public_key;
    *txns = 0;
    *end_date = 0;
    int rc = repl_stream_begin(&st, &c, false, NULL, NULL, key.ptr, key.len);
    uint32_t status = 0;
    if (rc == 0)
        rc = repl_stream_txn_header(&st, &status);
    if (rc == 0)
        assert_int_equal(status, HDL_REPL_STATUS_SENDING);
    while (rc == 0) {
        struct hdl_repl_record rec;
        rc = repl_stream_next(&st, &rec);
        if (rc != 0)
            break;
        if (rec.type == HDL_REPL_TXN_END) {
            *end_date = rec.date_ms;
            break;
        }
        assert_int_equal(rec.txn_id, 38 + (uint64_t)*txns);
        (*txns)++;
    }
    if (rc == 0)
        assert_int_equal(st.blocks, 7);
    repl_conn_close(&c);
    return rc;
}

static void pk_stream_is_read_and_checked(void **state)
{
    struct fixture *f = *state;
    int txns;
    uint64_t end;
    assert_int_equal(read_stream(f, f->stream, f->len, &txns, &end), 0);
    assert_int_equal(txns, 5);
    assert_int_equal(end, 1796506156007ull);
}

static void a_flipped_bit_stops_the_stream_before_its_block(void **state)
{
    struct fixture *f = *state;
    uint8_t bad[4096];
    memcpy(bad, f->stream, f->len);
    /* A letter of the handle in txn 40 (the fourth block): 12 type/hash + 58 + 223 + 223, then
     * type, id and length (13 bytes) and 7 into the name. */
    bad[12 + 58 + 223 + 223 + 13 + 7] ^= 0x01;
    int txns;
    uint64_t end;
    assert_int_equal(read_stream(f, bad, f->len, &txns, &end), HDL_ERR_CRYPTO);
    assert_int_equal(txns, 2); /* 38 and 39 only */
}

static void a_cut_stream_ends_closed(void **state)
{
    struct fixture *f = *state;
    for (size_t cut = 0; cut < f->len; cut++) {
        int txns;
        uint64_t end;
        int rc = read_stream(f, f->stream, cut, &txns, &end);
        if (rc != CLI_ERR_CLOSED)
            fail_msg("cut at %zu: %d, want CLI_ERR_CLOSED", cut, rc);
        assert_int_equal(end, 0);
    }
}

static void an_unsigned_stream_in_the_clear_is_refused(void **state)
{
    struct fixture *f = *state;
    static const uint8_t unsigned_stream[] = {0xff, 0xff, 0xff, 0xff, 0, 0, 0, 1, 0, 0, 0, 2};
    int txns;
    uint64_t end;
    assert_int_equal(read_stream(f, unsigned_stream, sizeof unsigned_stream, &txns, &end),
                     CLI_ERR_MALFORMED);
}

static void positions_round_trip(void **state)
{
    (void)state;
    struct repl_pos p = {.state = REPL_POS_DUMPING, .txn_id = 33, .date_ms = 1796505518403ull};
    memcpy(p.resume, "88.100.1/PRODUCT-099998", 23);
    p.resume_len = 23;
    uint8_t buf[REPL_POS_MAX];
    size_t n = repl_pos_encode(&p, buf);
    assert_int_equal(n, 1 + 1 + 8 + 8 + 4 + 23);
    struct repl_pos q;
    assert_int_equal(repl_pos_decode(buf, n, &q), HDL_OK);
    assert_int_equal(q.state, REPL_POS_DUMPING);
    assert_int_equal(q.txn_id, 33);
    assert_int_equal(q.date_ms, 1796505518403ull);
    assert_int_equal(q.resume_len, 23);
    assert_memory_equal(q.resume, p.resume, 23);
    for (size_t cut = 0; cut < n; cut++)
        assert_int_equal(repl_pos_decode(buf, cut, &q), HDL_ERR_TRUNCATED);
    buf[0] = 9;
    assert_int_equal(repl_pos_decode(buf, n, &q), HDL_ERR_UNSUPPORTED);
    buf[0] = 1;
    buf[1] = 7;
    assert_int_equal(repl_pos_decode(buf, n, &q), HDL_ERR_MALFORMED);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(pk_stream_is_read_and_checked),
        cmocka_unit_test(a_flipped_bit_stops_the_stream_before_its_block),
        cmocka_unit_test(a_cut_stream_ends_closed),
        cmocka_unit_test(an_unsigned_stream_in_the_clear_is_refused),
        cmocka_unit_test(positions_round_trip),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
