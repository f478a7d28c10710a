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
#include "calltree_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

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
        if (count >= max_nodes) {
            /* The budget is spent: what is left is hidden in its parents. */
            for (size_t i = 0; i < ctx->nheap; i++) {
                pv_tree_ent *par = &ctx->ents[ctx->heap[i].parent];
                par->hidden_time += ctx->kids[par->first_kid + ctx->heap[i].kid].time;
                par->hidden++;
                par->more = true;
            }
            ctx->nheap = 0;
            break;
        }
        pv_tree_heap_item it = pv_tree_heap_pop(ctx);
        pv_tree_ent *par = &ctx->ents[it.parent];
        pv_tree_kid *k = &ctx->kids[par->first_kid + it.kid];
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
    free(ctx.single_of);
    free(ctx.single_done);
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
