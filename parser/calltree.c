/* calltree.c: estimated call trees from caller->callee totals (see calltree.h).
 *
 * What the numbers mean (pstats-format.md §6): a function's cumtime counts its
 * outermost calls only, and an edge G->F counts the G->F calls not nested in
 * another G->F call. So a recursive function's callee edges can add up to
 * more than its cumtime: the surplus is time nested inside another child.
 *
 * Every number in a tree comes from these rules, applied from the tree root
 * down; the same walk resolves a request's path, so a view root gets exactly
 * the numbers it has in the full tree, whatever depth, cutoff or budget.
 *
 * - Part. A node of function F with time t stands for the part
 *   phi = t / cumtime(F) of F (at most 1).
 * - Children of a node. Each callee edge F->C offers edge time * phi. The
 *   offers are taken largest first, each up to what the node has left, so
 *   the children never add up to more than the node and nesting surplus
 *   takes from the smallest children, never from one that alone can hold the
 *   node. A child that got less than its offer is an estimate.
 * - Re-entry. A callee already on the path is a child like any other, marked
 *   as a re-entry. Its children are the callees, not yet on the path, of the
 *   functions of its cycle (the path from the outermost node of its function
 *   down to its parent), each worth what its edge offered at those path
 *   nodes minus what it was given there (nested time the outer levels could
 *   not place), shared in proportion to fit the re-entry. A re-entry expands
 *   only into functions not on the path, so every path is finite.
 * - Exact. A node is "whole" when it stands for every call of its function:
 *   a real tree root; a root nobody calls under the synthetic root; an exact
 *   child whose function is called by its parent's function alone (or by
 *   itself) and from nowhere outside. A child is exact when its parent is
 *   whole, its edge has times and it got its whole offer: its time is then a
 *   measured edge. Everything else says why it is an estimate.
 * - Tree root: the candidates are the roots, except that a placeholder root
 *   (never called, no time, yet calling something: the profile module's
 *   "profiler" frame) is replaced by its callees. A candidate carries the
 *   program when its share of time from outside the profile is at least
 *   PV_TREE_ROOT_SHARE of the largest cumtime (a root with callers counts
 *   only its external share, cumtime * external_calls / ncalls, except the
 *   largest, which no smaller root can contain); cProfile's own disable()
 *   never carries it. One carrying candidate whose cumtime is the largest in
 *   the profile is the tree root. Otherwise a synthetic root holds every
 *   candidate not covered by its callers, worth the program's total
 *   (max(largest cumtime, min(sum of roots, sum of tottime))), and roots that
 *   overlap are fitted into it largest first: <all roots> never holds more
 *   than the program ran.
 * - Count-only edges (profile module): the callee's cumtime is split by the
 *   edge's share of the callee's calls. Such children are estimates.
 * - Budget. Nodes are taken best first (largest time first) until the budget
 *   is spent, so it cuts the smallest boxes; children under the cutoff, below
 *   the depth or past the budget are counted in their parent's hidden time.
 */
#include "calltree.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* A root carries the program when its external share of time reaches 5% of
 * the largest cumtime; below that it is noise (cProfile's own disable() is
 * several % of a sub-millisecond program). */
#define PV_TREE_ROOT_SHARE 0.05

/* A root with callers whose external share is under 1% of the largest
 * cumtime is covered by them: the synthetic root leaves it out. */
#define PV_TREE_COVERED_SHARE 0.01

/* A child that got at least this fraction of its offer got all of it: the
 * rest is timer rounding. */
#define PV_TREE_ROUNDING (1 - 1e-9)

/* A child that would get less than this fraction of its offer gets nothing:
 * what a recursive node has left after its children is its own time and
 * rounding, and a sliver of a nested child would split that child in two
 * (the script's module at exec's level and under runpy's exec). What it did
 * not get stays for the re-entries below. */
#define PV_TREE_SLIVER 0.01

/* Marks per function: 0 free, PV_TREE_ON_PATH on the resolved path (tree root
 * to view root), i + 1 an ancestor of entry i (or entry i itself). */
#define PV_TREE_ON_PATH UINT32_MAX
#define PV_TREE_NONE UINT32_MAX

/* A child as its parent's allocation made it, before it becomes a node. */
typedef struct pv_tree_kid {
    int64_t func;
    uint32_t src; /* function whose edge gave the time (the parent's, or a cycle's) */
    double offer; /* what its edge offered */
    double time;  /* what it got */
    int64_t calls;
    bool exact, whole, reentry;
    pv_tree_why why;
    uint32_t entry; /* the entry made of it, or PV_TREE_NONE */
} pv_tree_kid;

/* A node of the walk: on the path above the view root, the view root, or a
 * node below it. */
typedef struct pv_tree_ent {
    pv_tree_kid k;
    uint32_t parent; /* entry index, PV_TREE_NONE for the tree root */
    int level;       /* levels below the view root (negative above it) */
    size_t first_kid, nkids;
    bool expanded;
    double hidden_time;
    uint32_t hidden;
    bool more;
} pv_tree_ent;

typedef struct pv_tree_aff {
    uint32_t caller, callee;
    double time; /* of callee's nested time, how much re-entries through caller may show */
} pv_tree_aff;

typedef struct pv_tree_heap_item {
    double time;
    uint32_t parent; /* entry index */
    uint32_t kid;    /* index among the parent's kids */
} pv_tree_heap_item;

typedef struct pv_tree_ctx {
    const pv_profile *p;
    uint32_t *mark; /* nfunctions marks, see PV_TREE_ON_PATH */
    pv_tree_kid *roots;
    size_t nroots; /* children of the synthetic root */
    pv_tree_kid *kids;
    size_t nkids, kids_cap; /* every expanded entry's children, in one array */
    pv_tree_ent *ents;
    size_t nents, ents_cap;
    pv_tree_heap_item *heap;
    size_t nheap, heap_cap;
    /* scratch for re-entries: remaining time per callee */
    double *rem;        /* nfunctions: what is left for each function */
    uint32_t *rem_src;  /* its largest contributor (PV_TREE_NONE when unused) */
    double *rem_best;   /* that contributor's part */
    bool *rem_in;       /* listed in rem_list */
    bool *in_cycle;     /* scratch: the functions of a re-entry's cycle */
    uint32_t *rem_list; /* the functions touched */
    size_t nrem;
    size_t view; /* the view root's entry */
    /* Affinity of re-entries (see pv_tree_affinity), per re-entered function,
     * made when first needed: triples sorted by caller, then callee. */
    pv_tree_aff *aff;
    size_t naff, aff_cap;
    uint32_t *aff_first, *aff_count; /* nfunctions each, or NULL until needed */
    bool *aff_done;
    double *aff_val;  /* scratch, nfunctions: the parent's affinity per callee */
    bool *aff_callee; /* scratch, nfunctions: a callee of the re-entered function */
} pv_tree_ctx;

