/* calltree.c: estimated call trees from caller->callee totals (see calltree.h).
 *
 * Every number in a tree comes from one rule, applied step by step from the
 * tree root: a node's children are its function's callees that are not
 * already on the path, each worth its edge's cumtime, all scaled down
 * together when they add up to more than the node. The same walk resolves a
 * request's path, so a view root gets exactly the numbers it has in the full
 * tree, whatever depth, cutoff or budget were asked for.
 *
 * Rules chosen where the issue is silent:
 * - Tree root: the candidates are the roots, except that a placeholder root
 *   (never called, no time, yet calling something: the profile module's
 *   "profiler" frame) is replaced by its callees. A candidate carries the
 *   program when its share of time from outside the profile is at least
 *   PV_TREE_ROOT_SHARE of the largest cumtime. A root with callers is mostly
 *   reached through them already, so only its external share (cumtime *
 *   external_calls / ncalls) counts; the largest candidate counts whole,
 *   since no smaller root can contain it (under `-m cProfile`,
 *   builtins.exec is the program yet importlib calls it too); cProfile's own
 *   disable() never carries it. One carrying candidate whose cumtime is the
 *   largest in the profile is the tree root; otherwise a synthetic root holds
 *   every candidate not covered by its callers (negligible ones included:
 *   the cutoff hides them), each worth its cumtime, and is worth max(sum of
 *   those, largest cumtime).
 * - Recursion: a callee already on the path is skipped; it is not a child
 *   and does not take part in scaling, so its time stays in the parent.
 * - Count-only edges (profile module): the callee's cumtime is split by the
 *   edge's share of the callee's calls. Such children are estimates.
 * - Exact: a node is "whole" when it stands for every call of its function
 *   (the real tree root; a root without callers under the synthetic root; an
 *   exact node whose function has no caller but its parent and itself and no
 *   external calls). A child is exact when its parent is whole, its edge has
 *   times and the edges were not scaled: its time is then a measured edge.
 */
#include "calltree.h"

#include <float.h>
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

/* Edges that exceed their parent by less than this fraction are still scaled
 * (widths must add up) but keep their exactness: that is timer rounding. */
#define PV_TREE_ROUNDING 1e-9

/* Marks per function: 0 free, PV_TREE_ON_PATH on the resolved path (tree root
 * to view root), i + 1 an ancestor of node i (or node i itself). */
#define PV_TREE_ON_PATH UINT32_MAX

/* Where the walk stands: one node of the tree, not yet stored. */
typedef struct pv_tree_state {
    int64_t func;
    double time;
    int64_t calls;
    bool exact;
    bool whole; /* stands for every call of func (see the rules above) */
} pv_tree_state;

typedef struct pv_tree_kid {
    pv_tree_state s;
    uint32_t order; /* position among the candidates, for a stable sort */
} pv_tree_kid;

typedef struct pv_tree_ctx {
    const pv_profile *p;
    uint32_t *mark;     /* nfunctions marks, see PV_TREE_ON_PATH */
    pv_tree_kid *roots; /* children of the synthetic root, or NULL when real */
    size_t nroots;
    pv_tree_kid *kids; /* scratch: the children of one node */
    size_t kids_cap;
    pv_tree_node *nodes; /* the result being built */
    uint32_t *parent;    /* per node: index of its parent (0 for node 0) */
    int *level;          /* per node: levels below the view root */
    bool *whole;         /* per node: pv_tree_state.whole */
    size_t nnodes, cap;
} pv_tree_ctx;

void pv_tree_request_defaults(pv_tree_request *req)
{
    req->path = NULL;
    req->path_len = 0;
    req->depth = 10;
    req->cutoff = 0.001;
    req->max_nodes = 5000;
}

/* Hostile or hand-made numbers (negative, infinite, NaN) count as no time:
 * widths must stay finite and non-negative. */
static double pv_tree_sane(double t)
{
    return isfinite(t) && t > 0 ? t : 0;
}

/* Time of edge e before scaling. Count-only edges get an estimate: the
 * callee's cumtime split by this edge's share of the callee's calls. */
static double pv_tree_edge_time(const pv_profile *p, const pv_edge *e)
{
    if (pv_edge_has_times(e)) return pv_tree_sane(e->cumtime);
    const pv_function *callee = &p->functions[e->callee];
    if (callee->ncalls <= 0 || e->ncalls <= 0) return 0;
    double share = (double)e->ncalls / (double)callee->ncalls;
    return pv_tree_sane(callee->cumtime) * (share < 1 ? share : 1);
}

