/* Tests of the model's builder (parser/builder.c, builder_finish.c) and
 * merging (parser/merge.c), on hand-made profiles. The arena and the id sort
 * are tested in parser_arena.c. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "arena.h"
#include "profile.h"
#include "sort.h"

static int64_t intern(pv_builder *b, const char *file, int64_t line, const char *name)
{
    pv_error err;
    int64_t id = pv_builder_intern(b, file, strlen(file), line, name, strlen(name), &err);
    assert_true(id >= 0);
    return id;
}

static void begin(pv_builder *b, int64_t id, int64_t nc, int64_t cc, double tt, double ct)
{
    pv_error err;
    assert_int_equal(pv_builder_begin_entry(b, (uint32_t)id, nc, cc, tt, ct, &err), 0);
}

static void add_caller(pv_builder *b, int64_t caller, int64_t nc, int64_t cc, double tt, double ct)
{
    pv_error err;
    assert_int_equal(pv_builder_add_caller(b, (uint32_t)caller, nc, cc, tt, ct, &err), 0);
}

static pv_profile *finish(pv_builder *b)
{
    pv_error err;
    pv_profile *p = pv_builder_finish(b, &err);
    assert_non_null(p);
    return p;
}

static const pv_edge *edge(const pv_profile *p, int64_t caller, int64_t callee)
{
    const pv_function *f = &p->functions[callee];
    for (uint32_t k = 0; k < f->ncallers; k++)
        if (p->edges[f->first_caller + k].caller == caller) return &p->edges[f->first_caller + k];
    return NULL;
}

static int64_t find(const pv_profile *p, const char *file, int64_t line, const char *name)
{
    for (uint32_t id = 0; id < p->nfunctions; id++)
        if (strcmp(p->functions[id].file, file) == 0 && p->functions[id].line == line &&
            strcmp(p->functions[id].name, name) == 0)
            return id;
    return -1;
}

/* Every edge is listed once among its callee's callers and once among its
 * caller's callees. */
static void check_inverse(const pv_profile *p)
{
    uint32_t seen = 0;
    for (uint32_t id = 0; id < p->nfunctions; id++) {
        const pv_function *f = &p->functions[id];
        for (uint32_t k = 0; k < f->ncallers; k++)
            assert_int_equal(p->edges[f->first_caller + k].callee, id);
        for (uint32_t k = 0; k < f->ncallees; k++) {
            uint32_t e = p->callee_edges[f->first_callee + k];
            assert_true(e < p->nedges);
            assert_int_equal(p->edges[e].caller, id);
            seen++;
        }
    }
    assert_int_equal(seen, p->nedges);
}

/* ---- builder ---- */

static void builder_gives_ids_in_order_of_first_appearance(void **state)
{
    pv_builder *b = pv_builder_new();
    assert_non_null(b);
    assert_int_equal(intern(b, "a.py", 1, "f"), 0);
    assert_int_equal(intern(b, "a.py", 2, "f"), 1); /* another line */
    assert_int_equal(intern(b, "b.py", 1, "f"), 2); /* another file */
    assert_int_equal(intern(b, "a.py", 1, "g"), 3); /* another name */
    assert_int_equal(intern(b, "a.py", 1, "f"), 0);
    assert_int_equal(intern(b, "b.py", 1, "f"), 2);
    /* Names that are prefixes of one another are different functions. */
    assert_int_equal(intern(b, "a.py", 1, "ff"), 4);
    pv_error err;
    const char *file = pv_builder_intern_file(b, "a.py", 4, &err);
    assert_non_null(file);
    assert_ptr_equal(file, pv_builder_intern_file(b, "a.py", 4, &err));
    assert_int_equal(pv_builder_intern_in_file(b, file, 2, "f", 1, &err), 1);
    assert_int_equal(pv_builder_intern_in_file(b, file, 3, "f", 1, &err), 5);
    pv_profile *p = finish(b);
    assert_int_equal(p->nfunctions, 6);
    assert_string_equal(p->functions[2].file, "b.py");
    assert_ptr_equal(p->functions[0].file, p->functions[1].file);
    for (uint32_t id = 0; id < p->nfunctions; id++)
        assert_false(p->functions[id].listed);
    pv_profile_free(p);
}

