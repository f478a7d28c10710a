/* api_compare_fn.c: GET /api/compare/function (api_compare.h): one function
 * of a comparison with BASE's and NEW's numbers side by side, and its
 * callers and callees paired through the comparison's rows, so that a
 * caller both runs have is one line with both edges. */
#include "api_compare.h"

#include <math.h>
#include <stdlib.h>

#include "api_params.h"
#include "compare_json.h"
#include "json.h"

/* One caller (or callee) line: a comparison row and its edge on each side. */
typedef struct link {
    uint32_t row;
    const pv_edge *e[2]; /* [0] BASE's, [1] NEW's; NULL where that side has none */
} link;

static double edge_time(const pv_edge *e)
{
    return e && pv_edge_has_times(e) ? e->cumtime : -1;
}

/* Largest cumulative time on either side first, then by row. */
static int link_cmp(const void *pa, const void *pb)
{
    const link *a = pa, *b = pb;
    double ka = fmax(edge_time(a->e[0]), edge_time(a->e[1]));
    double kb = fmax(edge_time(b->e[0]), edge_time(b->e[1]));
    if (ka != kb) return ka > kb ? -1 : 1;
    return (a->row > b->row) - (a->row < b->row);
}

static int row_cmp(const void *pa, const void *pb)
{
    const link *a = pa, *b = pb;
    return (a->row > b->row) - (a->row < b->row);
}

/* The callers (or callees) of fn[s] in each profile p[s] (fn[s] UINT32_MAX:
 * none), paired by row. Returns a new array (*n lines), or NULL. */
static link *collect(const pv_compare *cmp, const pv_profile *const p[2], const uint32_t fn[2],
                     bool callers, size_t *n)
{
    size_t count = 0;
    for (int s = 0; s < 2; s++) {
        if (fn[s] == PV_COMPARE_NONE) continue;
        const pv_function *f = &p[s]->functions[fn[s]];
        count += callers ? f->ncallers : f->ncallees;
    }
    link *out = malloc((count ? count : 1) * sizeof *out);
    if (!out) return NULL;
    size_t k = 0;
    for (int s = 0; s < 2; s++) {
        if (fn[s] == PV_COMPARE_NONE) continue;
        const pv_function *f = &p[s]->functions[fn[s]];
        const uint32_t *row_of = s ? cmp->row_of_new : cmp->row_of_base;
        for (uint32_t i = 0; i < (callers ? f->ncallers : f->ncallees); i++) {
            const pv_edge *e = callers ? &p[s]->edges[f->first_caller + i]
                                       : &p[s]->edges[p[s]->callee_edges[f->first_callee + i]];
            link l = {row_of[callers ? e->caller : e->callee], {NULL, NULL}};
            l.e[s] = e;
            out[k++] = l;
        }
    }
    /* One function is at most one edge a side: a row twice is both sides. */
    qsort(out, k, sizeof *out, row_cmp);
    size_t m = 0;
    for (size_t i = 0; i < k; i++) {
        if (m && out[m - 1].row == out[i].row) {
            out[m - 1].e[1] = out[i].e[1] ? out[i].e[1] : out[m - 1].e[1];
            out[m - 1].e[0] = out[i].e[0] ? out[i].e[0] : out[m - 1].e[0];
        } else {
            out[m++] = out[i];
        }
    }
    qsort(out, m, sizeof *out, link_cmp);
    *n = m;
    return out;
}

static void put_edge(pv_json *w, const pv_edge *e, uint32_t id)
{
    if (!e) {
        pv_json_null(w);
        return;
    }
    pv_json_begin_object(w);
    pv_json_key_int(w, "id", id);
    pv_json_key_int(w, "ncalls", e->ncalls);
    pv_json_key_int(w, "pcalls", e->pcalls);
    pv_json_key_double(w, "tottime", e->tottime);
    pv_json_key_double(w, "cumtime", e->cumtime);
    pv_json_end_object(w);
}

/* NEW - BASE of one edge number, an absent edge counting as 0 (null when a
 * present edge has no times). */
static double edge_change(const link *l, bool cum)
{
    double v[2];
    for (int s = 0; s < 2; s++) {
        const pv_edge *e = l->e[s];
        v[s] = !e ? 0 : cum ? e->cumtime : e->tottime;
    }
    return v[1] - v[0];
}

