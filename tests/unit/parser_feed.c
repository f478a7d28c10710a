/* Tests of the feed (parser/feed.c): the stats reader gives the same profile,
 * or the same error (kind, message and offset), whether its builder calls
 * run on a helper thread or in the reader's own: on every golden file, with
 * and without edges, on every truncation of one, on random damage and on
 * generated files past the size at which a helper is used by default. Then
 * the feed on its own: a builder error reaches the reader, from either
 * thread, and a feed freed early stops its helper. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "feed.h"
#include "pstats.h"

#include "stats_dict.h"

/* ---- two parses, one answer ---- */

static bool same_number(double a, double b)
{
    return memcmp(&a, &b, sizeof a) == 0;
}

static void assert_same_function(const pv_function *f, const pv_function *g)
{
    assert_string_equal(f->file, g->file);
    assert_string_equal(f->name, g->name);
    assert_int_equal(f->line, g->line);
    assert_int_equal(f->ncalls, g->ncalls);
    assert_int_equal(f->pcalls, g->pcalls);
    assert_true(same_number(f->tottime, g->tottime));
    assert_true(same_number(f->cumtime, g->cumtime));
    assert_int_equal(f->first_caller, g->first_caller);
    assert_int_equal(f->ncallers, g->ncallers);
    assert_int_equal(f->first_callee, g->first_callee);
    assert_int_equal(f->ncallees, g->ncallees);
    assert_int_equal(f->external_calls, g->external_calls);
    assert_int_equal(f->listed, g->listed);
    assert_int_equal(f->is_root, g->is_root);
}

static void assert_same_profile(const pv_profile *a, const pv_profile *b)
{
    assert_int_equal(a->nfunctions, b->nfunctions);
    for (uint32_t id = 0; id < a->nfunctions; id++)
        assert_same_function(&a->functions[id], &b->functions[id]);
    assert_int_equal(a->nedges, b->nedges);
    for (uint32_t i = 0; i < a->nedges; i++) {
        const pv_edge *e = &a->edges[i], *f = &b->edges[i];
        assert_int_equal(e->caller, f->caller);
        assert_int_equal(e->callee, f->callee);
        assert_int_equal(e->ncalls, f->ncalls);
        assert_int_equal(e->pcalls, f->pcalls);
        assert_true(same_number(e->tottime, f->tottime));
        assert_true(same_number(e->cumtime, f->cumtime));
        assert_int_equal(a->callee_edges[i], b->callee_edges[i]);
    }
    assert_int_equal(a->nroots, b->nroots);
    for (uint32_t k = 0; k < a->nroots; k++)
        assert_int_equal(a->roots[k], b->roots[k]);
    assert_int_equal(a->has_edges, b->has_edges);
    assert_int_equal(a->total_calls, b->total_calls);
    assert_int_equal(a->primitive_calls, b->primitive_calls);
    assert_true(same_number(a->total_time, b->total_time));
}

/* Parses data with its builder calls in the reader's thread and on a helper
 * (extra flags for both); the two must agree. Returns whether they parsed. */
static bool parse_both(const unsigned char *data, size_t len, unsigned flags)
{
    pv_profile *one = NULL, *two = NULL;
    pv_error e1 = {0}, e2 = {0};
    int r1 = pv_pstats_parse_with(data, len, flags | PV_LOAD_ONE_THREAD, &one, &e1);
    int r2 = pv_pstats_parse_with(data, len, flags | PV_LOAD_HELPER, &two, &e2);
    assert_int_equal(r1, r2);
    if (r1 == 0) {
        assert_same_profile(one, two);
    } else {
        if (strcmp(e1.message, e2.message) != 0 || e1.offset != e2.offset)
            print_error("one thread: \"%s\" at %lld; helper: \"%s\" at %lld\n", e1.message,
                        (long long)e1.offset, e2.message, (long long)e2.offset);
        assert_int_equal(e1.kind, e2.kind);
        assert_string_equal(e1.message, e2.message);
        assert_int_equal(e1.offset, e2.offset);
    }
    pv_profile_free(one);
    pv_profile_free(two);
    return r1 == 0;
}

