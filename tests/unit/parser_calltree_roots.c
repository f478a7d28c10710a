/* Tests of the call tree (parser/calltree.c) on hand-made graphs: its root,
 * when a profile has several (a synthetic root holding them, fitted into the
 * program's total; negligible, covered, placeholder and the profiler's own
 * roots left out) or none. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "calltree.h"
#include "profile.h"

#include "graph_builder.h"
#include "tree_checks.h"

static void tree_holds_several_roots_under_a_synthetic_root(void **state)
{
    (void)state;
    /* Two threads' entry points, plus the profiler's own negligible root;
     * the program ran 8 s in all (the sum of own times). */
    static const gfnx fns[] = {{"t1", 1, 1, 5, 2},
                               {"t2", 1, 1, 3, 2},
                               {"work", 2, 2, 4, 4},
                               {"disable", 1, 1, 1e-6, 1e-6}};
    static const gcall calls[] = {{0, 2, 1, 3}, {1, 2, 1, 1}};
    pv_profile *p = GRAPHX(fns, calls);
    pv_tree *t = build(p, NULL, 0, 10, 0, 5000);
    assert_int_equal(t->nodes[0].func, PV_TREE_SYNTHETIC_ROOT);
    assert_true(t->nodes[0].time == 5 + 3 + 1e-6);
    assert_int_equal(t->nodes[0].calls, 3);
    assert_true(t->nodes[0].exact);
    assert_int_equal(t->path_len, 0);
    assert_int_equal(t->nodes[0].nchildren, 3);
    const pv_tree_node *r = &t->nodes[t->nodes[0].first_child];
    assert_int_equal(r[0].func, 0);
    assert_int_equal(r[1].func, 1);
    assert_int_equal(r[2].func, 3);
    for (int i = 0; i < 3; i++)
        assert_true(r[i].exact);
    /* work is under both threads, each with its own edge. */
    long w1 = child(t, t->nodes[0].first_child, 2);
    long w2 = child(t, t->nodes[0].first_child + 1, 2);
    assert_true(w1 > 0 && w2 > 0);
    assert_true(t->nodes[w1].time == 3);
    assert_true(t->nodes[w2].time == 1);
    assert_true(t->nodes[w1].exact);
    /* The synthetic root is not part of paths: a root is the first step. */
    int64_t path[] = {1, 2};
    pv_tree *sub = build(p, path, 2, 10, 0, 5000);
    assert_int_equal(sub->nodes[0].func, 2);
    assert_true(sub->nodes[0].time == 1);
    check_widths(t);
    pv_tree_free(sub);
    pv_tree_free(t);
    pv_profile_free(p);
}

static void tree_fits_overlapping_roots_into_the_program_total(void **state)
{
    (void)state;
    /* yappi: <module> is a root and is also called by runpy's _run_code,
     * itself a root; the program ran 5 s, not 10. */
    static const gfnx fns[] = {
        {"_run_code", 1, 1, 5, 0.01}, {"<module>", 2, 2, 5, 1}, {"work", 1, 1, 3.99, 3.99}};
    static const gcall calls[] = {{0, 1, 1, 5}, {1, 2, 1, 3.99}};
    pv_profile *p = GRAPHX(fns, calls);
    pv_tree *t = build(p, NULL, 0, 10, 0, 5000);
    assert_int_equal(t->nodes[0].func, PV_TREE_SYNTHETIC_ROOT);
    assert_near(t->nodes[0].time, 5, 1e-12);
    /* The program once: one root holds it, the other adds nothing. */
    double sum = 0;
    for (uint32_t i = 0; i < t->nodes[0].nchildren; i++)
        sum += t->nodes[t->nodes[0].first_child + i].time;
    assert_true(sum <= t->nodes[0].time);
    assert_int_equal(t->nodes[0].nchildren, 1);
    check_widths(t);
    pv_tree_free(t);
    pv_profile_free(p);
}

static void tree_ignores_negligible_extra_roots(void **state)
{
    (void)state;
    static const gfn fns[] = {{"exec", 1, 10}, {"disable", 1, 0.05}, {"a", 1, 9}};
    static const gcall calls[] = {{0, 2, 1, 9}};
    pv_profile *p = GRAPH(fns, calls);
    pv_tree *t = build(p, NULL, 0, 10, 0, 5000);
    assert_int_equal(t->nodes[0].func, 0);
    assert_true(t->nodes[0].time == 10);
    pv_tree_free(t);
    pv_profile_free(p);
}

