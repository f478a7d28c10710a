/* tree_checks.h: building call trees and checking them, for the tests of
 * parser/calltree.c on hand-made graphs (graph_builder.h). build() returns a
 * tree the caller frees with pv_tree_free(); the checks fail the running
 * cmocka test. Static inline functions only, so a file that uses a few of
 * them builds without warnings about the others. */
#ifndef PV_TEST_TREE_CHECKS_H
#define PV_TEST_TREE_CHECKS_H

#include <stdio.h>
#include <string.h>

#include "calltree.h"
#include "profile.h"

/* Builds a tree that must succeed. */
static inline pv_tree *build(const pv_profile *p, const int64_t *path, size_t path_len, int depth,
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
static inline long child(const pv_tree *t, size_t idx, int64_t func)
{
    const pv_tree_node *n = &t->nodes[idx];
    for (uint32_t i = 0; i < n->nchildren; i++)
        if (t->nodes[n->first_child + i].func == func) return (long)(n->first_child + i);
    return -1;
}

/* The invariants every tree keeps: children are stored after their parent,
 * in descending time, and never add up to more than their parent. */
static inline void check_widths(const pv_tree *t)
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

/* A path that must be refused at step step with this message. */
static inline void expect_bad_path(const pv_profile *p, const int64_t *path, size_t len,
                                   int64_t step, const char *message)
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

#endif
