/* Tests of the callers and callees trees of one function (parser/butterfly.c)
 * on hand-made graphs. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "butterfly.h"
#include "graph_builder.h"

/* main calls a and b; both call leaf; a also calls x. Every function has one
 * caller but leaf, so the shares above the first level are whole. */
static const gfn simple_fns[] = {
    {"main", 1, 10}, {"a", 1, 6}, {"b", 1, 4}, {"leaf", 5, 5}, {"x", 1, 3},
};
static const gcall simple_calls[] = {
    {0, 1, 1, 6}, {0, 2, 1, 4}, {1, 3, 3, 3}, {2, 3, 2, 2}, {1, 4, 1, 3},
};

/* main calls p and q; both call a (p 2 of a's 6 s, q 4); a calls leaf. */
static const gfn shared_fns[] = {
    {"main", 1, 10}, {"p", 1, 4}, {"q", 1, 6}, {"a", 2, 6}, {"leaf", 1, 3},
};
static const gcall shared_calls[] = {
    {0, 1, 1, 4}, {0, 2, 1, 6}, {1, 3, 1, 2}, {2, 3, 1, 4}, {3, 4, 1, 3},
};

static pv_butterfly *bf_build(const pv_profile *p, uint32_t fid, pv_bf_direction dir, int depth,
                              double cutoff, size_t max_nodes)
{
    pv_bf_request req;
    pv_bf_request_defaults(&req);
    req.direction = dir;
    req.depth = depth;
    req.cutoff = cutoff;
    req.max_nodes = max_nodes;
    pv_butterfly *bf = NULL;
    pv_error err = {0};
    if (pv_butterfly_build(p, fid, &req, &bf, &err) != 0)
        fail_msg("pv_butterfly_build: %s", err.message);
    return bf;
}

static const pv_tree_node *kid(const pv_butterfly *bf, const pv_tree_node *n, uint32_t k)
{
    assert_true(k < n->nchildren);
    return &bf->nodes[n->first_child + k];
}

static void callers_first_level_is_every_caller_edge_measured(void **state)
{
    (void)state;
    pv_profile *p = GRAPH(simple_fns, simple_calls);
    pv_butterfly *bf = bf_build(p, 3, PV_BF_CALLERS, 4, 0, 100);
    const pv_tree_node *root = &bf->nodes[0];
    assert_int_equal(root->func, 3);
    assert_near(root->time, 5, 1e-12);
    assert_int_equal(root->nchildren, 2);
    const pv_tree_node *a = kid(bf, root, 0), *b = kid(bf, root, 1);
    assert_int_equal(a->func, 1); /* largest first */
    assert_near(a->time, 3, 1e-12);
    assert_true(a->exact);
    assert_int_equal(a->calls, 3);
    assert_int_equal(b->func, 2);
    assert_near(b->time, 2, 1e-12);
    assert_near(a->time + b->time, p->functions[3].cumtime, 1e-12);
    /* a's only caller is main, with all of a's time: still exact */
    const pv_tree_node *m = kid(bf, a, 0);
    assert_int_equal(m->func, 0);
    assert_near(m->time, 3, 1e-12);
    assert_true(m->exact);
    assert_int_equal(m->why, PV_TREE_MEASURED);
    pv_butterfly_free(bf);
    pv_profile_free(p);
}

static void callers_deeper_levels_share_out_by_the_callers_edges(void **state)
{
    (void)state;
    pv_profile *p = GRAPH(shared_fns, shared_calls);
    pv_butterfly *bf = bf_build(p, 4, PV_BF_CALLERS, 4, 0, 100);
    const pv_tree_node *a = kid(bf, &bf->nodes[0], 0);
    assert_int_equal(a->func, 3);
    assert_true(a->exact);
    assert_int_equal(a->nchildren, 2);
    const pv_tree_node *q = kid(bf, a, 0), *pp = kid(bf, a, 1);
    assert_int_equal(q->func, 2);
    assert_near(q->time, 3.0 * 4 / 6, 1e-12);
    assert_false(q->exact);
    assert_int_equal(q->why, PV_TREE_SEVERAL_CALLERS);
    assert_int_equal(pp->func, 1);
    assert_near(pp->time, 1, 1e-12);
    assert_near(q->time + pp->time, a->time, 1e-12);
    /* above an estimate, an estimate */
    const pv_tree_node *m = kid(bf, q, 0);
    assert_int_equal(m->func, 0);
    assert_false(m->exact);
    assert_int_equal(m->why, PV_TREE_ESTIMATED_PARENT);
    pv_butterfly_free(bf);
    pv_profile_free(p);
}

static void callees_scale_by_the_parents_share_of_its_function(void **state)
{
    (void)state;
    pv_profile *p = GRAPH(shared_fns, shared_calls);
    pv_butterfly *bf = bf_build(p, 1, PV_BF_CALLEES, 4, 0, 100);
    const pv_tree_node *a = kid(bf, &bf->nodes[0], 0);
    assert_int_equal(a->func, 3);
    assert_near(a->time, 2, 1e-12);
    assert_true(a->exact);
    const pv_tree_node *leaf = kid(bf, a, 0);
    assert_int_equal(leaf->func, 4);
    assert_near(leaf->time, 3.0 * 2 / 6, 1e-12);
    assert_false(leaf->exact);
    pv_butterfly_free(bf);

    pv_profile *s = GRAPH(simple_fns, simple_calls);
    bf = bf_build(s, 0, PV_BF_CALLEES, 4, 0, 100);
    const pv_tree_node *aa = kid(bf, &bf->nodes[0], 0);
    assert_int_equal(aa->func, 1);
    assert_int_equal(aa->nchildren, 2);
    /* a has all its time here: its callees keep their measured edges */
    assert_near(kid(bf, aa, 0)->time, 3, 1e-12);
    assert_true(kid(bf, aa, 0)->exact);
    pv_butterfly_free(bf);
    pv_profile_free(s);
    pv_profile_free(p);
}

