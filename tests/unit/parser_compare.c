/* Tests of comparing two profiles (parser/compare.c, compare_values.c,
 * compare_tree.c) on hand-made profiles. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "calltree.h"
#include "compare.h"
#include "profile.h"

/* One function of a hand-made profile: ids in the order given. */
typedef struct fn {
    const char *file;
    int64_t line;
    const char *name;
    int64_t ncalls;
    double tottime, cumtime;
} fn;

/* A caller->callee edge of a hand-made profile. */
typedef struct call {
    int caller, callee;
    int64_t ncalls;
    double cumtime;
} call;

static pv_profile *make_with_calls(const fn *fns, size_t n, const call *calls, size_t ncalls)
{
    pv_error err;
    pv_builder *b = pv_builder_new();
    assert_non_null(b);
    for (size_t i = 0; i < n; i++) {
        int64_t id = pv_builder_intern(b, fns[i].file, strlen(fns[i].file), fns[i].line,
                                       fns[i].name, strlen(fns[i].name), &err);
        assert_int_equal(id, (int64_t)i);
    }
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(pv_builder_begin_entry(b, (uint32_t)i, fns[i].ncalls, fns[i].ncalls,
                                                fns[i].tottime, fns[i].cumtime, &err),
                         0);
        for (size_t k = 0; k < ncalls; k++) {
            if (calls[k].callee != (int)i) continue;
            assert_int_equal(pv_builder_add_caller(b, (uint32_t)calls[k].caller, calls[k].ncalls,
                                                   calls[k].ncalls, calls[k].cumtime / 2,
                                                   calls[k].cumtime, &err),
                             0);
        }
    }
    pv_profile *p = pv_builder_finish(b, &err);
    assert_non_null(p);
    return p;
}

#define MAKE(fns) make_with_calls(fns, sizeof fns / sizeof fns[0], NULL, 0)
#define MAKE_CALLS(fns, calls)                                                                     \
    make_with_calls(fns, sizeof fns / sizeof fns[0], calls, sizeof calls / sizeof calls[0])

static pv_compare *build(const pv_profile *b, const pv_profile *n)
{
    pv_compare *cmp = NULL;
    pv_error err;
    if (pv_compare_build(b, n, &cmp, &err) != 0) fail_msg("pv_compare_build: %s", err.message);
    assert_non_null(cmp);
    assert_true(pv_compare_fits(cmp, b, n));
    return cmp;
}

/* The row of NEW's function id: its BASE partner must be base_id, with match. */
static void expect_pair(const pv_compare *cmp, uint32_t new_id, uint32_t base_id, pv_match match)
{
    const pv_compare_row *r = &cmp->rows[cmp->row_of_new[new_id]];
    if (r->base != base_id || r->match != match)
        fail_msg("NEW %u: paired with BASE %d as %s, expected %d as %s", new_id, (int)r->base,
                 pv_match_name(r->match), (int)base_id, pv_match_name(match));
    assert_int_equal(r->new_, new_id);
    if (base_id != PV_COMPARE_NONE)
        assert_int_equal(cmp->row_of_base[base_id], cmp->row_of_new[new_id]);
}

static void expect_base_only(const pv_compare *cmp, uint32_t base_id)
{
    const pv_compare_row *r = &cmp->rows[cmp->row_of_base[base_id]];
    assert_int_equal(r->base, base_id);
    assert_int_equal(r->new_, PV_COMPARE_NONE);
    assert_int_equal(r->match, PV_MATCH_BASE_ONLY);
}

static void free_all(pv_compare *cmp, pv_profile *a, pv_profile *b)
{
    pv_compare_free(cmp);
    pv_profile_free(a);
    pv_profile_free(b);
}

