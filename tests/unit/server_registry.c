/* Unit tests of server/registry.c: loading, content ids, and the function
 * table indexes (sort orders, ties, search, paging). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "registry.h"

#define FIXTURE(name) PROFVIZ_SOURCE_DIR "/tests/golden/" name

static unsigned char *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    unsigned char *buf = malloc(1 << 22);
    assert_non_null(buf);
    *len = fread(buf, 1, 1 << 22, f);
    fclose(f);
    return buf;
}

static const pv_registry_entry *load(pv_registry **reg, const char *path)
{
    pv_error err;
    *reg = pv_registry_new(&err);
    assert_non_null(*reg);
    char id[PV_REGISTRY_ID_LEN + 1];
    assert_int_equal(pv_registry_load_file(*reg, path, id, &err), 0);
    const pv_registry_entry *e = pv_registry_acquire(*reg, id);
    assert_non_null(e);
    return e;
}

static double num_key(const pv_function *f, int key)
{
    switch (key) {
    case PV_SORT_TOTTIME:
        return f->tottime;
    case PV_SORT_CUMTIME:
        return f->cumtime;
    case PV_SORT_NCALLS:
        return (double)f->ncalls;
    case PV_SORT_TOTTIME_PERCALL:
        return f->ncalls > 0 ? f->tottime / (double)f->ncalls : 0;
    case PV_SORT_CUMTIME_PERCALL:
        return f->pcalls > 0 ? f->cumtime / (double)f->pcalls : 0;
    default:
        return (double)f->pcalls;
    }
}

/* <0, 0, >0 comparing a and b on key alone (no id). */
static int key_compare(const pv_profile *p, int key, uint32_t a, uint32_t b)
{
    const pv_function *fa = &p->functions[a], *fb = &p->functions[b];
    if (key == PV_SORT_NAME || key == PV_SORT_FILE) {
        int c = key == PV_SORT_NAME ? strcmp(fa->name, fb->name) : strcmp(fa->file, fb->file);
        if (c) return c;
        if (key == PV_SORT_FILE && fa->line != fb->line) return fa->line < fb->line ? -1 : 1;
        c = key == PV_SORT_NAME ? strcmp(fa->file, fb->file) : strcmp(fa->name, fb->name);
        if (c) return c;
        return (fa->line > fb->line) - (fa->line < fb->line);
    }
    double ka = num_key(fa, key), kb = num_key(fb, key);
    return (ka > kb) - (ka < kb);
}

static void registry_sorts_every_key_with_ties_by_ascending_id_in_both_orders(void **state)
{
    pv_registry *reg;
    const pv_registry_entry *e = load(&reg, FIXTURE("cprofile-py313.prof"));
    const pv_profile *p = e->profile;
    for (int key = 0; key < PV_SORT_COUNT; key++) {
        for (int desc = 0; desc < 2; desc++) {
            pv_function_query q = {.sort = key, .descending = desc, .limit = 100000};
            uint32_t *ids;
            size_t n, total;
            pv_error err;
            assert_int_equal(pv_registry_query_functions(e, &q, &ids, &n, &total, &err), 0);
            assert_int_equal(n, p->nfunctions);
            assert_int_equal(total, p->nfunctions);
            for (size_t i = 1; i < n; i++) {
                int c = key_compare(p, key, ids[i - 1], ids[i]);
                if (desc) c = -c;
                assert_true(c <= 0);
                if (c == 0) assert_true(ids[i - 1] < ids[i]);
            }
            free(ids);
        }
    }
    pv_registry_release(reg, e);
    pv_registry_free(reg);
}

static bool contains_ci(const char *hay, const char *needle)
{
    size_t hn = strlen(hay), nn = strlen(needle);
    for (size_t i = 0; i + nn <= hn; i++) {
        size_t j = 0;
        while (j < nn) {
            char a = hay[i + j], b = needle[j];
            if (a >= 'A' && a <= 'Z') a = (char)(a - 'A' + 'a');
            if (b >= 'A' && b <= 'Z') b = (char)(b - 'A' + 'a');
            if (a != b) break;
            j++;
        }
        if (j == nn) return true;
    }
    return false;
}

static void registry_search_matches_name_or_file_ignoring_ascii_case(void **state)
{
    pv_registry *reg;
    const pv_registry_entry *e = load(&reg, FIXTURE("names-py313.prof"));
    const pv_profile *p = e->profile;
    const char *needles[] = {"IMG", "<img", "caf", "\xc3\xa9", "~", ".PY", "no-such-thing", "e"};
    for (size_t k = 0; k < sizeof needles / sizeof needles[0]; k++) {
        pv_function_query q = {.sort = PV_SORT_NAME, .q = needles[k], .limit = 100000};
        uint32_t *ids;
        size_t n, total;
        pv_error err;
        assert_int_equal(pv_registry_query_functions(e, &q, &ids, &n, &total, &err), 0);
        size_t want = 0;
        for (uint32_t id = 0; id < p->nfunctions; id++)
            want += contains_ci(p->functions[id].name, needles[k]) ||
                    contains_ci(p->functions[id].file, needles[k]);
        assert_int_equal(total, want);
        assert_int_equal(n, want);
        for (size_t i = 0; i < n; i++)
            assert_true(contains_ci(p->functions[ids[i]].name, needles[k]) ||
                        contains_ci(p->functions[ids[i]].file, needles[k]));
        free(ids);
    }
    pv_registry_release(reg, e);
    pv_registry_free(reg);
}

