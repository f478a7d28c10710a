/* Unit tests of parser/sort.c: the merge sort with a context, the radix
 * sort of numeric keys, and the sort of ids by strings (radix sorts of
 * 8-byte slices, compared runs, ties) against qsort with strcmp on random
 * tables built to reach every path: runs long enough for the radix sort,
 * runs compared, strings that end at a slice's edge or share long
 * prefixes, equal strings ordered by a tie, bytes above 0x7f and the empty
 * string. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sort.h"

typedef struct table {
    char **text;   /* by id */
    int *tie;      /* by id: what the tie compares */
    bool use_tie;  /* else equal strings keep the order given */
    uint32_t *pos; /* by id: where it was given */
} table;

static unsigned next_random(unsigned *seed)
{
    *seed = *seed * 1103515245u + 12345u;
    return (*seed >> 16) & 0x7fff;
}

/* A string from few pieces, so that many share prefixes of every length. */
static char *random_text(unsigned *seed)
{
    static const char *const pieces[] = {"",  "a",         "ab",       "abcdefgh", "abcdefg",
                                         "_", "\xc3\xa9t", "__init__", "zz",       "\x7f"};
    char buf[256] = "";
    size_t len = 0, parts = next_random(seed) % 7;
    for (size_t i = 0; i < parts; i++) {
        const char *p = pieces[next_random(seed) % (sizeof pieces / sizeof *pieces)];
        size_t n = strlen(p);
        memcpy(buf + len, p, n);
        len += n;
    }
    buf[len] = '\0';
    return strdup(buf);
}

static int tie_of(const void *context, uint32_t a, uint32_t b)
{
    const table *t = context;
    return (t->tie[a] > t->tie[b]) - (t->tie[a] < t->tie[b]);
}

static const table *reference_table;

/* strcmp (unsigned bytes), then the tie, then the position given. */
static int reference_compare(const void *pa, const void *pb)
{
    const table *t = reference_table;
    uint32_t a = *(const uint32_t *)pa, b = *(const uint32_t *)pb;
    int c = strcmp(t->text[a], t->text[b]);
    if (c == 0 && t->use_tie) c = tie_of(t, a, b);
    if (c == 0) c = (t->pos[a] > t->pos[b]) - (t->pos[a] < t->pos[b]);
    return c;
}

static void check_table(size_t n, unsigned seed, bool use_tie)
{
    table t = {calloc(n, sizeof *t.text), calloc(n, sizeof *t.tie), use_tie,
               calloc(n, sizeof *t.pos)};
    uint32_t *ids = calloc(n ? n : 1, sizeof *ids), *want = calloc(n ? n : 1, sizeof *want);
    const char **text = calloc(n ? n : 1, sizeof *text);
    assert_true(t.text && t.tie && t.pos && ids && want && text);
    for (size_t i = 0; i < n; i++) {
        t.text[i] = random_text(&seed);
        assert_non_null(t.text[i]);
        t.tie[i] = (int)(next_random(&seed) % 5);
    }
    /* Given in a shuffled order, with each id's string beside it. */
    for (size_t i = 0; i < n; i++)
        ids[i] = (uint32_t)i;
    for (size_t i = n; i > 1; i--) {
        size_t j = next_random(&seed) % i;
        uint32_t x = ids[i - 1];
        ids[i - 1] = ids[j];
        ids[j] = x;
    }
    for (size_t i = 0; i < n; i++) {
        t.pos[ids[i]] = (uint32_t)i;
        text[i] = t.text[ids[i]];
        want[i] = ids[i];
    }
    reference_table = &t;
    qsort(want, n, sizeof *want, reference_compare);
    assert_int_equal(pv_sort_ids_by_text(ids, text, n, use_tie ? tie_of : NULL, &t), 0);
    assert_memory_equal(ids, want, n * sizeof *ids);
    for (size_t i = 0; i < n; i++)
        free(t.text[i]);
    free(t.text);
    free(t.tie);
    free(t.pos);
    free(ids);
    free(want);
    free(text);
}

static void text_sort_matches_strcmp_with_ties(void **state)
{
    (void)state;
    /* 20,000 strings make runs of thousands (radix sorted) down to a few
     * (insertion sorted); the small tables only the latter. */
    static const size_t sizes[] = {0, 1, 2, 23, 24, 25, 300, 5000, 20000};
    for (size_t s = 0; s < sizeof sizes / sizeof *sizes; s++) {
        check_table(sizes[s], 7u + (unsigned)s, true);
        check_table(sizes[s], 99u + (unsigned)s, false);
    }
}