static void compare_profile_with_itself_is_all_same(void **state)
{
    (void)state;
    static const fn fns[] = {
        {"/home/u/app/main.py", 1, "<module>", 1, 0.1, 1.0},
        {"/home/u/app/main.py", 10, "work", 3, 0.5, 0.9},
        {"~", 0, "<built-in method builtins.len>", 7, 0.01, 0.01},
    };
    pv_profile *a = MAKE(fns), *b = MAKE(fns);
    pv_compare *cmp = build(a, b);
    assert_int_equal(cmp->nrows, 3);
    for (uint32_t id = 0; id < 3; id++)
        expect_pair(cmp, id, id, PV_MATCH_SAME);
    assert_int_equal(cmp->counts[PV_MATCH_SAME], 3);
    free_all(cmp, a, b);
}

static void compare_matches_linux_venv_with_windows_install(void **state)
{
    (void)state;
    static const fn base[] = {
        {"/home/u/.venv/lib/python3.11/site-packages/requests/api.py", 62, "get", 1, 0.1, 0.2},
        {"/usr/lib/python3.11/json/decoder.py", 332, "decode", 2, 0.3, 0.4},
        {"/home/u/proj/app/main.py", 5, "main", 1, 0.0, 1.0},
        {"/home/u/proj/app/util.py", 9, "helper", 4, 0.2, 0.2},
    };
    static const fn win[] = {
        {"C:\\Users\\u\\work\\proj\\app\\util.py", 9, "helper", 4, 0.2, 0.2},
        {"C:\\Users\\u\\work\\proj\\app\\main.py", 5, "main", 1, 0.0, 1.0},
        {"C:\\Python311\\Lib\\json\\decoder.py", 332, "decode", 2, 0.3, 0.4},
        {"C:\\Users\\u\\proj\\.venv\\Lib\\site-packages\\requests\\api.py", 62, "get", 1, 0.1, 0.2},
    };
    pv_profile *a = MAKE(base), *b = MAKE(win);
    pv_compare *cmp = build(a, b);
    assert_int_equal(cmp->nrows, 4);
    expect_pair(cmp, 0, 3, PV_MATCH_PATH);
    expect_pair(cmp, 1, 2, PV_MATCH_PATH);
    expect_pair(cmp, 2, 1, PV_MATCH_PATH);
    expect_pair(cmp, 3, 0, PV_MATCH_PATH);
    free_all(cmp, a, b);
}

static void compare_matches_macos_framework_debian_and_pyenv(void **state)
{
    (void)state;
    static const fn base[] = {
        {"/Library/Frameworks/Python.framework/Versions/3.12/lib/python3.12/json/decoder.py", 332,
         "decode", 1, 0.1, 0.1},
        {"/usr/lib/python3/dist-packages/six.py", 80, "b", 1, 0.1, 0.1},
        {"/Users/me/src/tool/cli.py", 3, "run", 1, 0.1, 0.1},
    };
    static const fn next[] = {
        {"/root/.pyenv/versions/3.13.0/lib/python3.13/json/decoder.py", 340, "decode", 1, 0.1, 0.1},
        {"/opt/venv/lib64/python3.13t/site-packages/six.py", 80, "b", 1, 0.1, 0.1},
        {"/builds/ci/tool/cli.py", 3, "run", 1, 0.1, 0.1},
    };
    pv_profile *a = MAKE(base), *b = MAKE(next);
    pv_compare *cmp = build(a, b);
    expect_pair(cmp, 0, 0, PV_MATCH_LINE); /* another line in another Python */
    expect_pair(cmp, 1, 1, PV_MATCH_PATH);
    expect_pair(cmp, 2, 2, PV_MATCH_PATH);
    free_all(cmp, a, b);
}

static void compare_keeps_same_named_packages_apart(void **state)
{
    (void)state;
    /* Two different "utils.py" of two packages, each with a "load". */
    static const fn base[] = {
        {"/v/lib/python3.11/site-packages/alpha/utils.py", 1, "load", 1, 0.1, 0.1},
        {"/v/lib/python3.11/site-packages/beta/utils.py", 1, "load", 1, 0.2, 0.2},
    };
    static const fn next[] = {
        {"/w/lib/python3.12/site-packages/beta/utils.py", 1, "load", 1, 0.3, 0.3},
        {"/w/lib/python3.12/site-packages/alpha/utils.py", 1, "load", 1, 0.4, 0.4},
    };
    pv_profile *a = MAKE(base), *b = MAKE(next);
    pv_compare *cmp = build(a, b);
    expect_pair(cmp, 0, 1, PV_MATCH_PATH);
    expect_pair(cmp, 1, 0, PV_MATCH_PATH);
    free_all(cmp, a, b);
}

