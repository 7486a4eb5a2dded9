/*
 * The resident registry: hits only at the current change version, stale entries made current
 * again by the same bytes or replaced by new ones (the old bytes staying readable), misses
 * answered only once the whole registry is loaded and only while the key's version slot has not
 * moved, a full table refusing more, the index growing, writers on several threads at once; then
 * the start-up load of a real registry and lookups through query_lookup before and after writes.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "../reg_test_records.h"
#include "query_test_node.h"
#include "registry/reg_db.h"
#include "proto/hdl_const.h"
#include "resolver/query/query.h"
#include "resolver/query/query_lookup.h"
#include "resolver/query/query_prefetch.h"
#include "resolver/query/resident.h"
#include "resolver/query/resident_load.h"

#define KEY(s) (const uint8_t *)(s), strlen(s)

static enum resident_found get(struct resident *r, const char *key, uint32_t version,
                               const uint8_t **stored, size_t *len, struct resident_entry **entry)
{
    *entry = NULL;
    return resident_get(r, KEY(key), reg_key_hash(KEY(key)), version, stored, len, entry);
}

static void hits_at_the_current_version_only(void **state)
{
    (void)state;
    struct resident *r = resident_new(4u << 20, 100, false);
    assert_non_null(r);
    const uint8_t *s;
    size_t len;
    struct resident_entry *e;
    const char *k = "88.100.1/a";
    assert_int_equal(get(r, k, 7, &s, &len, &e), RESIDENT_MISS);
    assert_true(resident_add_loaded(r, KEY(k), reg_key_hash(KEY(k)), 7, KEY("one")));
    assert_int_equal(get(r, k, 7, &s, &len, &e), RESIDENT_HIT);
    assert_int_equal(len, 3);
    assert_memory_equal(s, "one", 3);
    const uint8_t *first = s;

    /* The version moved (a write somewhere in the key's slot): stale, with the entry. */
    assert_int_equal(get(r, k, 8, &s, &len, &e), RESIDENT_STALE);
    assert_non_null(e);
    /* The registry still holds the same bytes: current again, in place. */
    assert_true(resident_offer(r, KEY(k), reg_key_hash(KEY(k)), 8, e, KEY("one")));
    assert_int_equal(get(r, k, 8, &s, &len, &e), RESIDENT_HIT);
    assert_ptr_equal(s, first);

    /* The handle was written: new bytes take the key's place; the old ones stay readable. */
    assert_int_equal(get(r, k, 9, &s, &len, &e), RESIDENT_STALE);
    assert_true(resident_offer(r, KEY(k), reg_key_hash(KEY(k)), 9, e, KEY("second")));
    assert_int_equal(get(r, k, 9, &s, &len, &e), RESIDENT_HIT);
    assert_int_equal(len, 6);
    assert_memory_equal(s, "second", 6);
    assert_memory_equal(first, "one", 3);
    assert_int_equal(get(r, k, 8, &s, &len, &e), RESIDENT_STALE);

    /* A loaded record never displaces one a reader put there. */
    assert_true(resident_add_loaded(r, KEY(k), reg_key_hash(KEY(k)), 1, KEY("old")));
    assert_int_equal(get(r, k, 9, &s, &len, &e), RESIDENT_HIT);
    assert_memory_equal(s, "second", 6);

    /* A key of the same length, other bytes: a miss. */
    assert_int_equal(get(r, "88.100.1/b", 9, &s, &len, &e), RESIDENT_MISS);
    struct resident_figures f;
    resident_figures(r, &f);
    assert_int_equal(f.records, 1);
    assert_false(f.complete);
    assert_false(f.full);
    resident_free(r);
    assert_null(resident_new(1000, 10, false));
}

