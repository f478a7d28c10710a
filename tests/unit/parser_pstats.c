/* Tests of the stats reader (parser/pstats.c) on real files: the tiny
 * fixtures against the totals pstats prints, every golden fixture, ids that
 * are the same on every load, and loading without edges. The rules of the
 * format on hand-made dicts are in parser_pstats_rules.c, files that are not
 * profiles in parser_pstats_sniff.c, hostile input in parser_pstats_errors.c
 * (the stats dict's shape and numbers) and parser_pstats_damage.c (the bytes
 * under it). */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pstats.h"

#include "stats_dict.h"

/* ---- real files ---- */

static void pstats_reads_the_tiny_fixtures_with_the_totals_pstats_prints(void **state)
{
    pv_profile *p = load("tiny-cprofile-py313.prof");
    assert_int_equal(p->nfunctions, 9);
    assert_int_equal(p->total_calls, 17);
    assert_int_equal(p->primitive_calls, 17);
    int64_t leaf = find(p, "tiny.py", 2, "leaf"), mid = find(p, "tiny.py", 6, "mid");
    assert_true(leaf >= 0 && mid >= 0);
    assert_int_equal(p->functions[leaf].ncalls, 5);
    assert_true(p->functions[leaf].listed);
    assert_non_null(edge(p, mid, leaf));
    pv_profile_free(p);

    p = load("tiny-cprofile-py27.prof");
    assert_int_equal(p->nfunctions, 9);
    assert_int_equal(p->total_calls, 18);
    assert_true(find(p, "~", 0, "<sorted>") >= 0);
    pv_profile_free(p);

    /* The profile module: int caller counts, and a code object named <module>. */
    p = load("tiny-profile-py313.prof");
    assert_int_equal(p->nfunctions, 11);
    assert_int_equal(p->total_calls, 18);
    int64_t module = find(p, "profile", 0, "<module>"), exec = find(p, "", 0, "exec");
    assert_true(module >= 0 && exec >= 0);
    const pv_edge *e = edge(p, module, exec);
    assert_non_null(e);
    assert_false(pv_edge_has_times(e));
    assert_int_equal(e->ncalls, 1);
    assert_int_equal(e->pcalls, 1);
    pv_profile_free(p);
}

static void load_and_check(const char *name, void *context)
{
    (void)context;
    pv_profile *p = load(name);
    assert_true(p->nroots <= p->nfunctions);
    pv_profile_free(p);
}

static void pstats_reads_every_golden_fixture(void **state)
{
    assert_true(for_each_golden(load_and_check, NULL) >= 40);
}

static void pstats_ids_are_the_same_on_every_load(void **state)
{
    pv_profile *a = load("cprofile-py313.prof"), *b = load("cprofile-py313.prof");
    assert_int_equal(a->nfunctions, b->nfunctions);
    assert_int_equal(a->nedges, b->nedges);
    for (uint32_t id = 0; id < a->nfunctions; id++) {
        assert_string_equal(a->functions[id].file, b->functions[id].file);
        assert_string_equal(a->functions[id].name, b->functions[id].name);
        assert_int_equal(a->functions[id].line, b->functions[id].line);
        assert_int_equal(a->functions[id].ncalls, b->functions[id].ncalls);
    }
    for (uint32_t k = 0; k < a->nedges; k++) {
        assert_int_equal(a->edges[k].caller, b->edges[k].caller);
        assert_int_equal(a->edges[k].callee, b->edges[k].callee);
    }
    pv_profile_free(a);
    pv_profile_free(b);
}

/* ---- loading without edges ---- */

static void pstats_without_edges_keeps_every_function_and_total(void **state)
{
    (void)state;
    const char *names[] = {"cprofile-py313.prof", "profile-py27.prof", "merged-py313.prof",
                           "missing-caller-py313.prof"};
    for (size_t k = 0; k < sizeof names / sizeof names[0]; k++) {
        pv_profile *full = load(names[k]), *lean = NULL;
        char path[1024];
        snprintf(path, sizeof path, "%s/tests/golden/%s", PROFVIZ_SOURCE_DIR, names[k]);
        pv_error err = {0};
        assert_int_equal(load_file_with(path, PV_LOAD_NO_EDGES, &lean, &err), 0);
        assert_true(full->has_edges);
        assert_false(lean->has_edges);
        assert_int_equal(lean->nedges, 0);
        assert_int_equal(lean->nroots, 0);
        assert_int_equal(lean->nfunctions, full->nfunctions);
        assert_int_equal(lean->total_calls, full->total_calls);
        assert_int_equal(lean->primitive_calls, full->primitive_calls);
        assert_true(lean->total_time == full->total_time);
        for (uint32_t id = 0; id < full->nfunctions; id++) {
            const pv_function *a = &full->functions[id], *b = &lean->functions[id];
            assert_string_equal(a->file, b->file);
            assert_string_equal(a->name, b->name);
            assert_int_equal(a->line, b->line);
            assert_int_equal(a->ncalls, b->ncalls);
            assert_int_equal(a->pcalls, b->pcalls);
            assert_true(a->tottime == b->tottime && a->cumtime == b->cumtime);
            assert_int_equal(a->listed, b->listed);
            assert_int_equal(b->ncallers + b->ncallees, 0);
        }
        pv_profile_free(full);
        pv_profile_free(lean);
    }
}

static void pstats_without_edges_still_checks_every_caller(void **state)
{
    (void)state;
    /* A caller tuple of three numbers is refused whether or not edges are kept. */
    bytes b = {0};
    u8(&b, '{');
    small_tuple(&b, 0, 3);
    short_str(&b, 'z', "a.py");
    int32_obj(&b, 1);
    short_str(&b, 'z', "f");
    small_tuple(&b, 0, 5);
    int32_obj(&b, 1);
    int32_obj(&b, 1);
    int32_obj(&b, 0);
    int32_obj(&b, 0);
    u8(&b, '{');
    small_tuple(&b, 0, 3);
    short_str(&b, 'z', "a.py");
    int32_obj(&b, 2);
    short_str(&b, 'z', "g");
    size_t at = b.n;
    small_tuple(&b, 0, 3);
    int32_obj(&b, 1);
    int32_obj(&b, 1);
    int32_obj(&b, 0);
    u8(&b, '0');
    u8(&b, '0');
    pv_profile *p = NULL;
    pv_error err = {0};
    assert_int_equal(pv_pstats_parse_with(b.p, b.n, PV_LOAD_NO_EDGES, &p, &err), -1);
    assert_non_null(strstr(err.message, "not 4"));
    assert_int_equal(err.offset, (int64_t)at);
    bytes_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(pstats_reads_the_tiny_fixtures_with_the_totals_pstats_prints),
        cmocka_unit_test(pstats_reads_every_golden_fixture),
        cmocka_unit_test(pstats_ids_are_the_same_on_every_load),
        cmocka_unit_test(pstats_without_edges_keeps_every_function_and_total),
        cmocka_unit_test(pstats_without_edges_still_checks_every_caller),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
