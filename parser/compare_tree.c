/* compare_tree.c: the other profile's time at each place of one profile's
 * call tree (see compare.h).
 *
 * A place is a path of function ids from the tree root. Mapped through the
 * matched pairs it names a place in the other profile, and pv_tree_build on
 * the other profile gives that place's numbers by the same rules as the
 * tree's own: estimates are compared with estimates. Since the same place
 * gets the same numbers whether asked for alone or as part of a larger tree,
 * the other tree is built once, at the mapped view root, a little deeper in
 * detail than the tree shown (a tenth of its cutoff, four times its nodes),
 * and the two are walked side by side. A node whose place that tree left
 * out although the other profile has the edge (it shrank below the cutoff
 * there, or the budget ran out) is asked for on its own, with its subtree. */
#include "compare.h"

#include <stdlib.h>
#include <string.h>

/* The other side's id of function id, or PV_COMPARE_NONE. */
static uint32_t other_id(const pv_compare *cmp, bool from_base, int64_t id)
{
    if (id < 0) return PV_COMPARE_NONE;
    if (from_base) {
        if ((uint64_t)id >= cmp->nbase) return PV_COMPARE_NONE;
        return cmp->rows[cmp->row_of_base[id]].new_;
    }
    if ((uint64_t)id >= cmp->nnew) return PV_COMPARE_NONE;
    return cmp->rows[cmp->row_of_new[id]].base;
}

typedef struct walk {
    const pv_compare *cmp;
    const pv_profile *other;
    bool from_base;
    const pv_tree *tree;
    const pv_tree_request *req;
    uint32_t *parent, *level, *height, *size; /* per node of tree */
    int64_t *path;                            /* scratch: a node's mapped path */
    pv_compare_place *places;
    pv_error *err;
} walk;

/* True when the other profile has an edge from function caller to callee
 * (other ids), or callee is a root there when the parent is the synthetic
 * root. */
static bool other_has_edge(const walk *w, int64_t caller, uint32_t callee)
{
    const pv_profile *p = w->other;
    if (caller < 0) return p->functions[callee].is_root;
    const pv_function *f = &p->functions[caller];
    for (uint32_t k = 0; k < f->ncallees; k++)
        if (p->edges[p->callee_edges[f->first_callee + k]].callee == callee) return true;
    return false;
}

/* Fills w->path with node i's mapped path; returns its length, or -1 when a
 * step has no partner. */
static long mapped_path(walk *w, size_t i)
{
    const pv_tree *t = w->tree;
    size_t len = t->path_len + w->level[i];
    for (size_t k = 0; k < t->path_len; k++) {
        uint32_t o = other_id(w->cmp, w->from_base, t->path[k]);
        if (o == PV_COMPARE_NONE) return -1;
        w->path[k] = o;
    }
    for (size_t j = i, k = len; j != 0; j = w->parent[j]) {
        uint32_t o = other_id(w->cmp, w->from_base, t->nodes[j].func);
        if (o == PV_COMPARE_NONE) return -1;
        w->path[--k] = o;
    }
    return (long)len;
}

/* Builds the other tree at node i's place, deep enough for i's subtree.
 * Returns 0 with *out set (NULL when there is no such place), or -1 when out
 * of memory. */
static int other_tree_at(walk *w, size_t i, pv_tree **out)
{
    *out = NULL;
    long len = mapped_path(w, i);
    if (len < 0) return 0;
    pv_tree_request req;
    pv_tree_request_defaults(&req);
    req.path = w->path;
    req.path_len = (size_t)len;
    req.depth = (int)w->height[i];
    req.cutoff = w->req->cutoff / 10;
    size_t budget = 4 * (size_t)w->size[i] + 64;
    req.max_nodes = budget < 100000 ? budget : 100000;
    pv_error terr;
    if (pv_tree_build(w->other, &req, out, &terr) == 0) return 0;
    *out = NULL;
    if (terr.kind == PV_ERR_NOMEM) return pv_fail(w->err, PV_ERR_NOMEM, -1, "out of memory");
    return 0; /* no such place */
}

static void set_place(walk *w, size_t i, const pv_tree_node *n)
{
    w->places[i] = (pv_compare_place){true, n->time, n->calls, n->exact};
}

/* Node i of the tree has its place at node j of ot: records it, then places
 * i's children. Returns 0, or -1 when out of memory. */