void pv_tree_request_defaults(pv_tree_request *req)
{
    req->path = NULL;
    req->path_len = 0;
    req->depth = 10;
    req->cutoff = 0.001;
    req->max_nodes = 5000;
}

const char *pv_tree_why_name(pv_tree_why why)
{
    switch (why) {
    case PV_TREE_MEASURED:
        return NULL;
    case PV_TREE_SEVERAL_CALLERS:
        return "several-callers";
    case PV_TREE_RECURSIVE_PARENT:
        return "recursive-parent";
    case PV_TREE_ESTIMATED_PARENT:
        return "estimated-parent";
    case PV_TREE_CALLS_ONLY:
        return "calls-only";
    case PV_TREE_OVERLAPPING_ROOTS:
        return "overlapping-roots";
    }
    return NULL;
}

/* Hostile or hand-made numbers (negative, infinite, NaN) count as no time:
 * widths must stay finite and non-negative. */
static double pv_tree_sane(double t)
{
    return isfinite(t) && t > 0 ? t : 0;
}

static int64_t pv_tree_add_sat(int64_t a, int64_t b)
{
    if (b > 0 && a > INT64_MAX - b) return INT64_MAX;
    if (b < 0 && a < INT64_MIN - b) return INT64_MIN;
    return a + b;
}

/* Time of edge e. Count-only edges get an estimate: the callee's cumtime
 * split by this edge's share of the callee's calls. */
static double pv_tree_edge_time(const pv_profile *p, const pv_edge *e)
{
    if (pv_edge_has_times(e)) return pv_tree_sane(e->cumtime);
    const pv_function *callee = &p->functions[e->callee];
    if (callee->ncalls <= 0 || e->ncalls <= 0) return 0;
    double share = (double)e->ncalls / (double)callee->ncalls;
    return pv_tree_sane(callee->cumtime) * (share < 1 ? share : 1);
}

/* What a child offered `offer` gets from a node with `left` still to give:
 * all of it when it fits, what is left when that is more than a sliver. */
static double pv_tree_fit(double offer, double left)
{
    double t = offer < left ? offer : left;
    return t > 0 && t >= offer * PV_TREE_SLIVER ? t : 0;
}

/* The part of its function that a node of time t stands for. */
static double pv_tree_part(const pv_profile *p, int64_t func, double t)
{
    double ct = pv_tree_sane(p->functions[func].cumtime);
    if (ct <= 0) return 0;
    double phi = t / ct;
    return phi < 1 ? phi : 1;
}

/* True when every call of func comes from parent (or from func itself, whose
 * recursive calls are nested in the outer ones). */
static bool pv_tree_sole_caller(const pv_profile *p, uint32_t func, uint32_t parent)
{
    const pv_function *f = &p->functions[func];
    if (f->external_calls > 0) return false;
    for (uint32_t i = 0; i < f->ncallers; i++) {
        uint32_t caller = p->edges[f->first_caller + i].caller;
        if (caller != parent && caller != func) return false;
    }
    return true;
}

static int pv_tree_grow(void **arr, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap) return 0;
    size_t c = *cap ? *cap : 64;
    while (c < need)
        c *= 2;
    void *a = realloc(*arr, c * size);
    if (!a) return -1;
    *arr = a;
    *cap = c;
    return 0;
}

/* Largest time first; equal times by function id, then source, so the same
 * request always gives the same tree. */
static int pv_tree_kid_cmp(const void *a, const void *b)
{
    const pv_tree_kid *x = a, *y = b;
    if (x->offer != y->offer) return x->offer > y->offer ? -1 : 1;
    if (x->func != y->func) return x->func < y->func ? -1 : 1;
    return x->src < y->src ? -1 : x->src > y->src;
}

static bool pv_tree_on_path(const pv_tree_ctx *ctx, uint32_t func, uint32_t cur)
{
    uint32_t m = ctx->mark[func];
    return m == PV_TREE_ON_PATH || m == cur;
}

static int pv_tree_aff_cmp(const void *a, const void *b)
{
    const pv_tree_aff *x = a, *y = b;
    if (x->caller != y->caller) return x->caller < y->caller ? -1 : 1;
    return x->callee < y->callee ? -1 : x->callee > y->callee;
}

typedef struct pv_tree_amount {
    uint32_t id;
    double time;
} pv_tree_amount;

static int pv_tree_amount_cmp(const void *a, const void *b)
{
    const pv_tree_amount *x = a, *y = b;
    if (x->time != y->time) return x->time > y->time ? -1 : 1;
    return x->id < y->id ? -1 : x->id > y->id;
}

/* Affinity: which of function f's nested time re-entries through each caller
 * may show, the same for every tree of the profile. f's outermost calls
 * (cumtime) hold its callee edges largest first; what does not fit is nested
 * time, run from inside f by the callers through which f re-enters (their
 * edges less the outermost calls). Those callers, largest first, take the
 * nested time largest first, each up to what it re-entered with. So `-m module` shows the module
 * under runpy's exec, not under an import's, and the script's <module> is never drawn again inside
 * an import. Returns 0, or -1 when out of memory. */