/* True when every call of func comes from parent (or from func itself, whose
 * recursive calls the tree folds into the node): then a node for func under
 * a whole parent stands for all of func. */
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

static int pv_tree_reserve_kids(pv_tree_ctx *ctx, size_t n)
{
    if (n <= ctx->kids_cap) return 0;
    size_t cap = ctx->kids_cap ? ctx->kids_cap : 64;
    while (cap < n)
        cap *= 2;
    pv_tree_kid *k = realloc(ctx->kids, cap * sizeof *k);
    if (!k) return -1;
    ctx->kids = k;
    ctx->kids_cap = cap;
    return 0;
}

/* Fills ctx->kids with the children of node s, in callee-edge order (or root
 * order under the synthetic root), and *count with how many. A callee is on
 * the path when its mark is PV_TREE_ON_PATH or cur. Returns 0, or -1 when out
 * of memory. */
static int pv_tree_children(pv_tree_ctx *ctx, const pv_tree_state *s, uint32_t cur, size_t *count)
{
    const pv_profile *p = ctx->p;
    if (s->func == PV_TREE_SYNTHETIC_ROOT) {
        /* The roots' numbers were fixed when the tree root was chosen. */
        if (pv_tree_reserve_kids(ctx, ctx->nroots) < 0) return -1;
        if (ctx->nroots) memcpy(ctx->kids, ctx->roots, ctx->nroots * sizeof *ctx->kids);
        *count = ctx->nroots;
        return 0;
    }
    const pv_function *f = &p->functions[s->func];
    if (pv_tree_reserve_kids(ctx, f->ncallees) < 0) return -1;
    size_t n = 0;
    double sum = 0;
    for (uint32_t i = 0; i < f->ncallees; i++) {
        const pv_edge *e = &p->edges[p->callee_edges[f->first_callee + i]];
        uint32_t m = ctx->mark[e->callee];
        if (e->callee == (uint32_t)s->func || m == PV_TREE_ON_PATH || m == cur)
            continue; /* recursion: not expanded, its time stays in s */
        pv_tree_kid *k = &ctx->kids[n];
        k->s.func = e->callee;
        k->s.time = pv_tree_edge_time(p, e);
        k->s.calls = e->ncalls;
        k->s.exact = s->whole && pv_edge_has_times(e);
        k->order = (uint32_t)n;
        sum += k->s.time;
        n++;
    }
    if (sum > s->time) {
        bool rounding = sum <= s->time * (1 + PV_TREE_ROUNDING);
        double factor = s->time > 0 ? s->time / sum : 0;
        /* Rounding of t * factor can push the total a few ulps over the
         * parent; shrink the factor until it does not. */
        for (int tries = 0; tries < 8; tries++) {
            double scaled = 0;
            for (size_t i = 0; i < n; i++)
                scaled += ctx->kids[i].s.time * factor;
            if (scaled <= s->time) break;
            factor *= 1 - 4 * DBL_EPSILON;
        }
        for (size_t i = 0; i < n; i++) {
            ctx->kids[i].s.time *= factor;
            if (!rounding) ctx->kids[i].s.exact = false;
        }
    }
    for (size_t i = 0; i < n; i++) {
        pv_tree_state *k = &ctx->kids[i].s;
        k->whole = k->exact && pv_tree_sole_caller(p, (uint32_t)k->func, (uint32_t)s->func);
    }
    *count = n;
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

/* Largest time first, then by function id: the order of candidate roots. */
static int pv_tree_root_cmp(const void *a, const void *b)
{
    const pv_tree_kid *x = a, *y = b;
    if (x->s.time != y->s.time) return x->s.time > y->s.time ? -1 : 1;
    return x->s.func < y->s.func ? -1 : x->s.func > y->s.func;
}

/* Chooses the tree root (see the rules at the top). Fills *root, and
 * ctx->roots when it is synthetic. Returns 0, or -1 when out of memory. */
static int pv_tree_choose_root(pv_tree_ctx *ctx, pv_tree_state *root)
{
    const pv_profile *p = ctx->p;
    double maxcum = 0;
    for (uint32_t i = 0; i < p->nfunctions; i++) {
        double c = pv_tree_sane(p->functions[i].cumtime);
        if (c > maxcum) maxcum = c;
    }

    /* Candidates: the roots, with placeholders replaced by their callees.
     * order holds each one's external share of time (see the top). */
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
            k->s.func = id;
            k->s.time = pv_tree_sane(f->cumtime);
            k->s.calls = f->external_calls > 0 ? f->external_calls : f->ncalls;
            /* Only a root nobody calls has all its calls (and time) here. */
            k->s.exact = k->s.whole = f->ncallers == 0;
            continue;
        }
        for (uint32_t c = 0; c < f->ncallees; c++) {
            const pv_edge *e = &p->edges[p->callee_edges[f->first_callee + c]];
            pv_tree_kid *k = &ctx->roots[n++];
            k->s.func = e->callee;
            k->s.time = pv_tree_edge_time(p, e);
            k->s.calls = e->ncalls;
            k->s.whole = pv_tree_sole_caller(p, e->callee, id);
            k->s.exact = k->s.whole && pv_edge_has_times(e);
        }
    }
    qsort(ctx->roots, n, sizeof *ctx->roots, pv_tree_root_cmp);

    size_t carrying = 0;
    for (size_t i = 0; i < n; i++) {
        pv_tree_kid *k = &ctx->roots[i];
        const pv_function *f = &p->functions[k->s.func];
        k->order = (uint32_t)i;
        /* A root with callers is mostly reached through them already: only
         * its external share counts, except for the largest candidate,
         * which no smaller root can contain. */
        share[i] = k->s.time;
        if (i > 0 && !k->s.whole && f->ncallers > 0)
            share[i] = f->ncalls > 0 && f->external_calls > 0
                           ? k->s.time * (double)f->external_calls / (double)f->ncalls
                           : 0;
        if (share[i] > 0 && share[i] >= PV_TREE_ROOT_SHARE * maxcum && !pv_tree_profiler_noise(f))
            carrying++;
    }

    /* One root carrying the program, and nothing in the profile larger than
     * it: that root is the tree. A profile where nothing has time at all
     * still has its largest root as the natural root. */
    if (n > 0 && (carrying == 1 || (carrying == 0 && maxcum == 0)) &&
        ctx->roots[0].s.time >= maxcum) {
        const pv_function *f = &p->functions[ctx->roots[0].s.func];
        root->func = ctx->roots[0].s.func;
        root->time = pv_tree_sane(f->cumtime);
        root->calls = f->ncalls;
        root->exact = true;
        root->whole = true;
        free(ctx->roots);
        ctx->roots = NULL;
        free(share);
        return 0;
    }

    /* Several roots: keep those not covered by their callers (called from
     * outside, but nearly all of their time is shown under their callers);
     * negligible ones stay, the cutoff hides them. */
    double sum = 0;
    int64_t calls = 0;
    ctx->nroots = 0;
    for (size_t i = 0; i < n; i++) {
        const pv_tree_kid *k = &ctx->roots[i];
        if (share[i] < PV_TREE_COVERED_SHARE * maxcum && !k->s.whole &&
            p->functions[k->s.func].ncallers > 0)
            continue;
        ctx->roots[ctx->nroots] = *k;
        ctx->roots[ctx->nroots].order = (uint32_t)ctx->nroots;
        ctx->nroots++;
        sum += k->s.time;
        calls += k->s.calls;
    }
    free(share);
    root->func = PV_TREE_SYNTHETIC_ROOT;
    root->time = sum > maxcum ? sum : maxcum;
    root->calls = calls;
    root->exact = true;
    root->whole = false;
    return 0;
}

