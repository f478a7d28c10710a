/* compare_tree.c: the other profile's time at each place of one profile's
 * call tree (see compare.h).
 *
 * A place is a path of function ids from the tree root. Mapped through the
 * matched pairs it names a place in the other profile, and pv_tree_build on
 * the other profile gives that place's numbers by the same rules as the
 * tree's own: estimates are compared with estimates. To keep it cheap, the
 * other tree is asked once per node that has children, for that node with
 * one level below it; the children are found there by function id. */
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

static void place_of(const pv_tree_node *n, pv_compare_place *out)
{
    out->present = true;
    out->time = n->time;
    out->calls = n->calls;
    out->exact = n->exact;
}

int pv_compare_tree_places(const pv_compare *cmp, const pv_profile *base, const pv_profile *new_p,
                           bool from_base, const pv_tree *tree, pv_compare_place **places,
                           int64_t **base_path, size_t *base_path_len, pv_error *err)
{
    const pv_profile *other = from_base ? new_p : base;
    size_t n = tree->nnodes;
    *places = NULL;
    if (base_path) {
        *base_path = NULL;
        *base_path_len = 0;
    }
    pv_compare_place *pl = calloc(n ? n : 1, sizeof *pl);
    uint32_t *parent = malloc((n ? n : 1) * sizeof *parent);
    uint32_t *level = malloc((n ? n : 1) * sizeof *level);
    int64_t *path = NULL;
    size_t max_level = 0;
    if (!pl || !parent || !level) goto oom;
    if (n == 0) goto done;
    parent[0] = UINT32_MAX;
    level[0] = 0;
    for (size_t i = 0; i < n; i++) {
        const pv_tree_node *node = &tree->nodes[i];
        for (uint32_t c = 0; c < node->nchildren; c++) {
            parent[node->first_child + c] = (uint32_t)i;
            level[node->first_child + c] = level[i] + 1;
            if (level[i] + 1 > max_level) max_level = level[i] + 1;
        }
    }
    path = malloc((tree->path_len + max_level + 1) * sizeof *path);
    if (!path) goto oom;
    bool mapped = true;
    for (size_t k = 0; k < tree->path_len && mapped; k++) {
        uint32_t o = other_id(cmp, from_base, tree->path[k]);
        mapped = o != PV_COMPARE_NONE;
        path[k] = o;
    }
    if (!mapped) goto done; /* the view root has no place in the other tree */
    if (base_path && tree->path_len) {
        *base_path = malloc(tree->path_len * sizeof **base_path);
        if (!*base_path) goto oom;
        memcpy(*base_path, path, tree->path_len * sizeof *path);
        *base_path_len = tree->path_len;
    }

    /* Node 0 and, level by level, every node whose parent has a place. */
    for (size_t i = 0; i < n; i++) {
        const pv_tree_node *node = &tree->nodes[i];
        if (i > 0 && !pl[i].present) continue;
        bool synthetic = node->func == PV_TREE_SYNTHETIC_ROOT;
        if (!node->nchildren && i > 0) continue;
        /* The mapped path of node i. */
        size_t len = tree->path_len + level[i];
        for (size_t j = i, k = len; j != 0; j = parent[j]) {
            uint32_t o = other_id(cmp, from_base, tree->nodes[j].func);
            if (o == PV_COMPARE_NONE) goto next; /* cannot happen: the parent was placed */
            path[--k] = o;
        }
        pv_tree_request req;
        pv_tree_request_defaults(&req);
        req.path = path;
        req.path_len = synthetic ? 0 : len;
        req.depth = 1;
        req.cutoff = 0;
        req.max_nodes = (size_t)other->nroots + 2;
        if (!synthetic && len > 0 && path[len - 1] >= 0 &&
            (uint64_t)path[len - 1] < other->nfunctions)
            req.max_nodes += other->functions[path[len - 1]].ncallees;
        pv_tree *ot = NULL;
        pv_error terr;
        if (pv_tree_build(other, &req, &ot, &terr) < 0) {
            if (terr.kind == PV_ERR_NOMEM) goto oom;
            /* No such place in the other tree. */
            if (i == 0) goto done;
            pl[i].present = false;
            continue;
        }
        const pv_tree_node *oroot = &ot->nodes[0];
        if (i == 0) place_of(oroot, &pl[0]);
        for (uint32_t c = 0; c < node->nchildren; c++) {
            size_t ci = (size_t)node->first_child + c;
            uint32_t want = other_id(cmp, from_base, tree->nodes[ci].func);
            if (want == PV_COMPARE_NONE) continue;
            if (synthetic && oroot->func == (int64_t)want) {
                place_of(oroot, &pl[ci]); /* the other tree's real root is this root */
                continue;
            }
            if (synthetic && oroot->func != PV_TREE_SYNTHETIC_ROOT) continue;
            for (uint32_t k = 0; k < oroot->nchildren; k++) {
                const pv_tree_node *oc = &ot->nodes[oroot->first_child + k];
                if (oc->func == (int64_t)want) {
                    place_of(oc, &pl[ci]);
                    break;
                }
            }
        }
        pv_tree_free(ot);
    next:;
    }
done:
    free(parent);
    free(level);
    free(path);
    *places = pl;
    return 0;
oom:
    free(pl);
    free(parent);
    free(level);
    free(path);
    if (base_path) {
        free(*base_path);
        *base_path = NULL;
        *base_path_len = 0;
    }
    return pv_fail(err, PV_ERR_NOMEM, -1, "out of memory");
}