static void parse_golden_both_ways(const char *name, void *context)
{
    (void)context;
    size_t len;
    unsigned char *data = read_fixture(name, &len);
    assert_true(parse_both(data, len, 0));
    assert_true(parse_both(data, len, PV_LOAD_NO_EDGES));
    free(data);
}

static void feed_gives_the_same_profile_for_every_golden_file(void **state)
{
    (void)state;
    assert_true(for_each_golden(parse_golden_both_ways, NULL) >= 40);
}

static void feed_gives_the_same_error_for_every_truncation(void **state)
{
    (void)state;
    size_t len;
    unsigned char *data = read_fixture("cprofile-py313.prof", &len);
    int failed = 0;
    for (size_t cut = 0; cut < len; cut++)
        failed += !parse_both(data, cut, cut % 2 ? PV_LOAD_NO_EDGES : 0);
    assert_true(failed > 0);
    free(data);
}

static void feed_gives_the_same_answer_for_damaged_files(void **state)
{
    (void)state;
    size_t len;
    unsigned char *data = read_fixture("cprofile-py311.prof", &len);
    unsigned char *copy = malloc(len);
    assert_non_null(copy);
    uint64_t x = 0x9e3779b97f4a7c15ull;
    for (int round = 0; round < 400; round++) {
        memcpy(copy, data, len);
        for (int k = 0; k < 1 + round % 4; k++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            copy[x % len] = (unsigned char)(x >> 40);
        }
        parse_both(copy, len, round % 2 ? PV_LOAD_NO_EDGES : 0);
    }
    free(copy);
    free(data);
}

/* ---- generated files past PV_LOAD_HELPER_MIN ---- */

#define FLAG_REF 0x80

/* A stats dict of n functions in files of 50, written as Python 3 does:
 * file names and keys with reference slots, callers as references to keys
 * already written; every 97th function also has a caller written out again
 * as a fresh tuple equal to an earlier key, which the builder must merge. */
static void generated(bytes *b, int n)
{
    int32_t slots = 0;
    int32_t *key_slot = malloc((size_t)n * sizeof *key_slot);
    int32_t *file_slot = malloc((size_t)(n / 50 + 1) * sizeof *file_slot);
    assert_non_null(key_slot);
    assert_non_null(file_slot);
    char file[64], name[64];
    u8(b, '{');
    for (int i = 0; i < n; i++) {
        key_slot[i] = slots++;
        small_tuple(b, FLAG_REF, 3);
        if (i % 50 == 0) {
            snprintf(file, sizeof file, "/srv/app/module_%d.py", i / 50);
            file_slot[i / 50] = slots++;
            short_str(b, 'z' | FLAG_REF, file);
        } else {
            ref(b, file_slot[i / 50]);
        }
        int32_obj(b, i % 700 + 1);
        snprintf(name, sizeof name, "function_%d", i);
        short_str(b, 'z', name);
        stats_begin(b, i % 5 + 1, i % 5 + 2, 0.001 * (i % 13), 0.01 * (i % 17));
        for (int c = 1; c <= 3 && c <= i; c++) {
            ref(b, key_slot[(i * 7 + c) % i]);
            caller_numbers(b, c, c, 0.0001 * c, 0.001 * c);
        }
        if (i % 97 == 96) {
            int j = i / 2;
            snprintf(file, sizeof file, "/srv/app/module_%d.py", j / 50);
            snprintf(name, sizeof name, "function_%d", j);
            key(b, file, j % 700 + 1, name);
            caller_numbers(b, 9, 9, 0.5, 0.75);
        }
        end_dict(b);
    }
    end_dict(b);
    free(key_slot);
    free(file_slot);
}