static void put_links(pv_json *w, const pv_compare *cmp, const pv_profile *const p[2],
                      const link *links, size_t n, size_t limit, bool callers)
{
    pv_json_begin_array(w);
    for (size_t i = 0; i < n && i < limit && !pv_json_failed(w); i++) {
        const link *l = &links[i];
        const pv_compare_row *row = &cmp->rows[l->row];
        const pv_function *f = pv_compare_display(cmp, p[0], p[1], l->row);
        pv_json_begin_object(w);
        pv_json_key_cstring(w, "name", f->name);
        pv_json_key_cstring(w, "file", f->file);
        pv_json_key_int(w, "line", f->line);
        pv_json_key_cstring(w, "match", pv_match_name(row->match));
        for (int s = 0; s < 2; s++) {
            const pv_edge *e = l->e[s];
            pv_json_key(w, s ? "new" : "base");
            put_edge(w, e, e ? (callers ? e->caller : e->callee) : 0);
        }
        int64_t calls[2] = {l->e[0] ? l->e[0]->ncalls : 0, l->e[1] ? l->e[1]->ncalls : 0};
        pv_json_key(w, "change");
        pv_json_begin_object(w);
        pv_json_key_double(w, "tottime", edge_change(l, false));
        pv_json_key_double(w, "cumtime", edge_change(l, true));
        pv_json_key_int(w, "ncalls", calls[1] - calls[0]);
        pv_json_end_object(w);
        pv_json_end_object(w);
    }
    pv_json_end_array(w);
}

int pv_api_compare_function(const pv_compare *cmp, const pv_registry_entry *base,
                            const pv_registry_entry *new_e, const pv_api_request *req,
                            pv_api_reply *reply)
{
    static const char *const sides[] = {"new", "base"};
    int from_base = 0;
    long long fid = -1, limit = PV_API_DEFAULT_LIMIT;
    pv_error err;
    if (pv_api_word_param(req, "side", sides, 2, "new or base", &from_base, &err) < 0 ||
        pv_api_int_param(req, "fid", 0, UINT32_MAX - 1, &fid, &err) < 0 ||
        pv_api_int_param(req, "limit", 0, PV_API_MAX_LIMIT, &limit, &err) < 0)
        return pv_api_reply_fail(reply, &err);
    const pv_registry_entry *shown = from_base ? base : new_e;
    if (fid < 0)
        return pv_api_reply_error(reply, 400, "missing parameter 'fid': a function id of %s",
                                  from_base ? "BASE" : "NEW");
    if (fid >= (long long)shown->profile->nfunctions)
        return pv_api_reply_error(reply, 404, "no function %lld in profile %s", fid, shown->id);
    const pv_profile *const p[2] = {base->profile, new_e->profile};
    uint32_t r = from_base ? cmp->row_of_base[fid] : cmp->row_of_new[fid];
    const uint32_t fn[2] = {cmp->rows[r].base, cmp->rows[r].new_};
    size_t n[2] = {0, 0};
    link *links[2] = {collect(cmp, p, fn, true, &n[0]), collect(cmp, p, fn, false, &n[1])};
    if (!links[0] || !links[1]) {
        free(links[0]);
        free(links[1]);
        return pv_api_reply_error(reply, 500, "out of memory");
    }
    pv_json w = {0};
    pv_json_begin_object(&w);
    pv_json_key_cstring(&w, "base", base->id);
    pv_json_key_cstring(&w, "new", new_e->id);
    pv_json_key_cstring(&w, "side", sides[from_base]);
    pv_json_key(&w, "function");
    pv_compare_json_row(&w, cmp, p[0], p[1], r, PV_COMPARE_ABSOLUTE);
    static const char *const names[2] = {"callers", "callees"};
    static const char *const totals[2] = {"callers_total", "callees_total"};
    for (int d = 0; d < 2; d++) {
        pv_json_key_int(&w, totals[d], (int64_t)n[d]);
        pv_json_key(&w, names[d]);
        put_links(&w, cmp, p, links[d], n[d], (size_t)limit, d == 0);
    }
    pv_json_end_object(&w);
    free(links[0]);
    free(links[1]);
    return pv_api_reply_json(reply, &w);
}
