/* calltree.h: call trees estimated from a profile's caller->callee totals.
 *
 * pstats keeps per-edge totals, not call stacks, so a tree below its first
 * level is partly an estimate, and each node says whether its number was
 * measured. The tree root is the function that carries the program or, when
 * several roots carry time, a synthetic "<all roots>" node (func -1) holding
 * them. A node's children are its function's callees, each given that edge's
 * time (shared in proportion when the node stands for a part of its
 * function), largest first up to what the node has: the surplus of a
 * recursive function's edges is nested time, not a reason to shrink the
 * others. A callee already on the path is a re-entry node, bounded by its
 * edge, whose children are the functions its cycle calls that are not on the
 * path yet, with the time the outer levels left them. calltree.c states the
 * rules exactly.
 *
 * A request names a view root by its path of function ids from the tree root
 * (the synthetic root is never part of a path; a real tree root is its first
 * step, and an empty path names the tree root; a re-entry repeats an id), a
 * depth, a cutoff (children under that fraction of the view root's time are
 * left out) and a node budget (spent on the largest nodes first, so it cuts
 * the smallest boxes). A node whose children were left out says how many and
 * how much time they had. The same place always gets the same numbers,
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

/* Why a node's time is an estimate (PV_TREE_MEASURED when it is exact). */
typedef enum pv_tree_why {
    PV_TREE_MEASURED = 0,
    PV_TREE_SEVERAL_CALLERS,   /* the parent's function has several callers: its edges
                                  were shared out in proportion to this node's part */
    PV_TREE_RECURSIVE_PARENT,  /* the parent is recursive: its edges overlap (nested
                                  time) and were fitted into it largest first, or this
                                  is a re-entry's share of its cycle's remaining time */
    PV_TREE_ESTIMATED_PARENT,  /* the parent's own time is an estimate */
    PV_TREE_CALLS_ONLY,        /* the edge has call counts only (profile module): the
                                  callee's time split by its share of the calls */
    PV_TREE_OVERLAPPING_ROOTS, /* several roots whose times overlap: fitted into the
                                  program's total */
} pv_tree_why;

typedef struct pv_tree_node {
    int64_t func;       /* function id, or PV_TREE_SYNTHETIC_ROOT */
    double time;        /* time of this node in this branch, seconds */
    int64_t calls;      /* calls along the edge that gives this node (a root's own ncalls) */
    bool exact;         /* measured, not estimated (why == PV_TREE_MEASURED) */
    bool reentry;       /* func is already on the path above: a recursion re-entry */
    bool more;          /* children that depth or the node budget left out */
    pv_tree_why why;    /* why the time is an estimate */
    double hidden_time; /* time of the children left out (depth, cutoff, budget) */
    uint32_t hidden;    /* how many children were left out */
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
    pv_tree_node *nodes; /* nodes[0] is the view root; children follow breadth-first,
                            each node's children largest first */
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
 * bad step and its index), when another field of req is out of range
 * (message names it) or when out of memory. err's offset is -1 throughout:
 * no input bytes are read here. */
int pv_tree_build(const pv_profile *profile, const pv_tree_request *req, pv_tree **out,
                  pv_error *err);

/* The name of a pv_tree_why as the API spells it ("several-callers", ...), or
 * NULL for PV_TREE_MEASURED. */
const char *pv_tree_why_name(pv_tree_why why);

/* Frees a tree. NULL is fine. */
void pv_tree_free(pv_tree *tree);

#endif