static void tree_leaves_roots_covered_by_their_callers_out_of_the_synthetic_root(void **state)
{
    (void)state;
    /* helper is called once from outside but 99 times from main: its time
     * is shown under main already. */
    static const gfnx fns[] = {
        {"main", 1, 1, 10, 5.1}, {"helper", 100, 100, 5, 5}, {"thread", 1, 1, 3, 3}};
    static const gcall calls[] = {{0, 1, 99, 4.9}};
    pv_profile *p = GRAPHX(fns, calls);
    pv_tree *t = build(p, NULL, 0, 10, 0, 5000);
    assert_int_equal(t->nodes[0].func, PV_TREE_SYNTHETIC_ROOT);
    assert_int_equal(t->nodes[0].nchildren, 2);
    assert_int_equal(t->nodes[1].func, 0);
    assert_int_equal(t->nodes[2].func, 2);
    assert_true(t->nodes[0].time == 13);
    pv_tree_free(t);
    pv_profile_free(p);
}

static void tree_root_is_never_smaller_than_the_largest_cumtime(void **state)
{
    (void)state;
    /* Hand-made data where a callee's cumtime exceeds its root's. */
    static const gfn fns[] = {{"main", 1, 2}, {"x", 1, 5}};
    static const gcall calls[] = {{0, 1, 1, 2}};
    pv_profile *p = GRAPH(fns, calls);
    pv_tree *t = build(p, NULL, 0, 10, 0, 5000);
    assert_int_equal(t->nodes[0].func, PV_TREE_SYNTHETIC_ROOT);
    assert_true(t->nodes[0].time == 5);
    assert_int_equal(t->nodes[0].nchildren, 1);
    assert_true(t->nodes[1].time == 2);
    check_widths(t);
    pv_tree_free(t);
    pv_profile_free(p);
}

static void tree_looks_through_the_profile_module_placeholder_root(void **state)
{
    (void)state;
    /* python -m profile writes a ("profile", 0, "profiler") frame with no
     * calls and no time as the caller of the program. */
    static const gfn fns[] = {{"profiler", 0, 0}, {"<module>", 1, 5}, {"a", 1, 3}};
    static const char *const files[] = {"profile", "t.py", "t.py"};
    static const gcall calls[] = {{0, 1, 1, NAN}, {1, 2, 1, NAN}};
    pv_profile *p = graph_make_in(fns, files, 3, calls, 2);
    pv_tree *t = build(p, NULL, 0, 10, 0.001, 5000);
    assert_int_equal(t->nodes[0].func, 1);
    assert_true(t->nodes[0].time == 5);
    assert_true(t->nodes[0].exact);
    assert_int_equal(t->path_len, 1);
    assert_int_equal(t->path[0], 1);
    long a = child(t, 0, 2);
    assert_true(a > 0);
    /* Its only caller made all its calls: its whole cumtime, the table's number. */
    assert_near(t->nodes[a].time, 3, 1e-12);
    assert_true(t->nodes[a].exact);
    pv_tree_free(t);
    pv_profile_free(p);
}

static void tree_ignores_the_profilers_own_disable_root(void **state)
{
    (void)state;
    /* A 0.1 ms program: cProfile's disable() is 8% of it, still not a root
     * of the program. */
    static const gfn fns[] = {{"<built-in method builtins.exec>", 1, 1e-4},
                              {"<module>", 1, 9.9e-5},
                              {"<method 'disable' of '_lsprof.Profiler' objects>", 1, 8e-6}};
    static const char *const files[] = {"~", "t.py", "~"};
    static const gcall calls[] = {{0, 1, 1, 9.9e-5}};
    pv_profile *p = graph_make_in(fns, files, 3, calls, 1);
    pv_tree *t = build(p, NULL, 0, 10, 0.001, 5000);
    assert_int_equal(t->nodes[0].func, 0);
    assert_true(t->nodes[0].time == 1e-4);
    pv_tree_free(t);
    pv_profile_free(p);
}

static void tree_of_empty_profile_is_a_lone_synthetic_root(void **state)
{
    (void)state;
    pv_error err;
    pv_profile *p = pv_builder_finish(pv_builder_new(), &err);
    assert_non_null(p);
    pv_tree *t = build(p, NULL, 0, 10, 0.001, 5000);
    assert_int_equal(t->nnodes, 1);
    assert_int_equal(t->nodes[0].func, PV_TREE_SYNTHETIC_ROOT);
    assert_true(t->nodes[0].time == 0);
    assert_false(t->nodes[0].more);
    pv_tree_free(t);
    pv_profile_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(tree_holds_several_roots_under_a_synthetic_root),
        cmocka_unit_test(tree_fits_overlapping_roots_into_the_program_total),
        cmocka_unit_test(tree_ignores_negligible_extra_roots),
        cmocka_unit_test(tree_leaves_roots_covered_by_their_callers_out_of_the_synthetic_root),
        cmocka_unit_test(tree_root_is_never_smaller_than_the_largest_cumtime),
        cmocka_unit_test(tree_looks_through_the_profile_module_placeholder_root),
        cmocka_unit_test(tree_ignores_the_profilers_own_disable_root),
        cmocka_unit_test(tree_of_empty_profile_is_a_lone_synthetic_root),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
