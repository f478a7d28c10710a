/* calltree_kids.c: how a node's time is given to its children (the rules
 * at the top of calltree.c): parts, largest first, re-entries and their
 * cycles' nested time, and the affinity of nested time to the callers
 * through which a function re-enters. */
#include "calltree_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Hostile or hand-made numbers (negative, infinite, NaN) count as no time:
 * widths must stay finite and non-negative. */
double pv_tree_sane(double t)
{
    return isfinite(t) && t > 0 ? t : 0;
}

int64_t pv_tree_add_sat(int64_t a, int64_t b)
{
    if (b > 0 && a > INT64_MAX - b) return INT64_MAX;
    if (b < 0 && a < INT64_MIN - b) return INT64_MIN;
    return a + b;
}

/* Time of edge e. Count-only edges get an estimate: the callee's cumtime
 * split by this edge's share of the callee's calls. */
double pv_tree_edge_time(const pv_profile *p, const pv_edge *e)
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
bool pv_tree_sole_caller(const pv_profile *p, uint32_t func, uint32_t parent)
{
    const pv_function *f = &p->functions[func];
    if (f->external_calls > 0) return false;
    for (uint32_t i = 0; i < f->ncallers; i++) {
        uint32_t caller = p->edges[f->first_caller + i].caller;
        if (caller != parent && caller != func) return false;
    }
    return true;
}

int pv_tree_grow(void **arr, size_t *cap, size_t need, size_t size)
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
int pv_tree_kid_cmp(const void *a, const void *b)
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
    if (ctx->naff > start)
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
    const pv_tree_aff *a = ctx->aff ? &ctx->aff[ctx->aff_first[f]] : NULL; /* none yet: count 0 */
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
    const pv_tree_aff *a = ctx->aff ? &ctx->aff[ctx->aff_first[f]] : NULL; /* none yet: count 0 */
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
    pv_tree_kid *kids = ctx->kids ? &ctx->kids[ctx->nkids] : NULL; /* NULL: none to fill */
    if (n > 1) qsort(kids, n, sizeof *kids, pv_tree_kid_cmp);
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

/* Callees that f calls once, each with the caller of f that made that
 * call: a single call happened inside one call of f, so it belongs to one
 * caller (exec runs the script's module for runpy's _run_code, and each
 * imported module for an import). Largest first, each goes to the caller
 * with the most room left in its edge into f, if that room can hold it.
 * Sets ctx->single_of for f's callee edges (PV_TREE_NONE where the callee is
 * called more than once, or no caller has room). Returns 0, or -1 when out
 * of memory. */