static void builder_interns_many_functions_through_table_growth(void **state)
{
    pv_builder *b = pv_builder_new();
    char name[32], file[32];
    for (int k = 0; k < 5000; k++) {
        snprintf(name, sizeof name, "f%d", k);
        snprintf(file, sizeof file, "m%d.py", k % 700);
        assert_int_equal(intern(b, file, k, name), k);
    }
    for (int k = 4999; k >= 0; k -= 7) {
        snprintf(name, sizeof name, "f%d", k);
        snprintf(file, sizeof file, "m%d.py", k % 700);
        assert_int_equal(intern(b, file, k, name), k);
    }
    pv_profile *p = finish(b);
    assert_int_equal(p->nfunctions, 5000);
    assert_string_equal(p->functions[4321].name, "f4321");
    assert_string_equal(p->functions[4321].file, "m121.py");
    pv_profile_free(p);
}

static void builder_repeated_entry_replaces_the_earlier_one_and_its_callers(void **state)
{
    pv_builder *b = pv_builder_new();
    int64_t main_ = intern(b, "a.py", 1, "main"), other = intern(b, "a.py", 2, "other"),
            f = intern(b, "a.py", 3, "f");
    begin(b, main_, 1, 1, 0.5, 3.0);
    begin(b, f, 2, 2, 0.25, 0.5);
    add_caller(b, main_, 2, 2, 0.25, 0.5);
    begin(b, other, 1, 1, 0.5, 1.0);
    add_caller(b, main_, 1, 1, 0.5, 1.0);
    begin(b, f, 9, 8, 0.75, 1.5); /* replaces f's entry */
    add_caller(b, other, 9, 8, 0.75, 1.5);
    pv_profile *p = finish(b);
    assert_int_equal(p->nedges, 2);
    assert_int_equal(p->functions[f].ncalls, 9);
    assert_int_equal(p->functions[f].pcalls, 8);
    assert_int_equal(p->functions[f].ncallers, 1);
    assert_null(edge(p, main_, f));
    assert_non_null(edge(p, other, f));
    assert_non_null(edge(p, main_, other));
    assert_int_equal(p->functions[main_].ncallees, 1);
    assert_int_equal(p->total_calls, 11);
    assert_true(p->total_time == 1.75);
    check_inverse(p);
    pv_profile_free(p);
}

static void builder_repeated_caller_in_one_entry_last_wins(void **state)
{
    pv_builder *b = pv_builder_new();
    int64_t main_ = intern(b, "a.py", 1, "main"), f = intern(b, "a.py", 3, "f");
    begin(b, main_, 1, 1, 0.5, 1.0);
    begin(b, f, 3, 3, 0.25, 0.5);
    add_caller(b, main_, 1, 1, 0.1, 0.1);
    add_caller(b, main_, 3, 3, 0.25, 0.5);
    pv_profile *p = finish(b);
    assert_int_equal(p->nedges, 1);
    const pv_edge *e = edge(p, main_, f);
    assert_int_equal(e->ncalls, 3);
    assert_true(e->cumtime == 0.5);
    pv_profile_free(p);
}

