/* Tests of the call tree (parser/calltree.c) on hand-made graphs: what a
 * tree looks like (its root, children in descending time that fit in their
 * parent, recursion drawn as re-entries, exact and estimated nodes, which
 * caller a callee's time goes to). Roots are in parser_calltree_roots.c, the
 * request (path, depth, cutoff, node budget) in parser_calltree_request.c. */
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

/* Whether func appears anywhere in the subtree of node idx. */
static bool subtree_has(const pv_tree *t, size_t idx, int64_t func)
{
    const pv_tree_node *n = &t->nodes[idx];
    for (uint32_t i = 0; i < n->nchildren; i++)
        if (t->nodes[n->first_child + i].func == func || subtree_has(t, n->first_child + i, func))
            return true;
    return false;
}

static void tree_root_is_the_single_root_that_carries_the_program(void **state)
{
    (void)state;
    static const gfn fns[] = {{"main", 1, 10}, {"a", 1, 6}, {"b", 2, 3}, {"disable", 1, 1e-6}};
    static const gcall calls[] = {{0, 1, 1, 6}, {0, 2, 2, 3}};
    pv_profile *p = GRAPH(fns, calls);
    pv_tree *t = build(p, NULL, 0, 10, 0.001, 5000);

    assert_int_equal(t->nodes[0].func, 0);
    assert_true(t->nodes[0].time == 10);
    assert_int_equal(t->nodes[0].calls, 1);
    assert_true(t->nodes[0].exact);
    assert_false(t->nodes[0].more);
    assert_int_equal(t->nodes[0].nchildren, 2);
    const pv_tree_node *a = &t->nodes[t->nodes[0].first_child];
    assert_int_equal(a->func, 1);
    assert_true(a->time == 6);
    assert_int_equal(a->calls, 1);
    assert_int_equal(a[1].func, 2);
    assert_true(a[1].time == 3);
    assert_int_equal(a[1].calls, 2);
    /* An empty path resolves to the real root, so path + child id works. */
    assert_int_equal(t->path_len, 1);
    assert_int_equal(t->path[0], 0);
    check_widths(t);
    pv_tree_free(t);
    pv_profile_free(p);
}

static void tree_children_are_sorted_by_descending_time(void **state)
{
    (void)state;
    static const gfn fns[] = {{"main", 1, 10}, {"a", 1, 1}, {"b", 1, 5}, {"c", 1, 3}};
    static const gcall calls[] = {{0, 1, 1, 1}, {0, 2, 1, 5}, {0, 3, 1, 3}};
    pv_profile *p = GRAPH(fns, calls);
    pv_tree *t = build(p, NULL, 0, 10, 0, 5000);
    assert_int_equal(t->nodes[0].nchildren, 3);
    assert_int_equal(t->nodes[1].func, 2);
    assert_int_equal(t->nodes[2].func, 3);
    assert_int_equal(t->nodes[3].func, 1);
    pv_tree_free(t);
    pv_profile_free(p);
}