static int overlay(walk *w, size_t i, const pv_tree *ot, size_t j)
{
    const pv_tree_node *node = &w->tree->nodes[i], *on = &ot->nodes[j];
    set_place(w, i, on);
    bool synthetic = node->func == PV_TREE_SYNTHETIC_ROOT;
    for (uint32_t c = 0; c < node->nchildren; c++) {
        size_t ci = (size_t)node->first_child + c;
        uint32_t want = other_id(w->cmp, w->from_base, w->tree->nodes[ci].func);
        if (want == PV_COMPARE_NONE) continue;
        if (synthetic && on->func != PV_TREE_SYNTHETIC_ROOT) {
            /* The other tree's root is a real function: it is the place of
             * that root only. */
            if (on->func == (int64_t)want && overlay(w, ci, ot, j) < 0) return -1;
            continue;
        }
        size_t found = SIZE_MAX;
        for (uint32_t k = 0; k < on->nchildren && found == SIZE_MAX; k++)
            if (ot->nodes[on->first_child + k].func == (int64_t)want)
                found = (size_t)on->first_child + k;
        if (found != SIZE_MAX) {
            if (overlay(w, ci, ot, found) < 0) return -1;
            continue;
        }
        int64_t caller = synthetic ? -1 : (int64_t)other_id(w->cmp, w->from_base, node->func);
        if (!other_has_edge(w, caller, want)) continue; /* no such place */
        pv_tree *sub = NULL;
        if (other_tree_at(w, ci, &sub) < 0) return -1;
        int rc = sub ? overlay(w, ci, sub, 0) : 0;
        pv_tree_free(sub);
        if (rc < 0) return -1;
    }
    return 0;
}

int pv_compare_tree_places(const pv_compare *cmp, const pv_profile *base, const pv_profile *new_p,
                           bool from_base, const pv_tree *tree, const pv_tree_request *req,
                           pv_compare_place **places, int64_t **base_path, size_t *base_path_len,
                           pv_error *err)
{
    size_t n = tree->nnodes;
    walk w = {
        cmp, from_base ? new_p : base, from_base, tree, req, NULL, NULL, NULL, NULL, NULL, NULL,
        err};
    *places = NULL;
    if (base_path) {
        *base_path = NULL;
        *base_path_len = 0;
    }
    size_t m = n ? n : 1;
    w.places = calloc(m, sizeof *w.places);
    w.parent = malloc(m * sizeof *w.parent);
    w.level = malloc(m * sizeof *w.level);
    w.height = calloc(m, sizeof *w.height);
    w.size = malloc(m * sizeof *w.size);
    uint32_t max_level = 0;
    bool ok = w.places && w.parent && w.level && w.height && w.size;
    if (ok && n) {
        w.parent[0] = UINT32_MAX;
        w.level[0] = 0;
        for (size_t i = 0; i < n; i++) {
            const pv_tree_node *node = &tree->nodes[i];
            w.size[i] = 1;
            for (uint32_t c = 0; c < node->nchildren; c++) {
                w.parent[node->first_child + c] = (uint32_t)i;
                w.level[node->first_child + c] = w.level[i] + 1;
                if (w.level[i] + 1 > max_level) max_level = w.level[i] + 1;
            }
        }
        /* Children come after their parent: sizes and heights bottom up. */
        for (size_t i = n; i-- > 1;) {
            uint32_t p = w.parent[i];
            w.size[p] += w.size[i];
            if (w.height[i] + 1 > w.height[p]) w.height[p] = w.height[i] + 1;
        }
        w.path = malloc((tree->path_len + max_level + 1) * sizeof *w.path);
        ok = w.path != NULL;
    }
    int rc = 0;
    if (!ok) {
        rc = pv_fail(err, PV_ERR_NOMEM, -1, "out of memory");
    } else if (n) {
        pv_tree *ot = NULL;
        rc = other_tree_at(&w, 0, &ot);
        if (rc == 0 && ot && base_path && tree->path_len) {
            *base_path = malloc(tree->path_len * sizeof **base_path);
            if (!*base_path)
                rc = pv_fail(err, PV_ERR_NOMEM, -1, "out of memory");
            else {
                size_t len = ot->path_len < tree->path_len ? ot->path_len : tree->path_len;
                memcpy(*base_path, ot->path, len * sizeof **base_path);
                *base_path_len = len;
            }
        }
        if (rc == 0 && ot) rc = overlay(&w, 0, ot, 0);
        pv_tree_free(ot);
    }
    free(w.parent);
    free(w.level);
    free(w.height);
    free(w.size);
    free(w.path);
    if (rc < 0) {
        free(w.places);
        if (base_path) {
            free(*base_path);
            *base_path = NULL;
            *base_path_len = 0;
        }
        return -1;
    }
    *places = w.places;
    return 0;
}