static void builder_inverts_callers_into_callees(void **state)
{
    pv_builder *b = pv_builder_new();
    int64_t a = intern(b, "m.py", 1, "a"), x = intern(b, "m.py", 2, "x"),
            y = intern(b, "m.py", 3, "y"), z = intern(b, "m.py", 4, "z");
    begin(b, a, 1, 1, 0, 1);
    begin(b, x, 1, 1, 0, 1);
    add_caller(b, a, 1, 1, 0, 1);
    begin(b, y, 2, 2, 0, 1);
    add_caller(b, a, 1, 1, 0, 0.5);
    add_caller(b, x, 1, 1, 0, 0.5);
    begin(b, z, 1, 1, 0, 1);
    add_caller(b, y, 1, 1, 0, 1);
    pv_profile *p = finish(b);
    assert_int_equal(p->functions[a].ncallees, 2);
    assert_int_equal(p->functions[x].ncallees, 1);
    assert_int_equal(p->functions[y].ncallees, 1);
    assert_int_equal(p->functions[z].ncallees, 0);
    assert_int_equal(p->functions[y].ncallers, 2);
    check_inverse(p);
    pv_profile_free(p);
}

static void builder_finds_roots_and_orders_them_by_cumulative_time(void **state)
{
    pv_builder *b = pv_builder_new();
    int64_t small = intern(b, "m.py", 1, "small"), big = intern(b, "m.py", 2, "big"),
            shared = intern(b, "m.py", 3, "shared"), inner = intern(b, "m.py", 4, "inner"),
            unlisted = intern(b, "m.py", 5, "unlisted");
    begin(b, small, 1, 1, 0.1, 0.5);  /* no callers */
    begin(b, big, 1, 1, 0.1, 9.0);    /* no callers */
    begin(b, shared, 5, 5, 0.1, 2.0); /* 5 calls, 2 accounted for */
    add_caller(b, big, 2, 2, 0.1, 1.0);
    begin(b, inner, 2, 2, 0.1, 0.2); /* all calls from shared */
    add_caller(b, shared, 2, 2, 0.1, 0.2);
    begin(b, small, 1, 1, 0.1, 0.5); /* its callers: an unlisted function */
    add_caller(b, unlisted, 1, 1, 0.1, 0.5);
    pv_profile *p = finish(b);
    /* big (9.0), shared (2.0), unlisted (0: it has no callers) */
    assert_int_equal(p->nroots, 3);
    assert_int_equal(p->roots[0], big);
    assert_int_equal(p->roots[1], shared);
    assert_int_equal(p->roots[2], unlisted);
    assert_int_equal(p->functions[shared].external_calls, 3);
    assert_false(p->functions[inner].is_root);
    assert_false(p->functions[small].is_root);
    assert_false(p->functions[unlisted].listed);
    pv_profile_free(p);
}

static void builder_roots_tie_on_cumulative_time_in_id_order(void **state)
{
    pv_builder *b = pv_builder_new();
    for (int k = 0; k < 10; k++) {
        char name[8];
        snprintf(name, sizeof name, "f%d", k);
        begin(b, intern(b, "m.py", k, name), 1, 1, 0, k % 2 ? 1.0 : 2.0);
    }
    pv_profile *p = finish(b);
    assert_int_equal(p->nroots, 10);
    static const uint32_t want[] = {0, 2, 4, 6, 8, 1, 3, 5, 7, 9};
    for (int k = 0; k < 10; k++)
        assert_int_equal(p->roots[k], want[k]);
    pv_profile_free(p);
}

static void builder_totals_count_listed_functions_only(void **state)
{
    pv_builder *b = pv_builder_new();
    int64_t f = intern(b, "m.py", 1, "f"), g = intern(b, "m.py", 2, "g"),
            ghost = intern(b, "m.py", 3, "ghost");
    begin(b, f, 5, 2, 0.5, 1.0);
    begin(b, g, 3, 3, 0.25, 0.25);
    add_caller(b, ghost, 3, 3, 0.25, 0.25);
    pv_profile *p = finish(b);
    assert_int_equal(p->total_calls, 8);
    assert_int_equal(p->primitive_calls, 5);
    assert_true(p->total_time == 0.75);
    pv_profile_free(p);
}