static void misses_are_answered_once_the_whole_registry_is_loaded(void **state)
{
    (void)state;
    struct resident *r = resident_new(4u << 20, 100, false);
    assert_non_null(r);
    const uint8_t *s;
    size_t len;
    struct resident_entry *e;
    const char *gone = "88.100.1/none";
    uint64_t h = reg_key_hash(KEY(gone));
    assert_int_equal(get(r, gone, 5, &s, &len, &e), RESIDENT_MISS);
    /* A load that stopped short proves nothing. */
    resident_load_end(r, NULL, false, 10);
    assert_int_equal(get(r, gone, 5, &s, &len, &e), RESIDENT_MISS);
    resident_free(r);

    r = resident_new(4u << 20, 100, false);
    uint32_t *versions = calloc(REG_VERSION_SLOTS, sizeof *versions);
    assert_non_null(versions);
    versions[h % REG_VERSION_SLOTS] = 5;
    resident_load_end(r, versions, true, 10);
    assert_int_equal(get(r, gone, 5, &s, &len, &e), RESIDENT_ABSENT);
    /* Something was written under the key's slot since the load: maybe this handle. */
    assert_int_equal(get(r, gone, 6, &s, &len, &e), RESIDENT_MISS);
    struct resident_figures f;
    resident_figures(r, &f);
    assert_true(f.complete);
    assert_true(f.load_done);
    assert_int_equal(f.load_ms, 10);
    resident_free(r);
}

static void a_full_table_refuses_more_and_keeps_what_it_has(void **state)
{
    (void)state;
    struct resident *r = resident_new(1u << 20, 10, false);
    assert_non_null(r);
    static uint8_t big[4096];
    memset(big, 'x', sizeof big);
    char key[32];
    int n = 0;
    for (;; n++) {
        snprintf(key, sizeof key, "88.100.1/%d", n);
        if (!resident_add_loaded(r, KEY(key), reg_key_hash(KEY(key)), 1, big, sizeof big))
            break;
        assert_true(n < 1000);
    }
    assert_true(n > 100); /* most of the MiB, less the index */
    struct resident_figures f;
    resident_figures(r, &f);
    assert_true(f.full);
    assert_true(f.bytes <= f.capacity);
    const uint8_t *s;
    size_t len;
    struct resident_entry *e;
    assert_int_equal(get(r, "88.100.1/0", 1, &s, &len, &e), RESIDENT_HIT);
    assert_int_equal(len, sizeof big);
    /* Nor does an offer find room. */
    assert_false(resident_offer(r, KEY("88.100.1/new"), reg_key_hash(KEY("88.100.1/new")), 1, NULL,
                                big, sizeof big));
    /* What it holds is still made current again. */
    assert_int_equal(get(r, "88.100.1/0", 2, &s, &len, &e), RESIDENT_STALE);
    assert_true(resident_offer(r, KEY("88.100.1/0"), reg_key_hash(KEY("88.100.1/0")), 2, e, big,
                               sizeof big));
    assert_int_equal(get(r, "88.100.1/0", 2, &s, &len, &e), RESIDENT_HIT);
    resident_free(r);
}

struct writer {
    struct resident *r;
    int id;
};

static void *write_keys(void *arg)
{
    struct writer *w = arg;
    char key[32], rec[32];
    for (int i = 0; i < 5000; i++) {
        snprintf(key, sizeof key, "88.100.1/%d-%d", i, w->id);
        snprintf(rec, sizeof rec, "rec %d", i);
        resident_offer(w->r, KEY(key), reg_key_hash(KEY(key)), 1, NULL, KEY(rec));
        /* Every thread also offers the same shared keys: one entry each in the end. */
        snprintf(key, sizeof key, "88.100.1/shared-%d", i % 100);
        resident_offer(w->r, KEY(key), reg_key_hash(KEY(key)), 1, NULL, KEY("shared"));
    }
    return NULL;
}

