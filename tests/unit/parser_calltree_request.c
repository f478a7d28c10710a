/* Tests of the call tree (parser/calltree.c) on hand-made and pseudo-random
 * graphs: what a request asks for. A path to a subtree, the depth limit, the
 * cutoff and the node budget (what each cuts, marks as "more" and reports
 * as hidden), and requests that are refused or left to their defaults. */
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

/* Index of node idx's parent (idx > 0). */
static size_t parent_of(const pv_tree *t, size_t idx)
{
    for (size_t j = 0; j < t->nnodes; j++)
        if (t->nodes[j].nchildren && idx >= t->nodes[j].first_child &&
            idx < t->nodes[j].first_child + t->nodes[j].nchildren)
            return j;
    fail_msg("node %zu has no parent", idx);
    return 0;
}

/* A deterministic pseudo-random graph with recursion, shared callees and
 * edges that add up to more than their caller, rooted at function 0. */
static pv_profile *make_random_profile(uint32_t nfns, uint32_t nedges, uint32_t seed)
{
    char(*names)[16] = calloc(nfns, sizeof *names);
    gfn *fns = calloc(nfns, sizeof *fns);
    gcall *calls = calloc(nedges + nfns, sizeof *calls);
    assert_non_null(names);
    assert_non_null(fns);
    assert_non_null(calls);
    uint32_t x = seed;
#define NEXT() (x = x * 1664525u + 1013904223u, x >> 8)
    for (uint32_t i = 0; i < nfns; i++) {
        snprintf(names[i], sizeof names[i], "f%u", i);
        fns[i].name = names[i];
        fns[i].ncalls = 1 + NEXT() % 50;
        fns[i].cumtime = i == 0 ? 100.0 : (double)(NEXT() % 10000) / 100.0 / (1 + i / 10);
    }
    size_t n = 0;
    /* A spanning chain of calls keeps everything reachable from function 0. */
    for (uint32_t i = 1; i < nfns; i++) {
        int caller = (int)(NEXT() % i); /* one draw per statement: a fixed order */
        int64_t ncalls = 1 + NEXT() % 5;
        calls[n++] = (gcall){caller, (int)i, ncalls, fns[i].cumtime / 2};
    }
    for (uint32_t k = 0; k < nedges; k++) {
        int a = (int)(NEXT() % nfns), b = 1 + (int)(NEXT() % (nfns - 1));
        bool dup = false;
        for (size_t j = 0; j < n && !dup; j++)
            dup = calls[j].caller == a && calls[j].callee == b;
        if (dup) continue;
        int64_t ncalls = 1 + NEXT() % 5;
        double share = (double)(NEXT() % 100) / 100.0;
        calls[n++] = (gcall){a, b, ncalls, fns[b].cumtime * share};
    }
#undef NEXT
    /* Every call is accounted for by a caller, so function 0 is the only root. */
    for (uint32_t i = 1; i < nfns; i++)
        fns[i].ncalls = 0;
    for (size_t k = 0; k < n; k++)
        fns[calls[k].callee].ncalls += calls[k].ncalls;
    pv_profile *p = graph_make(fns, nfns, calls, n);
    free(names);
    free(fns);
    free(calls);
    return p;
}

/* Compares node x of tree a with node y of tree b. */
static void assert_same_node(const pv_tree *a, size_t x, const pv_tree *b, size_t y)
{
    const pv_tree_node *n = &a->nodes[x], *m = &b->nodes[y];
    assert_int_equal(n->func, m->func);
    if (n->time != m->time)
        fail_msg("func %lld: time %.17g != %.17g", (long long)n->func, n->time, m->time);
    assert_int_equal(n->calls, m->calls);
    assert_int_equal(n->exact, m->exact);
}

static void tree_with_path_of_the_root_alone_equals_the_default_tree(void **state)
{
    (void)state;
    static const gfn fns[] = {{"main", 1, 10}, {"a", 1, 6}, {"b", 2, 3}};
    static const gcall calls[] = {{0, 1, 1, 6}, {0, 2, 2, 3}, {1, 2, 1, 1}};
    pv_profile *p = GRAPH(fns, calls);
    pv_tree *t1 = build(p, NULL, 0, 10, 0, 5000);
    int64_t path[] = {0};
    pv_tree *t2 = build(p, path, 1, 10, 0, 5000);
    assert_int_equal(t1->nnodes, t2->nnodes);
    for (size_t i = 0; i < t1->nnodes; i++) {
        assert_same_node(t1, i, t2, i);
        assert_int_equal(t1->nodes[i].more, t2->nodes[i].more);
        assert_int_equal(t1->nodes[i].first_child, t2->nodes[i].first_child);
        assert_int_equal(t1->nodes[i].nchildren, t2->nodes[i].nchildren);
    }
    assert_int_equal(t2->path_len, 1);
    pv_tree_free(t1);
    pv_tree_free(t2);
    pv_profile_free(p);
}