static void builder_saturates_hostile_caller_counts(void **state)
{
    pv_builder *b = pv_builder_new();
    int64_t a = intern(b, "m.py", 1, "a"), c = intern(b, "m.py", 2, "c"),
            f = intern(b, "m.py", 3, "f");
    begin(b, f, 10, 10, 0, 0);
    add_caller(b, a, INT64_MAX, INT64_MAX, 0, 0);
    add_caller(b, c, INT64_MAX, INT64_MAX, 0, 0);
    pv_profile *p = finish(b);
    assert_int_equal(p->functions[f].external_calls, 0);
    assert_false(p->functions[f].is_root);
    pv_profile_free(p);
}

static void builder_saturates_hostile_totals(void **state)
{
    pv_builder *b = pv_builder_new();
    int64_t f = intern(b, "m.py", 1, "f"), g = intern(b, "m.py", 2, "g"),
            h = intern(b, "m.py", 3, "h");
    begin(b, f, INT64_MAX, INT64_MAX, 0, 0);
    begin(b, g, INT64_MAX, 1, 0, 0);
    begin(b, h, 5, INT64_MAX, 0, 0);
    pv_profile *p = finish(b);
    assert_true(p->total_calls == INT64_MAX);
    assert_true(p->primitive_calls == INT64_MAX);
    assert_true(p->functions[g].ncalls == INT64_MAX);
    pv_profile_free(p);
}

static void count_add_saturates_both_ways(void **state)
{
    assert_true(pv_count_add(INT64_MAX, 1) == INT64_MAX);
    assert_true(pv_count_add(INT64_MAX, INT64_MAX) == INT64_MAX);
    assert_true(pv_count_add(1, INT64_MAX) == INT64_MAX);
    assert_true(pv_count_add(INT64_MIN, -1) == INT64_MIN);
    assert_true(pv_count_add(INT64_MAX, -1) == INT64_MAX - 1);
    assert_true(pv_count_add(2, 3) == 5);
}

static void builder_refuses_names_with_a_nul_byte(void **state)
{
    pv_builder *b = pv_builder_new();
    pv_error err;
    assert_int_equal(pv_builder_intern(b, "m.py", 4, 1, "f\0x", 3, &err), -1);
    assert_int_equal(err.kind, PV_ERR_ARGUMENT);
    assert_string_equal(err.message, "a function name holds a NUL byte");
    assert_int_equal(pv_builder_intern(b, "m\0.py", 5, 1, "f", 1, &err), -1);
    assert_int_equal(err.kind, PV_ERR_ARGUMENT);
    assert_true(intern(b, "m.py", 1, "f") == 0);
    pv_builder_free(b);
}

static void builder_refuses_entries_and_callers_it_cannot_place(void **state)
{
    pv_builder *b = pv_builder_new();
    pv_error err;
    int64_t f = intern(b, "m.py", 1, "f");
    assert_int_equal(pv_builder_add_caller(b, (uint32_t)f, 1, 1, 0, 0, &err), -1);
    assert_string_equal(err.message, "caller added outside an entry");
    assert_int_equal(err.kind, PV_ERR_ARGUMENT);
    assert_int_equal(pv_builder_begin_entry(b, 7, 1, 1, 0, 0, &err), -1);
    assert_string_equal(err.message, "entry for unknown function id 7");
    begin(b, f, 1, 1, 0, 0);
    assert_int_equal(pv_builder_add_caller(b, 9, 1, 1, 0, 0, &err), -1);
    assert_string_equal(err.message, "caller with unknown function id 9");
    pv_builder_free(b); /* unfinished: frees everything (ASan checks) */
    pv_builder_free(NULL);
    pv_profile_free(NULL);
}

static void builder_makes_an_empty_profile(void **state)
{
    pv_profile *p = finish(pv_builder_new());
    assert_int_equal(p->nfunctions, 0);
    assert_int_equal(p->nedges, 0);
    assert_int_equal(p->nroots, 0);
    assert_int_equal(p->total_calls, 0);
    assert_true(p->total_time == 0);
    pv_profile_free(p);
}