static void writers_on_several_threads(void **state)
{
    (void)state;
    struct resident *r = resident_new(64u << 20, 30000, false);
    assert_non_null(r);
    pthread_t t[4];
    struct writer w[4];
    for (int i = 0; i < 4; i++) {
        w[i] = (struct writer){r, i};
        assert_int_equal(pthread_create(&t[i], NULL, write_keys, &w[i]), 0);
    }
    for (int i = 0; i < 4; i++)
        pthread_join(t[i], NULL);
    const uint8_t *s;
    size_t len;
    struct resident_entry *e;
    char key[32], rec[32];
    for (int id = 0; id < 4; id++)
        for (int i = 0; i < 5000; i++) {
            snprintf(key, sizeof key, "88.100.1/%d-%d", i, id);
            snprintf(rec, sizeof rec, "rec %d", i);
            assert_int_equal(get(r, key, 1, &s, &len, &e), RESIDENT_HIT);
            assert_int_equal(len, strlen(rec));
            assert_memory_equal(s, rec, len);
        }
    struct resident_figures f;
    resident_figures(r, &f);
    assert_int_equal(f.records, 4 * 5000 + 100);
    resident_free(r);
}

static void the_index_grows_with_the_handles(void **state)
{
    (void)state;
    /* Sized for none (a node started on an empty registry, then written to or copied into). */
    struct resident *r = resident_new(64u << 20, 0, false);
    assert_non_null(r);
    struct resident_figures f;
    resident_figures(r, &f);
    uint64_t first = f.index_slots;
    char key[32], rec[32];
    for (int i = 0; i < 100000; i++) {
        snprintf(key, sizeof key, "88.100.1/G%d", i);
        snprintf(rec, sizeof rec, "g%d", i);
        assert_true(resident_offer(r, KEY(key), reg_key_hash(KEY(key)), 3, NULL, KEY(rec)));
    }
    resident_figures(r, &f);
    assert_true(f.index_slots >= 100000);
    assert_true(f.index_slots > first);
    assert_int_equal(f.records, 100000);
    assert_false(f.full);
    const uint8_t *s;
    size_t len;
    struct resident_entry *e;
    for (int i = 0; i < 100000; i += 7) {
        snprintf(key, sizeof key, "88.100.1/G%d", i);
        snprintf(rec, sizeof rec, "g%d", i);
        assert_int_equal(get(r, key, 3, &s, &len, &e), RESIDENT_HIT);
        assert_int_equal(len, strlen(rec));
        assert_memory_equal(s, rec, len);
    }
    resident_free(r);
}

/* The test registry: 88.100.1/R0 .. R1999, each with a URL of its own. */
#define RECORDS 2000

static size_t record_of(int i, const char *url_prefix, uint8_t *buf, size_t cap)
{
    char url[64];
    snprintf(url, sizeof url, "%s/%d", url_prefix, i);
    struct hdl_value v[2] = {
        value(1, HDL_PERM_PUBLIC_READ | HDL_PERM_ADMIN_READ, "URL", url),
        value(2, HDL_PERM_PUBLIC_READ | HDL_PERM_ADMIN_READ, "EMAIL", "lot@example.com")};
    return build(v, 2, buf, cap);
}

static void load_records(struct reg_db *db)
{
    uint8_t rec[512];
    char h[32];
    for (int i = 0; i < RECORDS; i++) {
        size_t n = record_of(i, "https://example.com/lot", rec, sizeof rec);
        snprintf(h, sizeof h, "88.100.1/R%d", i);
        assert_int_equal(reg_put_record(db, KEY(h), rec, n), REG_OK);
    }
}

static void expect_record(struct query_test_node *f, int i, const char *url_prefix)
{
    char h[32];
    snprintf(h, sizeof h, "88.100.1/r%d", i); /* folded like any lookup */
    struct reg_pin pin;
    int err = 0;
    assert_int_equal(query_lookup(&f->q, KEY(h), &pin, &err), QUERY_LOOKUP_FOUND);
    uint8_t want[512];
    size_t n = record_of(i, url_prefix, want, sizeof want);
    assert_int_equal(pin.len, n);
    assert_memory_equal(pin.data, want, n);
    reg_pin_release(&pin);
}

