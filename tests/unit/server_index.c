/* Unit tests of server/index.c: the function table's sort orders (every
 * key, ties by ascending id both ways), substring search, pages, and the
 * sort key names, on profiles parsed through source.h. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "index.h"
#include "source.h"

#define FIXTURE(name) PROFVIZ_SOURCE_DIR "/tests/golden/" name

static pv_index *load(const char *path, pv_profile **p)
{
    pv_error err;
    size_t failed;
    assert_int_equal(pv_source_load(&path, 1, 0, NULL, p, NULL, NULL, NULL, &failed, &err), 0);
    pv_index *ix = NULL;
    assert_int_equal(pv_index_build(*p, &ix, &err), 0);
    return ix;
}

static double num_key(const pv_function *f, int key)
{
    switch (key) {
    case PV_SORT_TOTTIME:
        return f->tottime;
    case PV_SORT_CUMTIME:
        return f->cumtime;
    case PV_SORT_NCALLS:
        return (double)f->ncalls;
    case PV_SORT_TOTTIME_PERCALL:
        return f->ncalls > 0 ? f->tottime / (double)f->ncalls : 0;
    case PV_SORT_CUMTIME_PERCALL:
        return f->pcalls > 0 ? f->cumtime / (double)f->pcalls : 0;
    default:
        return (double)f->pcalls;
    }
}

/* <0, 0, >0 comparing a and b on key alone (no id). */
static int key_compare(const pv_profile *p, int key, uint32_t a, uint32_t b)
{
    const pv_function *fa = &p->functions[a], *fb = &p->functions[b];
    if (key == PV_SORT_NAME || key == PV_SORT_FILE) {
        int c = key == PV_SORT_NAME ? strcmp(fa->name, fb->name) : strcmp(fa->file, fb->file);
        if (c) return c;
        if (key == PV_SORT_FILE && fa->line != fb->line) return fa->line < fb->line ? -1 : 1;
        c = key == PV_SORT_NAME ? strcmp(fa->file, fb->file) : strcmp(fa->name, fb->name);
        if (c) return c;
        return (fa->line > fb->line) - (fa->line < fb->line);
    }
    double ka = num_key(fa, key), kb = num_key(fb, key);
    return (ka > kb) - (ka < kb);
}

/* Checks every key's orders on p (both ways, ties by ascending id). */
static void check_orders(const pv_profile *p, const pv_index *ix)
{
    for (int key = 0; key < PV_SORT_COUNT; key++) {
        for (int desc = 0; desc < 2; desc++) {
            pv_function_query q = {.sort = key, .descending = desc, .limit = p->nfunctions};
            uint32_t *ids;
            size_t n, total;
            pv_error err;
            assert_int_equal(pv_index_query(ix, &q, &ids, &n, &total, &err), 0);
            assert_int_equal(n, p->nfunctions);
            assert_int_equal(total, p->nfunctions);
            for (size_t i = 1; i < n; i++) {
                int c = key_compare(p, key, ids[i - 1], ids[i]);
                if (desc) c = -c;
                assert_true(c <= 0);
                if (c == 0) assert_true(ids[i - 1] < ids[i]);
            }
            free(ids);
        }
    }
}

static void index_sorts_every_key_with_ties_by_ascending_id_in_both_orders(void **state)
{
    pv_profile *p;
    pv_index *ix = load(FIXTURE("cprofile-py313.prof"), &p);
    check_orders(p, ix);
    pv_index_free(ix);
    pv_profile_free(p);
}

static void index_sorts_a_large_table_of_shared_names_and_files(void **state)
{
    (void)state;
    /* 6,000 functions of 40 names (some 8 or 16 bytes long, some sharing
     * long prefixes) in 30 files, on few lines: long runs of equal names,
     * equal files and equal lines, as the text sorts' radix passes take. */
    static const char *const names[] = {
        "__init__",           "<module>",         "wrapper", "_read_local_column_impl",
        "_read_local_column", "abcdefghabcdefgh", "a",       "b"};
    pv_builder *b = pv_builder_new();
    assert_non_null(b);
    pv_error err;
    unsigned seed = 5;
    char name[64], file[64];
    for (int i = 0; i < 6000; i++) {
        seed = seed * 1103515245u + 12345u;
        unsigned r = (seed >> 8) & 0xffffff;
        snprintf(name, sizeof name, "%s%u", names[r % 8], (r >> 3) % 5);
        snprintf(file, sizeof file, "/usr/lib/python3.12/site-packages/pkg/mod_%u.py",
                 (r >> 6) % 30);
        int64_t id = pv_builder_intern(b, file, strlen(file), (int64_t)((r >> 11) % 7), name,
                                       strlen(name), &err);
        assert_true(id >= 0);
    }
    for (uint32_t id = 0; id < 5; id++)
        assert_int_equal(pv_builder_begin_entry(b, id, 1, 1, 0.5, 0.5, &err), 0);
    pv_profile *p = pv_builder_finish(b, &err);
    assert_non_null(p);
    assert_true(p->nfunctions > 1000);
    pv_index *ix = NULL;
    assert_int_equal(pv_index_build(p, &ix, &err), 0);
    check_orders(p, ix);
    pv_index_free(ix);
    pv_profile_free(p);
}