static void tree_cutoff_leaves_small_children_in_their_parent(void **state)
{
    (void)state;
    static const gfn fns[] = {{"main", 1, 10}, {"big", 1, 9}, {"small", 1, 0.05}};
    static const gcall calls[] = {{0, 1, 1, 9}, {0, 2, 1, 0.05}};
    pv_profile *p = GRAPH(fns, calls);
    pv_tree *t = build(p, NULL, 0, 10, 0.01, 5000);
    assert_int_equal(t->nodes[0].nchildren, 1);
    assert_int_equal(t->nodes[1].func, 1);
    /* Left out by the cutoff, not by depth or budget: no "more". */
    assert_false(t->nodes[0].more);
    assert_true(t->nodes[0].time == 10);
    pv_tree_free(t);
    pv_profile_free(p);
}

static void tree_cutoff_keeps_widths_consistent_everywhere(void **state)
{
    (void)state;
    pv_profile *p = make_random_profile(300, 1500, 7);
    static const double cutoffs[] = {0, 0.001, 0.01, 0.1};
    for (size_t c = 0; c < sizeof cutoffs / sizeof cutoffs[0]; c++) {
        pv_tree *t = build(p, NULL, 0, 30, cutoffs[c], 200000);
        assert_true(t->nnodes > 1);
        check_widths(t);
        double threshold = cutoffs[c] * t->nodes[0].time;
        for (size_t i = 1; i < t->nnodes; i++)
            assert_true(t->nodes[i].time >= threshold);
        pv_tree_free(t);
    }
    pv_profile_free(p);
}

static void tree_respects_node_budget_and_marks_more(void **state)
{
    (void)state;
    /* main calls 10 functions, each calling 3 leaves of its own. */
    gfn fns[41];
    gcall calls[40];
    char names[41][16];
    fns[0] = (gfn){"main", 1, 100};
    for (int i = 0; i < 10; i++) {
        snprintf(names[1 + i], sizeof names[0], "m%d", i);
        fns[1 + i] = (gfn){names[1 + i], 1, 10 - i};
        calls[i] = (gcall){0, 1 + i, 1, 10 - i};
        for (int k = 0; k < 3; k++) {
            int leaf = 11 + 3 * i + k;
            snprintf(names[leaf], sizeof names[0], "l%d", leaf);
            fns[leaf] = (gfn){names[leaf], 1, (10 - i) / 4.0};
            calls[10 + 3 * i + k] = (gcall){1 + i, leaf, 1, (10 - i) / 4.0};
        }
    }
    pv_profile *p = GRAPH(fns, calls);

    /* Budget 5: the root and its 4 largest children; nothing below. */
    pv_tree *t = build(p, NULL, 0, 10, 0, 5);
    assert_int_equal(t->nnodes, 5);
    assert_true(t->nodes[0].more);
    assert_int_equal(t->nodes[0].nchildren, 4);
    for (size_t i = 1; i < 5; i++) {
        assert_int_equal(t->nodes[i].func, (int64_t)i);
        assert_int_equal(t->nodes[i].nchildren, 0);
        assert_true(t->nodes[i].more);
    }
    pv_tree_free(t);

    /* Budget 11: the 10 largest boxes below the root, whatever their level:
     * m0..m7 and two of m0's 2.5 s leaves; m8 (2 s) and m9 (1 s) are cut. */
    t = build(p, NULL, 0, 10, 0, 11);
    assert_int_equal(t->nnodes, 11);
    assert_true(t->nodes[0].more);
    assert_int_equal(t->nodes[0].nchildren, 8);
    assert_int_equal(t->nodes[0].hidden, 2);
    assert_near(t->nodes[0].hidden_time, 3, 1e-12);
    assert_int_equal(t->nodes[1].nchildren, 2);
    assert_int_equal(t->nodes[1].hidden, 1);
    for (size_t i = 2; i < 9; i++)
        assert_true(t->nodes[i].more);
    pv_tree_free(t);

    /* Budget 1: the view root alone. */
    t = build(p, NULL, 0, 10, 0, 1);
    assert_int_equal(t->nnodes, 1);
    assert_true(t->nodes[0].more);
    assert_true(t->nodes[0].time == 100);
    pv_tree_free(t);

    /* Enough budget: everything, no "more" anywhere. */
    t = build(p, NULL, 0, 10, 0, 41);
    assert_int_equal(t->nnodes, 41);
    for (size_t i = 0; i < 41; i++)
        assert_false(t->nodes[i].more);
    check_widths(t);
    pv_tree_free(t);
    pv_profile_free(p);
}