static void compare_follows_functions_an_edit_moved(void **state)
{
    (void)state;
    /* Ten lines added at the top of the file: everything moves by 10. Two
     * lambdas five lines apart stay paired with themselves, though the
     * first's nearest line in NEW is the second's. */
    static const fn base[] = {
        {"/p/m.py", 10, "f", 1, 0.1, 0.1},
        {"/p/m.py", 50, "<lambda>", 1, 0.1, 0.1},
        {"/p/m.py", 55, "<lambda>", 1, 0.1, 0.1},
        {"/p/m.py", 80, "g", 1, 0.1, 0.1},
    };
    static const fn next[] = {
        {"/p/m.py", 20, "f", 1, 0.1, 0.1},
        {"/p/m.py", 60, "<lambda>", 1, 0.1, 0.1},
        {"/p/m.py", 65, "<lambda>", 1, 0.1, 0.1},
        {"/p/m.py", 80, "g", 1, 0.1, 0.1},
    };
    pv_profile *a = MAKE(base), *b = MAKE(next);
    pv_compare *cmp = build(a, b);
    expect_pair(cmp, 0, 0, PV_MATCH_LINE);
    expect_pair(cmp, 1, 1, PV_MATCH_LINE);
    expect_pair(cmp, 2, 2, PV_MATCH_LINE);
    expect_pair(cmp, 3, 3, PV_MATCH_SAME);
    free_all(cmp, a, b);
}

static void compare_pairs_nearest_lines_when_one_was_removed(void **state)
{
    (void)state;
    static const fn base[] = {
        {"/p/m.py", 30, "<genexpr>", 1, 0.1, 0.1},
        {"/p/m.py", 10, "<genexpr>", 1, 0.1, 0.1},
        {"/p/m.py", 20, "<genexpr>", 1, 0.1, 0.1},
    };
    static const fn next[] = {
        {"/p/m.py", 32, "<genexpr>", 1, 0.1, 0.1},
        {"/p/m.py", 11, "<genexpr>", 1, 0.1, 0.1},
    };
    pv_profile *a = MAKE(base), *b = MAKE(next);
    pv_compare *cmp = build(a, b);
    expect_pair(cmp, 0, 0, PV_MATCH_LINE);
    expect_pair(cmp, 1, 1, PV_MATCH_LINE);
    expect_base_only(cmp, 2);
    assert_int_equal(cmp->nrows, 3);
    assert_int_equal(cmp->counts[PV_MATCH_BASE_ONLY], 1);
    free_all(cmp, a, b);
}

static void compare_pairs_c_functions_across_python_versions(void **state)
{
    (void)state;
    static const fn py27[] = {
        {"~", 0, "<len>", 5, 0.1, 0.1},
        {"~", 0, "<method 'append' of 'list' objects>", 5, 0.1, 0.1},
        {"~", 0, "<time.sleep>", 1, 1.0, 1.0},
        {"~", 0, "<sorted>", 1, 0.1, 0.1},
        {"~", 0, "<built-in method __new__ of type object at 0x7f7d97509f20>", 1, 0.1, 0.1},
    };
    static const fn py313[] = {
        {"~", 0, "<built-in method builtins.len>", 5, 0.1, 0.1},
        {"~", 0, "<method 'append' of 'list' objects>", 5, 0.1, 0.1},
        {"~", 0, "<built-in method time.sleep>", 1, 1.0, 1.0},
        {"~", 0, "<built-in method builtins.exec>", 1, 0.1, 0.1},
        {"~", 0, "<built-in method __new__ of type object at 0x7f6d76109f20>", 1, 0.1, 0.1},
    };
    pv_profile *a = MAKE(py27), *b = MAKE(py313);
    pv_compare *cmp = build(a, b);
    expect_pair(cmp, 0, 0, PV_MATCH_BUILTIN);
    expect_pair(cmp, 1, 1, PV_MATCH_SAME);
    expect_pair(cmp, 2, 2, PV_MATCH_BUILTIN);
    expect_pair(cmp, 3, PV_COMPARE_NONE, PV_MATCH_NEW_ONLY);
    expect_pair(cmp, 4, 4, PV_MATCH_BUILTIN);
    expect_base_only(cmp, 3);
    free_all(cmp, a, b);
}

