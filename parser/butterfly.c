/* butterfly.c: the callers and callees trees of one function (butterfly.h).
 *
 * The rules, for a node N of function G with time t (G's part of the root
 * function's time along N's path):
 *   - callers: each caller edge e = (B -> G) gives a child B with time
 *     t * e.cumtime / max(G.cumtime, sum of G's caller edge cumtimes); the
 *     denominator keeps the shares of a recursive G (whose edges overlap)
 *     from adding up to more than t. Count-only edges share by calls.
 *   - callees: each callee edge e = (G -> C) gives a child C with time
 *     e.cumtime * t / G.cumtime, at most t.
 *   - the first level is the root's edges as measured; a deeper child is
 *     exact only when its parent is and its share is whole (the only caller
 *     of G; all of G's time along this path).
 * The tree grows breadth-first: every node's children are made at once,
 * sorted largest first, so a node's children are contiguous. Children under
 * the cutoff, past the depth or past the budget go to the parent's hidden
 * count; the first level is never cut by the cutoff.
 */
#include "butterfly.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void pv_bf_request_defaults(pv_bf_request *req)
{
    req->direction = PV_BF_CALLERS;
    req->depth = 4;
    req->cutoff = 0.001;
    req->max_nodes = 2000;
}

/* A child before it gets a node. */
typedef struct cand {
    uint32_t func;
    double time;
    int64_t calls;
    bool exact;
    pv_tree_why why;
} cand;

typedef struct build {
    const pv_profile *p;
    const pv_bf_request *req;
    pv_tree_node *nodes;
    uint32_t *parent; /* parent index of each node (nodes[0]: itself) */
    int *level;
    size_t n, cap;
    cand *cands;
    size_t ncands, cands_cap;
} build;

static int grow_cands(build *b, size_t need)
{
    if (need <= b->cands_cap) return 0;
    size_t cap = b->cands_cap ? b->cands_cap : 64;
    while (cap < need)
        cap *= 2;
    cand *c = realloc(b->cands, cap * sizeof *c);
    if (!c) return -1;
    b->cands = c;
    b->cands_cap = cap;
    return 0;
}

static int by_time_desc(const void *pa, const void *pb)
{
    const cand *a = pa, *b = pb;
    if (a->time != b->time) return a->time > b->time ? -1 : 1;
    return (a->func > b->func) - (a->func < b->func);
}

/* True when func is on the path from the root to node i (i included). */
static bool on_path(const build *b, size_t i, uint32_t func)
{
    for (;;) {
        if (b->nodes[i].func == (int64_t)func) return true;
        if (i == 0) return false;
        i = b->parent[i];
    }
}

/* The children of node i as candidates (b->cands), largest first. */
static int candidates(build *b, size_t i)
{
    const pv_profile *p = b->p;
    const pv_tree_node *node = &b->nodes[i];
    const pv_function *g = &p->functions[node->func];
    bool first = i == 0;
    bool callers = b->req->direction == PV_BF_CALLERS;
    uint32_t count = callers ? g->ncallers : g->ncallees;
    b->ncands = 0;
    if (grow_cands(b, count ? count : 1) < 0) return -1;

    /* callers: the denominator of the shares */
    double denom = g->cumtime;
    if (callers) {
        double sum = 0;
        for (uint32_t k = 0; k < g->ncallers; k++) {
            const pv_edge *e = &p->edges[g->first_caller + k];
            if (pv_edge_has_times(e)) sum += e->cumtime;
        }
        if (sum > denom) denom = sum;
    }
    for (uint32_t k = 0; k < count; k++) {
        const pv_edge *e = callers ? &p->edges[g->first_caller + k]
                                   : &p->edges[p->callee_edges[g->first_callee + k]];
        cand c = {.func = callers ? e->caller : e->callee, .calls = e->ncalls};
        bool timed = pv_edge_has_times(e);
        if (first) {
            if (timed) {
                c.time = e->cumtime;
                c.exact = true;
            } else {
                c.time = g->ncalls > 0 ? node->time * (double)e->ncalls / (double)g->ncalls : 0;
                c.why = PV_TREE_CALLS_ONLY;
            }
        } else {
            double share;
            if (callers) {
                share = timed ? (denom > 0 ? e->cumtime / denom : 0)
                              : (g->ncalls > 0 ? (double)e->ncalls / (double)g->ncalls : 0);
                c.time = node->time * share;
                c.exact = timed && node->exact && g->ncallers == 1 && g->external_calls == 0 &&
                          e->cumtime >= g->cumtime;
            } else {
                share = g->cumtime > 0 ? node->time / g->cumtime : 0;
                if (share > 1) share = 1;
                double whole = timed ? e->cumtime : 0;
                if (!timed) {
                    const pv_function *callee = &p->functions[e->callee];
                    whole = callee->ncalls > 0
                                ? callee->cumtime * (double)e->ncalls / (double)callee->ncalls
                                : 0;
                }
                c.time = whole * share;
                if (c.time > node->time) c.time = node->time;
                c.exact = timed && node->exact && share == 1;
            }
            if (!c.exact)
                c.why = !timed         ? PV_TREE_CALLS_ONLY
                        : !node->exact ? PV_TREE_ESTIMATED_PARENT
                                       : PV_TREE_SEVERAL_CALLERS;
        }
        if (!(c.time >= 0)) c.time = 0;
        b->cands[b->ncands++] = c;
    }
    if (b->ncands > 1) qsort(b->cands, b->ncands, sizeof *b->cands, by_time_desc);
    return 0;
}