static void tree_depth_limit_marks_more_only_where_children_were_cut(void **state)
{
    (void)state;
    static const gfn fns[] = {{"main", 1, 10}, {"a", 1, 6}, {"leaf", 1, 3}, {"b", 1, 2}};
    static const gcall calls[] = {{0, 1, 1, 6}, {0, 2, 1, 3}, {1, 3, 1, 2}};
    pv_profile *p = GRAPH(fns, calls);
    pv_tree *t = build(p, NULL, 0, 1, 0, 5000);
    assert_int_equal(t->nnodes, 3);
    assert_false(t->nodes[0].more);
    assert_true(t->nodes[child(t, 0, 1)].more);
    assert_false(t->nodes[child(t, 0, 2)].more);
    pv_tree_free(t);
    pv_profile_free(p);
}

static void tree_depth_zero_returns_only_the_view_root(void **state)
{
    (void)state;
    static const gfn fns[] = {{"main", 1, 10}, {"a", 1, 6}, {"b", 1, 2}};
    static const gcall calls[] = {{0, 1, 1, 6}, {1, 2, 1, 2}};
    pv_profile *p = GRAPH(fns, calls);
    int64_t path[] = {0, 1};
    pv_tree *t = build(p, path, 2, 0, 0.001, 5000);
    assert_int_equal(t->nnodes, 1);
    assert_int_equal(t->nodes[0].func, 1);
    assert_true(t->nodes[0].time == 6);
    assert_true(t->nodes[0].exact);
    assert_true(t->nodes[0].more);
    assert_int_equal(t->nodes[0].nchildren, 0);
    pv_tree_free(t);
    /* A leaf at depth 0 has nothing left out. */
    int64_t leaf[] = {0, 1, 2};
    t = build(p, leaf, 3, 0, 0.001, 5000);
    assert_false(t->nodes[0].more);
    pv_tree_free(t);
    pv_profile_free(p);
}

static void tree_budget_cuts_the_smallest_boxes_not_a_level(void **state)
{
    (void)state;
    /* main -> big (9 s) -> a chain of 5 levels; main -> 20 tiny leaves. */
    gfn fns[27];
    gcall calls[26];
    char names[27][16];
    fns[0] = (gfn){"main", 1, 10};
    for (int i = 1; i <= 6; i++) {
        snprintf(names[i], sizeof names[0], "big%d", i);
        fns[i] = (gfn){names[i], 1, 9 - 0.1 * i};
        calls[i - 1] = (gcall){i - 1, i, 1, 9 - 0.1 * i};
    }
    for (int i = 7; i < 27; i++) {
        snprintf(names[i], sizeof names[0], "tiny%d", i);
        fns[i] = (gfn){names[i], 1, 0.01};
        calls[i - 1] = (gcall){0, i, 1, 0.01};
    }
    pv_profile *p = GRAPH(fns, calls);
    /* Breadth-first, 10 nodes would be the root and 9 tiny leaves; best
     * first, the whole chain is there and the smallest leaves go. */
    pv_tree *t = build(p, NULL, 0, 10, 0, 10);
    assert_int_equal(t->nnodes, 10);
    long n = 0;
    for (int i = 1; i <= 6; i++) {
        n = child(t, (size_t)n, i);
        assert_true(n > 0);
    }
    /* The root says what it could not show: 17 leaves, 0.17 s. */
    assert_true(t->nodes[0].more);
    assert_int_equal(t->nodes[0].hidden, 17);
    assert_near(t->nodes[0].hidden_time, 0.17, 1e-12);
    pv_tree_free(t);
    pv_profile_free(p);
}

