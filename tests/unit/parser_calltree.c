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

/* A function with its own time and primitive calls given (fn gives half the
 * cumtime and ncalls). */
typedef struct fnx {
    const char *name;
    int64_t ncalls, pcalls;
    double cumtime, tottime;
} fnx;

/* One caller->callee edge; cumtime NAN makes it count-only. */
typedef struct call {
    int caller, callee;
    int64_t ncalls;
    double cumtime;
} call;

/* files[i] is function i's file name; files NULL means "t.py" for all. */
static pv_profile *make_profile_x(const fn *fns, const fnx *fx, const char *const *files,
                                  size_t nfns, const call *calls, size_t ncalls)
{
    pv_error err;
    pv_builder *b = pv_builder_new();
    assert_non_null(b);
    for (size_t i = 0; i < nfns; i++) {
        const char *file = files ? files[i] : "t.py";
        const char *name = fx ? fx[i].name : fns[i].name;
        int64_t id =
            pv_builder_intern(b, file, strlen(file), (int64_t)i + 1, name, strlen(name), &err);
        assert_int_equal(id, (int64_t)i);
    }
    for (size_t i = 0; i < nfns; i++) {
        int64_t nc = fx ? fx[i].ncalls : fns[i].ncalls, pc = fx ? fx[i].pcalls : nc;
        double ct = fx ? fx[i].cumtime : fns[i].cumtime, own = fx ? fx[i].tottime : ct / 2;
        assert_int_equal(pv_builder_begin_entry(b, (uint32_t)i, nc, pc, own, ct, &err), 0);
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

static pv_profile *make_profile_in(const fn *fns, const char *const *files, size_t nfns,
                                   const call *calls, size_t ncalls)
{
    return make_profile_x(fns, NULL, files, nfns, calls, ncalls);
}

static pv_profile *make_profile(const fn *fns, size_t nfns, const call *calls, size_t ncalls)
{
    return make_profile_in(fns, NULL, nfns, calls, ncalls);
}

#define MAKEX(fx, calls)                                                                           \
    make_profile_x(NULL, fx, NULL, sizeof fx / sizeof fx[0], calls, sizeof calls / sizeof calls[0])

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
    for (uint32_t i = 1; i < nfns; i++) {
        int caller = (int)(NEXT() % i); /* one draw per statement: a fixed order */
        int64_t ncalls = 1 + NEXT() % 5;
        calls[n++] = (call){caller, (int)i, ncalls, fns[i].cumtime / 2};
    }
    for (uint32_t k = 0; k < nedges; k++) {
        int a = (int)(NEXT() % nfns), b = 1 + (int)(NEXT() % (nfns - 1));
        bool dup = false;
        for (size_t j = 0; j < n && !dup; j++)
            dup = calls[j].caller == a && calls[j].callee == b;
        if (dup) continue;
        int64_t ncalls = 1 + NEXT() % 5;
        double share = (double)(NEXT() % 100) / 100.0;
        calls[n++] = (call){a, b, ncalls, fns[b].cumtime * share};
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

static void tree_draws_a_recursive_call_as_a_re_entry(void **state)
{
    (void)state;
    static const fnx fns[] = {{"main", 1, 1, 10, 2}, {"f", 5, 1, 8, 1}, {"g", 5, 5, 2, 2}};
    /* f calls itself 4 times (7 s nested) and g 5 times (2 s in all). */
    static const call calls[] = {{0, 1, 1, 8}, {1, 1, 4, 7}, {1, 2, 5, 2}};
    pv_profile *p = MAKEX(fns, calls);
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
    static const fnx fns[] = {
        {"main", 1, 1, 10, 1}, {"a", 3, 1, 9, 1}, {"b", 3, 1, 8, 1}, {"c", 1, 1, 1, 1}};
    static const call calls[] = {{0, 1, 1, 9}, {1, 2, 3, 8}, {2, 1, 2, 6}, {2, 3, 1, 1}};
    pv_profile *p = MAKEX(fns, calls);
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

static void tree_holds_several_roots_under_a_synthetic_root(void **state)
{
    (void)state;
    /* Two threads' entry points, plus the profiler's own negligible root;
     * the program ran 8 s in all (the sum of own times). */
    static const fnx fns[] = {{"t1", 1, 1, 5, 2},
                              {"t2", 1, 1, 3, 2},
                              {"work", 2, 2, 4, 4},
                              {"disable", 1, 1, 1e-6, 1e-6}};
    static const call calls[] = {{0, 2, 1, 3}, {1, 2, 1, 1}};
    pv_profile *p = MAKEX(fns, calls);
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
    static const fnx fns[] = {
        {"_run_code", 1, 1, 5, 0.01}, {"<module>", 2, 2, 5, 1}, {"work", 1, 1, 3.99, 3.99}};
    static const call calls[] = {{0, 1, 1, 5}, {1, 2, 1, 3.99}};
    pv_profile *p = MAKEX(fns, calls);
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
    static const fnx fns[] = {
        {"main", 1, 1, 10, 5.1}, {"helper", 100, 100, 5, 5}, {"thread", 1, 1, 3, 3}};
    static const call calls[] = {{0, 1, 99, 4.9}};
    pv_profile *p = MAKEX(fns, calls);
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

static void tree_fits_children_largest_first_when_edges_exceed_parent(void **state)
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
            fns[leaf] = (fn){names[leaf], 1, (10 - i) / 4.0};
            calls[10 + 3 * i + k] = (call){1 + i, leaf, 1, (10 - i) / 4.0};
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
     * measured but c's own children (e) are shares: estimates. */
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
    static const fnx fns[] = {[EXEC] = {"exec", 3, 1, 10, 0.001},
                              [SCRIPT] = {"<module>", 1, 1, 10, 0.1},
                              [MAIN] = {"main", 1, 1, 6.9, 0.1},
                              [FAL] = {"_find_and_load", 2, 1, 3, 0.1},
                              [CWFR] = {"_call_with_frames_removed", 2, 1, 2.9, 0.1},
                              [M1] = {"<module>", 1, 1, 2.8, 0.8},
                              [M2] = {"<module>", 1, 1, 1, 1},
                              [WORK] = {"work", 1, 1, 6.8, 6.8}};
    static const call calls[] = {
        {EXEC, SCRIPT, 1, 10}, {EXEC, M1, 1, 2.8},     {EXEC, M2, 1, 1},
        {SCRIPT, FAL, 1, 3},   {SCRIPT, MAIN, 1, 6.9}, {MAIN, WORK, 1, 6.8},
        {FAL, CWFR, 2, 2.9},   {CWFR, EXEC, 2, 2.8},   {M1, FAL, 1, 1.1}};
    static const char *const files[] = {"~",        "s.py",  "s.py",  "<frozen>",
                                        "<frozen>", "m1.py", "m2.py", "s.py"};
    pv_profile *p = make_profile_x(NULL, fns, files, 8, calls, 9);
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
    static const fnx fns[] = {
        [EXEC] = {"exec", 2, 1, 5, 0.001},         [STRING] = {"<module>", 1, 1, 5, 0.001},
        [RUNMOD] = {"run_module", 1, 1, 5, 0.01},  [RUNCODE] = {"_run_code", 1, 1, 4.9, 0.01},
        [PKGMAIN] = {"<module>", 1, 1, 4.8, 0.01}, [MAIN] = {"main", 1, 1, 4.7, 4.7}};
    static const call calls[] = {{EXEC, STRING, 1, 5},      {STRING, RUNMOD, 1, 5},
                                 {RUNMOD, RUNCODE, 1, 4.9}, {RUNCODE, EXEC, 1, 4.89},
                                 {EXEC, PKGMAIN, 1, 4.8},   {PKGMAIN, MAIN, 1, 4.7}};
    pv_profile *p = MAKEX(fns, calls);
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
    static const fnx fns[] = {[RUNPATH] = {"run_path", 1, 1, 12.1, 0.1},
                              [RUNCODE] = {"_run_code", 1, 1, 10, 0.001},
                              [CWFR] = {"_call_with_frames_removed", 2, 2, 2, 0.001},
                              [EXEC] = {"exec", 3, 3, 12, 0.01},
                              [SCRIPT] = {"<module>", 1, 1, 9.99, 9.99},
                              [M1] = {"<module>", 1, 1, 1, 1},
                              [M2] = {"<module>", 1, 1, 0.99, 0.99}};
    static const call calls[] = {{RUNPATH, RUNCODE, 1, 10}, {RUNPATH, CWFR, 2, 2},
                                 {RUNCODE, EXEC, 1, 10},    {CWFR, EXEC, 2, 2},
                                 {EXEC, SCRIPT, 1, 9.99},   {EXEC, M1, 1, 1},
                                 {EXEC, M2, 1, 0.99}};
    pv_profile *p = MAKEX(fns, calls);
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
    static const fnx fns[] = {[MAIN] = {"main", 1, 1, 10, 0.1},
                              [CALL] = {"__call__", 2, 1, 9.9, 0.01},
                              [RUN] = {"run", 2, 1, 9.9, 0.1},
                              [CASE] = {"case", 10, 10, 9.7, 9.7}};
    static const call calls[] = {
        {MAIN, CALL, 1, 9.9}, {CALL, RUN, 2, 9.9}, {RUN, CALL, 1, 9.8}, {RUN, CASE, 10, 9.7}};
    pv_profile *p = MAKEX(fns, calls);
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

static void tree_budget_cuts_the_smallest_boxes_not_a_level(void **state)
{
    (void)state;
    /* main -> big (9 s) -> a chain of 5 levels; main -> 20 tiny leaves. */
    fn fns[27];
    call calls[26];
    char names[27][16];
    fns[0] = (fn){"main", 1, 10};
    for (int i = 1; i <= 6; i++) {
        snprintf(names[i], sizeof names[0], "big%d", i);
        fns[i] = (fn){names[i], 1, 9 - 0.1 * i};
        calls[i - 1] = (call){i - 1, i, 1, 9 - 0.1 * i};
    }
    for (int i = 7; i < 27; i++) {
        snprintf(names[i], sizeof names[0], "tiny%d", i);
        fns[i] = (fn){names[i], 1, 0.01};
        calls[i - 1] = (call){0, i, 1, 0.01};
    }
    pv_profile *p = MAKE(fns, calls);
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
    static const fn fns[] = {
        {"main", 1, 10}, {"a", 1, 6}, {"b", 1, 0.001}, {"c", 1, 0.002}, {"d", 1, 5}};
    static const call calls[] = {{0, 1, 1, 6}, {0, 2, 1, 0.001}, {0, 3, 1, 0.002}, {1, 4, 1, 5}};
    pv_profile *p = MAKE(fns, calls);
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
    static const fn fns[] = {{"main", 1, 10}, {"a", 1, 6}, {"b", 1, 2}, {"c", 1, 1}};
    static const call calls[] = {{0, 1, 1, 6}, {1, 2, 1, 2}, {2, 1, 1, 1}, {0, 3, 1, 1}};
    pv_profile *p = MAKE(fns, calls);
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
        cmocka_unit_test(tree_draws_a_recursive_call_as_a_re_entry),
        cmocka_unit_test(tree_draws_mutual_recursion_as_a_re_entry_with_nothing_left),
        cmocka_unit_test(tree_holds_several_roots_under_a_synthetic_root),
        cmocka_unit_test(tree_fits_overlapping_roots_into_the_program_total),
        cmocka_unit_test(tree_ignores_negligible_extra_roots),
        cmocka_unit_test(tree_leaves_roots_covered_by_their_callers_out_of_the_synthetic_root),
        cmocka_unit_test(tree_root_is_never_smaller_than_the_largest_cumtime),
        cmocka_unit_test(tree_looks_through_the_profile_module_placeholder_root),
        cmocka_unit_test(tree_ignores_the_profilers_own_disable_root),
        cmocka_unit_test(tree_fits_children_largest_first_when_edges_exceed_parent),
        cmocka_unit_test(tree_cutoff_leaves_small_children_in_their_parent),
        cmocka_unit_test(tree_cutoff_keeps_widths_consistent_everywhere),
        cmocka_unit_test(tree_respects_node_budget_and_marks_more),
        cmocka_unit_test(tree_depth_limit_marks_more_only_where_children_were_cut),
        cmocka_unit_test(tree_depth_zero_returns_only_the_view_root),
        cmocka_unit_test(tree_marks_exact_and_estimated_nodes),
        cmocka_unit_test(tree_estimates_count_only_edges),
        cmocka_unit_test(tree_gives_the_script_the_whole_recursive_exec_root),
        cmocka_unit_test(tree_follows_runpy_into_the_module),
        cmocka_unit_test(tree_gives_a_once_called_callee_to_the_caller_that_made_the_call),
        cmocka_unit_test(tree_goes_on_from_a_re_entry_into_its_cycle),
        cmocka_unit_test(tree_budget_cuts_the_smallest_boxes_not_a_level),
        cmocka_unit_test(tree_reports_what_the_cutoff_and_depth_hid),
        cmocka_unit_test(tree_deeper_or_lower_cutoff_never_shows_fewer_boxes),
        cmocka_unit_test(tree_subtree_matches_full_tree_at_that_place),
        cmocka_unit_test(tree_rejects_bad_path_naming_the_step),
        cmocka_unit_test(tree_rejects_out_of_range_request_fields),
        cmocka_unit_test(tree_of_empty_profile_is_a_lone_synthetic_root),
        cmocka_unit_test(tree_request_defaults_match_the_api),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
