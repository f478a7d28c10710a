/* Unit tests of the cache of comparisons (server/compare_cache.c, through
 * api_compare.c) without a server: what it holds is charged to the
 * registry's cache (--cache-mb), each sort order asked for adds its bytes,
 * the text orders are made in the background once a comparison is
 * made (a later sort by name or file adds nothing, both ways and in both
 * modes, nor does a filter), a page near the top of another order makes
 * none, and under a
 * small limit unused comparisons and then unused profiles go. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "api.h"
#include "api_compare.h"
#include "compare_cache.h"
#include "fake_arg.h"
#include "registry.h"
#include "source.h"

#define FIXTURE(name) PROFVIZ_SOURCE_DIR "/tests/golden/" name

static const char *const files[3] = {
    FIXTURE("compare/before-py313.prof"),
    FIXTURE("compare/after-py313.prof"),
    FIXTURE("cprofile-py313.prof"),
};

typedef struct fixture {
    pv_registry *reg;
    char id[3][PV_REGISTRY_ID_LEN + 1];
} fixture;

/* Each profile is inserted with its file, as team mode does: evictable. */
static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    pv_error err;
    if (!f || !(f->reg = pv_registry_new(&err))) return -1;
    for (int i = 0; i < 3; i++) {
        pv_source src;
        pv_registry_item *item = NULL;
        if (pv_source_open(files[i], false, NULL, &src, &err) < 0) return -1;
        int rc = pv_registry_build(&src, "p", &item, &err);
        pv_source_close(&src);
        if (rc < 0 || pv_registry_insert(f->reg, item, NULL, files[i], 0, f->id[i], &err) != 1)
            return -1;
    }
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    pv_registry_free(f->reg); /* frees the cache of comparisons with it */
    free(f);
    return 0;
}

/* GET /api/compare for profiles b and n with up to two more parameters
 * (or NULL); returns the row count the answer gives. */
static long long compare2(fixture *f, int b, int n, const char *more, const char *more2)
{
    char base[80], new_[80];
    snprintf(base, sizeof base, "base=%s", f->id[b]);
    snprintf(new_, sizeof new_, "new=%s", f->id[n]);
    const char *args[] = {base, new_, more, more ? more2 : NULL, NULL};
    pv_api_request req = {
        .method = "GET", .path = "/api/compare", .arg = fake_arg, .arg_ctx = args};
    pv_api_reply reply;
    assert_int_equal(pv_api_handle(f->reg, &req, &reply), 0);
    assert_int_equal(reply.status, 200);
    const char *total = strstr(reply.body, "\"total\":");
    assert_non_null(total);
    long long rows = strtoll(total + 8, NULL, 10);
    free(reply.body);
    /* What the answer started in the background is done before the test
     * reads the charges. */
    pv_compare_cache_wait(pv_compare_cache_of(f->reg));
    return rows;
}

static long long compare(fixture *f, int b, int n, const char *more)
{
    return compare2(f, b, n, more, NULL);
}

static void comparisons_are_charged_to_the_registry(void **state)
{
    fixture *f = *state;
    pv_registry_set_cache_limit(f->reg, (size_t)1 << 30);
    assert_int_equal(pv_registry_charged(f->reg), 0);
    long long rows = compare(f, 0, 1, NULL);
    size_t first = pv_registry_charged(f->reg);
    /* the rows, the default order and the four text orders at least, made
     * in the background (the first page was found without them), and both
     * search texts */
    assert_true(first >= (size_t)rows * (sizeof(uint32_t) * 3 + 5 * sizeof(uint32_t)));
    compare(f, 0, 1, NULL); /* cached: nothing more */
    assert_int_equal(pv_registry_charged(f->reg), first);
    /* The text orders were made in the background: nothing more either. */
    static const char *const text_sorts[][2] = {{"sort=name", NULL},
                                                {"sort=file", NULL},
                                                {"sort=name", "order=desc"},
                                                {"sort=file", "order=desc"},
                                                {"sort=name", "mode=normalised"}};
    for (size_t i = 0; i < sizeof text_sorts / sizeof *text_sorts; i++) {
        assert_int_equal(compare2(f, 0, 1, text_sorts[i][0], text_sorts[i][1]), rows);
        assert_int_equal(pv_registry_charged(f->reg), first);
    }
    /* A filter uses the search texts made in the background. */
    long long filtered = compare(f, 0, 1, "q=a");
    assert_true(filtered > 0 && filtered < rows);
    assert_int_equal(pv_registry_charged(f->reg), first);
    /* A page near the top of an order not made yet needs none; one past
     * PV_API_COMPARE_TOP_ROWS makes it: its bytes exactly. */
    assert_int_equal(compare(f, 0, 1, "sort=ratio"), rows);
    assert_int_equal(pv_registry_charged(f->reg), first);
    char past_top[40];
    snprintf(past_top, sizeof past_top, "offset=%d", PV_API_COMPARE_TOP_ROWS);
    assert_int_equal(compare2(f, 0, 1, "sort=ratio", past_top), rows);
    assert_int_equal(pv_registry_charged(f->reg), first + (size_t)rows * sizeof(uint32_t));
    compare(f, 1, 2, NULL);
    size_t two = pv_registry_charged(f->reg);
    assert_true(two > first + (size_t)rows * sizeof(uint32_t));
    assert_true(pv_registry_is_loaded(f->reg, f->id[0]));

    /* A limit of one byte: the other comparisons go (nothing holds them),
     * then the profile this request does not use. */
    pv_registry_set_cache_limit(f->reg, 1);
    compare(f, 2, 1, NULL);
    size_t alone = pv_registry_charged(f->reg);
    assert_true(alone > 0);
    assert_true(alone < two);
    assert_false(pv_registry_is_loaded(f->reg, f->id[0]));
    /* and what is left is this one pair's: asking again adds nothing */
    compare(f, 2, 1, NULL);
    assert_int_equal(pv_registry_charged(f->reg), alone);

    /* Back to a large limit: the evicted profile is parsed again, the
     * comparison made again and charged again. */
    pv_registry_set_cache_limit(f->reg, (size_t)1 << 30);
    compare(f, 0, 1, NULL);
    assert_int_equal(pv_registry_charged(f->reg), alone + first);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(comparisons_are_charged_to_the_registry),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