/* Follows req's path from the tree root with the same rules as the tree.
 * Marks every function on it PV_TREE_ON_PATH and fills *view with the last
 * step. Returns 0, or -1 with err filled. */
static int pv_tree_walk(pv_tree_ctx *ctx, const pv_tree_request *req, pv_tree_state *view,
                        pv_error *err)
{
    const pv_profile *p = ctx->p;
    pv_tree_state s;
    if (pv_tree_choose_root(ctx, &s) < 0) return pv_fail(err, PV_ERR_NOMEM, -1, "out of memory");
    bool real = s.func != PV_TREE_SYNTHETIC_ROOT;
    if (real) ctx->mark[s.func] = PV_TREE_ON_PATH;
    for (size_t i = 0; i < req->path_len; i++) {
        int64_t id = req->path[i];
        if (id < 0 || id >= (int64_t)p->nfunctions)
            return pv_fail(err, PV_ERR_NOT_FOUND, -1, "path step %zu: no function with id %lld", i,
                           (long long)id);
        if (i == 0 && real) {
            /* A real root is the first step of every path (an empty path
             * names it too). */
            if (id != s.func)
                return pv_fail(err, PV_ERR_NOT_FOUND, -1,
                               "path step 0: function %lld is not the tree root (%lld)",
                               (long long)id, (long long)s.func);
            continue;
        }
        if (ctx->mark[id] == PV_TREE_ON_PATH)
            return pv_fail(err, PV_ERR_NOT_FOUND, -1,
                           "path step %zu: function %lld is already on the path (recursion is "
                           "not expanded)",
                           i, (long long)id);
        size_t n;
        if (pv_tree_children(ctx, &s, PV_TREE_ON_PATH, &n) < 0)
            return pv_fail(err, PV_ERR_NOMEM, -1, "out of memory");
        size_t k = 0;
        while (k < n && ctx->kids[k].s.func != id)
            k++;
        if (k == n) {
            if (s.func == PV_TREE_SYNTHETIC_ROOT)
                return pv_fail(err, PV_ERR_NOT_FOUND, -1,
                               "path step %zu: function %lld is not a root of the tree", i,
                               (long long)id);
            return pv_fail(err, PV_ERR_NOT_FOUND, -1,
                           "path step %zu: function %lld is not called by function %lld", i,
                           (long long)id, (long long)s.func);
        }
        s = ctx->kids[k].s;
        ctx->mark[id] = PV_TREE_ON_PATH;
    }
    *view = s;
    return 0;
}