static void a_function_already_on_the_chain_is_a_reentry_without_children(void **state)
{
    (void)state;
    static const gfn fns[] = {{"main", 1, 10}, {"f", 4, 8}};
    static const gcall calls[] = {{0, 1, 1, 8}, {1, 1, 3, 5}};
    pv_profile *p = GRAPH(fns, calls);
    pv_butterfly *bf = bf_build(p, 1, PV_BF_CALLERS, 10, 0, 100);
    const pv_tree_node *root = &bf->nodes[0];
    assert_int_equal(root->nchildren, 2);
    bool seen = false;
    for (uint32_t k = 0; k < root->nchildren; k++) {
        const pv_tree_node *c = kid(bf, root, k);
        if (c->func == 1) {
            assert_true(c->reentry);
            assert_int_equal(c->nchildren, 0);
            seen = true;
        }
    }
    assert_true(seen);
    pv_butterfly_free(bf);
    pv_profile_free(p);
}

static void
depth_budget_and_cutoff_bound_the_tree_but_never_cut_the_first_level_by_cutoff(void **state)
{
    (void)state;
    pv_profile *p = GRAPH(simple_fns, simple_calls);
    pv_butterfly *bf = bf_build(p, 3, PV_BF_CALLERS, 1, 0, 100);
    assert_int_equal(bf->nnodes, 3);
    const pv_tree_node *a = kid(bf, &bf->nodes[0], 0);
    assert_true(a->more);
    assert_int_equal(a->hidden, 1);
    assert_near(a->hidden_time, 3, 1e-12);
    pv_butterfly_free(bf);

    bf = bf_build(p, 3, PV_BF_CALLERS, 4, 0, 2);
    assert_int_equal(bf->nnodes, 2);
    assert_int_equal(bf->nodes[0].hidden, 1);
    assert_near(bf->nodes[0].hidden_time, 2, 1e-12);
    assert_true(bf->nodes[0].more);
    pv_butterfly_free(bf);

    /* a cutoff of 50% of leaf's time keeps both callers (first level) but
     * leaves out what is under 2.5 s above them */
    bf = bf_build(p, 3, PV_BF_CALLERS, 4, 0.5, 100);
    assert_int_equal(bf->nodes[0].nchildren, 2);
    assert_int_equal(kid(bf, &bf->nodes[0], 0)->nchildren, 1); /* main, 3 s */
    assert_int_equal(kid(bf, &bf->nodes[0], 1)->nchildren, 0); /* main, 2 s: cut */
    assert_int_equal(kid(bf, &bf->nodes[0], 1)->hidden, 1);
    pv_butterfly_free(bf);
    pv_profile_free(p);
}

static void count_only_edges_share_by_calls(void **state)
{
    (void)state;
    static const gfn fns[] = {{"main", 1, 10}, {"a", 1, 5}, {"b", 1, 5}, {"leaf", 4, 4}};
    static const gcall calls[] = {{0, 1, 1, NAN}, {0, 2, 1, NAN}, {1, 3, 3, NAN}, {2, 3, 1, NAN}};
    pv_profile *p = GRAPH(fns, calls);
    pv_butterfly *bf = bf_build(p, 3, PV_BF_CALLERS, 2, 0, 100);
    const pv_tree_node *a = kid(bf, &bf->nodes[0], 0);
    assert_int_equal(a->func, 1);
    assert_near(a->time, 3, 1e-12);
    assert_false(a->exact);
    assert_int_equal(a->why, PV_TREE_CALLS_ONLY);
    pv_butterfly_free(bf);
    pv_profile_free(p);
}

static void bad_requests_say_what_is_wrong(void **state)
{
    (void)state;
    pv_profile *p = GRAPH(simple_fns, simple_calls);
    pv_bf_request req;
    pv_bf_request_defaults(&req);
    pv_butterfly *bf = NULL;
    pv_error err = {0};
    assert_int_equal(pv_butterfly_build(p, 99, &req, &bf, &err), -1);
    assert_int_equal(err.kind, PV_ERR_NOT_FOUND);
    assert_string_equal(err.message, "no function with id 99");
    req.depth = 0;
    assert_int_equal(pv_butterfly_build(p, 1, &req, &bf, &err), -1);
    assert_int_equal(err.kind, PV_ERR_ARGUMENT);
    assert_string_equal(err.message, "depth must be from 1 to 1000, not 0");
    assert_null(bf);
    pv_profile_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(callers_first_level_is_every_caller_edge_measured),
        cmocka_unit_test(callers_deeper_levels_share_out_by_the_callers_edges),
        cmocka_unit_test(callees_scale_by_the_parents_share_of_its_function),
        cmocka_unit_test(a_function_already_on_the_chain_is_a_reentry_without_children),
        cmocka_unit_test(
            depth_budget_and_cutoff_bound_the_tree_but_never_cut_the_first_level_by_cutoff),
        cmocka_unit_test(count_only_edges_share_by_calls),
        cmocka_unit_test(bad_requests_say_what_is_wrong),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
