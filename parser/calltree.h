/* calltree.h: call trees estimated from a profile's caller->callee totals.
 *
 * pstats keeps per-edge totals, not call stacks, so below the first level a
 * tree is an estimate. The tree root is the function that carries the program
 * or, when several roots carry time, a synthetic "<all roots>" node (func -1)
 * holding the roots (those whose time is not already shown under their
 * callers; calltree.c states the exact rules). A node's children are its function's callees; a
 * child's time under a node is that edge's cumtime, scaled down proportionally when the edges add
 * up to more than the node's time. A function already on the path from the tree root is not
 * expanded again (recursion). A node is exact when its time is a measured number (the root, an edge
 * straight from a real root, or a path on which every function has a single caller), else an
 * estimate.
 *
 * A request names a view root by its path of function ids from the tree root
 * (the synthetic root is never part of a path; a real tree root is its first
 * step, and an empty path names the tree root), a depth, a cutoff (children
 * under that fraction of the view root's time are left out; their time stays
 * in the parent) and a node budget (filled breadth-first, so it cuts the
 * deepest levels first). The same place always gets the same numbers,
 * whether asked for as a subtree or as part of a larger tree.
 *
 * Ownership: pv_tree_build returns one pv_tree that the caller frees with
 * pv_tree_free(); nodes refer to the profile's functions by id, so the profile
 * must outlive the tree. Building reads the profile only: any number of
 * threads may build trees from one profile at once.
 */
#ifndef PV_CALLTREE_H
#define PV_CALLTREE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "profile.h"

#define PV_TREE_SYNTHETIC_ROOT (-1)

typedef struct pv_tree_node {
    int64_t func;  /* function id, or PV_TREE_SYNTHETIC_ROOT */
    double time;   /* time of this node in this branch, seconds */
    int64_t calls; /* calls in this branch (the edge's ncalls; a root's own ncalls) */
    bool exact;    /* measured, not estimated */
    bool more;     /* has children that depth or the node budget left out */
    uint32_t first_child, nchildren; /* children are nodes[first_child .. +nchildren) */
} pv_tree_node;

typedef struct pv_tree_request {
    const int64_t *path; /* function ids from the tree root to the view root; may be empty */
    size_t path_len;
    int depth;        /* levels below the view root to include, >= 0 (default 10) */
    double cutoff;    /* fraction of the view root's time, 0..1 (default 0.001) */
    size_t max_nodes; /* at most this many nodes, >= 1 (default 5000) */
} pv_tree_request;

typedef struct pv_tree {
    pv_tree_node *nodes; /* nodes[0] is the view root; children follow breadth-first */
    size_t nnodes;
    int64_t *path; /* the view root's path as resolved: a copy of the request's, or
                      [root] for an empty path with a real tree root (NULL when empty),
                      so that path + a child's id names that child */
    size_t path_len;
} pv_tree;

/* Fills req with the defaults (empty path, depth 10, cutoff 0.001, 5000 nodes). */
void pv_tree_request_defaults(pv_tree_request *req);

/* Builds the tree for req. Returns 0 and sets *out, or -1 with err filled:
 * when the path does not name a node of the tree (message names the first
 * bad step; offset is its index in the path), when another field of req is
 * out of range (message names it; offset -1) or when out of memory (offset -1). */
int pv_tree_build(const pv_profile *profile, const pv_tree_request *req, pv_tree **out,
                  pv_error *err);

/* Frees a tree. NULL is fine. */
void pv_tree_free(pv_tree *tree);

#endif
