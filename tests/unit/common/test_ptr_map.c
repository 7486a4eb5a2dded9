/* The pointer map the HTTP front end keys connections by: puts, gets, deletes across growth and
 * probe runs, checked against a plain array. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "common/ptr_map.h"

#define N 5000

static void every_key_finds_its_value_through_growth_and_deletes(void **state)
{
    (void)state;
    static char keys[N]; /* distinct addresses */
    struct ptr_map m = {0};
    assert_null(ptr_map_get(&m, &keys[0]));
    ptr_map_del(&m, &keys[0]); /* on an empty map: nothing */
    for (size_t i = 0; i < N; i++)
        assert_true(ptr_map_put(&m, &keys[i], (void *)(uintptr_t)(i + 1)));
    assert_int_equal(m.count, N);
    assert_true(m.cap >= 2 * N);
    /* Replacing keeps the count. */
    assert_true(ptr_map_put(&m, &keys[7], (void *)(uintptr_t)77777));
    assert_int_equal(m.count, N);
    assert_int_equal((uintptr_t)ptr_map_get(&m, &keys[7]), 77777);
    assert_true(ptr_map_put(&m, &keys[7], (void *)(uintptr_t)8));
    /* Delete every third key, in a scattered order, and every other stays found. */
    for (size_t n = 0; n < N; n++) {
        size_t i = (n * 2654435761u) % N;
        if (i % 3 == 0)
            ptr_map_del(&m, &keys[i]);
    }
    ptr_map_del(&m, &keys[0]); /* twice: nothing */
    size_t left = 0;
    for (size_t i = 0; i < N; i++) {
        uintptr_t v = (uintptr_t)ptr_map_get(&m, &keys[i]);
        if (i % 3 == 0) {
            assert_int_equal(v, 0);
        } else {
            assert_int_equal(v, i + 1);
            left++;
        }
    }
    assert_int_equal(m.count, left);
    ptr_map_clear(&m);
    assert_int_equal(m.count, 0);
    assert_null(ptr_map_get(&m, &keys[1]));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_key_finds_its_value_through_growth_and_deletes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