static int pv_tree_affinity(pv_tree_ctx *ctx, uint32_t f)
{
    const pv_profile *p = ctx->p;
    size_t nf = p->nfunctions;
    if (!ctx->aff_done) {
        ctx->aff_first = calloc(nf, sizeof *ctx->aff_first);
        ctx->aff_count = calloc(nf, sizeof *ctx->aff_count);
        ctx->aff_done = calloc(nf, sizeof *ctx->aff_done);
        ctx->aff_val = calloc(nf, sizeof *ctx->aff_val);
        ctx->aff_callee = calloc(nf, sizeof *ctx->aff_callee);
        if (!ctx->aff_first || !ctx->aff_count || !ctx->aff_done || !ctx->aff_val ||
            !ctx->aff_callee)
            return -1;
    }
    if (ctx->aff_done[f]) return 0;
    const pv_function *fn = &p->functions[f];
    pv_tree_amount *nested = malloc((fn->ncallees + 1) * sizeof *nested);
    pv_tree_amount *callers = malloc((fn->ncallers + 1) * sizeof *callers);
    if (!nested || !callers) {
        free(nested);
        free(callers);
        return -1;
    }
    size_t nn = 0, nc = 0;
    for (uint32_t i = 0; i < fn->ncallees; i++) {
        const pv_edge *e = &p->edges[p->callee_edges[fn->first_callee + i]];
        nested[nn++] = (pv_tree_amount){e->callee, pv_tree_edge_time(p, e)};
    }
    /* The same allocation as a node of f that stands for all of it; what
     * the recursive edge itself got is nested time shown by the re-entry. */
    qsort(nested, nn, sizeof *nested, pv_tree_amount_cmp);
    double left = pv_tree_sane(fn->cumtime);
    for (size_t i = 0; i < nn; i++) {
        double t = pv_tree_fit(nested[i].time, left);
        left -= t;
        nested[i].time = nested[i].id == f ? 0 : nested[i].time - t;
    }
    for (uint32_t i = 0; i < fn->ncallers; i++) {
        const pv_edge *e = &p->edges[fn->first_caller + i];
        callers[nc++] = (pv_tree_amount){e->caller, pv_tree_edge_time(p, e)};
    }
    qsort(callers, nc, sizeof *callers, pv_tree_amount_cmp);
    /* f's outermost calls (its cumtime) came through callers that are not
     * re-entries: from outside the profile when it has external calls (the
     * root), else through its largest callers other than itself. What is
     * left of an edge came while f was running: re-entries. */
    double outer = fn->external_calls > 0 ? 0 : pv_tree_sane(fn->cumtime);
    for (size_t c = 0; c < nc && outer > 0; c++) {
        if (callers[c].id == f) continue;
        double t = callers[c].time < outer ? callers[c].time : outer;
        callers[c].time -= t;
        outer -= t;
    }
    qsort(callers, nc, sizeof *callers, pv_tree_amount_cmp);
    size_t start = ctx->naff;
    size_t k = 0;
    for (size_t c = 0; c < nc && k < nn; c++) {
        double room = callers[c].time;
        while (room > 0 && k < nn) {
            if (nested[k].time <= 0) {
                k++;
                continue;
            }
            double t = nested[k].time < room ? nested[k].time : room;
            if (pv_tree_grow((void **)&ctx->aff, &ctx->aff_cap, ctx->naff + 1, sizeof *ctx->aff) <
                0) {
                free(nested);
                free(callers);
                return -1;
            }
            ctx->aff[ctx->naff++] = (pv_tree_aff){callers[c].id, nested[k].id, t};
            nested[k].time -= t;
            room -= t;
            if (nested[k].time <= 0) k++;
        }
    }
    /* Nested time no caller's edge had room for (imports inside imports
     * re-enter through the same callers, whose edges count the outermost
     * calls only) may be shown by any of them. */
    for (size_t i = 0; i < nn; i++) {
        if (!(nested[i].time > 0)) continue;
        if (pv_tree_grow((void **)&ctx->aff, &ctx->aff_cap, ctx->naff + 1, sizeof *ctx->aff) < 0) {
            free(nested);
            free(callers);
            return -1;
        }
        ctx->aff[ctx->naff++] = (pv_tree_aff){PV_TREE_NONE, nested[i].id, nested[i].time};
    }
    free(nested);
    free(callers);
    qsort(&ctx->aff[start], ctx->naff - start, sizeof *ctx->aff, pv_tree_aff_cmp);
    ctx->aff_first[f] = (uint32_t)start;
    ctx->aff_count[f] = (uint32_t)(ctx->naff - start);
    ctx->aff_done[f] = true;
    return 0;
}

/* f's nested time for callee c (see pv_tree_affinity) that a re-entry of
 * the current cycle may show: what no caller was given, and what callers of
 * the cycle were given. Call pv_tree_affinity(ctx, f) first. */
static double pv_tree_nested(const pv_tree_ctx *ctx, uint32_t f, uint32_t c)
{
    double t = 0;
    const pv_tree_aff *a = &ctx->aff[ctx->aff_first[f]];
    for (uint32_t i = 0; i < ctx->aff_count[f]; i++)
        if (a[i].callee == c && (a[i].caller == PV_TREE_NONE || ctx->in_cycle[a[i].caller]))
            t += a[i].time;
    return t;
}

/* Sets or clears the scratch of re-entry x of function f under a parent of
 * function parent: aff_callee marks f's callees, aff_val holds what parent's
 * re-entries may show of each (scaled by psi). */
static void pv_tree_affinity_scratch(pv_tree_ctx *ctx, uint32_t f, uint32_t parent, double psi,
                                     double share, bool set)
{
    const pv_profile *p = ctx->p;
    const pv_function *fn = &p->functions[f];
    for (uint32_t i = 0; i < fn->ncallees; i++)
        ctx->aff_callee[p->edges[p->callee_edges[fn->first_callee + i]].callee] = set;
    const pv_tree_aff *a = &ctx->aff[ctx->aff_first[f]];
    for (uint32_t i = 0; i < ctx->aff_count[f]; i++) {
        double t = a[i].caller == parent         ? a[i].time * psi
                   : a[i].caller == PV_TREE_NONE ? a[i].time * share
                                                 : 0;
        if (t > 0) ctx->aff_val[a[i].callee] = set ? ctx->aff_val[a[i].callee] + t : 0;
    }
}

/* A kid is whole when it stands for every call of its function: it shows
 * the function's whole cumtime, or it is exact and its function has no other
 * caller. A whole kid is exact: its number is the table's. */