static void tree_draws_a_recursive_call_as_a_re_entry(void **state)
{
    (void)state;
    static const gfnx fns[] = {{"main", 1, 1, 10, 2}, {"f", 5, 1, 8, 1}, {"g", 5, 5, 2, 2}};
    /* f calls itself 4 times (7 s nested) and g 5 times (2 s in all). */
    static const gcall calls[] = {{0, 1, 1, 8}, {1, 1, 4, 7}, {1, 2, 5, 2}};
    pv_profile *p = GRAPHX(fns, calls);
    pv_tree *t = build(p, NULL, 0, 10, 0, 5000);
    long f = child(t, 0, 1);
    assert_true(f > 0);
    assert_true(t->nodes[f].time == 8);
    assert_true(t->nodes[f].exact);
    /* Largest first: the re-entry holds its whole edge, g what is left. */
    long again = child(t, (size_t)f, 1), g = child(t, (size_t)f, 2);
    assert_true(again > 0 && g > 0);
    assert_true(t->nodes[again].reentry);
    assert_true(t->nodes[again].time == 7);
    assert_true(t->nodes[again].exact);
    assert_true(t->nodes[g].time == 1);
    assert_false(t->nodes[g].exact);
    assert_int_equal(t->nodes[g].why, PV_TREE_RECURSIVE_PARENT);
    /* The re-entry goes on into g with the nested time f had no room for,
     * so g adds up to its cumtime, and never re-enters f again. */
    long g2 = child(t, (size_t)again, 2);
    assert_true(g2 > 0);
    assert_near(t->nodes[g2].time, 1, 1e-12);
    assert_false(t->nodes[g2].reentry);
    assert_int_equal(child(t, (size_t)again, 1), -1);
    /* A re-entry is a step of a path; a path stays finite. */
    int64_t path[] = {0, 1, 1};
    pv_tree *sub = build(p, path, 3, 10, 0, 5000);
    assert_true(sub->nodes[0].reentry);
    assert_true(sub->nodes[0].time == 7);
    pv_tree_free(sub);
    expect_bad_path(p, (int64_t[]){0, 1, 1, 1}, 4, 3,
                    "path step 3: function 1 is not a child of function 1");
    check_widths(t);
    pv_tree_free(t);
    pv_profile_free(p);
}

static void tree_draws_mutual_recursion_as_a_re_entry_with_nothing_left(void **state)
{
    (void)state;
    static const gfnx fns[] = {
        {"main", 1, 1, 10, 1}, {"a", 3, 1, 9, 1}, {"b", 3, 1, 8, 1}, {"c", 1, 1, 1, 1}};
    static const gcall calls[] = {{0, 1, 1, 9}, {1, 2, 3, 8}, {2, 1, 2, 6}, {2, 3, 1, 1}};
    pv_profile *p = GRAPHX(fns, calls);
    pv_tree *t = build(p, NULL, 0, 50, 0, 5000);
    long a = child(t, 0, 1);
    assert_true(a > 0);
    long b = child(t, (size_t)a, 2);
    assert_true(b > 0);
    /* a and b show their whole cumtime: measured. */
    assert_true(t->nodes[a].exact && t->nodes[b].exact);
    /* Under main -> a -> b: a again (a re-entry) and c. */
    assert_int_equal(t->nodes[b].nchildren, 2);
    long again = child(t, (size_t)b, 1);
    assert_true(again > 0);
    assert_true(t->nodes[again].reentry);
    assert_true(t->nodes[again].time == 6);
    /* Every callee of a's cycle is on the path and was given all its time
     * above: the re-entry has nothing to go on with. */
    assert_int_equal(t->nodes[again].nchildren, 0);
    assert_false(t->nodes[again].more);
    assert_true(child(t, (size_t)b, 3) > 0);
    /* The re-entry is a path step; its own children never repeat the path. */
    int64_t path[] = {0, 1, 2, 1};
    pv_tree *sub = build(p, path, 4, 10, 0, 5000);
    assert_true(sub->nodes[0].reentry);
    assert_int_equal(sub->nodes[0].nchildren, 0);
    pv_tree_free(sub);
    expect_bad_path(p, (int64_t[]){0, 1, 2, 1, 2}, 5, 4,
                    "path step 4: function 2 is not a child of function 1");
    check_widths(t);
    pv_tree_free(t);
    pv_profile_free(p);
}