static void feed_gives_the_same_profile_for_a_large_file(void **state)
{
    (void)state;
    bytes b = {0};
    generated(&b, 40000);
    assert_true(b.n >= PV_LOAD_HELPER_MIN);
    /* No flag: a helper, by size. */
    for (unsigned flags = 0; flags <= PV_LOAD_NO_EDGES; flags++) {
        pv_profile *one = NULL, *by_size = NULL;
        pv_error err = {0};
        assert_int_equal(pv_pstats_parse_with(b.p, b.n, flags | PV_LOAD_ONE_THREAD, &one, &err), 0);
        assert_int_equal(pv_pstats_parse_with(b.p, b.n, flags, &by_size, &err), 0);
        assert_int_equal(one->nfunctions, 40000);
        assert_same_profile(one, by_size);
        if (!flags) assert_true(one->nedges > 100000);
        pv_profile_free(one);
        pv_profile_free(by_size);
    }
    /* Cut in the middle: the same error from both. */
    assert_false(parse_both(b.p, b.n / 2 + 3, 0));
    bytes_free(&b);
}

/* ---- the feed on its own ---- */

static const unsigned char *text(const char *s)
{
    return (const unsigned char *)s;
}

/* A builder error on the runner's side (an entry for a function never fed
 * gets pv_builder_begin_entry's refusal) reaches the reader from a later
 * call or from finish, and stays. */
static void feed_hands_the_builders_error_to_the_reader(void **state)
{
    (void)state;
    for (int helper = 0; helper <= 1; helper++) {
        pv_builder *b = pv_builder_new();
        assert_non_null(b);
        pv_feed *f = pv_feed_new(b, true, helper);
        assert_non_null(f);
        pv_error err = {0};
        assert_int_equal(pv_feed_file(f, 3, text("a.py"), 4, false, &err), 0);
        assert_int_equal(
            pv_feed_key(f, PV_FEED_NO_SLOT, 3, NULL, 0, false, 1, text("f"), 1, false, &err), 0);
        assert_int_equal(pv_feed_entry(f, pv_feed_number(0), 1, 1, 0.5, 0.5, &err), 0);
        /* Function 7 was never fed: the call is queued, and fails later. */
        (void)pv_feed_entry(f, pv_feed_number(7), 1, 1, 0.5, 0.5, &err);
        int later = 0;
        for (int k = 0; k < 3 * PV_FEED_AHEAD && !later; k++)
            later = pv_feed_key(f, PV_FEED_NO_SLOT, PV_FEED_NO_SLOT, text("b.py"), 4, false, k,
                                text("g"), 1, false, &err) != 0;
        assert_true(later);
        assert_int_equal(err.kind, PV_ERR_ARGUMENT);
        assert_non_null(strstr(err.message, "unknown function id 7"));
        pv_error again = {0};
        assert_int_equal(pv_feed_finish(f, &again), -1);
        assert_string_equal(again.message, err.message);
        pv_feed_free(f);
        pv_builder_free(b);
    }
}

/* Freed with calls still queued (the reader's own failure): the helper
 * stops, and the builder can be freed. Run under the sanitizers, a leak or
 * a late write would show. */
static void feed_freed_early_stops_its_helper(void **state)
{
    (void)state;
    pv_builder *b = pv_builder_new();
    assert_non_null(b);
    pv_feed *f = pv_feed_new(b, true, true);
    assert_non_null(f);
    pv_error err = {0};
    for (int k = 0; k < 2 * PV_FEED_AHEAD + 5; k++)
        assert_int_equal(pv_feed_key(f, PV_FEED_NO_SLOT, PV_FEED_NO_SLOT, text("a.py"), 4, false, k,
                                     text("f"), 1, false, &err),
                         0);
    pv_feed_free(f);
    pv_builder_free(b);
}

/* 3000 keys (k and k + 1000 and k + 2000 equal) with an entry each, and a
 * caller for each but the first. Odd keys are given slot 10 + 2k and
 * the file name's slot 5; by_slot names the entries and callers of those
 * keys by slot, not by number. */
