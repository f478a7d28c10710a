/* Tests of a comparison's sort orders on random profiles (parser/
 * compare_values.c, compare_top.c): the four text orders against qsort with
 * the table's rules (name, file, line, row; descending keeps tied rows in
 * ascending row order), the name orders ready before the file orders are
 * made, and the first rows found without a sort (pv_compare_top) against
 * the head of the whole sort, for every key, mode and direction, with and
 * without a filter. The profiles share names, files and lines in many ways,
 * hold equal numbers (ties) and zeros (NAN ratios), and functions only in
 * one of them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "compare.h"
#include "profile.h"

static unsigned next_random(unsigned *seed)
{
    *seed = *seed * 1103515245u + 12345u;
    return (*seed >> 16) & 0x7fff;
}

static const char *const names[] = {"<module>", "__init__", "run",       "run_",     "a",
                                    "ab",       "abc",      "Zeta",      "zeta",     "_x",
                                    "helper",   "helper_2", "\xc3\xa9t", "<lambda>", "get"};
static const char *const files[] = {"/srv/app/a.py",  "/srv/app/b.py", "/srv/app/sub/a.py", "~",
                                    "/srv/app/a.pyc", "/srv/app/z.py", "/srv/app/A.py"};

/* A profile of n random functions (keys drawn until n distinct ones); when
 * from is given, most keys are its own (some moved a line), so that the two
 * compare with matched rows and rows only on one side. */
static pv_profile *random_profile(size_t n, unsigned *seed, const pv_profile *from)
{
    pv_error err;
    pv_builder *b = pv_builder_new();
    assert_non_null(b);
    size_t count = 0;
    while (count < n) {
        const char *file = files[next_random(seed) % (sizeof files / sizeof *files)];
        const char *name = names[next_random(seed) % (sizeof names / sizeof *names)];
        int64_t line = (int64_t)(next_random(seed) % 40);
        if (from && next_random(seed) % 4 != 0) {
            const pv_function *f = &from->functions[next_random(seed) % from->nfunctions];
            file = f->file;
            name = f->name;
            line = f->line + (next_random(seed) % 5 == 0 ? 3 : 0);
        }
        int64_t id = pv_builder_intern(b, file, strlen(file), line, name, strlen(name), &err);
        assert_true(id >= 0);
        if ((size_t)id == count) count++; /* else a key drawn before */
    }
    for (size_t i = 0; i < n; i++) {
        int64_t calls = (int64_t)(next_random(seed) % 4);
        double tt = (double)(next_random(seed) % 5) * 0.25, ct = tt + (next_random(seed) % 3);
        assert_int_equal(pv_builder_begin_entry(b, (uint32_t)i, calls, calls, tt, ct, &err), 0);
    }
    pv_profile *p = pv_builder_finish(b, &err);
    assert_non_null(p);
    return p;
}

typedef struct pair {
    pv_profile *base, *new_p;
    pv_compare *cmp;
} pair;

static pair random_pair(size_t n, unsigned seed)
{
    pair p;
    p.base = random_profile(n, &seed, NULL);
    p.new_p = random_profile(n, &seed, p.base);
    pv_error err;
    assert_int_equal(pv_compare_build(p.base, p.new_p, &p.cmp, &err), 0);
    return p;
}

static void pair_free(pair *p)
{
    pv_compare_free(p->cmp);
    pv_profile_free(p->base);
    pv_profile_free(p->new_p);
}

/* ---- The text orders against qsort ---------------------------------------- */

static const pair *ref_pair;
static bool ref_by_file, ref_desc;

static int compare_line(int64_t a, int64_t b)
{
    return (a > b) - (a < b);
}

/* The table's rules, written out: name, file, line (or file, line, name),
 * reversed when descending, then the row ascending either way. */
static int reference_compare(const void *pa, const void *pb)
{
    uint32_t a = *(const uint32_t *)pa, b = *(const uint32_t *)pb;
    const pair *p = ref_pair;
    const pv_function *fa = pv_compare_display(p->cmp, p->base, p->new_p, a);
    const pv_function *fb = pv_compare_display(p->cmp, p->base, p->new_p, b);
    int c = ref_by_file ? strcmp(fa->file, fb->file) : strcmp(fa->name, fb->name);
    if (c == 0) c = ref_by_file ? compare_line(fa->line, fb->line) : strcmp(fa->file, fb->file);
    if (c == 0) c = ref_by_file ? strcmp(fa->name, fb->name) : compare_line(fa->line, fb->line);
    if (ref_desc) c = -c;
    return c ? c : (a > b) - (a < b);
}

static uint32_t *reference_order(const pair *p, bool by_file, bool desc)
{
    size_t n = p->cmp->nrows;
    uint32_t *order = malloc((n ? n : 1) * sizeof *order);
    assert_non_null(order);
    for (size_t r = 0; r < n; r++)
        order[r] = (uint32_t)r;
    ref_pair = p;
    ref_by_file = by_file;
    ref_desc = desc;
    qsort(order, n, sizeof *order, reference_compare);
    return order;
}

typedef struct names_check {
    const pv_compare_text_orders *to;
    const uint32_t *want_asc, *want_desc;
    size_t n;
    int calls;
} names_check;

/* At names_done: both name orders are final, the file orders untouched. */
static void check_names_done(void *arg)
{
    names_check *nc = arg;
    nc->calls++;
    assert_memory_equal(nc->to->name_asc, nc->want_asc, nc->n * sizeof *nc->want_asc);
    assert_memory_equal(nc->to->name_desc, nc->want_desc, nc->n * sizeof *nc->want_desc);
    for (size_t i = 0; i < nc->n; i++) {
        assert_int_equal(nc->to->file_asc[i], UINT32_MAX);
        assert_int_equal(nc->to->file_desc[i], UINT32_MAX);
    }
}

