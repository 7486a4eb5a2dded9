#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "registry/import/bulk_ent.h"
#include "registry/import/bulk_mem.h"
#include "registry/import/bulk_sort.h"

/* An entry of key (klen bytes) at line, with a one-byte record, written at e. */
static size_t put_entry(uint8_t *e, const uint8_t *key, size_t klen, uint64_t line)
{
    uint32_t rlen = 1;
    uint16_t k16 = (uint16_t)klen;
    memcpy(e, &line, 8);
    memcpy(e + 8, &rlen, 4);
    memcpy(e + 12, &k16, 2);
    memcpy(e + BULK_ENT_HDR, key, klen);
    e[BULK_ENT_HDR + klen] = 'r';
    return BULK_ENT_HDR + klen + 1;
}

static uint32_t rnd_state = 12345;
static uint32_t rnd(void)
{
    rnd_state = rnd_state * 1103515245u + 12345u;
    return rnd_state >> 8;
}

/* n random keys: a shared stem (sometimes none), then 0-40 bytes of a small alphabet with zero
 * bytes in it, so that keys tie in their first 24 bytes, are prefixes of one another and repeat
 * (on other lines). */
static uint8_t **random_entries(size_t n, uint8_t **arena_out)
{
    static const uint8_t alphabet[] = {0, 1, 'a', 'b', 'z', 0xff};
    uint8_t *arena = malloc(n * (BULK_ENT_HDR + 128 + 1));
    uint8_t **ents = malloc(n * sizeof *ents);
    assert_non_null(arena);
    assert_non_null(ents);
    const char *stems[] = {"", "88.100.1/", "88.100.1/LOT-2021-0000"};
    const char *stem = stems[rnd() % 3];
    size_t off = 0;
    for (size_t i = 0; i < n; i++) {
        uint8_t key[128];
        size_t klen = strlen(stem);
        memcpy(key, stem, klen);
        if (i > 0 && rnd() % 10 == 0) { /* a repeat of an earlier key */
            const uint8_t *o = ents[rnd() % i];
            klen = bulk_ent_klen(o);
            memcpy(key, bulk_ent_key(o), klen);
        } else {
            size_t extra = rnd() % 41;
            for (size_t j = 0; j < extra; j++)
                key[klen++] = alphabet[rnd() % sizeof alphabet];
        }
        ents[i] = arena + off;
        off += put_entry(arena + off, key, klen, i + 1);
    }
    *arena_out = arena;
    return ents;
}

static void keyed_sort_orders_as_bulk_ent_cmp_on_random_keys(void **state)
{
    (void)state;
    void *scratch = NULL;
    size_t cap = 0;
    for (int round = 0; round < 300; round++) {
        size_t n = round < 20 ? (size_t)round : 1 + rnd() % 3000;
        uint8_t *arena;
        uint8_t **ents = random_entries(n ? n : 1, &arena);
        uint8_t **ref = malloc((n ? n : 1) * sizeof *ref);
        assert_non_null(ref);
        memcpy(ref, ents, n * sizeof *ref);
        bulk_sort(ref, n);
        bulk_sort_keyed(ents, n, &scratch, &cap);
        for (size_t i = 0; i < n; i++)
            assert_ptr_equal(ents[i], ref[i]);
        for (size_t i = 1; i < n; i++)
            assert_true(bulk_ent_cmp(ents[i - 1], ents[i]) < 0);
        free(ref);
        free(ents);
        free(arena);
    }
    free(scratch);
}

static void keyed_sort_puts_a_shorter_key_first_and_a_repeat_after(void **state)
{
    (void)state;
    uint8_t arena[1024];
    uint8_t *ents[5];
    size_t off = 0;
    /* Same 24 bytes after the shared prefix "p/", told apart by length, a zero byte and line. */
    const char *keys[] = {"p/abcdefghijklmnopqrstuvwxy\0", "p/abcdefghijklmnopqrstuvwxy",
                          "p/abcdefghijklmnopqrstuvwx", "p/abcdefghijklmnopqrstuvwxy",
                          "p/abcdefghijklmnopqrstuvwxyz"};
    size_t lens[] = {28, 27, 26, 27, 28};
    uint64_t lines[] = {1, 9, 3, 4, 5};
    for (int i = 0; i < 5; i++) {
        ents[i] = arena + off;
        off += put_entry(arena + off, (const uint8_t *)keys[i], lens[i], lines[i]);
    }
    void *scratch = NULL;
    size_t cap = 0;
    bulk_sort_keyed(ents, 5, &scratch, &cap);
    free(scratch);
    uint64_t want_lines[] = {3, 4, 9, 1, 5};
    size_t want_lens[] = {26, 27, 27, 28, 28};
    for (int i = 0; i < 5; i++) {
        assert_int_equal(bulk_ent_line(ents[i]), want_lines[i]);
        assert_int_equal(bulk_ent_klen(ents[i]), want_lens[i]);
    }
}

static void huge_span_is_the_whole_aligned_pages_inside(void **state)
{
    (void)state;
    const uintptr_t H = BULK_HUGE_PAGE;
    uintptr_t start = 0;
    assert_int_equal(bulk_mem_huge_span(0, 16 * H, &start), 16 * H);
    assert_int_equal(start, 0);
    assert_int_equal(bulk_mem_huge_span(H + 1, 16 * H, &start), 15 * H);
    assert_int_equal(start, 2 * H);
    assert_int_equal(bulk_mem_huge_span(4096, 2 * H - 4096, &start), H);
    assert_int_equal(start, H);
    assert_int_equal(bulk_mem_huge_span(4096, 2 * H - 8192, &start), 0);
    assert_int_equal(bulk_mem_huge_span(H, H - 1, &start), 0);
    assert_int_equal(bulk_mem_huge_span(UINTPTR_MAX - H, 4 * H, &start), 0);
}

static void huge_allocations_are_aligned_and_usable(void **state)
{
    (void)state;
    uint8_t *small = bulk_mem_alloc(100);
    uint8_t *big = bulk_mem_alloc(3 * BULK_HUGE_PAGE + 5);
    assert_non_null(small);
    assert_non_null(big);
    assert_int_equal((uintptr_t)big % BULK_HUGE_PAGE, 0);
    memset(big, 0xab, 3 * BULK_HUGE_PAGE + 5);
    assert_int_equal(big[3 * BULK_HUGE_PAGE + 4], 0xab);
    uint8_t *grown = realloc(big, 5 * BULK_HUGE_PAGE);
    assert_non_null(grown);
    bulk_mem_advise(grown, 5 * BULK_HUGE_PAGE);
    assert_int_equal(grown[BULK_HUGE_PAGE], 0xab);
    free(grown);
    free(small);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(keyed_sort_orders_as_bulk_ent_cmp_on_random_keys),
        cmocka_unit_test(keyed_sort_puts_a_shorter_key_first_and_a_repeat_after),
        cmocka_unit_test(huge_span_is_the_whole_aligned_pages_inside),
        cmocka_unit_test(huge_allocations_are_aligned_and_usable),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