static int grow_nodes(build *b, size_t need)
{
    if (need <= b->cap) return 0;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < need)
        cap *= 2;
    if (cap > b->req->max_nodes) cap = b->req->max_nodes;
    pv_tree_node *n = realloc(b->nodes, cap * sizeof *n);
    if (!n) return -1;
    b->nodes = n;
    uint32_t *par = realloc(b->parent, cap * sizeof *par);
    if (!par) return -1;
    b->parent = par;
    int *lv = realloc(b->level, cap * sizeof *lv);
    if (!lv) return -1;
    b->level = lv;
    b->cap = cap;
    return 0;
}

/* Makes the children of node i from its candidates, within the bounds. */
static int expand(build *b, size_t i)
{
    pv_tree_node *node = &b->nodes[i];
    const pv_bf_request *req = b->req;
    double floor = req->cutoff * b->nodes[0].time;
    node->first_child = (uint32_t)b->n;
    node->nchildren = 0;
    if (node->reentry) return 0;
    if (candidates(b, i) < 0) return -1;
    if (b->ncands == 0) return 0;
    node = &b->nodes[i];
    if (b->level[i] >= req->depth) {
        node->more = true;
        for (size_t k = 0; k < b->ncands; k++)
            node->hidden_time += b->cands[k].time;
        node->hidden = (uint32_t)b->ncands;
        return 0;
    }
    size_t keep = 0;
    while (keep < b->ncands && b->n + keep < req->max_nodes &&
           (i == 0 || b->cands[keep].time >= floor) && !(i != 0 && b->cands[keep].time <= 0))
        keep++;
    if (grow_nodes(b, b->n + keep) < 0) return -1;
    node = &b->nodes[i];
    for (size_t k = 0; k < keep; k++) {
        const cand *c = &b->cands[k];
        size_t j = b->n++;
        bool re = on_path(b, i, c->func);
        b->nodes[j] = (pv_tree_node){
            .func = c->func,
            .time = c->time,
            .calls = c->calls,
            .exact = c->exact,
            .reentry = re,
            .why = c->exact ? PV_TREE_MEASURED : c->why,
        };
        b->parent[j] = (uint32_t)i;
        b->level[j] = b->level[i] + 1;
    }
    node->nchildren = (uint32_t)keep;
    for (size_t k = keep; k < b->ncands; k++) {
        node->hidden_time += b->cands[k].time;
        node->hidden++;
    }
    if (node->hidden && b->n >= req->max_nodes) node->more = true;
    return 0;
}

int pv_butterfly_build(const pv_profile *profile, uint32_t fid, const pv_bf_request *req,
                       pv_butterfly **out, pv_error *err)
{
    *out = NULL;
    if (fid >= profile->nfunctions)
        return pv_fail(err, PV_ERR_NOT_FOUND, -1, "no function with id %u", fid);
    if (req->depth < 1 || req->depth > 1000)
        return pv_fail(err, PV_ERR_ARGUMENT, -1, "depth must be from 1 to 1000, not %d",
                       req->depth);
    if (!(req->cutoff >= 0 && req->cutoff <= 1))
        return pv_fail(err, PV_ERR_ARGUMENT, -1, "cutoff must be from 0 to 1");
    if (req->max_nodes < 2 || req->max_nodes > UINT32_MAX / 2)
        return pv_fail(err, PV_ERR_ARGUMENT, -1, "max_nodes must be from 2 to %u", UINT32_MAX / 2);

    build b = {.p = profile, .req = req};
    pv_butterfly *bf = calloc(1, sizeof *bf);
    if (!bf || grow_nodes(&b, 1) < 0) goto nomem;
    const pv_function *f = &profile->functions[fid];
    b.nodes[0] = (pv_tree_node){.func = fid, .time = f->cumtime, .calls = f->ncalls, .exact = true};
    b.parent[0] = 0;
    b.level[0] = 0;
    b.n = 1;
    for (size_t i = 0; i < b.n; i++)
        if (expand(&b, i) < 0) goto nomem;
    free(b.parent);
    free(b.level);
    free(b.cands);
    bf->nodes = b.nodes;
    bf->nnodes = b.n;
    *out = bf;
    return 0;

nomem:
    free(b.nodes);
    free(b.parent);
    free(b.level);
    free(b.cands);
    free(bf);
    return pv_fail(err, PV_ERR_NOMEM, -1, "out of memory");
}

void pv_butterfly_free(pv_butterfly *bf)
{
    if (!bf) return;
    free(bf->nodes);
    free(bf);
}