static void tree_reports_what_the_cutoff_and_depth_hid(void **state)
{
    (void)state;
    static const gfn fns[] = {
        {"main", 1, 10}, {"a", 1, 6}, {"b", 1, 0.001}, {"c", 1, 0.002}, {"d", 1, 5}};
    static const gcall calls[] = {{0, 1, 1, 6}, {0, 2, 1, 0.001}, {0, 3, 1, 0.002}, {1, 4, 1, 5}};
    pv_profile *p = GRAPH(fns, calls);
    /* Cutoff 1% of 10 s: b and c are hidden, counted in main; depth 1: d is
     * hidden in a. */
    pv_tree *t = build(p, NULL, 0, 1, 0.01, 5000);
    assert_int_equal(t->nnodes, 2);
    assert_int_equal(t->nodes[0].hidden, 2);
    assert_near(t->nodes[0].hidden_time, 0.003, 1e-15);
    assert_false(t->nodes[0].more); /* the cutoff is not "more" */
    long a = child(t, 0, 1);
    assert_int_equal(t->nodes[a].hidden, 1);
    assert_true(t->nodes[a].hidden_time == 5);
    assert_true(t->nodes[a].more);
    check_widths(t);
    pv_tree_free(t);
    pv_profile_free(p);
}

static void tree_deeper_or_lower_cutoff_never_shows_fewer_boxes(void **state)
{
    (void)state;
    for (uint32_t seed = 1; seed <= 5; seed++) {
        pv_profile *p = make_random_profile(300, 1500, seed);
        pv_tree *dflt = build(p, NULL, 0, 10, 0.001, 5000);
        pv_tree *deep = build(p, NULL, 0, 60, 0, 5000);
        pv_tree *deeper = build(p, NULL, 0, 60, 0.0001, 5000);
        assert_true(deep->nnodes >= dflt->nnodes);
        assert_true(deeper->nnodes >= dflt->nnodes);
        check_widths(deep);
        pv_tree_free(dflt);
        pv_tree_free(deep);
        pv_tree_free(deeper);
        pv_profile_free(p);
    }
}

static void tree_subtree_matches_full_tree_at_that_place(void **state)
{
    (void)state;
    pv_profile *p = make_random_profile(120, 600, 42);
    pv_tree *full = build(p, NULL, 0, 12, 0, 20000);
    assert_true(full->nnodes > 100);
    int64_t path[64];
    for (size_t i = 0; i < full->nnodes; i += 7) {
        /* The path of node i: the root's resolved path, then ids down to i. */
        size_t len = 0;
        for (size_t j = i; j != 0; j = parent_of(full, j))
            path[len++] = full->nodes[j].func;
        if (full->path_len > 0) path[len++] = full->path[0];
        for (size_t k = 0; k < len / 2; k++) {
            int64_t tmp = path[k];
            path[k] = path[len - 1 - k];
            path[len - 1 - k] = tmp;
        }
        /* Another depth, cutoff and budget must not change any number. */
        pv_tree *sub = build(p, path, len, 2, 0.05, 50);
        assert_int_equal(sub->path_len, len);
        assert_memory_equal(sub->path, path, len * sizeof *path);
        assert_same_node(sub, 0, full, i);
        for (size_t c = 0; c < sub->nodes[0].nchildren; c++) {
            size_t sc = sub->nodes[0].first_child + c;
            long fc = child(full, i, sub->nodes[sc].func);
            if (fc < 0 && full->nodes[i].more) continue; /* the full tree's depth ran out here */
            assert_true(fc > 0);
            assert_same_node(sub, sc, full, (size_t)fc);
            for (size_t g = 0; g < sub->nodes[sc].nchildren; g++) {
                size_t sg = sub->nodes[sc].first_child + g;
                long fg = child(full, (size_t)fc, sub->nodes[sg].func);
                if (fg < 0 && full->nodes[fc].more) continue;
                assert_true(fg > 0);
                assert_same_node(sub, sg, full, (size_t)fg);
            }
        }
        check_widths(sub);
        pv_tree_free(sub);
    }
    pv_tree_free(full);
    pv_profile_free(p);
}

/* A bad path is "not found" (404 in the API); the step is named in the
 * message, and offset stays -1 since a step is not a byte offset. */