static void compare_pairs_profile_module_c_functions_only_when_unique(void **state)
{
    (void)state;
    /* The profile module writes ("", 0, "len"); "get" is ambiguous. */
    static const fn prof[] = {
        {"", 0, "len", 5, 0.1, 0.1},
        {"", 0, "get", 5, 0.1, 0.1},
    };
    static const fn cprof[] = {
        {"~", 0, "<built-in method builtins.len>", 5, 0.1, 0.1},
        {"~", 0, "<built-in method get>", 5, 0.1, 0.1},
        {"~", 0, "<built-in function get>", 5, 0.1, 0.1},
    };
    pv_profile *a = MAKE(prof), *b = MAKE(cprof);
    pv_compare *cmp = build(a, b);
    expect_pair(cmp, 0, 0, PV_MATCH_BUILTIN);
    expect_pair(cmp, 1, PV_COMPARE_NONE, PV_MATCH_NEW_ONLY);
    expect_pair(cmp, 2, PV_COMPARE_NONE, PV_MATCH_NEW_ONLY);
    expect_base_only(cmp, 1);
    free_all(cmp, a, b);
}

static void compare_pairs_by_path_suffix_when_prefixes_differ(void **state)
{
    (void)state;
    /* BASE's own files are one folder; NEW also ran a file elsewhere, so its
     * common prefix is shorter: "main.py" against "app/main.py". A file of
     * the same name in two folders could be either: no guess is made. */
    static const fn base[] = {
        {"/home/a/proj/app/main.py", 3, "main", 1, 0.1, 0.1},
        {"/home/a/proj/app/lib.py", 3, "load", 1, 0.1, 0.1},
    };
    static const fn next[] = {
        {"/srv/b/app/main.py", 4, "main", 1, 0.1, 0.1},
        {"/srv/b/tools/lib.py", 3, "load", 1, 0.1, 0.1},
        {"/srv/b/app/lib.py", 3, "load", 1, 0.1, 0.1},
    };
    pv_profile *a = MAKE(base), *b = MAKE(next);
    pv_compare *cmp = build(a, b);
    expect_pair(cmp, 0, 0, PV_MATCH_SUFFIX);
    expect_pair(cmp, 1, PV_COMPARE_NONE, PV_MATCH_NEW_ONLY);
    expect_pair(cmp, 2, PV_COMPARE_NONE, PV_MATCH_NEW_ONLY);
    expect_base_only(cmp, 1);
    free_all(cmp, a, b);
}

static void compare_relative_and_absolute_script_paths_match(void **state)
{
    (void)state;
    /* Python 2 keeps "workload.py" as given; frozen modules and "~" are
     * their own relative path. */
    static const fn base[] = {
        {"workload.py", 4, "<module>", 1, 0.1, 0.1},
        {"<frozen importlib._bootstrap>", 100, "_load", 1, 0.1, 0.1},
    };
    static const fn next[] = {
        {"/home/u/workload.py", 1, "<module>", 1, 0.1, 0.1},
        {"<frozen importlib._bootstrap>", 120, "_load", 1, 0.1, 0.1},
    };
    pv_profile *a = MAKE(base), *b = MAKE(next);
    pv_compare *cmp = build(a, b);
    expect_pair(cmp, 0, 0, PV_MATCH_LINE);
    expect_pair(cmp, 1, 1, PV_MATCH_LINE);
    free_all(cmp, a, b);
}

