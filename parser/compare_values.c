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

static int compare_text(const pv_function *a, const pv_function *b, bool file_first)
{
    int c = file_first ? strcmp(a->file, b->file) : strcmp(a->name, b->name);
    if (c == 0 && file_first && a->line != b->line) return a->line < b->line ? -1 : 1;
    if (c == 0) c = file_first ? strcmp(a->name, b->name) : strcmp(a->file, b->file);
    if (c == 0 && a->line != b->line) c = a->line < b->line ? -1 : 1;
    return c;
}

/* What the text sorts keep per row: its display function's name, its
 * file's rank (the order of the file names, equal names equal ranks) and
 * its line, read once in row order (the functions lie in that order). */
typedef struct text_keys {
    const char **name;
    uint32_t *file_rank;
    int64_t *line;
} text_keys;

/* Fills keys for every row. The files are pointers shared by a profile's
 * functions: the rows are grouped by pointer (a radix sort), only the
 * distinct files are sorted as text, and each row takes its group's rank.
 * Returns 0, or -1 when out of memory. */
static int rank_row_files(const pv_compare *cmp, const pv_profile *base, const pv_profile *new_p,
                          text_keys *keys)
{
    size_t n = cmp->nrows;
    pv_key_item *items = malloc((n ? n : 1) * sizeof *items);
    const char **distinct = malloc((n ? n : 1) * sizeof *distinct);
    uint32_t *ids = malloc((n ? n : 1) * sizeof *ids);
    uint32_t *rank = malloc((n ? n : 1) * sizeof *rank);
    int rc = -1;
    if (!items || !distinct || !ids || !rank) goto done;
    for (size_t r = 0; r < n; r++) {
        const pv_function *f = pv_compare_display(cmp, base, new_p, r);
        items[r] = (pv_key_item){(uint64_t)(uintptr_t)f->file, (uint32_t)r};
        keys->name[r] = f->name;
        keys->line[r] = f->line;
    }
    if (pv_sort_key_items(items, n) != 0) goto done;
    size_t ndistinct = 0;
    for (size_t i = 0; i < n; i++) {
        if (i == 0 || items[i].key != items[i - 1].key) {
            ids[ndistinct] = (uint32_t)ndistinct;
            distinct[ndistinct++] = (const char *)(uintptr_t)items[i].key;
        }
        keys->file_rank[items[i].id] = (uint32_t)(ndistinct - 1); /* its group, for now */
    }
    if (pv_sort_ids_by_text(ids, distinct, ndistinct, NULL, NULL) != 0) goto done;
    uint32_t next = 0;
    for (size_t i = 0; i < ndistinct; i++) {
        if (i > 0 && strcmp(distinct[ids[i]], distinct[ids[i - 1]]) != 0) next++;
        rank[ids[i]] = next;
    }
    for (size_t r = 0; r < n; r++)
        keys->file_rank[r] = rank[keys->file_rank[r]];
    rc = 0;
done:
    free(items);
    free(distinct);
    free(ids);
    free(rank);
    return rc;
}

/* Sorts order[0..n) stably by line, then by file rank (two radix sorts).
 * Returns 0, or -1 when out of memory. */
static int sort_by_file_and_line(const text_keys *keys, uint32_t *order, size_t n)
{
    pv_key_item *items = malloc((n ? n : 1) * sizeof *items);
    if (!items) return -1;
    for (size_t i = 0; i < n; i++)
        items[i] = (pv_key_item){(uint64_t)keys->line[order[i]] ^ (UINT64_C(1) << 63), order[i]};
    int rc = pv_sort_key_items(items, n);
    for (size_t i = 0; rc == 0 && i < n; i++)
        items[i].key = keys->file_rank[items[i].id];
    if (rc == 0) rc = pv_sort_key_items(items, n);
    for (size_t i = 0; rc == 0 && i < n; i++)
        order[i] = items[i].id;
    free(items);
    return rc;
}

/* The rows by name, file, line and row: put in file and line order, then
 * sorted by name as text with ties kept in that order. Returns 0, or -1
 * when out of memory. */
static int sort_rows_by_name(const text_keys *keys, uint32_t *order, size_t n)
{
    const char **names = malloc((n ? n : 1) * sizeof *names);
    if (!names) return -1;
    for (size_t r = 0; r < n; r++)
        order[r] = (uint32_t)r;
    int rc = sort_by_file_and_line(keys, order, n);
    for (size_t i = 0; rc == 0 && i < n; i++)
        names[i] = keys->name[order[i]];
    if (rc == 0) rc = pv_sort_ids_by_text(order, names, n, NULL, NULL);
    free(names);
    return rc;
}

/* Reverses order[lo, hi). */
static void reverse_range(uint32_t *order, size_t lo, size_t hi)
{
    for (size_t x = lo, y = hi; x + 1 < y; x++, y--) {
        uint32_t t = order[x];
        order[x] = order[y - 1];
        order[y - 1] = t;
    }
}

/* Descending from ascending: reversed, then each run of rows whose keys tie
 * (same name, file and line) put back in row order. */
static void reverse_ascending_text(const text_keys *keys, uint32_t *order, size_t k)
{
    reverse_range(order, 0, k);
    for (size_t s = 0; s < k;) {
        size_t e = s + 1;
        while (e < k && keys->file_rank[order[s]] == keys->file_rank[order[e]] &&
               keys->line[order[s]] == keys->line[order[e]] &&
               (keys->name[order[s]] == keys->name[order[e]] ||
                strcmp(keys->name[order[s]], keys->name[order[e]]) == 0))
            e++;
        reverse_range(order, s, e);
        s = e;
    }
}