static void load_lookups_writes(bool expanded)
{
    struct query_test_node *f = query_test_node_new("/tmp/pazhou-resident-XXXXXX", load_records);
    struct resident *r = resident_new(8u << 20, reg_estimate_handles(f->db), expanded);
    assert_non_null(r);
    struct resident_loader *l = resident_load_start(r, f->db);
    assert_non_null(l);
    struct resident_figures fig;
    for (int i = 0; i < 1000; i++) {
        resident_figures(r, &fig);
        if (fig.load_done)
            break;
        usleep(10000);
    }
    resident_load_stop(l);
    assert_true(fig.load_done);
    assert_true(fig.complete);
    assert_int_equal(fig.loaded, RECORDS);
    f->node.resident = r;

    for (int i = 0; i < RECORDS; i++)
        expect_record(f, i, "https://example.com/lot");
    assert_int_equal(f->stats.resident_hits, RECORDS);
    struct reg_pin pin;
    int err = 0;
    assert_int_equal(query_lookup(&f->q, KEY("88.100.1/none"), &pin, &err), QUERY_LOOKUP_NOT_FOUND);
    assert_int_equal(f->stats.resident_absent, 1);

    /* Writes: a changed record, a new one, a deleted one; each read sees the registry's. */
    uint8_t rec[512];
    size_t n = record_of(7, "https://example.org/moved", rec, sizeof rec);
    assert_int_equal(reg_put_record(f->db, KEY("88.100.1/R7"), rec, n), REG_OK);
    n = record_of(RECORDS, "https://example.com/lot", rec, sizeof rec);
    assert_int_equal(reg_put_record(f->db, KEY("88.100.1/R2000"), rec, n), REG_OK);
    assert_int_equal(reg_delete_record(f->db, KEY("88.100.1/R9")), REG_OK);
    expect_record(f, 7, "https://example.org/moved");
    expect_record(f, RECORDS, "https://example.com/lot");
    assert_int_equal(query_lookup(&f->q, KEY("88.100.1/R9"), &pin, &err), QUERY_LOOKUP_NOT_FOUND);
    /* What was read again is answered from memory now. */
    uint64_t hits = f->stats.resident_hits;
    expect_record(f, 7, "https://example.org/moved");
    expect_record(f, RECORDS, "https://example.com/lot");
    assert_int_equal(f->stats.resident_hits, hits + 2);

    f->node.resident = NULL;
    resident_free(r);
    query_test_node_free(f);
}

static size_t answer_of(struct query_test_node *f, const uint8_t *req, size_t len, uint8_t *out)
{
    size_t out_len = 0;
    assert_int_equal(query_answer(&f->q, NODE_UDP, req, len, f->out, &out_len), QUERY_REPLY);
    memcpy(out, f->out, out_len);
    return out_len;
}

/* A resident registry of f's records, loaded whole, in use by f's node. */
static struct resident *loaded_resident(struct query_test_node *f)
{
    struct resident *r = resident_new(8u << 20, RECORDS, false);
    assert_non_null(r);
    struct resident_loader *l = resident_load_start(r, f->db);
    assert_non_null(l);
    struct resident_figures fig;
    for (int i = 0; i < 1000 && (resident_figures(r, &fig), !fig.load_done); i++)
        usleep(10000);
    resident_load_stop(l);
    f->node.resident = r;
    return r;
}

/* The batch prefetch (query_prefetch.h): a plain resolution of a handle homed here gets the
 * hash its lookup uses, anything else is left alone, and answers are the same byte for byte
 * whether their memory was asked for first or not. */