static int pv_tree_single_calls(pv_tree_ctx *ctx, uint32_t f)
{
    const pv_profile *p = ctx->p;
    if (!ctx->single_of) {
        ctx->single_of = malloc((p->nedges ? p->nedges : 1) * sizeof *ctx->single_of);
        ctx->single_done = calloc(p->nfunctions ? p->nfunctions : 1, sizeof *ctx->single_done);
        if (!ctx->single_of || !ctx->single_done) return -1;
    }
    if (ctx->single_done[f]) return 0;
    const pv_function *fn = &p->functions[f];
    pv_tree_amount *once = malloc((fn->ncallees + 1) * sizeof *once);
    pv_tree_amount *room = malloc((fn->ncallers + 1) * sizeof *room);
    if (!once || !room) {
        free(once);
        free(room);
        return -1;
    }
    size_t no = 0, nr = 0;
    for (uint32_t i = 0; i < fn->ncallees; i++) {
        uint32_t ei = p->callee_edges[fn->first_callee + i];
        const pv_edge *e = &p->edges[ei];
        ctx->single_of[ei] = PV_TREE_NONE;
        if (e->ncalls == 1 && pv_edge_has_times(e) && e->callee != f)
            once[no++] = (pv_tree_amount){ei, pv_tree_sane(e->cumtime)};
    }
    for (uint32_t c = 0; c < fn->ncallers && no > 0; c++) {
        const pv_edge *in = &p->edges[fn->first_caller + c];
        if (in->caller != f) room[nr++] = (pv_tree_amount){in->caller, pv_tree_edge_time(p, in)};
    }
    qsort(once, no, sizeof *once, pv_tree_amount_cmp);
    for (size_t i = 0; i < no; i++) {
        size_t best = nr;
        for (size_t r = 0; r < nr; r++)
            if (room[r].time >= once[i].time * PV_TREE_ROUNDING &&
                (best == nr || room[r].time > room[best].time))
                best = r;
        if (best == nr) continue;
        ctx->single_of[once[i].id] = room[best].id;
        room[best].time -= once[i].time;
    }
    free(once);
    free(room);
    ctx->single_done[f] = true;
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
    /* A node that is a part of its function, reached from a real caller:
     * callees called once go with the caller that made that call, not in
     * proportion (see pv_tree_single_calls). */
    int64_t pf = x->parent != PV_TREE_NONE ? ctx->ents[x->parent].k.func : -1;
    bool single = phi < PV_TREE_ROUNDING && pf >= 0 && pf != x->k.func && !x->k.reentry;
    double psi = 0, phi_rest = phi;
    if (single) {
        if (pv_tree_single_calls(ctx, (uint32_t)x->k.func) < 0) return -1;
        double into = 0, mine = 0, all = 0;
        for (uint32_t i = 0; i < f->ncallers; i++) {
            const pv_edge *e = &p->edges[f->first_caller + i];
            if (e->caller == (uint32_t)pf) into = pv_tree_edge_time(p, e);
        }
        psi = into > 0 ? x->k.time / into : 0;
        if (psi > 1) psi = 1;
        for (uint32_t i = 0; i < f->ncallees; i++) {
            uint32_t ei = p->callee_edges[f->first_callee + i];
            if (ctx->single_of[ei] == PV_TREE_NONE) continue;
            double t = pv_tree_edge_time(p, &p->edges[ei]);
            all += t;
            if (ctx->single_of[ei] == (uint32_t)pf) mine += t * psi;
        }
        double ct = pv_tree_sane(f->cumtime);
        phi_rest = ct > all ? (x->k.time > mine ? x->k.time - mine : 0) / (ct - all) : 0;
        if (phi_rest > 1) phi_rest = 1;
    }
    pv_tree_kid *kids = ctx->kids ? &ctx->kids[ctx->nkids] : NULL; /* NULL: none to fill */
    size_t n = 0;
    for (uint32_t i = 0; i < f->ncallees; i++) {
        uint32_t ei = p->callee_edges[f->first_callee + i];
        const pv_edge *e = &p->edges[ei];
        pv_tree_kid *k = &kids[n++];
        double offer = pv_tree_edge_time(p, e);
        if (!single)
            offer *= phi;
        else if (ctx->single_of[ei] == PV_TREE_NONE)
            offer *= phi_rest;
        else if (ctx->single_of[ei] == (uint32_t)pf)
            offer *= psi;
        else {
            n--; /* its one call was made under another caller */
            continue;
        }
        *k = (pv_tree_kid){.func = e->callee,
                           .src = (uint32_t)x->k.func,
                           .offer = offer,
                           .calls = e->ncalls,
                           .reentry = pv_tree_on_path(ctx, e->callee, cur),
                           .entry = PV_TREE_NONE};
        k->exact = x->k.whole && pv_edge_has_times(e);
        k->why = !pv_edge_has_times(e) ? PV_TREE_CALLS_ONLY
                 : x->k.whole          ? PV_TREE_MEASURED
                 : x->k.exact          ? PV_TREE_SEVERAL_CALLERS
                                       : PV_TREE_ESTIMATED_PARENT;
    }
    if (n > 1) qsort(kids, n, sizeof *kids, pv_tree_kid_cmp);
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
int pv_tree_expand_ent(pv_tree_ctx *ctx, size_t xi)
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
