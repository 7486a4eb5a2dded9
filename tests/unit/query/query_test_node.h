/*
 * A fake node for the query room's unit tests (test_query_malformed, test_query_referral,
 * test_resident): a registry in a temporary directory that homes 88.100.1 and holds what the test
 * puts there, the default configuration, a fixed site, and a query context answering from them;
 * and the requests those tests send it.
 */
#ifndef QUERY_TEST_NODE_H
#define QUERY_TEST_NODE_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <ftw.h>
#include <unistd.h>

#include "conf/conf.h"
#include "proto/hdl_buf.h"
#include "proto/hdl_const.h"
#include "proto/hdl_message.h"
#include "registry/reg_db.h"
#include "resolver/query/query.h"

struct query_test_node {
    char dir[64];
    struct reg_db *db;
    struct conf conf;
    struct node node;
    struct node_stats stats;
    struct query_ctx q;
    uint8_t *out;   /* QUERY_OUT_MAX bytes for the answers */
    size_t out_len; /* of the last answer, for tests that keep it here */
};

/* A new fake node whose registry lives in a fresh directory made from dir_template (mkdtemp's
 * XXXXXX at its end); load(db) puts the test's records after 88.100.1 is homed and before the
 * node reads its prefix handles. Fails the test on any error; free with query_test_node_free. */
static inline struct query_test_node *query_test_node_new(const char *dir_template,
                                                          void (*load)(struct reg_db *db))
{
    struct query_test_node *f = calloc(1, sizeof *f);
    assert_non_null(f);
    assert_true(strlen(dir_template) < sizeof f->dir);
    strcpy(f->dir, dir_template);
    assert_non_null(mkdtemp(f->dir));
    char err[256];
    struct reg_options ro = {.path = f->dir,
                             .block_cache_bytes = 8 << 20,
                             .bloom_bits_per_key = 10,
                             .create_if_missing = true};
    assert_int_equal(reg_open(&ro, &f->db, err, sizeof err), REG_OK);
    assert_int_equal(reg_home_prefix(f->db, "0.NA/88.100.1"), REG_OK);
    load(f->db);

    conf_defaults(&f->conf);
    static uint8_t site[] = {0x00, 0x01, 0x02, 0x0a, 0x00, 0x01, 0x80, 0x02};
    f->node.conf = &f->conf;
    node_live_init(&f->node, &f->conf);
    f->node.db = f->db;
    f->node.site = site;
    f->node.site_len = sizeof site;
    f->node.site_serial = 1;
    atomic_store(&f->node.prefixes, reg_prefix_set_load(f->db));
    f->q = (struct query_ctx){.node = &f->node, .stats = &f->stats, .cache = NULL};
    f->out = malloc(QUERY_OUT_MAX);
    assert_non_null(f->out);
    return f;
}

static inline int query_test_node_rm_entry(const char *path, const struct stat *sb, int flag,
                                           struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

/* Closes the registry, removes its directory and frees f. */
static inline void query_test_node_free(struct query_test_node *f)
{
    reg_prefix_set_free(atomic_load(&f->node.prefixes));
    reg_close(f->db);
    nftw(f->dir, query_test_node_rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    free(f->out);
    free(f);
}

/* A request of opcode naming handle, shaped as clients send a resolution (no types, no
 * indexes, no credential), into buf; returns its length. */
static inline size_t query_test_request(const char *handle, uint32_t opcode, uint32_t request_id,
                                        uint8_t *buf, size_t cap)
{
    struct hdl_writer w;
    hdl_writer_init(&w, buf, cap);
    struct hdl_envelope env = {
        .major = 2, .minor = 10, .sugg_major = 2, .sugg_minor = 10, .request_id = request_id};
    struct hdl_header hdr = {.opcode = opcode, .op_flags = 0x19000000u, .site_serial = 1};
    size_t body = hdl_message_begin(&w, &env, &hdr);
    hdl_put_cstr(&w, handle);
    hdl_put_u32(&w, 0);
    hdl_put_u32(&w, 0);
    assert_int_equal(hdl_message_finish(&w, body, NULL, 0), HDL_OK);
    return w.len;
}

#endif