static void compare_values_give_change_ratio_and_shares(void **state)
{
    (void)state;
    static const fn base[] = {
        {"/p/m.py", 1, "slow", 10, 2.0, 3.0},
        {"/p/m.py", 5, "gone", 2, 1.0, 1.0},
        {"/p/m.py", 9, "zero", 1, 0.0, 0.0},
    };
    static const fn next[] = {
        {"/p/m.py", 1, "slow", 12, 3.0, 6.0},
        {"/p/m.py", 9, "zero", 1, 0.5, 0.5},
        {"/p/m.py", 20, "fresh", 4, 0.5, 0.5},
    };
    pv_profile *a = MAKE(base), *b = MAKE(next);
    pv_compare *cmp = build(a, b);
    pv_compare_values v;
    pv_compare_values_of(cmp, a, b, cmp->row_of_new[0], PV_COMPARE_ABSOLUTE, &v);
    assert_true(v.tottime == 1.0 && v.cumtime == 3.0 && v.ncalls_int == 2 && v.ncalls == 2);
    assert_true(v.ratio_tottime == 1.5 && v.ratio_cumtime == 2.0);
    pv_compare_values_of(cmp, a, b, cmp->row_of_new[1], PV_COMPARE_ABSOLUTE, &v);
    assert_true(isinf(v.ratio_tottime) && v.ratio_tottime > 0); /* from zero */
    pv_compare_values_of(cmp, a, b, cmp->row_of_new[2], PV_COMPARE_ABSOLUTE, &v);
    assert_true(v.tottime == 0.5 && v.ncalls_int == 4 && isinf(v.ratio_tottime)); /* new */
    pv_compare_values_of(cmp, a, b, cmp->row_of_base[1], PV_COMPARE_ABSOLUTE, &v);
    assert_true(v.tottime == -1.0 && v.ncalls_int == -2 && v.ratio_tottime == 0); /* gone */

    /* Normalised: BASE's total is 3 s, NEW's 4 s; calls 13 and 17. */
    pv_compare_values_of(cmp, a, b, cmp->row_of_new[0], PV_COMPARE_NORMALISED, &v);
    assert_true(v.tottime == 100.0 * 3.0 / 4.0 - 100.0 * 2.0 / 3.0);
    assert_true(v.cumtime == 100.0 * 6.0 / 4.0 - 100.0 * 3.0 / 3.0);
    assert_true(v.ncalls == 100.0 * 12 / 17 - 100.0 * 10 / 13);
    assert_true(v.ratio_tottime == (100.0 * 3.0 / 4.0) / (100.0 * 2.0 / 3.0));

    pv_compare_totals t;
    pv_compare_totals_of(a, b, &t);
    assert_true(t.base_time == 3.0 && t.new_time == 4.0 && t.change_time == 1.0);
    assert_true(t.ratio_time == 4.0 / 3.0 && t.change_calls == 4);
    free_all(cmp, a, b);
}

