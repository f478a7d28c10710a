/* butterfly.h: the callers and the callees of one function as trees (the
 * function view's "sandwich"), estimated from a profile's caller->callee
 * totals.
 *
 * The callers tree is bottom-up: its root is the function with its cumtime;
 * the first level is its caller edges, each with the edge's measured cumtime
 * (exact); a deeper node is a caller of its parent's function, given the
 * parent's time shared out in proportion to that caller's edge (an estimate,
 * unless the parent's function has that one caller only). The callees tree
 * is top-down: the first level is the function's callee edges (exact); a
 * deeper node is a callee of its parent's function with that edge's time
 * scaled by the parent's share of its function's cumtime. A function
 * already on the path from the root is a re-entry node (reentry true): its
 * time is given, its children are not. Count-only edges (the profile
 * module) share by calls. Nodes are pv_tree_node (calltree.h): exact and why
 * say whether and why a time is an estimate.
 *
 * Bounds: the first level is complete up to max_nodes; deeper levels stop
 * at depth, leave out nodes under cutoff (a fraction of the function's
 * cumtime) and stop when max_nodes nodes are made; a node whose children
 * were left out counts them in hidden and hidden_time.
 *
 * Ownership: pv_butterfly_build returns one pv_butterfly that the caller
 * frees with pv_butterfly_free(); nodes name functions by id, so the profile
 * must outlive it. Building only reads the profile (thread-safe).
 */
#ifndef PV_BUTTERFLY_H
#define PV_BUTTERFLY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "calltree.h"
#include "error.h"
#include "profile.h"

typedef enum pv_bf_direction {
    PV_BF_CALLERS, /* bottom-up: who calls the function */
    PV_BF_CALLEES, /* top-down: what the function calls */
} pv_bf_direction;

typedef struct pv_bf_request {
    pv_bf_direction direction;
    int depth;        /* levels below the function, 1..1000 (1: its edges only) */
    double cutoff;    /* deeper nodes under this fraction of the root's time are left out, 0..1 */
    size_t max_nodes; /* nodes at most (the root included), >= 2 */
} pv_bf_request;

typedef struct pv_butterfly {
    pv_tree_node *nodes; /* nodes[0] is the function; children follow breadth-first,
                            each node's children largest first */
    size_t nnodes;
} pv_butterfly;

/* Fills req with the defaults: callers, depth 4, cutoff 0.001, 2000 nodes. */
void pv_bf_request_defaults(pv_bf_request *req);

/* Builds the callers or callees tree of function fid. Returns 0 and sets
 * *out, or -1 with err filled: PV_ERR_NOT_FOUND when fid is no function of
 * profile, PV_ERR_ARGUMENT when a field of req is out of range (the message
 * names it), PV_ERR_NOMEM. err's offset is -1. */
int pv_butterfly_build(const pv_profile *profile, uint32_t fid, const pv_bf_request *req,
                       pv_butterfly **out, pv_error *err);

/* Frees a butterfly tree. NULL is fine. */
void pv_butterfly_free(pv_butterfly *bf);

#endif