static void registry_pages_are_slices_and_past_the_end_is_empty(void **state)
{
    pv_registry *reg;
    const pv_registry_entry *e = load(&reg, FIXTURE("cprofile-py313.prof"));
    pv_function_query all = {.sort = PV_SORT_TOTTIME, .descending = true, .q = "o", .limit = 1000};
    uint32_t *every, *page;
    size_t n_every, n_page, total;
    pv_error err;
    assert_int_equal(pv_registry_query_functions(e, &all, &every, &n_every, &total, &err), 0);
    assert_true(n_every > 5);
    pv_function_query q = all;
    q.offset = 3;
    q.limit = 2;
    assert_int_equal(pv_registry_query_functions(e, &q, &page, &n_page, &total, &err), 0);
    assert_int_equal(n_page, 2);
    assert_int_equal(total, n_every);
    assert_memory_equal(page, every + 3, 2 * sizeof *page);
    free(page);
    q.offset = n_every;
    assert_int_equal(pv_registry_query_functions(e, &q, &page, &n_page, &total, &err), 0);
    assert_int_equal(n_page, 0);
    assert_null(page);
    assert_int_equal(total, n_every);
    free(every);
    pv_registry_release(reg, e);
    pv_registry_free(reg);
}

static void registry_gives_the_same_bytes_the_same_id_and_keeps_them_once(void **state)
{
    size_t len;
    unsigned char *data = read_all(FIXTURE("tiny-cprofile-py313.prof"), &len);
    pv_error err;
    pv_registry *reg = pv_registry_new(&err);
    char a[PV_REGISTRY_ID_LEN + 1], b[PV_REGISTRY_ID_LEN + 1];
    assert_int_equal(pv_registry_add_bytes(reg, "one.prof", data, len, a, &err), 0);
    assert_int_equal(pv_registry_add_bytes(reg, "two.prof", data, len, b, &err), 0);
    assert_string_equal(a, b);
    assert_int_equal(strlen(a), PV_REGISTRY_ID_LEN);
    assert_int_equal(pv_registry_count(reg), 1);
    const pv_registry_entry *e = pv_registry_acquire(reg, a);
    assert_string_equal(e->name, "one.prof");
    pv_registry_release(reg, e);
    assert_null(pv_registry_acquire(reg, "000000000000"));
    free(data);
    pv_registry_free(reg);
}

static void registry_refuses_a_file_that_is_no_profile_with_its_name_in_the_message(void **state)
{
    pv_error err;
    pv_registry *reg = pv_registry_new(&err);
    const char *path = FIXTURE("README.md");
    assert_int_equal(pv_registry_load_file(reg, path, NULL, &err), -1);
    assert_non_null(strstr(err.message, "README.md"));
    assert_int_equal(err.kind, PV_ERR_INPUT);
    assert_int_equal(pv_registry_count(reg), 0);
    assert_int_equal(pv_registry_load_file(reg, "/nonexistent/x.prof", NULL, &err), -1);
    assert_non_null(strstr(err.message, "/nonexistent/x.prof"));
    assert_int_equal(err.kind, PV_ERR_NOT_FOUND);
    assert_int_equal(err.offset, -1);
    pv_registry_free(reg);
}

static void registry_merges_files_into_one_profile_named_after_them(void **state)
{
    pv_error err;
    pv_registry *reg = pv_registry_new(&err);
    const char *paths[] = {FIXTURE("cprofile-py313.prof"), FIXTURE("cprofile-b-py313.prof")};
    char id[PV_REGISTRY_ID_LEN + 1];
    assert_int_equal(pv_registry_load_merged(reg, paths, 2, id, &err), 0);
    const pv_registry_entry *e = pv_registry_acquire(reg, id);
    assert_string_equal(e->name, "cprofile-py313.prof + cprofile-b-py313.prof");
    pv_registry_release(reg, e);
    const pv_registry_entry **list;
    size_t n;
    assert_int_equal(pv_registry_snapshot(reg, &list, &n, &err), 0);
    assert_int_equal(n, 1);
    pv_registry_release(reg, list[0]);
    free(list);
    pv_registry_free(reg);
}

static void registry_knows_the_sort_key_names(void **state)
{
    assert_int_equal(pv_registry_sort_key_from_name("tottime"), PV_SORT_TOTTIME);
    assert_int_equal(pv_registry_sort_key_from_name("file"), PV_SORT_FILE);
    assert_int_equal(pv_registry_sort_key_from_name("TOTTIME"), -1);
    assert_int_equal(pv_registry_sort_key_from_name(""), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(registry_sorts_every_key_with_ties_by_ascending_id_in_both_orders),
        cmocka_unit_test(registry_search_matches_name_or_file_ignoring_ascii_case),
        cmocka_unit_test(registry_pages_are_slices_and_past_the_end_is_empty),
        cmocka_unit_test(registry_gives_the_same_bytes_the_same_id_and_keeps_them_once),
        cmocka_unit_test(registry_refuses_a_file_that_is_no_profile_with_its_name_in_the_message),
        cmocka_unit_test(registry_merges_files_into_one_profile_named_after_them),
        cmocka_unit_test(registry_knows_the_sort_key_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