static void pv_tree_mark_whole(const pv_profile *p, pv_tree_kid *k, uint32_t parent)
{
    if (k->reentry || k->func < 0) return;
    double ct = pv_tree_sane(p->functions[k->func].cumtime);
    k->whole = (ct > 0 && k->time >= ct * PV_TREE_ROUNDING) ||
               (k->exact && pv_tree_sole_caller(p, (uint32_t)k->func, parent));
    if (k->whole) {
        k->exact = true;
        k->why = PV_TREE_MEASURED;
    }
}

/* Adds to the scratch totals what cycle entry a left for functions off the
 * path (see the re-entry rule): a normal entry's kids kept offer - time; a
 * re-entry's kids took their time from the same pool. */
static void pv_tree_add_remainder(pv_tree_ctx *ctx, const pv_tree_ent *a, uint32_t cur)
{
    for (size_t i = 0; i < a->nkids; i++) {
        const pv_tree_kid *k = &ctx->kids[a->first_kid + i];
        if (k->func < 0 || pv_tree_on_path(ctx, (uint32_t)k->func, cur)) continue;
        uint32_t f = (uint32_t)k->func;
        double left = a->k.reentry ? -k->time : k->offer - k->time;
        if (left == 0) continue;
        if (!ctx->rem_in[f]) {
            ctx->rem_in[f] = true;
            ctx->rem_list[ctx->nrem++] = f;
        }
        ctx->rem[f] += left;
        if (left > ctx->rem_best[f]) {
            ctx->rem_best[f] = left;
            ctx->rem_src[f] = k->src;
        }
    }
}

/* Fills the kids of re-entry xi at the end of ctx->kids and *count with how
 * many. Returns 0, or -1 when out of memory. */
static int pv_tree_reentry_kids(pv_tree_ctx *ctx, size_t xi, uint32_t cur, size_t *count)
{
    const pv_profile *p = ctx->p;
    const pv_tree_ent *x = &ctx->ents[xi];
    /* The cycle: from the outermost entry of x's function down to x's parent. */
    uint32_t top = PV_TREE_NONE;
    for (uint32_t a = x->parent; a != PV_TREE_NONE; a = ctx->ents[a].parent)
        if (ctx->ents[a].k.func == x->k.func) top = a;
    ctx->nrem = 0;
    if (top != PV_TREE_NONE) {
        /* The functions of the cycle give what their nodes anywhere on the
         * path left (an import's exec gives the modules the root's exec
         * left); every re-entry on the path took from that. */
        for (uint32_t a = x->parent;; a = ctx->ents[a].parent) {
            if (ctx->ents[a].k.func >= 0) ctx->in_cycle[ctx->ents[a].k.func] = true;
            if (a == top) break;
        }
        for (uint32_t a = x->parent; a != PV_TREE_NONE; a = ctx->ents[a].parent) {
            const pv_tree_ent *e = &ctx->ents[a];
            if (e->k.reentry || (e->k.func >= 0 && ctx->in_cycle[e->k.func]))
                pv_tree_add_remainder(ctx, e, cur);
        }
    }
    if (pv_tree_grow((void **)&ctx->kids, &ctx->kids_cap, ctx->nkids + ctx->nrem,
                     sizeof *ctx->kids) < 0)
        return -1;
    /* The re-entry's part of its parent's edge into it (see pv_tree_affinity). */
    uint32_t rf = (uint32_t)x->k.func, parent = (uint32_t)ctx->ents[x->parent].k.func;
    bool capped = ctx->ents[x->parent].k.func >= 0;
    double psi = 0, share = 1;
    if (capped) {
        /* psi: its part of the edge it came by; share: its part of all the
         * nested time of its function (what its callers' edges bring beyond
         * its outermost calls). */
        const pv_function *rfn = &p->functions[rf];
        double into = 0;
        for (uint32_t c = 0; c < rfn->ncallers; c++) {
            const pv_edge *e = &p->edges[rfn->first_caller + c];
            double et = pv_tree_edge_time(p, e);
            into += et;
            if (e->caller == parent) psi = et > 0 ? x->k.time / et : 0;
        }
        if (psi > 1) psi = 1;
        double nested = into - pv_tree_sane(rfn->cumtime);
        if (nested > x->k.time) share = x->k.time / nested;
        if (pv_tree_affinity(ctx, rf) < 0) return -1;
        pv_tree_affinity_scratch(ctx, rf, parent, psi, share, true);
    }
    size_t n = 0;
    for (size_t i = 0; i < ctx->nrem; i++) {
        uint32_t f = ctx->rem_list[i];
        double r = ctx->rem[f];
        uint32_t src = ctx->rem_src[f];
        ctx->rem[f] = 0;
        ctx->rem_best[f] = 0;
        ctx->rem_src[f] = PV_TREE_NONE;
        ctx->rem_in[f] = false;
        if (!(r > 0) || src == PV_TREE_NONE) continue;
        pv_tree_kid *k = &ctx->kids[ctx->nkids + n++];
        const pv_function *fn = &p->functions[f];
        if (capped && ctx->aff_callee[f]) {
            if (r > ctx->aff_val[f]) r = ctx->aff_val[f];
        } else if (capped) {
            /* From another function of the cycle: its part of that
             * function's nested time, so that sibling re-entries do not
             * each take all of it. */
            if (pv_tree_affinity(ctx, src) < 0) return -1;
            double cap = pv_tree_nested(ctx, src, f) * share;
            if (r > cap) r = cap;
        }
        if (!(r > 0)) {
            n--;
            continue;
        }
        *k = (pv_tree_kid){.func = f,
                           .src = src,
                           .offer = r,
                           .calls = fn->ncalls,
                           .why = PV_TREE_RECURSIVE_PARENT,
                           .entry = PV_TREE_NONE};
        for (uint32_t c = 0; c < fn->ncallers; c++) {
            const pv_edge *e = &p->edges[fn->first_caller + c];
            if (e->caller == src) k->calls = e->ncalls;
        }
    }
    ctx->nrem = 0;
    if (capped) pv_tree_affinity_scratch(ctx, rf, parent, psi, share, false);
    for (uint32_t a = x->parent; top != PV_TREE_NONE; a = ctx->ents[a].parent) {
        if (ctx->ents[a].k.func >= 0) ctx->in_cycle[ctx->ents[a].k.func] = false;
        if (a == top) break;
    }
    pv_tree_kid *kids = &ctx->kids[ctx->nkids];
    qsort(kids, n, sizeof *kids, pv_tree_kid_cmp);
    double left = x->k.time;
    for (size_t i = 0; i < n; i++) {
        kids[i].time = kids[i].offer < left ? kids[i].offer : left;
        if (kids[i].time < 0) kids[i].time = 0;
        left -= kids[i].time;
        pv_tree_mark_whole(p, &kids[i], rf);
    }
    *count = n;
    return 0;
}