/* Largest time first; equal times by function id, then edge order, so that
 * the same request always gives the same tree. */
static int pv_tree_kid_cmp(const void *a, const void *b)
{
    const pv_tree_kid *x = a, *y = b;
    if (x->s.time != y->s.time) return x->s.time > y->s.time ? -1 : 1;
    if (x->s.func != y->s.func) return x->s.func < y->s.func ? -1 : 1;
    return x->order < y->order ? -1 : x->order > y->order;
}

static int pv_tree_reserve_nodes(pv_tree_ctx *ctx, size_t n, size_t max_nodes)
{
    if (n <= ctx->cap) return 0;
    size_t cap = ctx->cap ? ctx->cap : 256;
    while (cap < n)
        cap *= 2;
    if (cap > max_nodes) cap = max_nodes;
    pv_tree_node *nodes = realloc(ctx->nodes, cap * sizeof *nodes);
    if (!nodes) return -1;
    ctx->nodes = nodes;
    uint32_t *parent = realloc(ctx->parent, cap * sizeof *parent);
    if (!parent) return -1;
    ctx->parent = parent;
    int *level = realloc(ctx->level, cap * sizeof *level);
    if (!level) return -1;
    ctx->level = level;
    bool *whole = realloc(ctx->whole, cap * sizeof *whole);
    if (!whole) return -1;
    ctx->whole = whole;
    ctx->cap = cap;
    return 0;
}

static void pv_tree_store(pv_tree_ctx *ctx, const pv_tree_state *s, uint32_t parent, int level)
{
    size_t i = ctx->nnodes++;
    ctx->nodes[i] = (pv_tree_node){.func = s->func,
                                   .time = s->time,
                                   .calls = s->calls,
                                   .exact = s->exact,
                                   .more = false,
                                   .first_child = 0,
                                   .nchildren = 0};
    ctx->parent[i] = parent;
    ctx->level[i] = level;
    ctx->whole[i] = s->whole;
}

/* Expands the tree breadth-first from node 0 so that the budget cuts the
 * deepest levels first. Returns 0, or -1 when out of memory. */