static void tree_fits_children_largest_first_when_edges_exceed_parent(void **state)
{
    (void)state;
    static const gfn fns[] = {{"main", 1, 10}, {"a", 1, 4}, {"b", 1, 3}, {"c", 1, 3}};
    static const gcall calls[] = {{0, 1, 1, 4}, {1, 2, 1, 3}, {1, 3, 1, 3}};
    pv_profile *p = GRAPH(fns, calls);
    pv_tree *t = build(p, NULL, 0, 10, 0, 5000);
    long a = child(t, 0, 1);
    assert_true(a > 0);
    assert_true(t->nodes[a].exact);
    long b = child(t, (size_t)a, 2), c = child(t, (size_t)a, 3);
    assert_true(b > 0 && c > 0);
    /* 3 + 3 > 4: b (first by id among equals) keeps its measured 3 s, c
     * gets what is left and is an estimate. Nothing is shrunk in proportion. */
    assert_true(t->nodes[b].time == 3);
    assert_true(t->nodes[b].exact);
    assert_near(t->nodes[c].time, 1, 1e-12);
    assert_false(t->nodes[c].exact);
    assert_int_equal(t->nodes[c].why, PV_TREE_RECURSIVE_PARENT);
    assert_int_equal(t->nodes[b].calls, 1);
    check_widths(t);
    pv_tree_free(t);
    pv_profile_free(p);
}

static void tree_marks_exact_and_estimated_nodes(void **state)
{
    (void)state;
    /* main -> a -> b: single callers all the way, measured.
     * main -> a -> c and main -> d -> c: c has two callers, so its edges are
     * measured but c's own children (e) are shares: estimates. */
    static const gfn fns[] = {{"main", 1, 10}, {"a", 1, 6}, {"b", 1, 2},
                              {"c", 2, 3},     {"d", 1, 3}, {"e", 2, 2}};
    static const gcall calls[] = {{0, 1, 1, 6}, {0, 4, 1, 3}, {1, 2, 1, 2},
                                  {1, 3, 1, 2}, {4, 3, 1, 1}, {3, 5, 2, 2}};
    pv_profile *p = GRAPH(fns, calls);
    pv_tree *t = build(p, NULL, 0, 10, 0, 5000);
    assert_true(t->nodes[0].exact);
    long a = child(t, 0, 1), d = child(t, 0, 4);
    assert_true(t->nodes[a].exact);
    assert_true(t->nodes[d].exact);
    long b = child(t, (size_t)a, 2), ca = child(t, (size_t)a, 3), cd = child(t, (size_t)d, 3);
    assert_true(t->nodes[b].exact);
    assert_true(t->nodes[ca].exact);
    assert_true(t->nodes[cd].exact);
    assert_int_equal(t->nodes[ca].why, PV_TREE_MEASURED);
    assert_true(t->nodes[ca].time == 2);
    assert_true(t->nodes[cd].time == 1);
    long ea = child(t, (size_t)ca, 5), ed = child(t, (size_t)cd, 5);
    assert_true(ea > 0 && ed > 0);
    assert_false(t->nodes[ea].exact);
    assert_false(t->nodes[ed].exact);
    assert_int_equal(t->nodes[ea].why, PV_TREE_SEVERAL_CALLERS);
    assert_string_equal(pv_tree_why_name(t->nodes[ea].why), "several-callers");
    assert_null(pv_tree_why_name(PV_TREE_MEASURED));
    /* Each branch gets c's part of the edge: 2/3 and 1/3 of e, together
     * exactly e's cumtime. */
    assert_near(t->nodes[ea].time, 4.0 / 3, 1e-12);
    assert_near(t->nodes[ed].time, 2.0 / 3, 1e-12);
    /* Below an estimate, an estimate. */
    check_widths(t);
    pv_tree_free(t);
    pv_profile_free(p);
}

