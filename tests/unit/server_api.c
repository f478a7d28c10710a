/* Unit tests of server/api.c (and api_params.c, which every endpoint reads its
 * parameters with) without a server: routes, parameters, errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "api.h"
#include "api_fixture.h"
#include "registry.h"
#include "status.h"

static void api_health_says_ok(void **state)
{
    char *body;
    assert_int_equal(call(*state, "GET", "/api/health", NULL, &body), 200);
    assert_non_null(strstr(body, "\"status\":\"ok\""));
    free(body);
}

static void api_unknown_paths_are_404_with_an_error(void **state)
{
    const char *paths[] = {
        "/api", "/api/", "/api/x", "/api/profiles/", "/api/profiles/nope", "/api/profiles/a/b/c/d"};
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
        char *body;
        assert_int_equal(call(*state, "GET", paths[i], NULL, &body), 404);
        assert_non_null(strstr(body, "\"error\""));
        free(body);
    }
}

static void api_refuses_other_methods_with_405(void **state)
{
    char *body;
    assert_int_equal(call(*state, "DELETE", "/api/profiles", NULL, &body), 405);
    free(body);
}

static void api_bad_tree_parameters_are_400_naming_the_parameter(void **state)
{
    fixture *f = *state;
    char path[64];
    snprintf(path, sizeof path, "/api/profiles/%s/tree", f->id);
    const char *cases[][2] = {{"depth=abc", "'depth'"},
                              {"cutoff=1.5", "'cutoff'"},
                              {"max_nodes=0", "'max_nodes'"},
                              {"path=1,,2", "'path'"},
                              {"depth=-1", "'depth'"}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *args[] = {cases[i][0], NULL};
        char *body;
        assert_int_equal(call(f, "GET", path, args, &body), 400);
        assert_non_null(strstr(body, cases[i][1]));
        free(body);
    }
}

static void api_bad_path_is_404_and_names_the_step(void **state)
{
    fixture *f = *state;
    char path[64];
    snprintf(path, sizeof path, "/api/profiles/%s/tree", f->id);
    const char *args[] = {"path=999999", NULL};
    char *body;
    assert_int_equal(call(f, "GET", path, args, &body), 404);
    if (!strstr(body, "\"error\":\"bad path: path step 0:")) print_error("%s\n", body);
    assert_non_null(strstr(body, "\"error\":\"bad path: path step 0:"));
    assert_null(strstr(body, "at byte"));
    free(body);
}

static void status_table_maps_every_kind(void **state)
{
    (void)state;
    assert_int_equal(pv_status_of(PV_ERR_INPUT), 400);
    assert_int_equal(pv_status_of(PV_ERR_ARGUMENT), 400);
    assert_int_equal(pv_status_of(PV_ERR_NOT_FOUND), 404);
    assert_int_equal(pv_status_of(PV_ERR_NOMEM), 500);
    assert_int_equal(pv_status_of(PV_ERR_IO), 500);
    assert_int_equal(pv_status_of(PV_ERR_NONE), 500);
}

static void api_function_rows_have_exact_numbers(void **state)
{
    fixture *f = *state;
    char path[64];
    snprintf(path, sizeof path, "/api/profiles/%s/functions", f->id);
    const char *args[] = {"q=<module>", NULL};
    char *body;
    assert_int_equal(call(f, "GET", path, args, &body), 200);
    /* pstats' own double for <module>'s cumtime needs 16 digits. */
    assert_non_null(strstr(body, "\"cumtime\":0.0007456870000000001"));
    assert_non_null(strstr(body, "\"total\":1"));
    free(body);
}

/* The three families of endpoints (api.c, api_function.c, api_compare.c) read
 * their parameters with api_params.c: the same bad value gets the same
 * message, byte for byte, wherever it is given. */
static void api_every_endpoint_words_a_bad_parameter_alike(void **state)
{
    fixture *f = *state;
    char pair[2][80], tree[96], fn[128], functions[96];
    snprintf(pair[0], sizeof pair[0], "base=%s", f->id);
    snprintf(pair[1], sizeof pair[1], "new=%s", f->id);
    snprintf(tree, sizeof tree, "/api/profiles/%s/tree", f->id);
    snprintf(fn, sizeof fn, "/api/profiles/%s/functions/0/callers-tree", f->id);
    snprintf(functions, sizeof functions, "/api/profiles/%s/functions", f->id);
    const char *depth0 = "{\"error\":\"bad parameter 'depth': expected an integer from 0 to 1000, "
                         "got \\\"deep\\\"\"}";
    const char *cutoff = "{\"error\":\"bad parameter 'cutoff': expected a number from 0 to 1, got "
                         "\\\"2\\\"\"}";
    const char *order =
        "{\"error\":\"bad parameter 'order': expected asc or desc, got \\\"up\\\"\"}";
    const char *path = "{\"error\":\"bad parameter 'path': expected function ids separated by "
                       "commas, got \\\"1,x\\\"\"}";
    const struct {
        const char *path, *arg, *body;
    } cases[] = {
        {tree, "depth=deep", depth0},
        {"/api/compare/tree", "depth=deep", depth0},
        {fn, "depth=deep",
         "{\"error\":\"bad parameter 'depth': expected an integer from 1 to 1000, got "
         "\\\"deep\\\"\"}"},
        {tree, "cutoff=2", cutoff},
        {fn, "cutoff=2", cutoff},
        {"/api/compare/tree", "cutoff=2", cutoff},
        {functions, "order=up", order},
        {"/api/compare", "order=up", order},
        {tree, "path=1,x", path},
        {"/api/compare/tree", "path=1,x", path},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *args[] = {cases[i].arg, pair[0], pair[1], NULL};
        char *body;
        assert_int_equal(call(f, "GET", cases[i].path, args, &body), 400);
        assert_string_equal(body, cases[i].body);
        free(body);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(api_health_says_ok),
        cmocka_unit_test(api_unknown_paths_are_404_with_an_error),
        cmocka_unit_test(api_refuses_other_methods_with_405),
        cmocka_unit_test(api_bad_tree_parameters_are_400_naming_the_parameter),
        cmocka_unit_test(api_function_rows_have_exact_numbers),
        cmocka_unit_test(api_bad_path_is_404_and_names_the_step),
        cmocka_unit_test(api_every_endpoint_words_a_bad_parameter_alike),
        cmocka_unit_test(status_table_maps_every_kind),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