/* Fills the kids of a normal entry or the synthetic root at ctx->kids[first..]. */
static int pv_tree_normal_kids(pv_tree_ctx *ctx, size_t xi, uint32_t cur, size_t *count)
{
    const pv_profile *p = ctx->p;
    const pv_tree_ent *x = &ctx->ents[xi];
    if (x->k.func == PV_TREE_SYNTHETIC_ROOT) {
        /* The roots' numbers were fixed when the tree root was chosen. */
        if (pv_tree_grow((void **)&ctx->kids, &ctx->kids_cap, ctx->nkids + ctx->nroots,
                         sizeof *ctx->kids) < 0)
            return -1;
        if (ctx->nroots)
            memcpy(&ctx->kids[ctx->nkids], ctx->roots, ctx->nroots * sizeof *ctx->kids);
        *count = ctx->nroots;
        return 0;
    }
    const pv_function *f = &p->functions[x->k.func];
    if (pv_tree_grow((void **)&ctx->kids, &ctx->kids_cap, ctx->nkids + f->ncallees,
                     sizeof *ctx->kids) < 0)
        return -1;
    double phi = pv_tree_part(p, x->k.func, x->k.time);
    pv_tree_kid *kids = &ctx->kids[ctx->nkids];
    size_t n = 0;
    for (uint32_t i = 0; i < f->ncallees; i++) {
        const pv_edge *e = &p->edges[p->callee_edges[f->first_callee + i]];
        pv_tree_kid *k = &kids[n++];
        *k = (pv_tree_kid){.func = e->callee,
                           .src = (uint32_t)x->k.func,
                           .offer = pv_tree_edge_time(p, e) * phi,
                           .calls = e->ncalls,
                           .reentry = pv_tree_on_path(ctx, e->callee, cur),
                           .entry = PV_TREE_NONE};
        k->exact = x->k.whole && pv_edge_has_times(e);
        k->why = !pv_edge_has_times(e) ? PV_TREE_CALLS_ONLY
                 : x->k.whole          ? PV_TREE_MEASURED
                 : x->k.exact          ? PV_TREE_SEVERAL_CALLERS
                                       : PV_TREE_ESTIMATED_PARENT;
    }
    qsort(kids, n, sizeof *kids, pv_tree_kid_cmp);
    double left = x->k.time;
    for (size_t i = 0; i < n; i++) {
        pv_tree_kid *k = &kids[i];
        k->time = pv_tree_fit(k->offer, left);
        left -= k->time;
        if (k->time < k->offer * PV_TREE_ROUNDING) {
            k->exact = false;
            k->why = PV_TREE_RECURSIVE_PARENT;
        }
        pv_tree_mark_whole(p, k, (uint32_t)x->k.func);
    }
    *count = n;
    return 0;
}

/* Computes the kids of entry xi once (they depend on its path only). Marks
 * its ancestors below the view root first. Returns 0, or -1 when out of
 * memory. */
static int pv_tree_expand_ent(pv_tree_ctx *ctx, size_t xi)
{
    if (ctx->ents[xi].expanded) return 0;
    uint32_t cur = PV_TREE_ON_PATH;
    if (ctx->ents[xi].level > 0) {
        cur = (uint32_t)xi + 1;
        for (uint32_t j = (uint32_t)xi; ctx->ents[j].level > 0; j = ctx->ents[j].parent)
            if (ctx->ents[j].k.func >= 0 && ctx->mark[ctx->ents[j].k.func] != PV_TREE_ON_PATH)
                ctx->mark[ctx->ents[j].k.func] = cur;
    }
    size_t n;
    int rc = ctx->ents[xi].k.reentry ? pv_tree_reentry_kids(ctx, xi, cur, &n)
                                     : pv_tree_normal_kids(ctx, xi, cur, &n);
    if (rc < 0) return -1;
    pv_tree_ent *x = &ctx->ents[xi];
    x->first_kid = ctx->nkids;
    x->nkids = n;
    x->expanded = true;
    ctx->nkids += n;
    return 0;
}

/* A placeholder root is never called and holds no time yet calls
 * something: the profile module's ("profile", 0, "profiler") frame. The tree
 * looks through it to the functions it calls. */
static bool pv_tree_placeholder(const pv_function *f)
{
    return f->ncalls == 0 && pv_tree_sane(f->cumtime) == 0 && f->ncallees > 0;
}

/* cProfile records the call to its own disable() that ends profiling as a
 * root; it never carries the program, however short the program was. */
static bool pv_tree_profiler_noise(const pv_function *f)
{
    return strcmp(f->file, "~") == 0 &&
           strcmp(f->name, "<method 'disable' of '_lsprof.Profiler' objects>") == 0;
}

/* Chooses the tree root (see the rules at the top). Fills *root, and
 * ctx->roots when it is synthetic. Returns 0, or -1 when out of memory. */
