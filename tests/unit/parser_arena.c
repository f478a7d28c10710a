/* Tests of the arena (parser/arena.c) and the id sorts (parser/sort.c). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "arena.h"
#include "sort.h"

static void arena_hands_out_aligned_memory_and_frees_it_all_at_once(void **state)
{
    pv_arena *a = pv_arena_new();
    assert_non_null(a);
    assert_int_equal(pv_arena_bytes(a), 0);
    for (size_t size = 0; size < 100; size++) {
        unsigned char *p = pv_arena_alloc(a, size);
        assert_non_null(p);
        assert_int_equal((uintptr_t)p % 16, 0);
        memset(p, 0xab, size);
    }
    /* A block larger than a chunk, then small ones again. */
    unsigned char *big = pv_arena_alloc(a, 3u << 20);
    assert_non_null(big);
    memset(big, 1, 3u << 20);
    unsigned char *small = pv_arena_alloc(a, 8);
    assert_non_null(small);
    memset(small, 2, 8);
    assert_true(pv_arena_bytes(a) >= (3u << 20));
    char *s = pv_arena_strndup(a, "hello world", 5);
    assert_string_equal(s, "hello");
    assert_string_equal(pv_arena_strndup(a, NULL, 0), "");
    void *block = malloc(100);
    assert_non_null(block);
    assert_int_equal(pv_arena_adopt(a, block), 0);
    assert_int_equal(pv_arena_adopt(a, NULL), 0);
    pv_arena_free(a); /* ASan reports anything left */
    pv_arena_free(NULL);
}

static void arena_allocations_do_not_overlap(void **state)
{
    pv_arena *a = pv_arena_new();
    enum { N = 20000 };
    unsigned char **ptrs = malloc(N * sizeof *ptrs);
    assert_non_null(ptrs);
    for (int k = 0; k < N; k++) {
        size_t size = (size_t)(k % 97) + 1 + (k % 1000 == 0 ? 100000 : 0);
        ptrs[k] = pv_arena_alloc(a, size);
        assert_non_null(ptrs[k]);
        memset(ptrs[k], k & 0xff, size);
    }
    for (int k = 0; k < N; k++) {
        size_t size = (size_t)(k % 97) + 1 + (k % 1000 == 0 ? 100000 : 0);
        for (size_t i = 0; i < size; i += 13)
            assert_int_equal(ptrs[k][i], k & 0xff);
        assert_int_equal(ptrs[k][size - 1], k & 0xff);
    }
    free(ptrs);
    pv_arena_free(a);
}

/* ---- sort ---- */

static int by_key(const void *context, uint32_t a, uint32_t b)
{
    const int *keys = context;
    return (keys[a] > keys[b]) - (keys[a] < keys[b]);
}

static void sort_ids_is_stable(void **state)
{
    enum { N = 1000 };
    int keys[N];
    uint32_t ids[N];
    uint64_t seed = 12345;
    for (uint32_t k = 0; k < N; k++) {
        seed = seed * 6364136223846793005ull + 1442695040888963407ull;
        keys[k] = (int)((seed >> 33) % 10); /* many ties */
        ids[k] = k;
    }
    assert_int_equal(pv_sort_ids(ids, N, by_key, keys), 0);
    bool seen[N] = {false};
    for (uint32_t k = 0; k < N; k++) {
        assert_false(seen[ids[k]]);
        seen[ids[k]] = true;
        if (k == 0) continue;
        assert_true(keys[ids[k - 1]] <= keys[ids[k]]);
        if (keys[ids[k - 1]] == keys[ids[k]]) assert_true(ids[k - 1] < ids[k]); /* stable */
    }
}

static void sort_ids_handles_tiny_sorted_and_reversed_inputs(void **state)
{
    int keys[] = {5, 4, 3, 2, 1, 0, 0};
    uint32_t none = 99;
    assert_int_equal(pv_sort_ids(&none, 0, by_key, keys), 0);
    assert_int_equal(none, 99);
    uint32_t one[] = {3};
    assert_int_equal(pv_sort_ids(one, 1, by_key, keys), 0);
    assert_int_equal(one[0], 3);
    uint32_t ids[] = {0, 1, 2, 3, 4, 5, 6};
    assert_int_equal(pv_sort_ids(ids, 7, by_key, keys), 0);
    static const uint32_t want[] = {5, 6, 4, 3, 2, 1, 0};
    assert_memory_equal(ids, want, sizeof want);
    assert_int_equal(pv_sort_ids(ids, 7, by_key, keys), 0); /* already sorted */
    assert_memory_equal(ids, want, sizeof want);
    /* Sorting a subset of ids, in the order given for ties. */
    uint32_t sub[] = {6, 5, 0};
    assert_int_equal(pv_sort_ids(sub, 3, by_key, keys), 0);
    static const uint32_t want_sub[] = {6, 5, 0};
    assert_memory_equal(sub, want_sub, sizeof want_sub);
}

static int by_double(const void *context, uint32_t a, uint32_t b)
{
    const double *v = context;
    double x = v[a] == 0 ? 0 : v[a], y = v[b] == 0 ? 0 : v[b];
    return x < y ? -1 : x > y;
}

static void sort_key_items_orders_doubles_stably(void **state)
{
    (void)state;
    /* Ties, both zeros, negatives, infinities and tiny numbers. */
    static const double base[] = {3.5,     -0.0, 0.0,  -2.0, 1e-300, INFINITY, -INFINITY, 3.5,
                                  -1e-300, 2.0,  -2.0, 0.0,  1e300,  -3.5,     7.25,      3.5};
    enum { N = 2000 };
    double v[N];
    pv_key_item items[N];
    uint32_t want[N];
    srand(7);
    for (uint32_t i = 0; i < N; i++) {
        v[i] = i < 16 ? base[i] : base[rand() % 16];
        if (i >= 16 && isfinite(v[i])) v[i] *= rand() % 3; /* more zeros and ties, no NAN */
        items[i] = (pv_key_item){pv_sort_key_of_double(v[i]), i};
        want[i] = i;
    }
    assert_int_equal(pv_sort_key_items(items, N), 0);
    assert_int_equal(pv_sort_ids(want, N, by_double, v), 0);
    for (uint32_t i = 0; i < N; i++)
        assert_int_equal(items[i].id, want[i]);
    assert_int_equal(pv_sort_key_items(items, 1), 0);
    assert_int_equal(pv_sort_key_items(items, 0), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(arena_hands_out_aligned_memory_and_frees_it_all_at_once),
        cmocka_unit_test(arena_allocations_do_not_overlap),
        cmocka_unit_test(sort_ids_is_stable),
        cmocka_unit_test(sort_ids_handles_tiny_sorted_and_reversed_inputs),
        cmocka_unit_test(sort_key_items_orders_doubles_stably),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