static void prefetches_name_the_lookups_key_and_change_no_answer(void **state)
{
    (void)state;
    struct query_test_node *f = query_test_node_new("/tmp/pazhou-resident-XXXXXX", load_records);
    uint8_t req[512], plain[1024], fetched[1024];
    uint64_t hash = 0, want = 0;
    size_t len = query_test_request("88.100.1/R5", HDL_OC_RESOLUTION, 42, req, sizeof req);
    /* Without a resident registry there is nothing worth asking for. */
    assert_false(query_prefetch_useful(&f->q));
    assert_false(query_prefetch(&f->q, req, len, &hash));

    struct resident *r = loaded_resident(f);
    assert_true(query_prefetch_useful(&f->q));

    for (int i = 0; i < 50; i++) {
        char h[32];
        snprintf(h, sizeof h, i % 2 ? "88.100.1/R%d" : "88.100.1/r%d", i);
        len = query_test_request(h, HDL_OC_RESOLUTION, 42, req, sizeof req);
        size_t a = answer_of(f, req, len, plain);
        assert_true(query_prefetch(&f->q, req, len, &hash));
        assert_true(query_key_hash(&f->node, KEY(h), &want));
        assert_int_equal(hash, want);
        query_prefetch_entry(&f->q, hash);
        size_t b = answer_of(f, req, len, fetched);
        assert_int_equal(a, b);
        assert_memory_equal(plain, fetched, a);
    }
    /* A handle not homed here, one that does not exist, another opcode. */
    len = query_test_request("77.1/R5", HDL_OC_RESOLUTION, 42, req, sizeof req);
    assert_false(query_prefetch(&f->q, req, len, &hash));
    len = query_test_request("88.100.1/none", HDL_OC_RESOLUTION, 42, req, sizeof req);
    assert_true(query_prefetch(&f->q, req, len, &hash));
    query_prefetch_entry(&f->q, hash); /* no entry: nothing asked */
    len = query_test_request("88.100.1/R5", HDL_OC_GET_SITE_INFO, 42, req, sizeof req);
    assert_false(query_prefetch(&f->q, req, len, &hash));
    /* Cut before the handle's end; or compressed (the hint reads fixed offsets, the answer
     * parses: what it would misread it leaves alone). */
    len = query_test_request("88.100.1/R5", HDL_OC_RESOLUTION, 42, req, sizeof req);
    for (size_t cut = 0; cut < HDL_ENVELOPE_LEN + HDL_HEADER_LEN + 4 + 11; cut++)
        assert_false(query_prefetch(&f->q, req, cut, &hash));
    req[2] |= HDL_ENV_COMPRESSED;
    assert_false(query_prefetch(&f->q, req, len, &hash));

    f->node.resident = NULL;
    resident_free(r);
    query_test_node_free(f);
}

/* The key a prefetch derived is reused by the answer to the same request (q->key_hint), and by
 * nothing else: not for other bytes, not under other prefixes, not once cleared. */