static int pv_tree_choose_root(pv_tree_ctx *ctx, pv_tree_kid *root)
{
    const pv_profile *p = ctx->p;
    double maxcum = 0;
    for (uint32_t i = 0; i < p->nfunctions; i++) {
        double c = pv_tree_sane(p->functions[i].cumtime);
        if (c > maxcum) maxcum = c;
    }

    size_t ncand = 0;
    for (uint32_t i = 0; i < p->nroots; i++) {
        const pv_function *f = &p->functions[p->roots[i]];
        ncand += pv_tree_placeholder(f) ? f->ncallees : 1;
    }
    ctx->roots = malloc((ncand ? ncand : 1) * sizeof *ctx->roots);
    double *share = malloc((ncand ? ncand : 1) * sizeof *share);
    if (!ctx->roots || !share) {
        free(share);
        return -1;
    }
    size_t n = 0;
    for (uint32_t i = 0; i < p->nroots; i++) {
        uint32_t id = p->roots[i];
        const pv_function *f = &p->functions[id];
        if (!pv_tree_placeholder(f)) {
            pv_tree_kid *k = &ctx->roots[n++];
            *k = (pv_tree_kid){.func = id,
                               .src = PV_TREE_NONE,
                               .offer = pv_tree_sane(f->cumtime),
                               .calls = f->external_calls > 0 ? f->external_calls : f->ncalls,
                               .entry = PV_TREE_NONE};
            /* Only a root nobody calls has all its calls (and time) here. */
            k->exact = k->whole = f->ncallers == 0;
            k->why = k->exact ? PV_TREE_MEASURED : PV_TREE_SEVERAL_CALLERS;
            continue;
        }
        for (uint32_t c = 0; c < f->ncallees; c++) {
            const pv_edge *e = &p->edges[p->callee_edges[f->first_callee + c]];
            pv_tree_kid *k = &ctx->roots[n++];
            *k = (pv_tree_kid){.func = e->callee,
                               .src = id,
                               .offer = pv_tree_edge_time(p, e),
                               .calls = e->ncalls,
                               .entry = PV_TREE_NONE};
            k->whole = pv_tree_sole_caller(p, e->callee, id);
            k->exact = k->whole && pv_edge_has_times(e);
            k->why = k->exact                ? PV_TREE_MEASURED
                     : !pv_edge_has_times(e) ? PV_TREE_CALLS_ONLY
                                             : PV_TREE_SEVERAL_CALLERS;
        }
    }
    qsort(ctx->roots, n, sizeof *ctx->roots, pv_tree_kid_cmp);

    size_t carrying = 0;
    for (size_t i = 0; i < n; i++) {
        pv_tree_kid *k = &ctx->roots[i];
        const pv_function *f = &p->functions[k->func];
        /* A root with callers is mostly reached through them already: only
         * its external share counts, except for the largest candidate,
         * which no smaller root can contain. */
        share[i] = k->offer;
        if (i > 0 && !k->whole && f->ncallers > 0)
            share[i] = f->ncalls > 0 && f->external_calls > 0
                           ? k->offer * (double)f->external_calls / (double)f->ncalls
                           : 0;
        if (share[i] > 0 && share[i] >= PV_TREE_ROOT_SHARE * maxcum && !pv_tree_profiler_noise(f))
            carrying++;
    }

    /* One root carrying the program, and nothing in the profile larger than
     * it: that root is the tree. A profile where nothing has time at all
     * still has its largest root as the natural root. */
    if (n > 0 && (carrying == 1 || (carrying == 0 && maxcum == 0)) &&
        ctx->roots[0].offer >= maxcum) {
        const pv_function *f = &p->functions[ctx->roots[0].func];
        *root = (pv_tree_kid){.func = ctx->roots[0].func,
                              .src = PV_TREE_NONE,
                              .offer = pv_tree_sane(f->cumtime),
                              .time = pv_tree_sane(f->cumtime),
                              .calls = f->ncalls,
                              .exact = true,
                              .whole = true,
                              .entry = PV_TREE_NONE};
        free(ctx->roots);
        ctx->roots = NULL;
        free(share);
        return 0;
    }

    /* Several roots: keep those not covered by their callers; negligible
     * ones stay, the cutoff hides them. */
    double sum = 0;
    int64_t calls = 0;
    ctx->nroots = 0;
    for (size_t i = 0; i < n; i++) {
        const pv_tree_kid *k = &ctx->roots[i];
        if (share[i] < PV_TREE_COVERED_SHARE * maxcum && !k->whole &&
            p->functions[k->func].ncallers > 0)
            continue;
        ctx->roots[ctx->nroots++] = *k;
        sum += k->offer;
        calls = pv_tree_add_sat(calls, k->calls);
    }
    free(share);
    /* The program's total: roots that overlap (yappi's <module> under runpy
     * as well as a root, merged runs) must not count twice. */
    double total = pv_tree_sane(p->total_time);
    double t = sum < total ? sum : total;
    if (t < maxcum) t = maxcum;
    double left = t;
    for (size_t i = 0; i < ctx->nroots; i++) {
        pv_tree_kid *k = &ctx->roots[i];
        k->time = k->offer < left ? k->offer : left;
        left -= k->time;
        if (k->time < k->offer * PV_TREE_ROUNDING) {
            k->exact = k->whole = false;
            k->why = PV_TREE_OVERLAPPING_ROOTS;
        }
    }
    *root = (pv_tree_kid){.func = PV_TREE_SYNTHETIC_ROOT,
                          .src = PV_TREE_NONE,
                          .offer = t,
                          .time = t,
                          .calls = calls,
                          .exact = true,
                          .entry = PV_TREE_NONE};
    return 0;
}

/* Appends an entry made of kid k under parent (PV_TREE_NONE for the tree
 * root). Returns its index, or -1 when out of memory. */
static long pv_tree_add_ent(pv_tree_ctx *ctx, const pv_tree_kid *k, uint32_t parent, int level)
{
    if (pv_tree_grow((void **)&ctx->ents, &ctx->ents_cap, ctx->nents + 1, sizeof *ctx->ents) < 0)
        return -1;
    size_t i = ctx->nents++;
    ctx->ents[i] = (pv_tree_ent){.k = *k, .parent = parent, .level = level};
    return (long)i;
}

/* Follows req's path from the tree root with the same rules as the tree.
 * Marks every function on it PV_TREE_ON_PATH; the last entry made is the
 * view root. Returns 0, or -1 with err filled. */