static void compare_sorts_biggest_changes_first_and_nan_last(void **state)
{
    (void)state;
    static const fn base[] = {
        {"/p/m.py", 1, "a", 1, 1.0, 1.0}, /* -0.5 */
        {"/p/m.py", 2, "b", 1, 1.0, 1.0}, /* +2 */
        {"/p/m.py", 3, "c", 1, 0.0, 0.0}, /* 0 -> 0: ratio NAN */
        {"/p/m.py", 4, "d", 1, 1.0, 1.0}, /* gone: -1 */
    };
    static const fn next[] = {
        {"/p/m.py", 1, "a", 1, 0.5, 0.5},
        {"/p/m.py", 2, "b", 1, 3.0, 3.0},
        {"/p/m.py", 3, "c", 1, 0.0, 0.0},
        {"/p/m.py", 5, "e", 1, 0.25, 0.25}, /* new: +0.25, ratio +inf */
    };
    pv_profile *a = MAKE(base), *b = MAKE(next);
    pv_compare *cmp = build(a, b);
    assert_int_equal(cmp->nrows, 5);
    uint32_t order[5];
    pv_error err;
    /* rows: 0 a, 1 b, 2 c, 3 e, 4 d */
    assert_int_equal(
        pv_compare_sort(cmp, a, b, PV_CKEY_CHANGE, PV_COMPARE_ABSOLUTE, true, order, &err), 0);
    uint32_t want_change[] = {1, 4, 0, 3, 2};
    assert_memory_equal(order, want_change, sizeof want_change);
    assert_int_equal(
        pv_compare_sort(cmp, a, b, PV_CKEY_TOTTIME_CHANGE, PV_COMPARE_ABSOLUTE, false, order, &err),
        0);
    uint32_t want_faster[] = {4, 0, 2, 3, 1};
    assert_memory_equal(order, want_faster, sizeof want_faster);
    assert_int_equal(
        pv_compare_sort(cmp, a, b, PV_CKEY_RATIO, PV_COMPARE_ABSOLUTE, true, order, &err), 0);
    uint32_t want_ratio[] = {3, 1, 0, 4, 2}; /* inf, 3, 0.5, 0, NAN */
    assert_memory_equal(order, want_ratio, sizeof want_ratio);
    assert_int_equal(
        pv_compare_sort(cmp, a, b, PV_CKEY_RATIO, PV_COMPARE_ABSOLUTE, false, order, &err), 0);
    uint32_t want_ratio_asc[] = {4, 0, 1, 3, 2}; /* NAN still last */
    assert_memory_equal(order, want_ratio_asc, sizeof want_ratio_asc);
    assert_int_equal(
        pv_compare_sort(cmp, a, b, PV_CKEY_NAME, PV_COMPARE_ABSOLUTE, false, order, &err), 0);
    uint32_t want_name[] = {0, 1, 2, 4, 3};
    assert_memory_equal(order, want_name, sizeof want_name);
    assert_int_equal(pv_compare_key_from_name("ratio"), PV_CKEY_RATIO);
    assert_int_equal(pv_compare_key_from_name("nope"), -1);
    assert_string_equal(pv_compare_key_name(PV_CKEY_CUMCHANGE), "cumchange");
    free_all(cmp, a, b);
}

static void compare_tree_places_carry_base_time_at_the_same_path(void **state)
{
    (void)state;
    /* main -> work -> helper; NEW adds main -> fresh. BASE's main is at
     * another line and file prefix, so places map through the pairs. */
    static const fn base[] = {
        {"/a/app/main.py", 1, "main", 1, 0.0, 4.0},
        {"/a/app/main.py", 10, "work", 1, 1.0, 3.0},
        {"/a/app/util.py", 3, "helper", 1, 2.0, 2.0},
    };
    static const call base_calls[] = {{0, 1, 1, 3.0}, {1, 2, 1, 2.0}};
    static const fn next[] = {
        {"/b/app/main.py", 2, "main", 1, 0.0, 6.0},
        {"/b/app/main.py", 11, "work", 1, 1.0, 4.0},
        {"/b/app/util.py", 3, "helper", 1, 3.0, 3.0},
        {"/b/app/main.py", 30, "fresh", 1, 2.0, 2.0},
    };
    static const call next_calls[] = {{0, 1, 1, 4.0}, {1, 2, 1, 3.0}, {0, 3, 1, 2.0}};
    pv_profile *a = MAKE_CALLS(base, base_calls), *b = MAKE_CALLS(next, next_calls);
    pv_compare *cmp = build(a, b);
    pv_tree_request req;
    pv_tree_request_defaults(&req);
    pv_tree *t = NULL;
    pv_error err;
    assert_int_equal(pv_tree_build(b, &req, &t, &err), 0);
    assert_int_equal(t->nodes[0].func, 0);
    pv_compare_place *pl = NULL;
    int64_t *bpath = NULL;
    size_t blen = 0;
    assert_int_equal(pv_compare_tree_places(cmp, a, b, false, t, &req, &pl, &bpath, &blen, &err),
                     0);
    assert_int_equal(blen, 1);
    assert_int_equal(bpath[0], 0);
    size_t seen = 0;
    for (size_t i = 0; i < t->nnodes; i++) {
        const pv_tree_node *n = &t->nodes[i];
        if (n->func == 0) assert_true(pl[i].present && pl[i].time == 4.0);
        if (n->func == 1) assert_true(pl[i].present && pl[i].time == 3.0 && pl[i].exact);
        if (n->func == 2) assert_true(pl[i].present && pl[i].time == 2.0);
        if (n->func == 3) assert_false(pl[i].present); /* new code */
        seen++;
    }
    assert_int_equal(seen, 4);
    free(pl);
    free(bpath);

    /* BASE's tree with NEW's times: all three have a place in NEW. */
    pv_tree *bt = NULL;
    assert_int_equal(pv_tree_build(a, &req, &bt, &err), 0);
    assert_int_equal(pv_compare_tree_places(cmp, a, b, true, bt, &req, &pl, NULL, NULL, &err), 0);
    for (size_t i = 0; i < bt->nnodes; i++) {
        assert_true(pl[i].present);
        if (bt->nodes[i].func == 2) assert_true(pl[i].time == 3.0);
    }
    free(pl);
    pv_tree_free(bt);

    /* A view root whose path has a function BASE lacks: no places at all. */
    int64_t path[] = {0, 3};
    req.path = path;
    req.path_len = 2;
    pv_tree *sub = NULL;
    assert_int_equal(pv_tree_build(b, &req, &sub, &err), 0);
    assert_int_equal(pv_compare_tree_places(cmp, a, b, false, sub, &req, &pl, &bpath, &blen, &err),
                     0);
    assert_false(pl[0].present);
    assert_null(bpath);
    free(pl);
    pv_tree_free(sub);
    pv_tree_free(t);
    free_all(cmp, a, b);
}