static void a_prefetched_key_serves_only_the_bytes_it_came_from(void **state)
{
    (void)state;
    struct query_test_node *f = query_test_node_new("/tmp/pazhou-resident-XXXXXX", load_records);
    struct resident *r = loaded_resident(f);

    /* Answers with the hint are those without it, byte for byte. */
    uint8_t req[512], plain[1024], hinted[1024];
    struct query_key k;
    for (int i = 0; i < 50; i++) {
        char h[32];
        snprintf(h, sizeof h, i % 2 ? "88.100.1/R%d" : "88.100.1/r%d", i);
        size_t len = query_test_request(h, HDL_OC_RESOLUTION, 42, req, sizeof req);
        size_t a = answer_of(f, req, len, plain);
        assert_true(query_prefetch_key(&f->q, req, len, &k));
        assert_ptr_equal(k.handle, req + HDL_BODY_AT + 4);
        assert_int_equal(k.handle_len, strlen(h));
        f->q.key_hint = &k;
        size_t b = answer_of(f, req, len, hinted);
        f->q.key_hint = NULL;
        assert_int_equal(a, b);
        assert_memory_equal(plain, hinted, a);
    }

    /* The lookup takes the hint's key as it is when the bytes are the same: a key derived from
     * R7 but said to come from these bytes of R5 finds R7's record. That is what lets it skip the
     * derivation, and why only the front end that derived it may set it. */
    const char *h5 = "88.100.1/R5", *h7 = "88.100.1/R7";
    struct query_key k7;
    assert_int_equal(query_key_derive(&f->node, KEY(h7), &k7), QUERY_LOOKUP_FOUND);
    k7.handle = (const uint8_t *)h5;
    f->q.key_hint = &k7;
    struct reg_pin pin;
    int err = 0;
    uint8_t want5[512], want7[512];
    size_t n5 = record_of(5, "https://example.com/lot", want5, sizeof want5);
    size_t n7 = record_of(7, "https://example.com/lot", want7, sizeof want7);
    assert_int_equal(query_lookup(&f->q, KEY(h5), &pin, &err), QUERY_LOOKUP_FOUND);
    assert_int_equal(pin.len, n7);
    assert_memory_equal(pin.data, want7, n7);
    reg_pin_release(&pin);
    /* The same handle in other bytes (another buffer): derived anew. */
    char copy[16];
    memcpy(copy, h5, strlen(h5) + 1);
    assert_int_equal(query_lookup(&f->q, KEY(copy), &pin, &err), QUERY_LOOKUP_FOUND);
    assert_int_equal(pin.len, n5);
    assert_memory_equal(pin.data, want5, n5);
    reg_pin_release(&pin);
    /* The same bytes, but prefixes swapped since (a prefix homed or unhomed): derived anew. */
    k7.prefixes = NULL;
    assert_int_equal(query_lookup(&f->q, KEY(h5), &pin, &err), QUERY_LOOKUP_FOUND);
    assert_int_equal(pin.len, n5);
    assert_memory_equal(pin.data, want5, n5);
    reg_pin_release(&pin);
    f->q.key_hint = NULL;
    /* A handle not homed here gives no key. */
    assert_int_equal(query_key_derive(&f->node, KEY("77.1/R5"), &k7), QUERY_LOOKUP_NOT_HOMED);

    f->node.resident = NULL;
    resident_free(r);
    query_test_node_free(f);
}

static void a_load_stopped_at_once_leaves_nothing_behind(void **state)
{
    (void)state;
    struct query_test_node *f = query_test_node_new("/tmp/pazhou-resident-XXXXXX", load_records);
    for (int i = 0; i < 20; i++) {
        struct resident *r = resident_new(8u << 20, RECORDS, false);
        assert_non_null(r);
        struct resident_loader *l = resident_load_start(r, f->db);
        assert_non_null(l);
        resident_load_stop(l); /* a node stopped while it loads (shutdown) */
        struct resident_figures fig;
        resident_figures(r, &fig);
        assert_true(fig.load_done);
        assert_true(fig.loaded <= RECORDS);
        /* Whole only when it got to the end first. */
        assert_true(!fig.complete || fig.loaded == RECORDS);
        resident_free(r);
    }
    query_test_node_free(f);
}

static void the_load_then_lookups_and_writes(void **state)
{
    (void)state;
    load_lookups_writes(false);
}

static void the_same_with_records_expanded(void **state)
{
    (void)state;
    load_lookups_writes(true);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(hits_at_the_current_version_only),
        cmocka_unit_test(misses_are_answered_once_the_whole_registry_is_loaded),
        cmocka_unit_test(a_full_table_refuses_more_and_keeps_what_it_has),
        cmocka_unit_test(writers_on_several_threads),
        cmocka_unit_test(the_index_grows_with_the_handles),
        cmocka_unit_test(a_load_stopped_at_once_leaves_nothing_behind),
        cmocka_unit_test(the_load_then_lookups_and_writes),
        cmocka_unit_test(the_same_with_records_expanded),
        cmocka_unit_test(prefetches_name_the_lookups_key_and_change_no_answer),
        cmocka_unit_test(a_prefetched_key_serves_only_the_bytes_it_came_from),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
