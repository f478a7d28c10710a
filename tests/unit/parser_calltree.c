/* Tests of the call tree (parser/calltree.c) on hand-made graphs. */
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
#include "profile.h"

/* cmocka 1.1 (Debian bookworm) has no assert_double_equal. */
#define assert_near(a, b, eps) assert_true(fabs((double)(a) - (double)(b)) <= (eps))

/* A hand-made graph: functions get ids in the order given. */
typedef struct fn {
    const char *name;
    int64_t ncalls;
    double cumtime;
} fn;

/* One caller->callee edge; cumtime NAN makes it count-only. */
typedef struct call {
    int caller, callee;
    int64_t ncalls;
    double cumtime;
} call;

/* files[i] is function i's file name; files NULL means "t.py" for all. */
static pv_profile *make_profile_in(const fn *fns, const char *const *files, size_t nfns,
                                   const call *calls, size_t ncalls)
{
    pv_error err;
    pv_builder *b = pv_builder_new();
    assert_non_null(b);
    for (size_t i = 0; i < nfns; i++) {
        const char *file = files ? files[i] : "t.py";
        int64_t id = pv_builder_intern(b, file, strlen(file), (int64_t)i + 1, fns[i].name,
                                       strlen(fns[i].name), &err);
        assert_int_equal(id, (int64_t)i);
    }
    for (size_t i = 0; i < nfns; i++) {
        assert_int_equal(pv_builder_begin_entry(b, (uint32_t)i, fns[i].ncalls, fns[i].ncalls,
                                                fns[i].cumtime / 2, fns[i].cumtime, &err),
                         0);
        for (size_t k = 0; k < ncalls; k++) {
            if (calls[k].callee != (int)i) continue;
            double tt = isnan(calls[k].cumtime) ? NAN : calls[k].cumtime / 2;
            assert_int_equal(pv_builder_add_caller(b, (uint32_t)calls[k].caller, calls[k].ncalls,
                                                   calls[k].ncalls, tt, calls[k].cumtime, &err),
                             0);
        }
    }
    pv_profile *p = pv_builder_finish(b, &err);
    assert_non_null(p);
    return p;
}

static pv_profile *make_profile(const fn *fns, size_t nfns, const call *calls, size_t ncalls)
{
    return make_profile_in(fns, NULL, nfns, calls, ncalls);
}

#define MAKE(fns, calls)                                                                           \
    make_profile(fns, sizeof fns / sizeof fns[0], calls, sizeof calls / sizeof calls[0])

/* Builds a tree that must succeed. */
static pv_tree *build(const pv_profile *p, const int64_t *path, size_t path_len, int depth,
                      double cutoff, size_t max_nodes)
{
    pv_tree_request req;
    pv_tree_request_defaults(&req);
    req.path = path;
    req.path_len = path_len;
    req.depth = depth;
    req.cutoff = cutoff;
    req.max_nodes = max_nodes;
    pv_tree *t = NULL;
    pv_error err = {0};
    int rc = pv_tree_build(p, &req, &t, &err);
    if (rc != 0) fail_msg("pv_tree_build: %s (offset %lld)", err.message, (long long)err.offset);
    assert_non_null(t);
    return t;
}

/* Index of node idx's child for function func, or -1. */
static long child(const pv_tree *t, size_t idx, int64_t func)
{
    const pv_tree_node *n = &t->nodes[idx];
    for (uint32_t i = 0; i < n->nchildren; i++)
        if (t->nodes[n->first_child + i].func == func) return (long)(n->first_child + i);
    return -1;
}

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

/* Whether func appears anywhere in the subtree of node idx. */
static bool subtree_has(const pv_tree *t, size_t idx, int64_t func)
{
    const pv_tree_node *n = &t->nodes[idx];
    for (uint32_t i = 0; i < n->nchildren; i++)
        if (t->nodes[n->first_child + i].func == func || subtree_has(t, n->first_child + i, func))
            return true;
    return false;
}

/* The invariants every tree keeps: children are stored after their parent,
 * in descending time, and never add up to more than their parent. */