static int pv_tree_walk(pv_tree_ctx *ctx, const pv_tree_request *req, pv_error *err)
{
    const pv_profile *p = ctx->p;
    pv_tree_kid root;
    if (pv_tree_choose_root(ctx, &root) < 0) return pv_fail(err, PV_ERR_NOMEM, -1, "out of memory");
    bool real = root.func != PV_TREE_SYNTHETIC_ROOT;
    /* Levels count from the view root: the path's entries are above it. */
    int steps = (int)req->path_len - (real && req->path_len > 0 ? 1 : 0);
    if (pv_tree_add_ent(ctx, &root, PV_TREE_NONE, -steps) < 0)
        return pv_fail(err, PV_ERR_NOMEM, -1, "out of memory");
    if (real) ctx->mark[root.func] = PV_TREE_ON_PATH;
    for (size_t i = 0; i < req->path_len; i++) {
        int64_t id = req->path[i];
        if (id < 0 || id >= (int64_t)p->nfunctions)
            return pv_fail(err, PV_ERR_NOT_FOUND, -1, "path step %zu: no function with id %lld", i,
                           (long long)id);
        if (i == 0 && real) {
            /* A real root is the first step of every path (an empty path
             * names it too). */
            if (id != root.func)
                return pv_fail(err, PV_ERR_NOT_FOUND, -1,
                               "path step 0: function %lld is not the tree root (%lld)",
                               (long long)id, (long long)root.func);
            continue;
        }
        size_t at = ctx->nents - 1;
        if (pv_tree_expand_ent(ctx, at) < 0) return pv_fail(err, PV_ERR_NOMEM, -1, "out of memory");
        const pv_tree_ent *x = &ctx->ents[at];
        size_t k = 0;
        while (k < x->nkids && ctx->kids[x->first_kid + k].func != id)
            k++;
        if (k == x->nkids) {
            if (x->k.func == PV_TREE_SYNTHETIC_ROOT)
                return pv_fail(err, PV_ERR_NOT_FOUND, -1,
                               "path step %zu: function %lld is not a root of the tree", i,
                               (long long)id);
            return pv_fail(err, PV_ERR_NOT_FOUND, -1,
                           "path step %zu: function %lld is not a child of function %lld", i,
                           (long long)id, (long long)x->k.func);
        }
        pv_tree_kid kid = ctx->kids[x->first_kid + k];
        int level = (int)i + 1 - (int)req->path_len;
        if (pv_tree_add_ent(ctx, &kid, (uint32_t)at, level) < 0)
            return pv_fail(err, PV_ERR_NOMEM, -1, "out of memory");
        ctx->mark[id] = PV_TREE_ON_PATH;
    }
    return 0;
}

/* Max-heap of candidate nodes: largest time first, then earlier parent,
 * then earlier kid (the kids' own order), so the result is deterministic. */
static bool pv_tree_heap_before(const pv_tree_heap_item *a, const pv_tree_heap_item *b)
{
    if (a->time != b->time) return a->time > b->time;
    if (a->parent != b->parent) return a->parent < b->parent;
    return a->kid < b->kid;
}

static int pv_tree_heap_push(pv_tree_ctx *ctx, pv_tree_heap_item it)
{
    if (pv_tree_grow((void **)&ctx->heap, &ctx->heap_cap, ctx->nheap + 1, sizeof *ctx->heap) < 0)
        return -1;
    size_t i = ctx->nheap++;
    while (i > 0) {
        size_t up = (i - 1) / 2;
        if (!pv_tree_heap_before(&it, &ctx->heap[up])) break;
        ctx->heap[i] = ctx->heap[up];
        i = up;
    }
    ctx->heap[i] = it;
    return 0;
}

static pv_tree_heap_item pv_tree_heap_pop(pv_tree_ctx *ctx)
{
    pv_tree_heap_item top = ctx->heap[0];
    pv_tree_heap_item last = ctx->heap[--ctx->nheap];
    size_t i = 0, n = ctx->nheap;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= n) break;
        if (c + 1 < n && pv_tree_heap_before(&ctx->heap[c + 1], &ctx->heap[c])) c++;
        if (!pv_tree_heap_before(&ctx->heap[c], &last)) break;
        ctx->heap[i] = ctx->heap[c];
        i = c;
    }
    if (n) ctx->heap[i] = last;
    return top;
}

/* Expands entry xi and offers its kids: those under the cutoff or below the
 * depth are hidden at once, the others go on the heap. */
static int pv_tree_offer(pv_tree_ctx *ctx, size_t xi, const pv_tree_request *req, double threshold)
{
    if (pv_tree_expand_ent(ctx, xi) < 0) return -1;
    pv_tree_ent *x = &ctx->ents[xi];
    for (size_t i = 0; i < x->nkids; i++) {
        const pv_tree_kid *k = &ctx->kids[x->first_kid + i];
        /* With any cutoff at all, zero-width children go too (they would
         * pass when the view root itself has no time). */
        /* A child that got nothing because its edge is nested time shown
         * elsewhere is no box at all. */
        if (k->time <= 0 && k->offer > 0) continue;
        bool small = k->time < threshold || (req->cutoff > 0 && k->time <= 0);
        if (small || x->level >= req->depth) {
            if (k->time <= 0 && req->cutoff > 0) continue; /* nothing to hide */
            x->hidden_time += k->time;
            x->hidden++;
            if (!small) x->more = true;
            continue;
        }
        if (pv_tree_heap_push(ctx, (pv_tree_heap_item){k->time, (uint32_t)xi, (uint32_t)i}) < 0)
            return -1;
    }
    return 0;
}

/* Builds the view root's subtree best first within the budget. */
static int pv_tree_grow_view(pv_tree_ctx *ctx, const pv_tree_request *req, size_t max_nodes)
{
    size_t view = ctx->view;
    double threshold = req->cutoff * ctx->ents[view].k.time;
    size_t count = 1;
    if (pv_tree_offer(ctx, view, req, threshold) < 0) return -1;
    while (ctx->nheap > 0) {
        pv_tree_heap_item it = pv_tree_heap_pop(ctx);
        pv_tree_ent *par = &ctx->ents[it.parent];
        pv_tree_kid *k = &ctx->kids[par->first_kid + it.kid];
        if (count >= max_nodes) {
            par->hidden_time += k->time;
            par->hidden++;
            par->more = true;
            continue;
        }
        long e = pv_tree_add_ent(ctx, k, it.parent, par->level + 1);
        if (e < 0) return -1;
        ctx->kids[ctx->ents[it.parent].first_kid + it.kid].entry = (uint32_t)e;
        count++;
        if (pv_tree_offer(ctx, (size_t)e, req, threshold) < 0) return -1;
    }
    return 0;
}

static pv_tree_node pv_tree_node_of(const pv_tree_ent *e)
{
    return (pv_tree_node){.func = e->k.func,
                          .time = e->k.time,
                          .calls = e->k.calls,
                          .exact = e->k.exact,
                          .reentry = e->k.reentry,
                          .more = e->more,
                          .why = e->k.exact ? PV_TREE_MEASURED : e->k.why,
                          .hidden_time = e->hidden_time,
                          .hidden = e->hidden};
}

