/* Tests of call sites (parser/sites.c) on hand-made graphs. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "graph_builder.h"
#include "sites.h"

/* main calls a and b; both call leaf (a 3 s, b 2 s). */
static const gfn fns[] = {
    {"main", 1, 10},
    {"a", 1, 6},
    {"b", 1, 4},
    {"leaf", 5, 5},
};
static const gcall calls[] = {
    {0, 1, 1, 6},
    {0, 2, 1, 4},
    {1, 3, 3, 3},
    {2, 3, 2, 2},
};

static pv_sites *find(const pv_profile *p, const unsigned char *match, int64_t one,
                      const int64_t *within, size_t within_len, bool count_within, size_t limit,
                      size_t max_nodes)
{
    pv_sites_request req;
    pv_sites_request_defaults(&req);
    req.match = match;
    req.one = one;
    req.within = within;
    req.within_len = within_len;
    req.count_within = count_within;
    req.limit = limit;
    req.max_nodes = max_nodes;
    req.cutoff = 0;
    pv_sites *s = NULL;
    pv_error err = {0};
    if (pv_sites_find(p, &req, &s, &err) != 0) fail_msg("pv_sites_find: %s", err.message);
    return s;
}

static void every_site_is_listed_largest_first_with_its_path(void **state)
{
    (void)state;
    pv_profile *p = GRAPH(fns, calls);
    unsigned char match[4] = {0, 0, 0, 1};
    pv_sites *s = find(p, match, 3, NULL, 0, false, 10, 1000);
    assert_true(s->complete);
    assert_int_equal(s->total, 2);
    assert_int_equal(s->nsites, 2);
    assert_int_equal(s->from_chains, 0);
    const int64_t first[] = {0, 1, 3}, second[] = {0, 2, 3};
    assert_int_equal(s->sites[0].path_len, 3);
    assert_memory_equal(s->sites[0].path, first, sizeof first);
    assert_near(s->sites[0].time, 3, 1e-12);
    assert_true(s->sites[0].exact);
    assert_memory_equal(s->sites[1].path, second, sizeof second);
    assert_near(s->sites[1].time, 2, 1e-12);
    pv_sites_free(s);
    pv_profile_free(p);
}

static void sites_under_a_path_are_counted_apart_and_the_list_is_bounded(void **state)
{
    (void)state;
    pv_profile *p = GRAPH(fns, calls);
    unsigned char match[4] = {0, 0, 0, 1};
    const int64_t under_b[] = {0, 2};
    pv_sites *s = find(p, match, -1, under_b, 2, true, 1, 1000);
    assert_int_equal(s->total, 2);
    assert_int_equal(s->total_within, 1);
    assert_int_equal(s->nsites, 1);
    assert_false(s->sites[0].within); /* the largest is under a */
    pv_sites_free(s);
    /* the empty path is the whole tree */
    s = find(p, match, -1, NULL, 0, true, 10, 1000);
    assert_int_equal(s->total_within, 2);
    pv_sites_free(s);
    pv_profile_free(p);
}

static void past_the_budget_the_chains_of_one_function_still_find_its_sites(void **state)
{
    (void)state;
    pv_profile *p = GRAPH(fns, calls);
    unsigned char match[4] = {0, 0, 0, 1};
    /* two nodes: main and a; leaf is past the budget */
    pv_sites *s = find(p, match, -1, NULL, 0, false, 10, 2);
    assert_false(s->complete);
    assert_int_equal(s->total, 0);
    pv_sites_free(s);
    s = find(p, match, 3, NULL, 0, false, 10, 2);
    assert_false(s->complete);
    assert_int_equal(s->total, 2);
    assert_int_equal(s->from_chains, 2);
    const int64_t first[] = {0, 1, 3};
    assert_memory_equal(s->sites[0].path, first, sizeof first);
    /* the tree's own numbers for that place */
    assert_near(s->sites[0].time, 3, 1e-12);
    assert_near(s->sites[1].time, 2, 1e-12);
    pv_sites_free(s);
    pv_profile_free(p);
}

static void many_functions_match_at_once(void **state)
{
    (void)state;
    pv_profile *p = GRAPH(fns, calls);
    unsigned char match[4] = {0, 1, 1, 0};
    pv_sites *s = find(p, match, -1, NULL, 0, false, 10, 1000);
    assert_int_equal(s->total, 2);
    assert_int_equal(s->sites[0].func, 1);
    assert_int_equal(s->sites[1].func, 2);
    pv_sites_free(s);
    pv_profile_free(p);
}

static void bad_requests_say_what_is_wrong(void **state)
{
    (void)state;
    pv_profile *p = GRAPH(fns, calls);
    pv_sites_request req;
    pv_sites_request_defaults(&req);
    pv_sites *s = NULL;
    pv_error err = {0};
    assert_int_equal(pv_sites_find(p, &req, &s, &err), -1);
    assert_int_equal(err.kind, PV_ERR_ARGUMENT);
    assert_string_equal(err.message, "no functions to find");
    unsigned char match[4] = {0};
    req.match = match;
    req.one = 7;
    assert_int_equal(pv_sites_find(p, &req, &s, &err), -1);
    assert_int_equal(err.kind, PV_ERR_NOT_FOUND);
    assert_null(s);
    pv_profile_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_site_is_listed_largest_first_with_its_path),
        cmocka_unit_test(sites_under_a_path_are_counted_apart_and_the_list_is_bounded),
        cmocka_unit_test(past_the_budget_the_chains_of_one_function_still_find_its_sites),
        cmocka_unit_test(many_functions_match_at_once),
        cmocka_unit_test(bad_requests_say_what_is_wrong),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
