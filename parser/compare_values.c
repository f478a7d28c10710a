/* compare_values.c: the numbers of a comparison's rows, its sort orders and
 * its totals (see compare.h). Every number is computed from the two
 * profiles when asked for, in one fixed order of operations, so that a
 * script redoing the arithmetic in Python gets the same bits. */
#include "compare.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sort.h"

double pv_compare_share(double part, double total)
{
    return total != 0 ? 100.0 * part / total : NAN;
}

static double ratio(double n, double b)
{
    if (b != 0) return n / b;
    if (n != 0 && n == n) return n > 0 ? INFINITY : -INFINITY;
    return NAN;
}

void pv_compare_values_of(const pv_compare *cmp, const pv_profile *base, const pv_profile *new_p,
                          size_t r, pv_compare_mode mode, pv_compare_values *v)
{
    const pv_compare_row *row = &cmp->rows[r];
    const pv_function *fb = row->base != PV_COMPARE_NONE ? &base->functions[row->base] : NULL;
    const pv_function *fn = row->new_ != PV_COMPARE_NONE ? &new_p->functions[row->new_] : NULL;
    double bt = fb ? fb->tottime : 0, bc = fb ? fb->cumtime : 0;
    double nt = fn ? fn->tottime : 0, nc = fn ? fn->cumtime : 0;
    int64_t bn = fb ? fb->ncalls : 0, nn = fn ? fn->ncalls : 0;
    v->ncalls_int = nn - bn;
    if (mode == PV_COMPARE_NORMALISED) {
        bt = pv_compare_share(bt, base->total_time);
        bc = pv_compare_share(bc, base->total_time);
        nt = pv_compare_share(nt, new_p->total_time);
        nc = pv_compare_share(nc, new_p->total_time);
        v->ncalls = pv_compare_share((double)nn, (double)new_p->total_calls) -
                    pv_compare_share((double)bn, (double)base->total_calls);
    } else {
        v->ncalls = (double)v->ncalls_int;
    }
    v->tottime = nt - bt;
    v->cumtime = nc - bc;
    v->ratio_tottime = ratio(nt, bt);
    v->ratio_cumtime = ratio(nc, bc);
}

const pv_function *pv_compare_display(const pv_compare *cmp, const pv_profile *base,
                                      const pv_profile *new_p, size_t r)
{
    const pv_compare_row *row = &cmp->rows[r];
    return row->new_ != PV_COMPARE_NONE ? &new_p->functions[row->new_]
                                        : &base->functions[row->base];
}

void pv_compare_totals_of(const pv_profile *base, const pv_profile *new_p, pv_compare_totals *t)
{
    t->base_time = base->total_time;
    t->new_time = new_p->total_time;
    t->change_time = new_p->total_time - base->total_time;
    t->ratio_time = ratio(new_p->total_time, base->total_time);
    t->base_calls = base->total_calls;
    t->new_calls = new_p->total_calls;
    t->change_calls = new_p->total_calls - base->total_calls;
    t->base_pcalls = base->primitive_calls;
    t->new_pcalls = new_p->primitive_calls;
    t->change_pcalls = new_p->primitive_calls - base->primitive_calls;
}

/* ---- Sorting -------------------------------------------------------------- */

static const char *const key_names[PV_CKEY_COUNT] = {
    [PV_CKEY_CHANGE] = "change",
    [PV_CKEY_CUMCHANGE] = "cumchange",
    [PV_CKEY_TOTTIME_CHANGE] = "tottime_change",
    [PV_CKEY_CUMTIME_CHANGE] = "cumtime_change",
    [PV_CKEY_NCALLS_CHANGE] = "ncalls_change",
    [PV_CKEY_RATIO] = "ratio",
    [PV_CKEY_CUMRATIO] = "cumratio",
    [PV_CKEY_BASE_TOTTIME] = "base_tottime",
    [PV_CKEY_NEW_TOTTIME] = "new_tottime",
    [PV_CKEY_BASE_CUMTIME] = "base_cumtime",
    [PV_CKEY_NEW_CUMTIME] = "new_cumtime",
    [PV_CKEY_BASE_NCALLS] = "base_ncalls",
    [PV_CKEY_NEW_NCALLS] = "new_ncalls",
    [PV_CKEY_NAME] = "name",
    [PV_CKEY_FILE] = "file",
};

int pv_compare_key_from_name(const char *name)
{
    for (int k = 0; k < PV_CKEY_COUNT; k++)
        if (strcmp(key_names[k], name) == 0) return k;
    return -1;
}