/* Lays the view root's subtree out breadth first, each node's children in
 * their kids' order (largest first). Returns 0, or -1 when out of memory. */
static int pv_tree_layout(pv_tree_ctx *ctx, pv_tree *tree)
{
    size_t view = ctx->view;
    size_t n = ctx->nents - view;
    pv_tree_node *nodes = malloc(n * sizeof *nodes);
    uint32_t *ent_of = malloc(n * sizeof *ent_of);
    if (!nodes || !ent_of) {
        free(nodes);
        free(ent_of);
        return -1;
    }
    size_t out = 0;
    ent_of[out] = (uint32_t)view;
    nodes[out++] = pv_tree_node_of(&ctx->ents[view]);
    for (size_t i = 0; i < out; i++) {
        const pv_tree_ent *e = &ctx->ents[ent_of[i]];
        nodes[i].first_child = (uint32_t)out;
        nodes[i].nchildren = 0;
        for (size_t k = 0; k < e->nkids; k++) {
            uint32_t c = ctx->kids[e->first_kid + k].entry;
            if (c == PV_TREE_NONE) continue;
            ent_of[out] = c;
            nodes[out++] = pv_tree_node_of(&ctx->ents[c]);
            nodes[i].nchildren++;
        }
        if (nodes[i].nchildren == 0) nodes[i].first_child = 0;
    }
    free(ent_of);
    tree->nodes = nodes;
    tree->nnodes = out;
    return 0;
}

/* Builds the tree for req: resolves the path, then grows the view root.
 * Returns 0 and sets *out (free it with pv_tree_free), or -1 with err filled
 * and *out untouched: a bad request or path, or out of memory. */
int pv_tree_build(const pv_profile *profile, const pv_tree_request *req, pv_tree **out,
                  pv_error *err)
{
    pv_tree_ctx ctx = {.p = profile};
    pv_tree *tree = NULL;
    int rc = -1;

    if (req->path_len > 0 && !req->path) {
        pv_fail(err, PV_ERR_ARGUMENT, -1, "path: %zu steps but no array", req->path_len);
        goto done;
    }
    if (req->depth < 0) {
        pv_fail(err, PV_ERR_ARGUMENT, -1, "depth must be 0 or more, not %d", req->depth);
        goto done;
    }
    if (!(req->cutoff >= 0 && req->cutoff <= 1)) {
        pv_fail(err, PV_ERR_ARGUMENT, -1, "cutoff must be between 0 and 1, not %g", req->cutoff);
        goto done;
    }
    if (req->max_nodes < 1) {
        pv_fail(err, PV_ERR_ARGUMENT, -1, "max_nodes must be 1 or more");
        goto done;
    }
    if (req->path_len > (size_t)INT32_MAX / 2) {
        pv_fail(err, PV_ERR_ARGUMENT, -1, "path: %zu steps is too long", req->path_len);
        goto done;
    }
    /* Entry indices are uint32_t and index + 1 must stay below the path mark. */
    size_t max_nodes = req->max_nodes < UINT32_MAX / 2 ? req->max_nodes : UINT32_MAX / 2;

    size_t nf = profile->nfunctions ? profile->nfunctions : 1;
    ctx.mark = calloc(nf, sizeof *ctx.mark);
    ctx.rem = calloc(nf, sizeof *ctx.rem);
    ctx.rem_best = calloc(nf, sizeof *ctx.rem_best);
    ctx.rem_src = malloc(nf * sizeof *ctx.rem_src);
    ctx.rem_in = calloc(nf, sizeof *ctx.rem_in);
    ctx.in_cycle = calloc(nf, sizeof *ctx.in_cycle);
    ctx.rem_list = malloc(nf * sizeof *ctx.rem_list);
    tree = calloc(1, sizeof *tree);
    if (!ctx.mark || !ctx.rem || !ctx.rem_best || !ctx.rem_src || !ctx.rem_in || !ctx.in_cycle ||
        !ctx.rem_list || !tree) {
        pv_fail(err, PV_ERR_NOMEM, -1, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < nf; i++)
        ctx.rem_src[i] = PV_TREE_NONE;
    if (pv_tree_walk(&ctx, req, err) < 0) goto done;

    /* The resolved path: a real tree root is its first step even when the
     * request left the path empty, so that path + child id names a child. */
    ctx.view = ctx.nents - 1;
    int64_t view_func = ctx.ents[ctx.view].k.func;
    bool add_root = req->path_len == 0 && view_func != PV_TREE_SYNTHETIC_ROOT;
    tree->path_len = add_root ? 1 : req->path_len;
    if (tree->path_len > 0) {
        tree->path = malloc(tree->path_len * sizeof *tree->path);
        if (!tree->path) {
            pv_fail(err, PV_ERR_NOMEM, -1, "out of memory");
            goto done;
        }
        if (add_root)
            tree->path[0] = view_func;
        else
            memcpy(tree->path, req->path, req->path_len * sizeof *tree->path);
    }
    ctx.ents[ctx.view].level = 0;
    if (pv_tree_grow_view(&ctx, req, max_nodes) < 0 || pv_tree_layout(&ctx, tree) < 0) {
        pv_fail(err, PV_ERR_NOMEM, -1, "out of memory");
        goto done;
    }
    *out = tree;
    tree = NULL;
    rc = 0;

done:
    pv_tree_free(tree);
    free(ctx.mark);
    free(ctx.rem);
    free(ctx.rem_best);
    free(ctx.rem_src);
    free(ctx.rem_in);
    free(ctx.in_cycle);
    free(ctx.rem_list);
    free(ctx.aff);
    free(ctx.aff_first);
    free(ctx.aff_count);
    free(ctx.aff_done);
    free(ctx.aff_val);
    free(ctx.aff_callee);
    free(ctx.roots);
    free(ctx.kids);
    free(ctx.ents);
    free(ctx.heap);
    return rc;
}

void pv_tree_free(pv_tree *tree)
{
    if (!tree) return;
    free(tree->nodes);
    free(tree->path);
    free(tree);
}