/* ---- merge ---- */

typedef struct part_fn {
    const char *name;
    int64_t nc, cc;
    double tt, ct;
} part_fn;

typedef struct part_edge {
    const char *caller, *callee;
    int64_t nc, cc;
    double tt, ct; /* NAN: count only */
} part_edge;

/* A profile of functions in "m.py" at line 1, named as given. */
static pv_profile *make_part(const part_fn *fns, size_t nfns, const part_edge *edges, size_t nedges)
{
    pv_builder *b = pv_builder_new();
    for (size_t i = 0; i < nfns; i++) {
        int64_t id = intern(b, "m.py", 1, fns[i].name);
        begin(b, id, fns[i].nc, fns[i].cc, fns[i].tt, fns[i].ct);
        for (size_t k = 0; k < nedges; k++)
            if (strcmp(edges[k].callee, fns[i].name) == 0)
                add_caller(b, intern(b, "m.py", 1, edges[k].caller), edges[k].nc, edges[k].cc,
                           edges[k].tt, edges[k].ct);
    }
    return finish(b);
}

#define PART(fns, edges)                                                                           \
    make_part(fns, sizeof fns / sizeof fns[0], edges, sizeof edges / sizeof edges[0])

static pv_profile *merge2(const pv_profile *a, const pv_profile *b)
{
    const pv_profile *parts[] = {a, b};
    pv_error err;
    pv_profile *m = pv_profile_merge(parts, 2, &err);
    assert_non_null(m);
    check_inverse(m);
    return m;
}

static void merge_adds_the_numbers_of_the_same_function_and_edge(void **state)
{
    static const part_fn fa[] = {{"main", 1, 1, 0.5, 2.0}, {"f", 3, 2, 0.25, 1.0}};
    static const part_edge ea[] = {{"main", "f", 3, 2, 0.25, 1.0}};
    static const part_fn fb[] = {{"f", 4, 4, 0.5, 0.75}, {"main", 1, 1, 0.125, 1.0}};
    static const part_edge eb[] = {{"main", "f", 4, 4, 0.5, 0.75}};
    pv_profile *a = PART(fa, ea), *b = PART(fb, eb);
    pv_profile *m = merge2(a, b);
    assert_int_equal(m->nfunctions, 2);
    int64_t main_ = find(m, "m.py", 1, "main"), f = find(m, "m.py", 1, "f");
    assert_int_equal(main_, 0); /* first appearance across the parts */
    assert_int_equal(f, 1);
    assert_int_equal(m->functions[f].ncalls, 7);
    assert_int_equal(m->functions[f].pcalls, 6);
    assert_true(m->functions[f].tottime == 0.75);
    assert_true(m->functions[f].cumtime == 1.75);
    assert_true(m->functions[main_].cumtime == 3.0);
    const pv_edge *e = edge(m, main_, f);
    assert_non_null(e);
    assert_int_equal(e->ncalls, 7);
    assert_int_equal(e->pcalls, 6);
    assert_true(e->tottime == 0.75 && e->cumtime == 1.75);
    assert_int_equal(m->nedges, 1);
    assert_int_equal(m->total_calls, 9);
    assert_true(m->total_time == a->total_time + b->total_time);
    /* The parts are left as they were. */
    assert_int_equal(a->functions[1].ncalls, 3);
    pv_profile_free(m);
    pv_profile_free(a);
    pv_profile_free(b);
}

