/* compare_top.c: the first rows of a comparison's sort order without the
 * whole sort (see compare.h, pv_compare_top). One pass over the rows keeps
 * the best k so far in a heap whose root is the worst of them; a row
 * enters only when it sorts before that root. The order is a total one
 * (every key ends with the row index), so the k rows and their order are
 * those of pv_compare_sort. */
#include <stdlib.h>
#include <string.h>

#include "compare.h"

/* How the rows are compared: a number per row, or the display function's
 * text. */
typedef struct top_order {
    const pv_compare *cmp;
    const pv_profile *base, *new_p;
    bool text, by_file, descending;
    uint64_t *num; /* per heap slot, the row's number (numeric keys) */
} top_order;

static int compare_line(int64_t a, int64_t b)
{
    return (a > b) - (a < b);
}

/* Name, file, line (or file, line, name), as pv_compare_sort's text orders
 * have them; reversed when descending. 0 when they tie. */
static int compare_text(const top_order *o, uint32_t a, uint32_t b)
{
    const pv_function *fa = pv_compare_display(o->cmp, o->base, o->new_p, a);
    const pv_function *fb = pv_compare_display(o->cmp, o->base, o->new_p, b);
    int c = 0;
    if (!o->by_file) c = fa->name == fb->name ? 0 : strcmp(fa->name, fb->name);
    if (c == 0) c = fa->file == fb->file ? 0 : strcmp(fa->file, fb->file);
    if (c == 0) c = compare_line(fa->line, fb->line);
    if (c == 0 && o->by_file) c = fa->name == fb->name ? 0 : strcmp(fa->name, fb->name);
    return o->descending ? -c : c;
}

/* True when the row in slot x of the heap (row rx, number kx) sorts
 * before the one in slot y. */
static bool before(const top_order *o, uint32_t rx, uint64_t kx, uint32_t ry, uint64_t ky)
{
    if (!o->text) return kx != ky ? kx < ky : rx < ry;
    int c = compare_text(o, rx, ry);
    return c != 0 ? c < 0 : rx < ry;
}

/* Moves slot i of the heap (rows[0..n), the worst at the root) down to its
 * place. */
/* Swaps places a and b of the heap (its rows and their numeric keys). */
static void swap_places(uint32_t *rows, uint64_t *num, size_t a, size_t b)
{
    uint32_t r = rows[a];
    rows[a] = rows[b];
    rows[b] = r;
    uint64_t k = num[a];
    num[a] = num[b];
    num[b] = k;
}

static void sift_down(const top_order *o, uint32_t *rows, size_t n, size_t i)
{
    uint64_t *num = o->num;
    for (;;) {
        size_t l = 2 * i + 1, worst = i;
        if (l < n && before(o, rows[worst], num[worst], rows[l], num[l])) worst = l;
        if (l + 1 < n && before(o, rows[worst], num[worst], rows[l + 1], num[l + 1])) worst = l + 1;
        if (worst == i) return;
        swap_places(rows, num, i, worst);
        i = worst;
    }
}

static void sift_up(const top_order *o, uint32_t *rows, size_t i)
{
    uint64_t *num = o->num;
    while (i > 0) {
        size_t up = (i - 1) / 2;
        if (!before(o, rows[up], num[up], rows[i], num[i])) return;
        swap_places(rows, num, i, up);
        i = up;
    }
}

static bool kept(const pv_compare *cmp, const unsigned char *const *hit, size_t r)
{
    if (!hit) return true;
    const pv_compare_row *row = &cmp->rows[r];
    return (row->base != PV_COMPARE_NONE && hit[0][row->base]) ||
           (row->new_ != PV_COMPARE_NONE && hit[1][row->new_]);
}

int pv_compare_top(const pv_compare *cmp, const pv_profile *base, const pv_profile *new_p,
                   pv_compare_key key, pv_compare_mode mode, bool descending,
                   const unsigned char *const *hit, size_t k, uint32_t *out, size_t *nout,
                   size_t *matched, pv_error *err)
{
    *nout = 0;
    *matched = 0;
    if (k > cmp->nrows) k = cmp->nrows;
    top_order o = {cmp,
                   base,
                   new_p,
                   key == PV_CKEY_NAME || key == PV_CKEY_FILE,
                   key == PV_CKEY_FILE,
                   descending,
                   malloc((k ? k : 1) * sizeof *o.num)};
    if (!o.num) return pv_fail(err, PV_ERR_NOMEM, -1, "out of memory");
    /* The heap is out[0..n): the best rows so far, the worst of them at
     * out[0]. */
    size_t n = 0, kept_rows = 0;
    for (size_t r = 0; r < cmp->nrows; r++) {
        if (!kept(cmp, hit, r)) continue;
        kept_rows++;
        if (k == 0) continue;
        uint64_t v = o.text ? 0 : pv_compare_row_key(cmp, base, new_p, r, key, mode, descending);
        if (n < k) {
            out[n] = (uint32_t)r;
            o.num[n] = v;
            sift_up(&o, out, n++);
        } else if (before(&o, (uint32_t)r, v, out[0], o.num[0])) {
            out[0] = (uint32_t)r;
            o.num[0] = v;
            sift_down(&o, out, n, 0);
        }
    }
    /* Heap sort: the worst goes to the end, one at a time. */
    for (size_t end = n; end > 1; end--) {
        uint32_t r = out[0];
        out[0] = out[end - 1];
        out[end - 1] = r;
        uint64_t v = o.num[0];
        o.num[0] = o.num[end - 1];
        o.num[end - 1] = v;
        sift_down(&o, out, end - 1, 0);
    }
    free(o.num);
    *nout = n;
    *matched = kept_rows;
    return 0;
}