static void tree_estimates_count_only_edges(void **state)
{
    (void)state;
    /* python -m profile: edges carry call counts only. */
    static const gfn fns[] = {{"main", 1, 10}, {"a", 2, 4}, {"b", 3, 3}};
    static const gcall calls[] = {{0, 1, 1, NAN}, {0, 2, 3, NAN}, {2, 1, 1, NAN}};
    pv_profile *p = GRAPH(fns, calls);
    pv_tree *t = build(p, NULL, 0, 10, 0, 5000);
    assert_true(t->nodes[0].exact);
    long a = child(t, 0, 1), b = child(t, 0, 2);
    assert_true(a > 0 && b > 0);
    /* a: 1 of its 2 calls come from main, so half its cumtime. */
    assert_near(t->nodes[a].time, 2, 1e-12);
    assert_int_equal(t->nodes[a].calls, 1);
    assert_false(t->nodes[a].exact);
    assert_int_equal(t->nodes[a].why, PV_TREE_CALLS_ONLY);
    /* b: all of its calls come from main: its whole cumtime, measured. */
    assert_near(t->nodes[b].time, 3, 1e-12);
    assert_int_equal(t->nodes[b].calls, 3);
    assert_true(t->nodes[b].exact);
    long ab = child(t, (size_t)b, 1);
    assert_true(ab > 0);
    assert_near(t->nodes[ab].time, 2, 1e-12);
    assert_false(t->nodes[ab].exact);
    check_widths(t);
    pv_tree_free(t);
    pv_profile_free(p);
}

static void tree_gives_the_script_the_whole_recursive_exec_root(void **state)
{
    (void)state;
    /* python -m cProfile script.py: exec runs the script (10 s), and every
     * import runs a module through exec again, nested in the script: m1
     * (3 s) imports m2 (1 s). exec's edges add up to 14 s under 10 s. */
    enum { EXEC, SCRIPT, MAIN, FAL, CWFR, M1, M2, WORK };
    static const gfnx fns[] = {[EXEC] = {"exec", 3, 1, 10, 0.001},
                               [SCRIPT] = {"<module>", 1, 1, 10, 0.1},
                               [MAIN] = {"main", 1, 1, 6.9, 0.1},
                               [FAL] = {"_find_and_load", 2, 1, 3, 0.1},
                               [CWFR] = {"_call_with_frames_removed", 2, 1, 2.9, 0.1},
                               [M1] = {"<module>", 1, 1, 2.8, 0.8},
                               [M2] = {"<module>", 1, 1, 1, 1},
                               [WORK] = {"work", 1, 1, 6.8, 6.8}};
    static const gcall calls[] = {
        {EXEC, SCRIPT, 1, 10}, {EXEC, M1, 1, 2.8},     {EXEC, M2, 1, 1},
        {SCRIPT, FAL, 1, 3},   {SCRIPT, MAIN, 1, 6.9}, {MAIN, WORK, 1, 6.8},
        {FAL, CWFR, 2, 2.9},   {CWFR, EXEC, 2, 2.8},   {M1, FAL, 1, 1.1}};
    static const char *const files[] = {"~",        "s.py",  "s.py",  "<frozen>",
                                        "<frozen>", "m1.py", "m2.py", "s.py"};
    pv_profile *p = graph_make_x(NULL, fns, files, 8, calls, 9);
    pv_tree *t = build(p, NULL, 0, 30, 0, 5000);
    assert_int_equal(t->nodes[0].func, EXEC);
    /* The script's module and main show the table's cumtime, measured. */
    long s = child(t, 0, SCRIPT);
    assert_true(s > 0);
    assert_true(t->nodes[s].time == 10);
    assert_true(t->nodes[s].exact);
    long m = child(t, (size_t)s, MAIN);
    assert_true(t->nodes[m].time == 6.9);
    assert_true(t->nodes[m].exact);
    assert_true(t->nodes[child(t, (size_t)m, WORK)].exact);
    /* The imported modules are not hung under exec's root a second time. */
    assert_int_equal(child(t, 0, M1), -1);
    assert_int_equal(child(t, 0, M2), -1);
    /* They are under the import: exec re-entered, m1 with its whole time. */
    long fal = child(t, (size_t)s, FAL), cwfr = child(t, (size_t)fal, CWFR);
    long again = child(t, (size_t)cwfr, EXEC);
    assert_true(again > 0);
    assert_true(t->nodes[again].reentry);
    long m1 = child(t, (size_t)again, M1);
    assert_true(m1 > 0);
    assert_near(t->nodes[m1].time, 2.8, 1e-12);
    /* m1's own import re-enters _find_and_load and goes on to m2. */
    long fal2 = child(t, (size_t)m1, FAL);
    assert_true(fal2 > 0 && t->nodes[fal2].reentry);
    assert_true(subtree_has(t, (size_t)fal2, M2));
    check_widths(t);
    pv_tree_free(t);
    pv_profile_free(p);
}