const char *pv_compare_key_name(pv_compare_key key)
{
    return (unsigned)key < PV_CKEY_COUNT ? key_names[key] : "?";
}

/* The number a row sorts by (NAN sorts last). */
static double sort_value(const pv_compare *cmp, const pv_profile *base, const pv_profile *new_p,
                         size_t r, pv_compare_key key, pv_compare_mode mode)
{
    const pv_compare_row *row = &cmp->rows[r];
    const pv_function *fb = row->base != PV_COMPARE_NONE ? &base->functions[row->base] : NULL;
    const pv_function *fn = row->new_ != PV_COMPARE_NONE ? &new_p->functions[row->new_] : NULL;
    bool norm = mode == PV_COMPARE_NORMALISED;
    switch (key) {
    case PV_CKEY_BASE_TOTTIME:
        return !fb ? NAN : norm ? pv_compare_share(fb->tottime, base->total_time) : fb->tottime;
    case PV_CKEY_NEW_TOTTIME:
        return !fn ? NAN : norm ? pv_compare_share(fn->tottime, new_p->total_time) : fn->tottime;
    case PV_CKEY_BASE_CUMTIME:
        return !fb ? NAN : norm ? pv_compare_share(fb->cumtime, base->total_time) : fb->cumtime;
    case PV_CKEY_NEW_CUMTIME:
        return !fn ? NAN : norm ? pv_compare_share(fn->cumtime, new_p->total_time) : fn->cumtime;
    case PV_CKEY_BASE_NCALLS:
        return !fb ? NAN : (double)fb->ncalls;
    case PV_CKEY_NEW_NCALLS:
        return !fn ? NAN : (double)fn->ncalls;
    default:
        break;
    }
    pv_compare_values v;
    pv_compare_values_of(cmp, base, new_p, r, mode, &v);
    switch (key) {
    case PV_CKEY_CHANGE:
        return fabs(v.tottime);
    case PV_CKEY_CUMCHANGE:
        return fabs(v.cumtime);
    case PV_CKEY_TOTTIME_CHANGE:
        return v.tottime;
    case PV_CKEY_CUMTIME_CHANGE:
        return v.cumtime;
    case PV_CKEY_NCALLS_CHANGE:
        return v.ncalls;
    case PV_CKEY_RATIO:
        return v.ratio_tottime;
    case PV_CKEY_CUMRATIO:
        return v.ratio_cumtime;
    default:
        return NAN;
    }
}

typedef struct sort_ctx {
    const pv_compare *cmp;
    const pv_profile *base, *new_p;
    const uint64_t *prefix; /* text keys: the first 8 bytes, big-endian */
    pv_compare_key key;
    bool descending;
} sort_ctx;

static int compare_text(const pv_function *a, const pv_function *b, bool file_first)
{
    int c = file_first ? strcmp(a->file, b->file) : strcmp(a->name, b->name);
    if (c == 0 && file_first && a->line != b->line) return a->line < b->line ? -1 : 1;
    if (c == 0) c = file_first ? strcmp(a->name, b->name) : strcmp(a->file, b->file);
    if (c == 0 && a->line != b->line) c = a->line < b->line ? -1 : 1;
    return c;
}

static int compare_rows(const void *context, uint32_t x, uint32_t y)
{
    const sort_ctx *sc = context;
    int c = 0;
    if (sc->prefix[x] != sc->prefix[y]) {
        c = sc->prefix[x] < sc->prefix[y] ? -1 : 1;
    } else {
        c = compare_text(pv_compare_display(sc->cmp, sc->base, sc->new_p, x),
                         pv_compare_display(sc->cmp, sc->base, sc->new_p, y),
                         sc->key == PV_CKEY_FILE);
    }
    if (c) return sc->descending ? -c : c;
    return (x > y) - (x < y);
}