static void tree_rejects_bad_path_naming_the_step(void **state)
{
    (void)state;
    static const gfn fns[] = {{"main", 1, 10}, {"a", 1, 6}, {"b", 1, 2}, {"c", 1, 1}};
    static const gcall calls[] = {{0, 1, 1, 6}, {1, 2, 1, 2}, {2, 1, 1, 1}, {0, 3, 1, 1}};
    pv_profile *p = GRAPH(fns, calls);
    expect_bad_path(p, (int64_t[]){1}, 1, 0, "path step 0: function 1 is not the tree root (0)");
    expect_bad_path(p, (int64_t[]){0, 1, 99}, 3, 2, "path step 2: no function with id 99");
    expect_bad_path(p, (int64_t[]){0, -1}, 2, 1, "path step 1: no function with id -1");
    expect_bad_path(p, (int64_t[]){0, 1, 3}, 3, 2,
                    "path step 2: function 3 is not a child of function 1");
    expect_bad_path(p, (int64_t[]){0, 0}, 2, 1,
                    "path step 1: function 0 is not a child of function 0");
    /* b -> a is a re-entry: a path step; below it nothing repeats the path. */
    pv_tree *t = build(p, (int64_t[]){0, 1, 2, 1}, 4, 10, 0, 5000);
    assert_true(t->nodes[0].reentry);
    pv_tree_free(t);
    expect_bad_path(p, (int64_t[]){0, 1, 2, 1, 2}, 5, 4,
                    "path step 4: function 2 is not a child of function 1");
    pv_profile_free(p);

    static const gfn two[] = {{"t1", 1, 5}, {"t2", 1, 3}, {"w", 1, 2}};
    static const gcall twocalls[] = {{0, 2, 1, 2}};
    p = GRAPH(two, twocalls);
    expect_bad_path(p, (int64_t[]){2}, 1, 0, "path step 0: function 2 is not a root of the tree");
    pv_profile_free(p);
}

static void tree_rejects_out_of_range_request_fields(void **state)
{
    (void)state;
    static const gfn fns[] = {{"main", 1, 10}};
    static const gcall calls[] = {{0, 0, 0, 0}};
    pv_profile *p = graph_make(fns, 1, calls, 0);
    pv_tree_request req;
    pv_tree *t = NULL;
    pv_error err;

    pv_tree_request_defaults(&req);
    req.depth = -1;
    assert_int_equal(pv_tree_build(p, &req, &t, &err), -1);
    assert_string_equal(err.message, "depth must be 0 or more, not -1");
    assert_int_equal(err.kind, PV_ERR_ARGUMENT);
    assert_int_equal(err.offset, -1);

    pv_tree_request_defaults(&req);
    req.cutoff = NAN;
    assert_int_equal(pv_tree_build(p, &req, &t, &err), -1);
    assert_int_equal(err.offset, -1);
    req.cutoff = 1.5;
    assert_int_equal(pv_tree_build(p, &req, &t, &err), -1);
    assert_string_equal(err.message, "cutoff must be between 0 and 1, not 1.5");

    pv_tree_request_defaults(&req);
    req.max_nodes = 0;
    assert_int_equal(pv_tree_build(p, &req, &t, &err), -1);
    assert_string_equal(err.message, "max_nodes must be 1 or more");
    assert_int_equal(err.kind, PV_ERR_ARGUMENT);
    assert_null(t);
    pv_profile_free(p);
}

static void tree_request_defaults_match_the_api(void **state)
{
    (void)state;
    pv_tree_request req;
    memset(&req, 0xff, sizeof req);
    pv_tree_request_defaults(&req);
    assert_null(req.path);
    assert_int_equal(req.path_len, 0);
    assert_int_equal(req.depth, 10);
    assert_near(req.cutoff, 0.001, 0);
    assert_int_equal(req.max_nodes, 5000);
    pv_tree_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(tree_with_path_of_the_root_alone_equals_the_default_tree),
        cmocka_unit_test(tree_cutoff_leaves_small_children_in_their_parent),
        cmocka_unit_test(tree_cutoff_keeps_widths_consistent_everywhere),
        cmocka_unit_test(tree_respects_node_budget_and_marks_more),
        cmocka_unit_test(tree_depth_limit_marks_more_only_where_children_were_cut),
        cmocka_unit_test(tree_depth_zero_returns_only_the_view_root),
        cmocka_unit_test(tree_budget_cuts_the_smallest_boxes_not_a_level),
        cmocka_unit_test(tree_reports_what_the_cutoff_and_depth_hid),
        cmocka_unit_test(tree_deeper_or_lower_cutoff_never_shows_fewer_boxes),
        cmocka_unit_test(tree_subtree_matches_full_tree_at_that_place),
        cmocka_unit_test(tree_rejects_bad_path_naming_the_step),
        cmocka_unit_test(tree_rejects_out_of_range_request_fields),
        cmocka_unit_test(tree_request_defaults_match_the_api),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