static bool contains_ci(const char *hay, const char *needle)
{
    size_t hn = strlen(hay), nn = strlen(needle);
    for (size_t i = 0; i + nn <= hn; i++) {
        size_t j = 0;
        while (j < nn) {
            char a = hay[i + j], b = needle[j];
            if (a >= 'A' && a <= 'Z') a = (char)(a - 'A' + 'a');
            if (b >= 'A' && b <= 'Z') b = (char)(b - 'A' + 'a');
            if (a != b) break;
            j++;
        }
        if (j == nn) return true;
    }
    return false;
}

static void index_search_matches_name_or_file_ignoring_ascii_case(void **state)
{
    pv_profile *p;
    pv_index *ix = load(FIXTURE("names-py313.prof"), &p);
    const char *needles[] = {"IMG", "<img", "caf", "\xc3\xa9", "~", ".PY", "no-such-thing", "e"};
    for (size_t k = 0; k < sizeof needles / sizeof needles[0]; k++) {
        pv_function_query q = {.sort = PV_SORT_NAME, .q = needles[k], .limit = 100000};
        uint32_t *ids;
        size_t n, total;
        pv_error err;
        assert_int_equal(pv_index_query(ix, &q, &ids, &n, &total, &err), 0);
        size_t want = 0;
        for (uint32_t id = 0; id < p->nfunctions; id++)
            want += contains_ci(p->functions[id].name, needles[k]) ||
                    contains_ci(p->functions[id].file, needles[k]);
        assert_int_equal(total, want);
        assert_int_equal(n, want);
        for (size_t i = 0; i < n; i++)
            assert_true(contains_ci(p->functions[ids[i]].name, needles[k]) ||
                        contains_ci(p->functions[ids[i]].file, needles[k]));
        free(ids);
    }
    pv_index_free(ix);
    pv_profile_free(p);
}

static void index_pages_are_slices_and_past_the_end_is_empty(void **state)
{
    pv_profile *p;
    pv_index *ix = load(FIXTURE("cprofile-py313.prof"), &p);
    pv_function_query all = {.sort = PV_SORT_TOTTIME, .descending = true, .q = "o", .limit = 1000};
    uint32_t *every, *page;
    size_t n_every, n_page, total;
    pv_error err;
    assert_int_equal(pv_index_query(ix, &all, &every, &n_every, &total, &err), 0);
    assert_true(n_every > 5);
    pv_function_query q = all;
    q.offset = 3;
    q.limit = 2;
    assert_int_equal(pv_index_query(ix, &q, &page, &n_page, &total, &err), 0);
    assert_int_equal(n_page, 2);
    assert_int_equal(total, n_every);
    assert_memory_equal(page, every + 3, 2 * sizeof *page);
    free(page);
    q.offset = n_every;
    assert_int_equal(pv_index_query(ix, &q, &page, &n_page, &total, &err), 0);
    assert_int_equal(n_page, 0);
    assert_null(page);
    assert_int_equal(total, n_every);
    free(every);
    pv_index_free(ix);
    pv_profile_free(p);
}

static void index_knows_the_sort_key_names(void **state)
{
    assert_int_equal(pv_index_sort_key_from_name("tottime"), PV_SORT_TOTTIME);
    assert_int_equal(pv_index_sort_key_from_name("file"), PV_SORT_FILE);
    assert_int_equal(pv_index_sort_key_from_name("TOTTIME"), -1);
    assert_int_equal(pv_index_sort_key_from_name(""), -1);
}

static void index_defaults_are_defined_once(void **state)
{
    assert_int_equal(PV_SORT_DEFAULT, PV_SORT_CUMTIME);
    for (int k = 0; k < PV_SORT_COUNT; k++)
        assert_int_equal(pv_index_sort_key_from_name(pv_index_sort_key_name((pv_sort_key)k)), k);
    assert_true(pv_index_sort_is_text(PV_SORT_NAME));
    assert_true(pv_index_sort_is_text(PV_SORT_FILE));
    assert_false(pv_index_sort_is_text(PV_SORT_TOTTIME));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(index_sorts_every_key_with_ties_by_ascending_id_in_both_orders),
        cmocka_unit_test(index_sorts_a_large_table_of_shared_names_and_files),
        cmocka_unit_test(index_search_matches_name_or_file_ignoring_ascii_case),
        cmocka_unit_test(index_pages_are_slices_and_past_the_end_is_empty),
        cmocka_unit_test(index_knows_the_sort_key_names),
        cmocka_unit_test(index_defaults_are_defined_once),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