static pv_profile *feed_3000(bool helper, bool by_slot)
{
    pv_builder *b = pv_builder_new();
    pv_feed *f = pv_feed_new(b, true, helper);
    assert_non_null(f);
    pv_error err = {0};
    assert_int_equal(pv_feed_file(f, 5, text("a.py"), 4, false, &err), 0);
    for (uint32_t k = 0; k < 3000; k++)
        assert_int_equal(pv_feed_key(f, k % 2 ? 10 + 2 * k : PV_FEED_NO_SLOT,
                                     k % 2 ? 5 : PV_FEED_NO_SLOT, text("a.py"), 4, false, k % 1000,
                                     text("f"), 1, false, &err),
                         0);
    for (uint32_t k = 0; k < 3000; k++) {
        pv_feed_ref fn = by_slot && k % 2 ? pv_feed_slot(10 + 2 * k) : pv_feed_number(k);
        assert_int_equal(pv_feed_entry(f, fn, k, k, 0.25 * k, 0.5 * k, &err), 0);
        uint32_t c = k - 1;
        pv_feed_ref caller = by_slot && c % 2 ? pv_feed_slot(10 + 2 * c) : pv_feed_number(c);
        if (k) assert_int_equal(pv_feed_caller(f, caller, 1, 1, 0.125, 0.25, &err), 0);
    }
    assert_int_equal(pv_feed_finish(f, &err), 0);
    pv_feed_free(f);
    pv_profile *p = pv_builder_finish(b, &err);
    assert_non_null(p);
    return p;
}

/* Without a helper the calls are made in the reader's thread, the same; and
 * a function named by its key's slot is the function of that number. */
static void feed_without_a_helper_makes_the_same_profile(void **state)
{
    (void)state;
    pv_profile *p[4];
    for (int k = 0; k < 4; k++)
        p[k] = feed_3000(k & 1, k & 2);
    assert_int_equal(p[0]->nfunctions, 1000);
    assert_true(p[0]->nedges > 900);
    for (int k = 1; k < 4; k++)
        assert_same_profile(p[0], p[k]);
    for (int k = 0; k < 4; k++)
        pv_profile_free(p[k]);
}

/* A slot no key was fed with (never given, given to a file name, or given
 * to no key yet) is the builder's error, kind argument, in both modes. */
static void feed_refuses_a_slot_not_fed(void **state)
{
    (void)state;
    static const char *const want[] = {
        "a function is named by a slot no key was fed with",
        "a function is named by a slot no key was fed with",
        "a key names a file name not fed",
    };
    for (int helper = 0; helper <= 1; helper++) {
        for (int c = 0; c < 3; c++) {
            pv_builder *b = pv_builder_new();
            pv_feed *f = pv_feed_new(b, true, helper);
            assert_non_null(f);
            pv_error err = {0};
            assert_int_equal(pv_feed_file(f, 1, text("a.py"), 4, false, &err), 0);
            assert_int_equal(pv_feed_key(f, 2, 1, NULL, 0, false, 1, text("f"), 1, false, &err), 0);
            assert_int_equal(pv_feed_entry(f, pv_feed_slot(2), 1, 1, 0.5, 0.5, &err), 0);
            if (c == 0) (void)pv_feed_caller(f, pv_feed_slot(1), 1, 1, 0.5, 0.5, &err);
            if (c == 1) (void)pv_feed_entry(f, pv_feed_slot(9), 1, 1, 0.5, 0.5, &err);
            if (c == 2)
                (void)pv_feed_key(f, PV_FEED_NO_SLOT, 2, NULL, 0, false, 1, text("g"), 1, false,
                                  &err);
            pv_error fin = {0};
            assert_int_equal(pv_feed_finish(f, &fin), -1);
            assert_int_equal(fin.kind, PV_ERR_ARGUMENT);
            assert_string_equal(fin.message, want[c]);
            pv_feed_free(f);
            pv_builder_free(b);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(feed_gives_the_same_profile_for_every_golden_file),
        cmocka_unit_test(feed_gives_the_same_error_for_every_truncation),
        cmocka_unit_test(feed_gives_the_same_answer_for_damaged_files),
        cmocka_unit_test(feed_gives_the_same_profile_for_a_large_file),
        cmocka_unit_test(feed_hands_the_builders_error_to_the_reader),
        cmocka_unit_test(feed_freed_early_stops_its_helper),
        cmocka_unit_test(feed_without_a_helper_makes_the_same_profile),
        cmocka_unit_test(feed_refuses_a_slot_not_fed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