static int pv_tree_expand(pv_tree_ctx *ctx, const pv_tree_request *req, size_t max_nodes)
{
    double threshold = req->cutoff * ctx->nodes[0].time;
    bool exhausted = false;
    for (size_t i = 0; i < ctx->nnodes; i++) {
        pv_tree_node *node = &ctx->nodes[i];
        /* Mark node i and its ancestors below the view root (those above are
         * marked PV_TREE_ON_PATH already): a cost of its depth, no more. */
        uint32_t cur = (uint32_t)i + 1;
        for (size_t j = i; j != 0; j = ctx->parent[j])
            ctx->mark[ctx->nodes[j].func] = cur;
        pv_tree_state s = {.func = node->func,
                           .time = node->time,
                           .calls = node->calls,
                           .exact = node->exact,
                           .whole = ctx->whole[i]};
        size_t n;
        if (pv_tree_children(ctx, &s, cur, &n) < 0) return -1;
        /* Children under the cutoff are left out; their time stays here.
         * With any cutoff at all, zero-width children go too (they would
         * pass when the view root itself has no time). */
        size_t kept = 0;
        for (size_t k = 0; k < n; k++) {
            double t = ctx->kids[k].s.time;
            if (t < threshold || (req->cutoff > 0 && t <= 0)) continue;
            ctx->kids[kept++] = ctx->kids[k];
        }
        if (kept == 0) continue;
        if (ctx->level[i] >= req->depth || exhausted) {
            ctx->nodes[i].more = true;
            continue;
        }
        qsort(ctx->kids, kept, sizeof *ctx->kids, pv_tree_kid_cmp);
        size_t room = max_nodes - ctx->nnodes;
        if (kept > room) {
            /* Keep the largest children that fit and stop expanding. */
            kept = room;
            ctx->nodes[i].more = true;
            exhausted = true;
            if (kept == 0) continue;
        }
        if (pv_tree_reserve_nodes(ctx, ctx->nnodes + kept, max_nodes) < 0) return -1;
        ctx->nodes[i].first_child = (uint32_t)ctx->nnodes;
        ctx->nodes[i].nchildren = (uint32_t)kept;
        for (size_t k = 0; k < kept; k++)
            pv_tree_store(ctx, &ctx->kids[k].s, (uint32_t)i, ctx->level[i] + 1);
    }
    return 0;
}

/* Builds the tree for req: resolves the path, then expands the view root.
 * Returns 0 and sets *out (free it with pv_tree_free), or -1 with err filled
 * and *out untouched: a bad request or path (offset is the bad step's index
 * in the path, -1 for other parameters) or out of memory (offset -1). */
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
    /* Node indices are uint32_t and index + 1 must stay below the path mark. */
    size_t max_nodes = req->max_nodes < UINT32_MAX - 1 ? req->max_nodes : UINT32_MAX - 1;

    ctx.mark = calloc(profile->nfunctions ? profile->nfunctions : 1, sizeof *ctx.mark);
    tree = calloc(1, sizeof *tree);
    if (!ctx.mark || !tree) {
        pv_fail(err, PV_ERR_NOMEM, -1, "out of memory");
        goto done;
    }
    pv_tree_state view = {0};
    if (pv_tree_walk(&ctx, req, &view, err) < 0) goto done;

    /* The resolved path: a real tree root is its first step even when the
     * request left the path empty, so that path + child id names a child. */
    bool add_root = req->path_len == 0 && view.func != PV_TREE_SYNTHETIC_ROOT;
    tree->path_len = add_root ? 1 : req->path_len;
    if (tree->path_len > 0) {
        tree->path = malloc(tree->path_len * sizeof *tree->path);
        if (!tree->path) {
            pv_fail(err, PV_ERR_NOMEM, -1, "out of memory");
            goto done;
        }
        if (add_root)
            tree->path[0] = view.func;
        else
            memcpy(tree->path, req->path, req->path_len * sizeof *tree->path);
    }

    if (pv_tree_reserve_nodes(&ctx, 1, max_nodes) < 0) {
        pv_fail(err, PV_ERR_NOMEM, -1, "out of memory");
        goto done;
    }
    pv_tree_store(&ctx, &view, 0, 0);
    if (pv_tree_expand(&ctx, req, max_nodes) < 0) {
        pv_fail(err, PV_ERR_NOMEM, -1, "out of memory");
        goto done;
    }
    tree->nodes = ctx.nodes;
    tree->nnodes = ctx.nnodes;
    ctx.nodes = NULL;
    *out = tree;
    tree = NULL;
    rc = 0;

done:
    pv_tree_free(tree);
    free(ctx.mark);
    free(ctx.roots);
    free(ctx.kids);
    free(ctx.nodes);
    free(ctx.parent);
    free(ctx.level);
    free(ctx.whole);
    return rc;
}

void pv_tree_free(pv_tree *tree)
{
    if (!tree) return;
    free(tree->nodes);
    free(tree->path);
    free(tree);
}