/* Turns an ascending text order into the descending one: reversed, then
 * each run of equal text put back in row order. */
static void reverse_keeping_ties(const pv_compare *cmp, const pv_profile *base,
                                 const pv_profile *new_p, bool by_file, uint32_t *order, size_t k)
{
    reverse_range(order, 0, k);
    for (size_t s = 0; s < k;) {
        size_t e = s + 1;
        while (e < k && compare_text(pv_compare_display(cmp, base, new_p, order[s]),
                                     pv_compare_display(cmp, base, new_p, order[e]), by_file) == 0)
            e++;
        reverse_range(order, s, e);
        s = e;
    }
}

uint64_t pv_compare_row_key(const pv_compare *cmp, const pv_profile *base, const pv_profile *new_p,
                            size_t r, pv_compare_key key, pv_compare_mode mode, bool descending)
{
    double v = sort_value(cmp, base, new_p, r, key, mode);
    uint64_t k = pv_sort_key_of_double(v);
    return v != v ? UINT64_MAX : descending ? ~k : k;
}

int pv_compare_sort(const pv_compare *cmp, const pv_profile *base, const pv_profile *new_p,
                    pv_compare_key key, pv_compare_mode mode, bool descending, uint32_t *order,
                    pv_error *err)
{
    size_t n = cmp->nrows ? cmp->nrows : 1;
    if (key != PV_CKEY_NAME && key != PV_CKEY_FILE) {
        /* Numbers need no comparisons: a radix sort of their keys, from row
         * order (ties by ascending row in either order), NAN last. */
        pv_key_item *items = malloc(n * sizeof *items);
        if (!items) return pv_fail(err, PV_ERR_NOMEM, -1, "out of memory");
        for (size_t r = 0; r < cmp->nrows; r++)
            items[r] = (pv_key_item){pv_compare_row_key(cmp, base, new_p, r, key, mode, descending),
                                     (uint32_t)r};
        int rc = pv_sort_key_items(items, cmp->nrows);
        for (size_t r = 0; rc == 0 && r < cmp->nrows; r++)
            order[r] = items[r].id;
        free(items);
        return rc == 0 ? 0 : pv_fail(err, PV_ERR_NOMEM, -1, "out of memory");
    }
    uint32_t *name_asc = key == PV_CKEY_NAME && !descending ? order : malloc(n * sizeof *name_asc);
    if (!name_asc) return pv_fail(err, PV_ERR_NOMEM, -1, "out of memory");
    pv_compare_text_orders to = {.name_asc = name_asc};
    if (key == PV_CKEY_NAME && descending) to.name_desc = order;
    if (key == PV_CKEY_FILE) *(descending ? &to.file_desc : &to.file_asc) = order;
    int rc = pv_compare_sort_text_orders(cmp, base, new_p, &to, err);
    if (name_asc != order) free(name_asc);
    return rc;
}

int pv_compare_sort_text_orders(const pv_compare *cmp, const pv_profile *base,
                                const pv_profile *new_p, const pv_compare_text_orders *to,
                                pv_error *err)
{
    /* Names, ranks for the files and lines read once in row order; the
     * rows by line and file (radix sorts), then by name through the radix
     * sort of 8-byte slices; the file orders from the name order by line
     * and file once more. */
    size_t n = cmp->nrows ? cmp->nrows : 1, rows = cmp->nrows;
    text_keys keys = {malloc(n * sizeof *keys.name), malloc(n * sizeof *keys.file_rank),
                      malloc(n * sizeof *keys.line)};
    int rc =
        keys.name && keys.file_rank && keys.line ? rank_row_files(cmp, base, new_p, &keys) : -1;
    if (rc == 0) rc = sort_rows_by_name(&keys, to->name_asc, rows);
    if (rc == 0 && to->name_desc) {
        memcpy(to->name_desc, to->name_asc, rows * sizeof *to->name_desc);
        reverse_ascending_text(&keys, to->name_desc, rows);
    }
    if (rc == 0 && to->names_done) to->names_done(to->arg);
    uint32_t *file_asc = to->file_asc;
    if (rc == 0 && (to->file_asc || to->file_desc)) {
        if (!file_asc) file_asc = to->file_desc; /* made in place, then turned round */
        memcpy(file_asc, to->name_asc, rows * sizeof *file_asc);
        rc = sort_by_file_and_line(&keys, file_asc, rows);
    }
    if (rc == 0 && to->file_desc) {
        if (file_asc != to->file_desc)
            memcpy(to->file_desc, file_asc, rows * sizeof *to->file_desc);
        reverse_ascending_text(&keys, to->file_desc, rows);
    }
    free(keys.name);
    free(keys.file_rank);
    free(keys.line);
    return rc == 0 ? 0 : pv_fail(err, PV_ERR_NOMEM, -1, "out of memory");
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
    if (descending) reverse_keeping_ties(cmp, base, new_p, key == PV_CKEY_FILE, order, k);
    return k == n ? 0 : pv_fail(err, PV_ERR_ARGUMENT, -1, "sorted ids do not cover the profiles");
}