static void merge_adds_count_only_edges(void **state)
{
    static const part_fn fa[] = {{"main", 1, 1, 0, 1}, {"f", 3, 3, 0, 1}};
    static const part_edge ea[] = {{"main", "f", 3, 3, NAN, NAN}};
    static const part_fn fb[] = {{"main", 1, 1, 0, 1}, {"f", 2, 2, 0, 1}};
    static const part_edge eb[] = {{"main", "f", 2, 2, NAN, NAN}};
    pv_profile *a = PART(fa, ea), *b = PART(fb, eb);
    pv_profile *m = merge2(a, b);
    const pv_edge *e = edge(m, 0, 1);
    assert_non_null(e);
    assert_int_equal(e->ncalls, 5);
    assert_int_equal(e->pcalls, 5);
    assert_false(pv_edge_has_times(e));
    pv_profile_free(m);
    pv_profile_free(a);
    pv_profile_free(b);
}

static void merge_of_timed_and_count_only_edges_keeps_the_times(void **state)
{
    static const part_fn fa[] = {{"main", 1, 1, 0, 1}, {"f", 3, 3, 0, 1}};
    static const part_edge ea[] = {{"main", "f", 3, 3, 0.25, 0.5}};
    static const part_fn fb[] = {{"main", 1, 1, 0, 1}, {"f", 2, 2, 0, 1}};
    static const part_edge eb[] = {{"main", "f", 2, 2, NAN, NAN}};
    pv_profile *a = PART(fa, ea), *b = PART(fb, eb);
    pv_profile *m = merge2(a, b);
    const pv_edge *e = edge(m, 0, 1);
    assert_non_null(e);
    assert_int_equal(e->ncalls, 5);
    assert_true(pv_edge_has_times(e));
    assert_true(e->tottime == 0.25 && e->cumtime == 0.5);
    pv_profile_free(m);
    /* The other way round too. */
    m = merge2(b, a);
    e = edge(m, 0, 1);
    assert_true(e->tottime == 0.25 && e->cumtime == 0.5);
    pv_profile_free(m);
    pv_profile_free(a);
    pv_profile_free(b);
}

static void merge_keeps_distinct_functions_and_edges_apart(void **state)
{
    static const part_fn fa[] = {{"main", 1, 1, 0, 1}, {"f", 1, 1, 0, 1}};
    static const part_edge ea[] = {{"main", "f", 1, 1, 0, 1}};
    static const part_fn fb[] = {{"run", 1, 1, 0, 1}, {"f", 1, 1, 0, 1}, {"g", 1, 1, 0, 1}};
    static const part_edge eb[] = {{"run", "f", 1, 1, 0, 1}, {"f", "g", 1, 1, 0, 1}};
    pv_profile *a = PART(fa, ea), *b = PART(fb, eb);
    pv_profile *m = merge2(a, b);
    assert_int_equal(m->nfunctions, 4);
    assert_int_equal(find(m, "m.py", 1, "run"), 2);
    assert_int_equal(find(m, "m.py", 1, "g"), 3);
    int64_t f = find(m, "m.py", 1, "f");
    assert_int_equal(m->functions[f].ncalls, 2);
    assert_int_equal(m->functions[f].ncallers, 2);
    assert_int_equal(m->functions[f].ncallees, 1);
    assert_int_equal(m->nedges, 3);
    pv_profile_free(m);
    pv_profile_free(a);
    pv_profile_free(b);
}

static void merge_leaves_caller_only_functions_unlisted(void **state)
{
    static const part_fn fa[] = {{"f", 1, 1, 0, 1}};
    static const part_edge ea[] = {{"ghost", "f", 1, 1, 0, 1}};
    pv_profile *a = PART(fa, ea), *b = PART(fa, ea);
    pv_profile *m = merge2(a, b);
    int64_t ghost = find(m, "m.py", 1, "ghost");
    assert_true(ghost >= 0);
    assert_false(m->functions[ghost].listed);
    assert_int_equal(m->functions[ghost].ncalls, 0);
    assert_int_equal(edge(m, ghost, find(m, "m.py", 1, "f"))->ncalls, 2);
    assert_int_equal(m->total_calls, 2);
    pv_profile_free(m);
    pv_profile_free(a);
    pv_profile_free(b);
}