static void check_widths(const pv_tree *t)
{
    for (size_t i = 0; i < t->nnodes; i++) {
        const pv_tree_node *n = &t->nodes[i];
        double sum = 0;
        for (uint32_t k = 0; k < n->nchildren; k++) {
            const pv_tree_node *c = &t->nodes[n->first_child + k];
            assert_true(n->first_child > i);
            assert_true(n->first_child + k < t->nnodes);
            if (k > 0) assert_true(c->time <= t->nodes[n->first_child + k - 1].time);
            assert_true(c->time >= 0);
            sum += c->time;
        }
        if (sum > n->time * (1 + 1e-12))
            fail_msg("node %zu (func %lld): children add up to %.17g > %.17g", i,
                     (long long)n->func, sum, n->time);
    }
}

/* A deterministic pseudo-random graph with recursion, shared callees and
 * edges that add up to more than their caller, rooted at function 0. */
static pv_profile *make_random_profile(uint32_t nfns, uint32_t nedges, uint32_t seed)
{
    char(*names)[16] = calloc(nfns, sizeof *names);
    fn *fns = calloc(nfns, sizeof *fns);
    call *calls = calloc(nedges + nfns, sizeof *calls);
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
    for (uint32_t i = 1; i < nfns; i++)
        calls[n++] = (call){(int)(NEXT() % i), (int)i, 1 + NEXT() % 5, fns[i].cumtime / 2};
    for (uint32_t k = 0; k < nedges; k++) {
        int a = (int)(NEXT() % nfns), b = 1 + (int)(NEXT() % (nfns - 1));
        bool dup = false;
        for (size_t j = 0; j < n && !dup; j++)
            dup = calls[j].caller == a && calls[j].callee == b;
        if (dup) continue;
        calls[n++] = (call){a, b, 1 + NEXT() % 5, fns[b].cumtime * (NEXT() % 100) / 100.0};
    }
#undef NEXT
    /* Every call is accounted for by a caller, so function 0 is the only root. */
    for (uint32_t i = 1; i < nfns; i++)
        fns[i].ncalls = 0;
    for (size_t k = 0; k < n; k++)
        fns[calls[k].callee].ncalls += calls[k].ncalls;
    pv_profile *p = make_profile(fns, nfns, calls, n);
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

static void tree_root_is_the_single_root_that_carries_the_program(void **state)
{
    (void)state;
    static const fn fns[] = {{"main", 1, 10}, {"a", 1, 6}, {"b", 2, 3}, {"disable", 1, 1e-6}};
    static const call calls[] = {{0, 1, 1, 6}, {0, 2, 2, 3}};
    pv_profile *p = MAKE(fns, calls);
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

static void tree_with_path_of_the_root_alone_equals_the_default_tree(void **state)
{
    (void)state;
    static const fn fns[] = {{"main", 1, 10}, {"a", 1, 6}, {"b", 2, 3}};
    static const call calls[] = {{0, 1, 1, 6}, {0, 2, 2, 3}, {1, 2, 1, 1}};
    pv_profile *p = MAKE(fns, calls);
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

static void tree_children_are_sorted_by_descending_time(void **state)
{
    (void)state;
    static const fn fns[] = {{"main", 1, 10}, {"a", 1, 1}, {"b", 1, 5}, {"c", 1, 3}};
    static const call calls[] = {{0, 1, 1, 1}, {0, 2, 1, 5}, {0, 3, 1, 3}};
    pv_profile *p = MAKE(fns, calls);
    pv_tree *t = build(p, NULL, 0, 10, 0, 5000);
    assert_int_equal(t->nodes[0].nchildren, 3);
    assert_int_equal(t->nodes[1].func, 2);
    assert_int_equal(t->nodes[2].func, 3);
    assert_int_equal(t->nodes[3].func, 1);
    pv_tree_free(t);
    pv_profile_free(p);
}

static void tree_does_not_expand_recursive_call(void **state)
{
    (void)state;
    static const fn fns[] = {{"main", 1, 10}, {"f", 5, 8}, {"g", 5, 2}};
    /* f calls itself 4 times; f -> f is skipped, its time stays in f. */
    static const call calls[] = {{0, 1, 1, 8}, {1, 1, 4, 7}, {1, 2, 5, 2}};
    pv_profile *p = MAKE(fns, calls);
    pv_tree *t = build(p, NULL, 0, 10, 0, 5000);
    long f = child(t, 0, 1);
    assert_true(f > 0);
    assert_true(t->nodes[f].time == 8);
    assert_int_equal(t->nodes[f].nchildren, 1);
    assert_false(subtree_has(t, (size_t)f, 1));
    long g = child(t, (size_t)f, 2);
    assert_true(g > 0);
    /* The self edge (7 s) does not shrink g: it is not a child. */
    assert_true(t->nodes[g].time == 2);
    /* f's only other caller is itself, so f stands for all of f: g is exact. */
    assert_true(t->nodes[g].exact);
    assert_false(t->nodes[f].more);
    check_widths(t);
    pv_tree_free(t);
    pv_profile_free(p);
}

static void tree_does_not_expand_mutual_recursion(void **state)
{
    (void)state;
    static const fn fns[] = {{"main", 1, 10}, {"a", 3, 9}, {"b", 3, 8}, {"c", 1, 1}};
    static const call calls[] = {{0, 1, 1, 9}, {1, 2, 3, 8}, {2, 1, 2, 6}, {2, 3, 1, 1}};
    pv_profile *p = MAKE(fns, calls);
    pv_tree *t = build(p, NULL, 0, 50, 0, 5000);
    long a = child(t, 0, 1);
    assert_true(a > 0);
    long b = child(t, (size_t)a, 2);
    assert_true(b > 0);
    /* Under main -> a -> b, a is on the path: only c is a child. */
    assert_int_equal(t->nodes[b].nchildren, 1);
    assert_int_equal(t->nodes[t->nodes[b].first_child].func, 3);
    assert_false(subtree_has(t, (size_t)a, 1));
    assert_false(t->nodes[b].more);
    /* Asking for the recursion step itself is a bad path. */
    int64_t path[] = {0, 1, 2, 1};
    pv_tree_request req;
    pv_tree_request_defaults(&req);
    req.path = path;
    req.path_len = 4;
    pv_tree *bad = NULL;
    pv_error err;
    assert_int_equal(pv_tree_build(p, &req, &bad, &err), -1);
    assert_null(bad);
    assert_int_equal(err.kind, PV_ERR_NOT_FOUND);
    assert_int_equal(err.offset, -1);
    assert_string_equal(err.message,
                        "path step 3: function 1 is already on the path (recursion is not "
                        "expanded)");
    check_widths(t);
    pv_tree_free(t);
    pv_profile_free(p);
}

static void tree_holds_several_roots_under_a_synthetic_root(void **state)
{
    (void)state;
    /* Two threads' entry points, plus the profiler's own negligible root. */
    static const fn fns[] = {{"t1", 1, 5}, {"t2", 1, 3}, {"work", 2, 4}, {"disable", 1, 1e-6}};
    static const call calls[] = {{0, 2, 1, 3}, {1, 2, 1, 1}};
    pv_profile *p = MAKE(fns, calls);
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

static void tree_ignores_negligible_extra_roots(void **state)
{
    (void)state;
    static const fn fns[] = {{"exec", 1, 10}, {"disable", 1, 0.05}, {"a", 1, 9}};
    static const call calls[] = {{0, 2, 1, 9}};
    pv_profile *p = MAKE(fns, calls);
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
    static const fn fns[] = {{"main", 1, 10}, {"helper", 100, 5}, {"thread", 1, 3}};
    static const call calls[] = {{0, 1, 99, 4.9}};
    pv_profile *p = MAKE(fns, calls);
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
    static const fn fns[] = {{"main", 1, 2}, {"x", 1, 5}};
    static const call calls[] = {{0, 1, 1, 2}};
    pv_profile *p = MAKE(fns, calls);
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
    static const fn fns[] = {{"profiler", 0, 0}, {"<module>", 1, 5}, {"a", 1, 3}};
    static const char *const files[] = {"profile", "t.py", "t.py"};
    static const call calls[] = {{0, 1, 1, NAN}, {1, 2, 1, NAN}};
    pv_profile *p = make_profile_in(fns, files, 3, calls, 2);
    pv_tree *t = build(p, NULL, 0, 10, 0.001, 5000);
    assert_int_equal(t->nodes[0].func, 1);
    assert_true(t->nodes[0].time == 5);
    assert_true(t->nodes[0].exact);
    assert_int_equal(t->path_len, 1);
    assert_int_equal(t->path[0], 1);
    long a = child(t, 0, 2);
    assert_true(a > 0);
    assert_near(t->nodes[a].time, 3, 1e-12);
    assert_false(t->nodes[a].exact);
    pv_tree_free(t);
    pv_profile_free(p);
}

static void tree_ignores_the_profilers_own_disable_root(void **state)
{
    (void)state;
    /* A 0.1 ms program: cProfile's disable() is 8% of it, still not a root
     * of the program. */
    static const fn fns[] = {{"<built-in method builtins.exec>", 1, 1e-4},
                             {"<module>", 1, 9.9e-5},
                             {"<method 'disable' of '_lsprof.Profiler' objects>", 1, 8e-6}};
    static const char *const files[] = {"~", "t.py", "~"};
    static const call calls[] = {{0, 1, 1, 9.9e-5}};
    pv_profile *p = make_profile_in(fns, files, 3, calls, 1);
    pv_tree *t = build(p, NULL, 0, 10, 0.001, 5000);
    assert_int_equal(t->nodes[0].func, 0);
    assert_true(t->nodes[0].time == 1e-4);
    pv_tree_free(t);
    pv_profile_free(p);
}

static void tree_scales_children_when_edges_exceed_parent(void **state)
{
    (void)state;
    static const fn fns[] = {{"main", 1, 10}, {"a", 1, 4}, {"b", 1, 3}, {"c", 1, 3}};
    static const call calls[] = {{0, 1, 1, 4}, {1, 2, 1, 3}, {1, 3, 1, 3}};
    pv_profile *p = MAKE(fns, calls);
    pv_tree *t = build(p, NULL, 0, 10, 0, 5000);
    long a = child(t, 0, 1);
    assert_true(a > 0);
    assert_true(t->nodes[a].exact);
    long b = child(t, (size_t)a, 2), c = child(t, (size_t)a, 3);
    assert_true(b > 0 && c > 0);
    /* 3 + 3 > 4: both scaled by 4/6, and no longer measured numbers. */
    assert_near(t->nodes[b].time, 2, 1e-12);
    assert_near(t->nodes[c].time, 2, 1e-12);
    assert_false(t->nodes[b].exact);
    assert_false(t->nodes[c].exact);
    assert_int_equal(t->nodes[b].calls, 1);
    check_widths(t);
    pv_tree_free(t);
    pv_profile_free(p);
}

static void tree_cutoff_leaves_small_children_in_their_parent(void **state)
{
    (void)state;
    static const fn fns[] = {{"main", 1, 10}, {"big", 1, 9}, {"small", 1, 0.05}};
    static const call calls[] = {{0, 1, 1, 9}, {0, 2, 1, 0.05}};
    pv_profile *p = MAKE(fns, calls);
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
    fn fns[41];
    call calls[40];
    char names[41][16];
    fns[0] = (fn){"main", 1, 100};
    for (int i = 0; i < 10; i++) {
        snprintf(names[1 + i], sizeof names[0], "m%d", i);
        fns[1 + i] = (fn){names[1 + i], 1, 10 - i};
        calls[i] = (call){0, 1 + i, 1, 10 - i};
        for (int k = 0; k < 3; k++) {
            int leaf = 11 + 3 * i + k;
            snprintf(names[leaf], sizeof names[0], "l%d", leaf);
            fns[leaf] = (fn){names[leaf], 1, 1};
            calls[10 + 3 * i + k] = (call){1 + i, leaf, 1, 1};
        }
    }
    pv_profile *p = MAKE(fns, calls);

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

    /* Budget 11: the whole first level fits, the second level is cut. */
    t = build(p, NULL, 0, 10, 0, 11);
    assert_int_equal(t->nnodes, 11);
    assert_false(t->nodes[0].more);
    for (size_t i = 1; i < 11; i++)
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
    static const fn fns[] = {{"main", 1, 10}, {"a", 1, 6}, {"leaf", 1, 3}, {"b", 1, 2}};
    static const call calls[] = {{0, 1, 1, 6}, {0, 2, 1, 3}, {1, 3, 1, 2}};
    pv_profile *p = MAKE(fns, calls);
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
    static const fn fns[] = {{"main", 1, 10}, {"a", 1, 6}, {"b", 1, 2}};
    static const call calls[] = {{0, 1, 1, 6}, {1, 2, 1, 2}};
    pv_profile *p = MAKE(fns, calls);
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

static void tree_marks_exact_and_estimated_nodes(void **state)
{
    (void)state;
    /* main -> a -> b: single callers all the way, measured.
     * main -> a -> c and main -> d -> c: c has two callers, so its edges are
     * measured but c's own children (e) are estimates. */
    static const fn fns[] = {{"main", 1, 10}, {"a", 1, 6}, {"b", 1, 2},
                             {"c", 2, 3},     {"d", 1, 3}, {"e", 2, 2}};
    static const call calls[] = {{0, 1, 1, 6}, {0, 4, 1, 3}, {1, 2, 1, 2},
                                 {1, 3, 1, 2}, {4, 3, 1, 1}, {3, 5, 2, 2}};
    pv_profile *p = MAKE(fns, calls);
    pv_tree *t = build(p, NULL, 0, 10, 0, 5000);
    assert_true(t->nodes[0].exact);
    long a = child(t, 0, 1), d = child(t, 0, 4);
    assert_true(t->nodes[a].exact);
    assert_true(t->nodes[d].exact);
    long b = child(t, (size_t)a, 2), ca = child(t, (size_t)a, 3), cd = child(t, (size_t)d, 3);
    assert_true(t->nodes[b].exact);
    assert_true(t->nodes[ca].exact);
    assert_true(t->nodes[cd].exact);
    assert_true(t->nodes[ca].time == 2);
    assert_true(t->nodes[cd].time == 1);
    long ea = child(t, (size_t)ca, 5), ed = child(t, (size_t)cd, 5);
    assert_true(ea > 0 && ed > 0);
    assert_false(t->nodes[ea].exact);
    assert_false(t->nodes[ed].exact);
    /* The estimate is the edge, scaled to fit the branch. */
    assert_near(t->nodes[ea].time, 2, 1e-12);
    assert_near(t->nodes[ed].time, 1, 1e-12);
    check_widths(t);
    pv_tree_free(t);
    pv_profile_free(p);
}

static void tree_estimates_count_only_edges(void **state)
{
    (void)state;
    /* python -m profile: edges carry call counts only. */
    static const fn fns[] = {{"main", 1, 10}, {"a", 2, 4}, {"b", 3, 3}};
    static const call calls[] = {{0, 1, 1, NAN}, {0, 2, 3, NAN}, {2, 1, 1, NAN}};
    pv_profile *p = MAKE(fns, calls);
    pv_tree *t = build(p, NULL, 0, 10, 0, 5000);
    assert_true(t->nodes[0].exact);
    long a = child(t, 0, 1), b = child(t, 0, 2);
    assert_true(a > 0 && b > 0);
    /* a: 1 of its 2 calls come from main, so half its cumtime. */
    assert_near(t->nodes[a].time, 2, 1e-12);
    assert_int_equal(t->nodes[a].calls, 1);
    assert_false(t->nodes[a].exact);
    assert_near(t->nodes[b].time, 3, 1e-12);
    assert_int_equal(t->nodes[b].calls, 3);
    assert_false(t->nodes[b].exact);
    long ab = child(t, (size_t)b, 1);
    assert_true(ab > 0);
    assert_near(t->nodes[ab].time, 2, 1e-12);
    assert_false(t->nodes[ab].exact);
    check_widths(t);
    pv_tree_free(t);
    pv_profile_free(p);
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
static void expect_bad_path(const pv_profile *p, const int64_t *path, size_t len, int64_t step,
                            const char *message)
{
    pv_tree_request req;
    pv_tree_request_defaults(&req);
    req.path = path;
    req.path_len = len;
    pv_tree *t = NULL;
    pv_error err = {0};
    assert_int_equal(pv_tree_build(p, &req, &t, &err), -1);
    assert_null(t);
    assert_string_equal(err.message, message);
    assert_int_equal(err.kind, PV_ERR_NOT_FOUND);
    assert_int_equal(err.offset, -1);
    char prefix[32];
    snprintf(prefix, sizeof prefix, "path step %lld:", (long long)step);
    assert_int_equal(strncmp(err.message, prefix, strlen(prefix)), 0);
}

static void tree_rejects_bad_path_naming_the_step(void **state)
{
    (void)state;
    static const fn fns[] = {{"main", 1, 10}, {"a", 1, 6}, {"b", 1, 2}, {"c", 1, 1}};
    static const call calls[] = {{0, 1, 1, 6}, {1, 2, 1, 2}, {2, 1, 1, 1}, {0, 3, 1, 1}};
    pv_profile *p = MAKE(fns, calls);
    expect_bad_path(p, (int64_t[]){1}, 1, 0, "path step 0: function 1 is not the tree root (0)");
    expect_bad_path(p, (int64_t[]){0, 1, 99}, 3, 2, "path step 2: no function with id 99");
    expect_bad_path(p, (int64_t[]){0, -1}, 2, 1, "path step 1: no function with id -1");
    expect_bad_path(p, (int64_t[]){0, 1, 3}, 3, 2,
                    "path step 2: function 3 is not called by function 1");
    expect_bad_path(p, (int64_t[]){0, 0}, 2, 1,
                    "path step 1: function 0 is already on the path (recursion is not "
                    "expanded)");
    expect_bad_path(p, (int64_t[]){0, 1, 2, 1}, 4, 3,
                    "path step 3: function 1 is already on the path (recursion is not "
                    "expanded)");
    pv_profile_free(p);

    static const fn two[] = {{"t1", 1, 5}, {"t2", 1, 3}, {"w", 1, 2}};
    static const call twocalls[] = {{0, 2, 1, 2}};
    p = MAKE(two, twocalls);
    expect_bad_path(p, (int64_t[]){2}, 1, 0, "path step 0: function 2 is not a root of the tree");
    pv_profile_free(p);
}

static void tree_rejects_out_of_range_request_fields(void **state)
{
    (void)state;
    static const fn fns[] = {{"main", 1, 10}};
    static const call calls[] = {{0, 0, 0, 0}};
    pv_profile *p = make_profile(fns, 1, calls, 0);
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
        cmocka_unit_test(tree_root_is_the_single_root_that_carries_the_program),
        cmocka_unit_test(tree_with_path_of_the_root_alone_equals_the_default_tree),
        cmocka_unit_test(tree_children_are_sorted_by_descending_time),
        cmocka_unit_test(tree_does_not_expand_recursive_call),
        cmocka_unit_test(tree_does_not_expand_mutual_recursion),
        cmocka_unit_test(tree_holds_several_roots_under_a_synthetic_root),
        cmocka_unit_test(tree_ignores_negligible_extra_roots),
        cmocka_unit_test(tree_leaves_roots_covered_by_their_callers_out_of_the_synthetic_root),
        cmocka_unit_test(tree_root_is_never_smaller_than_the_largest_cumtime),
        cmocka_unit_test(tree_looks_through_the_profile_module_placeholder_root),
        cmocka_unit_test(tree_ignores_the_profilers_own_disable_root),
        cmocka_unit_test(tree_scales_children_when_edges_exceed_parent),
        cmocka_unit_test(tree_cutoff_leaves_small_children_in_their_parent),
        cmocka_unit_test(tree_cutoff_keeps_widths_consistent_everywhere),
        cmocka_unit_test(tree_respects_node_budget_and_marks_more),
        cmocka_unit_test(tree_depth_limit_marks_more_only_where_children_were_cut),
        cmocka_unit_test(tree_depth_zero_returns_only_the_view_root),
        cmocka_unit_test(tree_marks_exact_and_estimated_nodes),
        cmocka_unit_test(tree_estimates_count_only_edges),
        cmocka_unit_test(tree_subtree_matches_full_tree_at_that_place),
        cmocka_unit_test(tree_rejects_bad_path_naming_the_step),
        cmocka_unit_test(tree_rejects_out_of_range_request_fields),
        cmocka_unit_test(tree_of_empty_profile_is_a_lone_synthetic_root),
        cmocka_unit_test(tree_request_defaults_match_the_api),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