int pv_compare_sort(const pv_compare *cmp, const pv_profile *base, const pv_profile *new_p,
                    pv_compare_key key, pv_compare_mode mode, bool descending, uint32_t *order,
                    pv_error *err)
{
    uint64_t *prefix = NULL;
    size_t n = cmp->nrows ? cmp->nrows : 1;
    if (key != PV_CKEY_NAME && key != PV_CKEY_FILE) {
        /* Numbers need no comparisons: a radix sort of their keys, from row
         * order (ties by ascending row in either order), NAN last. */
        pv_key_item *items = malloc(n * sizeof *items);
        if (!items) return pv_fail(err, PV_ERR_NOMEM, -1, "out of memory");
        for (size_t r = 0; r < cmp->nrows; r++) {
            double v = sort_value(cmp, base, new_p, r, key, mode);
            uint64_t k = pv_sort_key_of_double(v);
            items[r] = (pv_key_item){v != v ? UINT64_MAX : descending ? ~k : k, (uint32_t)r};
        }
        int rc = pv_sort_key_items(items, cmp->nrows);
        for (size_t r = 0; rc == 0 && r < cmp->nrows; r++)
            order[r] = items[r].id;
        free(items);
        return rc == 0 ? 0 : pv_fail(err, PV_ERR_NOMEM, -1, "out of memory");
    } else {
        /* Most comparisons are settled by the first bytes, without
         * following two pointers into the profiles. */
        prefix = malloc(n * sizeof *prefix);
        if (!prefix) return pv_fail(err, PV_ERR_NOMEM, -1, "out of memory");
        for (size_t r = 0; r < cmp->nrows; r++) {
            const pv_function *f = pv_compare_display(cmp, base, new_p, r);
            const unsigned char *t =
                (const unsigned char *)(key == PV_CKEY_FILE ? f->file : f->name);
            uint64_t v = 0;
            size_t i = 0;
            for (; i < 8 && t[i]; i++)
                v = v << 8 | t[i];
            prefix[r] = i ? v << (8 * (8 - i)) : 0;
        }
    }
    for (size_t r = 0; r < cmp->nrows; r++)
        order[r] = (uint32_t)r;
    sort_ctx sc = {cmp, base, new_p, prefix, key, descending};
    int rc = pv_sort_ids(order, cmp->nrows, compare_rows, &sc);
    free(prefix);
    if (rc < 0) return pv_fail(err, PV_ERR_NOMEM, -1, "out of memory");
    return 0;
}

/* Appends to order the rows of ids[0..n) (function ids of one side in text
 * order) that keep (all of NEW's; BASE's only-in-BASE ones). */
static size_t rows_in_order(const pv_compare *cmp, const uint32_t *ids, size_t n, bool new_side,
                            uint32_t *out)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t r = new_side ? cmp->row_of_new[ids[i]] : cmp->row_of_base[ids[i]];
        if (new_side || cmp->rows[r].new_ == PV_COMPARE_NONE) out[k++] = r;
    }
    return k;
}

int pv_compare_sort_text(const pv_compare *cmp, const pv_profile *base, const pv_profile *new_p,
                         pv_compare_key key, const uint32_t *base_sorted,
                         const uint32_t *new_sorted, bool descending, uint32_t *order,
                         pv_error *err)
{
    size_t n = cmp->nrows;
    uint32_t *a = malloc((n ? n : 1) * sizeof *a);
    if (!a) return pv_fail(err, PV_ERR_NOMEM, -1, "out of memory");
    size_t na = rows_in_order(cmp, new_sorted, new_p->nfunctions, true, a);
    uint32_t *b = a + na;
    size_t nb = rows_in_order(cmp, base_sorted, base->nfunctions, false, b);
    /* Merge; on equal text NEW's rows (lower row indices) come first. */
    size_t i = 0, j = 0, k = 0;
    while (i < na || j < nb) {
        bool take_a = j == nb || (i < na && compare_text(pv_compare_display(cmp, base, new_p, a[i]),
                                                         pv_compare_display(cmp, base, new_p, b[j]),
                                                         key == PV_CKEY_FILE) <= 0);
        order[k++] = take_a ? a[i++] : b[j++];
    }
    free(a);
    if (descending) {
        /* Reverse, then put each run of equal text back in row order. */
        for (size_t x = 0, y = k; x + 1 < y; x++, y--) {
            uint32_t t = order[x];
            order[x] = order[y - 1];
            order[y - 1] = t;
        }
        for (size_t s = 0; s < k;) {
            size_t e = s + 1;
            while (e < k && compare_text(pv_compare_display(cmp, base, new_p, order[s]),
                                         pv_compare_display(cmp, base, new_p, order[e]),
                                         key == PV_CKEY_FILE) == 0)
                e++;
            for (size_t x = s, y = e; x + 1 < y; x++, y--) {
                uint32_t t = order[x];
                order[x] = order[y - 1];
                order[y - 1] = t;
            }
            s = e;
        }
    }
    return k == n ? 0 : pv_fail(err, PV_ERR_ARGUMENT, -1, "sorted ids do not cover the profiles");
}