static void merge_saturates_hostile_counts(void **state)
{
    static const part_fn fns[] = {{"main", INT64_MAX, INT64_MAX, 1.0, 2.0},
                                  {"f", INT64_MAX - 1, INT64_MAX, 0.5, 1.0}};
    static const part_edge edges[] = {{"main", "f", INT64_MAX, INT64_MAX, 0.5, 1.0}};
    pv_profile *a = PART(fns, edges), *b = PART(fns, edges);
    pv_profile *m = merge2(a, b);
    int64_t main_id = find(m, "m.py", 1, "main"), f = find(m, "m.py", 1, "f");
    assert_true(m->functions[main_id].ncalls == INT64_MAX);
    assert_true(m->functions[main_id].pcalls == INT64_MAX);
    assert_true(m->functions[f].ncalls == INT64_MAX);
    const pv_edge *e = edge(m, main_id, f);
    assert_non_null(e);
    assert_true(e->ncalls == INT64_MAX && e->pcalls == INT64_MAX);
    assert_true(e->cumtime == 2.0);
    assert_true(m->total_calls == INT64_MAX);
    pv_profile_free(m);
    pv_profile_free(a);
    pv_profile_free(b);
}

static void merge_of_one_or_no_parts(void **state)
{
    static const part_fn fa[] = {{"main", 1, 1, 0.5, 1}, {"f", 3, 2, 0.25, 1}};
    static const part_edge ea[] = {{"main", "f", 3, 2, 0.25, 1}};
    pv_profile *a = PART(fa, ea);
    const pv_profile *parts[] = {a};
    pv_error err;
    pv_profile *m = pv_profile_merge(parts, 1, &err);
    assert_non_null(m);
    assert_int_equal(m->nfunctions, a->nfunctions);
    assert_int_equal(m->nedges, a->nedges);
    assert_int_equal(m->total_calls, a->total_calls);
    assert_true(m->total_time == a->total_time);
    pv_profile_free(m);
    m = pv_profile_merge(NULL, 0, &err);
    assert_non_null(m);
    assert_int_equal(m->nfunctions, 0);
    pv_profile_free(m);
    pv_profile_free(a);
}

/* ---- arena ---- */

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(builder_gives_ids_in_order_of_first_appearance),
        cmocka_unit_test(builder_interns_many_functions_through_table_growth),
        cmocka_unit_test(builder_repeated_entry_replaces_the_earlier_one_and_its_callers),
        cmocka_unit_test(builder_repeated_caller_in_one_entry_last_wins),
        cmocka_unit_test(builder_inverts_callers_into_callees),
        cmocka_unit_test(builder_finds_roots_and_orders_them_by_cumulative_time),
        cmocka_unit_test(builder_roots_tie_on_cumulative_time_in_id_order),
        cmocka_unit_test(builder_totals_count_listed_functions_only),
        cmocka_unit_test(builder_saturates_hostile_caller_counts),
        cmocka_unit_test(builder_refuses_entries_and_callers_it_cannot_place),
        cmocka_unit_test(builder_makes_an_empty_profile),
        cmocka_unit_test(merge_adds_the_numbers_of_the_same_function_and_edge),
        cmocka_unit_test(merge_adds_count_only_edges),
        cmocka_unit_test(merge_of_timed_and_count_only_edges_keeps_the_times),
        cmocka_unit_test(merge_keeps_distinct_functions_and_edges_apart),
        cmocka_unit_test(merge_leaves_caller_only_functions_unlisted),
        cmocka_unit_test(merge_of_one_or_no_parts),
        cmocka_unit_test(merge_saturates_hostile_counts),
        cmocka_unit_test(builder_saturates_hostile_totals),
        cmocka_unit_test(count_add_saturates_both_ways),
        cmocka_unit_test(builder_refuses_names_with_a_nul_byte),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