static void tree_follows_runpy_into_the_module(void **state)
{
    (void)state;
    /* python -m cProfile -m pkg: exec -> <string> -> run_module -> _run_code
     * -> exec again -> pkg's __main__ module -> main. */
    enum { EXEC, STRING, RUNMOD, RUNCODE, PKGMAIN, MAIN };
    static const gfnx fns[] = {
        [EXEC] = {"exec", 2, 1, 5, 0.001},         [STRING] = {"<module>", 1, 1, 5, 0.001},
        [RUNMOD] = {"run_module", 1, 1, 5, 0.01},  [RUNCODE] = {"_run_code", 1, 1, 4.9, 0.01},
        [PKGMAIN] = {"<module>", 1, 1, 4.8, 0.01}, [MAIN] = {"main", 1, 1, 4.7, 4.7}};
    static const gcall calls[] = {{EXEC, STRING, 1, 5},      {STRING, RUNMOD, 1, 5},
                                  {RUNMOD, RUNCODE, 1, 4.9}, {RUNCODE, EXEC, 1, 4.89},
                                  {EXEC, PKGMAIN, 1, 4.8},   {PKGMAIN, MAIN, 1, 4.7}};
    pv_profile *p = GRAPHX(fns, calls);
    pv_tree *t = build(p, NULL, 0, 30, 0, 5000);
    long s = child(t, 0, STRING), r = child(t, (size_t)s, RUNMOD), c = child(t, (size_t)r, RUNCODE);
    long again = child(t, (size_t)c, EXEC);
    assert_true(again > 0 && t->nodes[again].reentry);
    long pm = child(t, (size_t)again, PKGMAIN);
    assert_true(pm > 0);
    /* Not a dead end, and the user's module and main are the table's. */
    assert_true(t->nodes[pm].time == 4.8);
    assert_true(t->nodes[pm].exact);
    long m = child(t, (size_t)pm, MAIN);
    assert_true(t->nodes[m].time == 4.7);
    assert_true(t->nodes[m].exact);
    /* Nothing of the module at exec's own level. */
    assert_int_equal(child(t, 0, PKGMAIN), -1);
    pv_tree_free(t);
    pv_profile_free(p);
}

static void tree_gives_a_once_called_callee_to_the_caller_that_made_the_call(void **state)
{
    (void)state;
    /* runpy.run_path: exec is called by _run_code (the script, 10 s) and by
     * imports (two modules, 1 s each); its node under _run_code is 10 of its
     * 12 s, yet the script, called once, is all under _run_code. */
    enum { RUNPATH, RUNCODE, CWFR, EXEC, SCRIPT, M1, M2 };
    static const gfnx fns[] = {[RUNPATH] = {"run_path", 1, 1, 12.1, 0.1},
                               [RUNCODE] = {"_run_code", 1, 1, 10, 0.001},
                               [CWFR] = {"_call_with_frames_removed", 2, 2, 2, 0.001},
                               [EXEC] = {"exec", 3, 3, 12, 0.01},
                               [SCRIPT] = {"<module>", 1, 1, 9.99, 9.99},
                               [M1] = {"<module>", 1, 1, 1, 1},
                               [M2] = {"<module>", 1, 1, 0.99, 0.99}};
    static const gcall calls[] = {{RUNPATH, RUNCODE, 1, 10}, {RUNPATH, CWFR, 2, 2},
                                  {RUNCODE, EXEC, 1, 10},    {CWFR, EXEC, 2, 2},
                                  {EXEC, SCRIPT, 1, 9.99},   {EXEC, M1, 1, 1},
                                  {EXEC, M2, 1, 0.99}};
    pv_profile *p = GRAPHX(fns, calls);
    pv_tree *t = build(p, NULL, 0, 10, 0, 5000);
    long rc = child(t, 0, RUNCODE), e1 = child(t, (size_t)rc, EXEC);
    assert_true(e1 > 0);
    assert_true(t->nodes[e1].time == 10); /* the measured edge: 10 of exec's 12 s */
    long s = child(t, (size_t)e1, SCRIPT);
    assert_true(s > 0);
    assert_true(t->nodes[s].time == 9.99);
    assert_true(t->nodes[s].exact);
    /* The modules are under the imports' exec, not under runpy's. */
    assert_int_equal(child(t, (size_t)e1, M1), -1);
    long cw = child(t, 0, CWFR), e2 = child(t, (size_t)cw, EXEC);
    assert_near(t->nodes[child(t, (size_t)e2, M1)].time, 1, 1e-12);
    assert_near(t->nodes[child(t, (size_t)e2, M2)].time, 0.99, 1e-12);
    assert_int_equal(child(t, (size_t)e2, SCRIPT), -1);
    check_widths(t);
    pv_tree_free(t);
    pv_profile_free(p);
}