static void compare_tree_places_find_nodes_that_were_tiny_in_base(void **state)
{
    (void)state;
    /* In BASE, tiny is a millionth of main: under the cutoff of the tree the
     * places are looked up in, so it is asked for on its own. */
    static const fn base[] = {
        {"/a/m.py", 1, "main", 1, 1.0, 2.0},
        {"/a/m.py", 5, "big", 1, 1.0, 1.0},
        {"/a/m.py", 9, "tiny", 1, 1e-6, 2e-6},
        {"/a/m.py", 20, "leaf", 1, 1e-6, 1e-6},
    };
    static const call base_calls[] = {{0, 1, 1, 1.0}, {0, 2, 1, 2e-6}, {2, 3, 1, 1e-6}};
    static const fn next[] = {
        {"/a/m.py", 1, "main", 1, 0.0, 3.0},
        {"/a/m.py", 5, "big", 1, 1.0, 1.0},
        {"/a/m.py", 9, "tiny", 1, 1.0, 2.0},
        {"/a/m.py", 20, "leaf", 1, 1.0, 1.0},
    };
    static const call next_calls[] = {{0, 1, 1, 1.0}, {0, 2, 1, 2.0}, {2, 3, 1, 1.0}};
    pv_profile *a = MAKE_CALLS(base, base_calls), *b = MAKE_CALLS(next, next_calls);
    pv_compare *cmp = build(a, b);
    pv_tree_request req;
    pv_tree_request_defaults(&req);
    req.cutoff = 0.01;
    pv_tree *t = NULL;
    pv_error err;
    assert_int_equal(pv_tree_build(b, &req, &t, &err), 0);
    pv_compare_place *pl = NULL;
    assert_int_equal(pv_compare_tree_places(cmp, a, b, false, t, &req, &pl, NULL, NULL, &err), 0);
    size_t found = 0;
    for (size_t i = 0; i < t->nnodes; i++) {
        if (t->nodes[i].func == 2) assert_true(pl[i].present && pl[i].time == 2e-6), found++;
        if (t->nodes[i].func == 3) assert_true(pl[i].present && pl[i].time == 1e-6), found++;
    }
    assert_int_equal(found, 2);
    free(pl);
    pv_tree_free(t);
    free_all(cmp, a, b);
}