static void text_orders_match_qsort_and_names_come_first(void **state)
{
    (void)state;
    static const size_t sizes[] = {1, 2, 30, 400, 3000};
    for (size_t s = 0; s < sizeof sizes / sizeof *sizes; s++) {
        pair p = random_pair(sizes[s], 11u + (unsigned)s);
        size_t n = p.cmp->nrows;
        uint32_t *want[2][2];
        for (int f = 0; f < 2; f++)
            for (int d = 0; d < 2; d++)
                want[f][d] = reference_order(&p, f, d);
        uint32_t *got[2][2];
        for (int f = 0; f < 2; f++)
            for (int d = 0; d < 2; d++) {
                got[f][d] = malloc(n * sizeof(uint32_t));
                assert_non_null(got[f][d]);
                memset(got[f][d], 0xff, n * sizeof(uint32_t));
            }
        pv_compare_text_orders to = {got[0][0], got[0][1], got[1][0], got[1][1], NULL, NULL};
        names_check nc = {&to, want[0][0], want[0][1], n, 0};
        to.names_done = check_names_done;
        to.arg = &nc;
        pv_error err;
        assert_int_equal(pv_compare_sort_text_orders(p.cmp, p.base, p.new_p, &to, &err), 0);
        assert_int_equal(nc.calls, 1);
        for (int f = 0; f < 2; f++)
            for (int d = 0; d < 2; d++) {
                assert_memory_equal(got[f][d], want[f][d], n * sizeof(uint32_t));
                /* and one at a time, as pv_compare_sort makes them */
                memset(got[f][d], 0xff, n * sizeof(uint32_t));
                assert_int_equal(pv_compare_sort(p.cmp, p.base, p.new_p,
                                                 f ? PV_CKEY_FILE : PV_CKEY_NAME,
                                                 PV_COMPARE_ABSOLUTE, d, got[f][d], &err),
                                 0);
                assert_memory_equal(got[f][d], want[f][d], n * sizeof(uint32_t));
                free(got[f][d]);
                free(want[f][d]);
            }
        pair_free(&p);
    }
}

/* ---- The first rows without a sort ------------------------------------------ */

static bool row_kept(const pv_compare *cmp, unsigned char *const *hit, uint32_t r)
{
    const pv_compare_row *row = &cmp->rows[r];
    return !hit || (row->base != PV_COMPARE_NONE && hit[0][row->base]) ||
           (row->new_ != PV_COMPARE_NONE && hit[1][row->new_]);
}

static void check_top(const pair *p, pv_compare_key key, pv_compare_mode mode, bool desc,
                      unsigned char *const *hit)
{
    size_t n = p->cmp->nrows;
    uint32_t *full = malloc(n * sizeof *full), *kept = malloc(n * sizeof *kept);
    uint32_t *got = malloc((n + 8) * sizeof *got);
    assert_true(full && kept && got);
    pv_error err;
    assert_int_equal(pv_compare_sort(p->cmp, p->base, p->new_p, key, mode, desc, full, &err), 0);
    size_t nkept = 0;
    for (size_t i = 0; i < n; i++)
        if (row_kept(p->cmp, hit, full[i])) kept[nkept++] = full[i];
    const size_t ks[] = {0, 1, 2, 7, 100, n / 2, n, n + 8};
    for (size_t i = 0; i < sizeof ks / sizeof *ks; i++) {
        size_t nout = 99, matched = 99;
        memset(got, 0xff, (n + 8) * sizeof *got);
        assert_int_equal(pv_compare_top(p->cmp, p->base, p->new_p, key, mode, desc,
                                        (const unsigned char *const *)hit, ks[i], got, &nout,
                                        &matched, &err),
                         0);
        assert_int_equal(matched, nkept);
        assert_int_equal(nout, ks[i] < nkept ? ks[i] : nkept);
        if (nout) assert_memory_equal(got, kept, nout * sizeof *got);
    }
    free(full);
    free(kept);
    free(got);
}

static void top_rows_are_the_head_of_the_sort(void **state)
{
    (void)state;
    static const size_t sizes[] = {1, 3, 40, 2500};
    for (size_t s = 0; s < sizeof sizes / sizeof *sizes; s++) {
        unsigned seed = 3u + (unsigned)s;
        pair p = random_pair(sizes[s], seed);
        unsigned char *hit[2] = {calloc(p.base->nfunctions, 1), calloc(p.new_p->nfunctions, 1)};
        assert_true(hit[0] && hit[1]);
        for (uint32_t i = 0; i < p.base->nfunctions; i++)
            hit[0][i] = next_random(&seed) % 3 == 0;
        for (uint32_t i = 0; i < p.new_p->nfunctions; i++)
            hit[1][i] = next_random(&seed) % 4 == 0;
        for (int key = 0; key < PV_CKEY_COUNT; key++)
            for (int mode = 0; mode < 2; mode++)
                for (int desc = 0; desc < 2; desc++) {
                    check_top(&p, (pv_compare_key)key, (pv_compare_mode)mode, desc, NULL);
                    check_top(&p, (pv_compare_key)key, (pv_compare_mode)mode, desc, hit);
                }
        free(hit[0]);
        free(hit[1]);
        pair_free(&p);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(text_orders_match_qsort_and_names_come_first),
        cmocka_unit_test(top_rows_are_the_head_of_the_sort),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
