/* merge.c: several profiles made one, as pstats.Stats.add does it. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "profile.h"
#include "sort.h"

typedef struct merged_edge {
    uint32_t caller, callee;
    int64_t ncalls, pcalls;
    double tottime, cumtime;
} merged_edge;

typedef struct totals {
    int64_t ncalls, pcalls;
    double tottime, cumtime;
    bool listed;
} totals;

static int by_callee_then_caller(const void *context, uint32_t a, uint32_t b)
{
    const merged_edge *edges = context;
    const merged_edge *x = &edges[a], *y = &edges[b];
    if (x->callee != y->callee) return x->callee < y->callee ? -1 : 1;
    if (x->caller != y->caller) return x->caller < y->caller ? -1 : 1;
    return 0;
}

/* Adds two edge times: a count-only edge (NAN) contributes no time. */
static double add_time(double a, double b)
{
    if (isnan(a)) return b;
    if (isnan(b)) return a;
    return a + b;
}

pv_profile *pv_profile_merge(const pv_profile *const *parts, size_t nparts, pv_error *err)
{
    pv_profile *merged = NULL;
    pv_builder *b = pv_builder_new();
    uint32_t **id_maps = calloc(nparts ? nparts : 1, sizeof *id_maps);
    totals *sums = NULL;
    merged_edge *edges = NULL;
    uint32_t *order = NULL;
    size_t nedges = 0, nfunctions = 0;
    if (!b || !id_maps) goto oom;
    for (size_t p = 0; p < nparts; p++)
        if (!parts[p]->has_edges) pv_builder_drop_edges(b);

    for (size_t p = 0; p < nparts; p++) {
        nedges += parts[p]->nedges;
        id_maps[p] = malloc((parts[p]->nfunctions ? parts[p]->nfunctions : 1) * sizeof(uint32_t));
        if (!id_maps[p]) goto oom;
        for (uint32_t id = 0; id < parts[p]->nfunctions; id++) {
            const pv_function *f = &parts[p]->functions[id];
            int64_t merged_id = pv_builder_intern(b, f->file, strlen(f->file), f->line, f->name,
                                                  strlen(f->name), err);
            if (merged_id < 0) goto done;
            id_maps[p][id] = (uint32_t)merged_id;
            if ((size_t)merged_id + 1 > nfunctions) nfunctions = (size_t)merged_id + 1;
        }
    }

    sums = calloc(nfunctions ? nfunctions : 1, sizeof *sums);
    edges = malloc((nedges ? nedges : 1) * sizeof *edges);
    order = malloc((nedges ? nedges : 1) * sizeof *order);
    if (!sums || !edges || !order) goto oom;
    size_t k = 0;
    for (size_t p = 0; p < nparts; p++) {
        const pv_profile *part = parts[p];
        for (uint32_t id = 0; id < part->nfunctions; id++) {
            const pv_function *f = &part->functions[id];
            if (!f->listed) continue;
            totals *t = &sums[id_maps[p][id]];
            t->ncalls = pv_count_add(t->ncalls, f->ncalls);
            t->pcalls = pv_count_add(t->pcalls, f->pcalls);
            t->tottime += f->tottime;
            t->cumtime += f->cumtime;
            t->listed = true;
        }
        for (uint32_t e = 0; e < part->nedges; e++) {
            const pv_edge *edge = &part->edges[e];
            edges[k] = (merged_edge){id_maps[p][edge->caller],
                                     id_maps[p][edge->callee],
                                     edge->ncalls,
                                     edge->pcalls,
                                     edge->tottime,
                                     edge->cumtime};
            order[k] = (uint32_t)k;
            k++;
        }
    }
    if (pv_sort_ids(order, nedges, by_callee_then_caller, edges) != 0) goto oom;

    size_t e = 0;
    for (uint32_t id = 0; id < nfunctions; id++) {
        if (!sums[id].listed) continue;
        const totals *t = &sums[id];
        if (pv_builder_begin_entry(b, id, t->ncalls, t->pcalls, t->tottime, t->cumtime, err))
            goto done;
        while (e < nedges && edges[order[e]].callee < id)
            e++;
        while (e < nedges && edges[order[e]].callee == id) {
            merged_edge sum = edges[order[e++]];
            while (e < nedges && edges[order[e]].callee == id &&
                   edges[order[e]].caller == sum.caller) {
                const merged_edge *more = &edges[order[e++]];
                sum.ncalls = pv_count_add(sum.ncalls, more->ncalls);
                sum.pcalls = pv_count_add(sum.pcalls, more->pcalls);
                sum.tottime = add_time(sum.tottime, more->tottime);
                sum.cumtime = add_time(sum.cumtime, more->cumtime);
            }
            if (pv_builder_add_caller(b, sum.caller, sum.ncalls, sum.pcalls, sum.tottime,
                                      sum.cumtime, err))
                goto done;
        }
    }

    merged = pv_builder_finish(b, err);
    b = NULL; /* finish() freed it */
    /* pstats.Stats.add adds each part's total time to the running one. */
    if (merged) {
        merged->total_time = 0;
        for (size_t p = 0; p < nparts; p++)
            merged->total_time += parts[p]->total_time;
    }
    goto done;

oom:
    pv_fail(err, PV_ERR_NOMEM, -1, "out of memory");
done:
    if (id_maps)
        for (size_t p = 0; p < nparts; p++)
            free(id_maps[p]);
    free(id_maps);
    free(sums);
    free(edges);
    free(order);
    pv_builder_free(b);
    return merged;
}