static void tree_goes_on_from_a_re_entry_into_its_cycle(void **state)
{
    (void)state;
    /* unittest: suite.__call__ -> suite.run -> suite.__call__ (a nested
     * suite) -> ...; the tests run from suite.run. */
    enum { MAIN, CALL, RUN, CASE };
    static const gfnx fns[] = {[MAIN] = {"main", 1, 1, 10, 0.1},
                               [CALL] = {"__call__", 2, 1, 9.9, 0.01},
                               [RUN] = {"run", 2, 1, 9.9, 0.1},
                               [CASE] = {"case", 10, 10, 9.7, 9.7}};
    static const gcall calls[] = {
        {MAIN, CALL, 1, 9.9}, {CALL, RUN, 2, 9.9}, {RUN, CALL, 1, 9.8}, {RUN, CASE, 10, 9.7}};
    pv_profile *p = GRAPHX(fns, calls);
    pv_tree *t = build(p, NULL, 0, 30, 0, 5000);
    long outer = child(t, 0, CALL), run = child(t, (size_t)outer, RUN);
    long again = child(t, (size_t)run, CALL);
    assert_true(again > 0 && t->nodes[again].reentry);
    /* __call__'s own callee (run) is on the path: the re-entry goes on with
     * run's callees, so the tests are under it. */
    long c = child(t, (size_t)again, CASE);
    assert_true(c > 0);
    /* The tests add up to their cumtime: beside the re-entry and under it. */
    long c0 = child(t, (size_t)run, CASE);
    double sum = t->nodes[c].time + (c0 > 0 ? t->nodes[c0].time : 0);
    assert_near(sum, 9.7, 1e-9);
    check_widths(t);
    pv_tree_free(t);
    pv_profile_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(tree_root_is_the_single_root_that_carries_the_program),
        cmocka_unit_test(tree_children_are_sorted_by_descending_time),
        cmocka_unit_test(tree_draws_a_recursive_call_as_a_re_entry),
        cmocka_unit_test(tree_draws_mutual_recursion_as_a_re_entry_with_nothing_left),
        cmocka_unit_test(tree_fits_children_largest_first_when_edges_exceed_parent),
        cmocka_unit_test(tree_marks_exact_and_estimated_nodes),
        cmocka_unit_test(tree_estimates_count_only_edges),
        cmocka_unit_test(tree_gives_the_script_the_whole_recursive_exec_root),
        cmocka_unit_test(tree_follows_runpy_into_the_module),
        cmocka_unit_test(tree_gives_a_once_called_callee_to_the_caller_that_made_the_call),
        cmocka_unit_test(tree_goes_on_from_a_re_entry_into_its_cycle),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