/* Sorts ids of p by (name, file, line), ties by id, as a registry would. */
static const pv_profile *sort_profile;
static int by_name(const void *pa, const void *pb)
{
    uint32_t x = *(const uint32_t *)pa, y = *(const uint32_t *)pb;
    const pv_function *a = &sort_profile->functions[x], *b = &sort_profile->functions[y];
    int c = strcmp(a->name, b->name);
    if (!c) c = strcmp(a->file, b->file);
    if (!c && a->line != b->line) c = a->line < b->line ? -1 : 1;
    return c ? c : (x > y) - (x < y);
}

static uint32_t *ids_by_name(const pv_profile *p)
{
    uint32_t *ids = malloc((p->nfunctions + 1) * sizeof *ids);
    assert_non_null(ids);
    for (uint32_t i = 0; i < p->nfunctions; i++)
        ids[i] = i;
    sort_profile = p;
    qsort(ids, p->nfunctions, sizeof *ids, by_name);
    return ids;
}

static void compare_text_order_from_sorted_ids_is_the_sorted_order(void **state)
{
    (void)state;
    static const fn base[] = {
        {"/p/m.py", 1, "b", 1, 1.0, 1.0},    {"/p/m.py", 2, "z_gone", 1, 1.0, 1.0},
        {"/p/m.py", 3, "a", 1, 1.0, 1.0},    {"/p/m.py", 4, "m_gone", 1, 1.0, 1.0},
        {"/p/m.py", 5, "same", 1, 1.0, 1.0},
    };
    static const fn next[] = {
        {"/p/m.py", 1, "b", 1, 1.0, 1.0},     {"/p/m.py", 3, "a", 1, 1.0, 1.0},
        {"/p/m.py", 9, "n_new", 1, 1.0, 1.0}, {"/p/m.py", 5, "same", 1, 1.0, 1.0},
        {"/p/m.py", 6, "same", 1, 1.0, 1.0},
    };
    pv_profile *a = MAKE(base), *b = MAKE(next);
    pv_compare *cmp = build(a, b);
    uint32_t *ia = ids_by_name(a), *ib = ids_by_name(b);
    uint32_t want[8], got[8];
    pv_error err;
    assert_true(cmp->nrows <= 8);
    for (int desc = 0; desc < 2; desc++) {
        assert_int_equal(
            pv_compare_sort(cmp, a, b, PV_CKEY_NAME, PV_COMPARE_ABSOLUTE, desc, want, &err), 0);
        assert_int_equal(pv_compare_sort_text(cmp, a, b, PV_CKEY_NAME, ia, ib, desc, got, &err), 0);
        assert_memory_equal(got, want, cmp->nrows * sizeof *got);
    }
    free(ia);
    free(ib);
    free_all(cmp, a, b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(compare_profile_with_itself_is_all_same),
        cmocka_unit_test(compare_matches_linux_venv_with_windows_install),
        cmocka_unit_test(compare_matches_macos_framework_debian_and_pyenv),
        cmocka_unit_test(compare_keeps_same_named_packages_apart),
        cmocka_unit_test(compare_follows_functions_an_edit_moved),
        cmocka_unit_test(compare_pairs_nearest_lines_when_one_was_removed),
        cmocka_unit_test(compare_pairs_c_functions_across_python_versions),
        cmocka_unit_test(compare_pairs_profile_module_c_functions_only_when_unique),
        cmocka_unit_test(compare_pairs_by_path_suffix_when_prefixes_differ),
        cmocka_unit_test(compare_relative_and_absolute_script_paths_match),
        cmocka_unit_test(compare_values_give_change_ratio_and_shares),
        cmocka_unit_test(compare_sorts_biggest_changes_first_and_nan_last),
        cmocka_unit_test(compare_text_order_from_sorted_ids_is_the_sorted_order),
        cmocka_unit_test(compare_tree_places_carry_base_time_at_the_same_path),
        cmocka_unit_test(compare_tree_places_find_nodes_that_were_tiny_in_base),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