static void text_sort_takes_long_equal_prefixes(void **state)
{
    (void)state;
    /* 3,000 strings of 600 equal bytes and one differing byte near the end:
     * 75 slices deep, with no recursion to run out of. */
    size_t n = 3000;
    char **owned = calloc(n, sizeof *owned);
    const char **text = calloc(n, sizeof *text);
    uint32_t *ids = calloc(n, sizeof *ids);
    assert_true(owned && text && ids);
    for (size_t i = 0; i < n; i++) {
        owned[i] = malloc(602);
        assert_non_null(owned[i]);
        memset(owned[i], 'x', 601);
        owned[i][597] = (char)('a' + (n - 1 - i) % 26);
        owned[i][601] = '\0';
        text[i] = owned[i];
        ids[i] = (uint32_t)i;
    }
    assert_int_equal(pv_sort_ids_by_text(ids, text, n, NULL, NULL), 0);
    for (size_t i = 1; i < n; i++) {
        int c = strcmp(owned[ids[i - 1]], owned[ids[i]]);
        assert_true(c < 0 || (c == 0 && ids[i - 1] < ids[i]));
    }
    for (size_t i = 0; i < n; i++)
        free(owned[i]);
    free(owned);
    free(text);
    free(ids);
}

static int by_value(const void *context, uint32_t a, uint32_t b)
{
    const int *v = context;
    return (v[a] > v[b]) - (v[a] < v[b]);
}

static void merge_sort_and_key_items_are_stable(void **state)
{
    (void)state;
    int values[] = {3, 1, 3, 0, 1, 3};
    uint32_t ids[] = {0, 1, 2, 3, 4, 5};
    assert_int_equal(pv_sort_ids(ids, 6, by_value, values), 0);
    const uint32_t want[] = {3, 1, 4, 0, 2, 5};
    assert_memory_equal(ids, want, sizeof want);

    pv_key_item items[6];
    for (uint32_t i = 0; i < 6; i++)
        items[i] = (pv_key_item){pv_sort_key_of_double(-(double)values[i]), i};
    assert_int_equal(pv_sort_key_items(items, 6), 0);
    const uint32_t by_key[] = {0, 2, 5, 1, 4, 3};
    for (int i = 0; i < 6; i++)
        assert_int_equal(items[i].id, by_key[i]);
}

static int by_key_then_id(const void *pa, const void *pb)
{
    const pv_key_item *a = pa, *b = pb;
    if (a->key != b->key) return a->key < b->key ? -1 : 1;
    return (a->id > b->id) - (a->id < b->id);
}

static void key_items_match_qsort_whatever_bytes_vary(void **state)
{
    (void)state;
    /* Keys that vary in 0 to 8 of their bytes (each count of moving passes,
     * odd ones ending in the scratch array), few distinct values (ties) and
     * many, against qsort by key and id. */
    static const uint64_t masks[] = {0,
                                     0xff,
                                     0xff00ff,
                                     UINT64_C(0xff00000000000000),
                                     UINT64_C(0x00ff00ff00ff0000),
                                     UINT64_C(0xffffffffff),
                                     UINT64_C(0xffffffffffffffff),
                                     0x3};
    unsigned seed = 5;
    for (size_t m = 0; m < sizeof masks / sizeof *masks; m++) {
        size_t n = 3000 + 7 * m;
        pv_key_item *items = malloc(n * sizeof *items), *want = malloc(n * sizeof *want);
        assert_true(items && want);
        uint64_t base = UINT64_C(0x0123456789abcdef) & ~masks[m];
        for (size_t i = 0; i < n; i++) {
            uint64_t r = 0;
            for (int k = 0; k < 4; k++)
                r = r << 16 | next_random(&seed) << 1 | (next_random(&seed) & 1);
            items[i] = want[i] = (pv_key_item){base | (r & masks[m]), (uint32_t)i};
        }
        qsort(want, n, sizeof *want, by_key_then_id);
        assert_int_equal(pv_sort_key_items(items, n), 0);
        for (size_t i = 0; i < n; i++) {
            assert_true(items[i].key == want[i].key);
            assert_int_equal(items[i].id, want[i].id);
        }
        free(items);
        free(want);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(text_sort_matches_strcmp_with_ties),
        cmocka_unit_test(text_sort_takes_long_equal_prefixes),
        cmocka_unit_test(merge_sort_and_key_items_are_stable),
        cmocka_unit_test(key_items_match_qsort_whatever_bytes_vary),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
