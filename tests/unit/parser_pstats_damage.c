/* Tests of the stats reader (parser/pstats.c) on damaged bytes under the
 * stats dict: lengths and counts past the end of the file, negative lengths,
 * bad references, nesting past the depth cap, unknown type codes and
 * exponential reference expansion (each refusal checked for its message and
 * exact byte offset), then every truncation of real files and random bytes
 * and random damage, which must fail cleanly inside the input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "marshal.h" /* PV_MARSHAL_MAX_DEPTH */
#include "pstats.h"

#include "stats_dict.h"

/* ---- hostile input: message and offset ---- */

static void pstats_rejects_counts_and_lengths_beyond_the_end_of_the_file(void **state)
{
    bytes b = {0};
    u8(&b, '{');
    small_tuple(&b, 0, 3);
    size_t at = b.n;
    u8(&b, 'u');
    i32(&b, 1000);
    put(&b, "a.py", 4);
    expect_failure(&b, "string claims 1000 bytes but only 4 bytes are left", (int64_t)at);
    bytes_free(&b);

    u8(&b, '{');
    key(&b, "a.py", 1, "f");
    at = b.n;
    u8(&b, '(');
    i32(&b, 0x7fffffff);
    put(&b, "\xe9\xe9", 2);
    expect_failure(&b, "tuple claims 2147483647 items but only 2 bytes are left", (int64_t)at);
    bytes_free(&b);
}

static void pstats_rejects_negative_lengths(void **state)
{
    bytes b = {0};
    u8(&b, '{');
    small_tuple(&b, 0, 3);
    size_t at = b.n;
    u8(&b, 'a');
    i32(&b, -5);
    put(&b, "a.py\xe9", 5);
    expect_failure(&b, "string has negative length -5", (int64_t)at);
    bytes_free(&b);

    u8(&b, '{');
    key(&b, "a.py", 1, "f");
    at = b.n;
    u8(&b, '(');
    i32(&b, -1);
    expect_failure(&b, "tuple has negative length -1", (int64_t)at);
    bytes_free(&b);
}

static void pstats_rejects_reference_forward_or_out_of_range(void **state)
{
    bytes b = {0};
    u8(&b, '{' | 0x80); /* slot 0 */
    small_tuple(&b, 0, 3);
    size_t at = b.n;
    ref(&b, 1);
    expect_failure(&b, "reference to object 1, but only 1 objects were stored before it",
                   (int64_t)at);
    bytes_free(&b);

    u8(&b, '{');
    small_tuple(&b, 0, 3);
    at = b.n;
    ref(&b, -7);
    expect_failure(&b, "reference to object -7, but only 0 objects were stored before it",
                   (int64_t)at);
    bytes_free(&b);
}

static void pstats_rejects_reference_into_unfinished_container(void **state)
{
    /* The key's name refers to the stats dict that holds it. */
    bytes b = {0};
    u8(&b, '{' | 0x80); /* slot 0 */
    small_tuple(&b, 0, 3);
    short_str(&b, 'z', "a.py");
    int32_obj(&b, 1);
    size_t at = b.n;
    ref(&b, 0);
    expect_failure(&b, "reference to object 0, whose container is still being read", (int64_t)at);
    bytes_free(&b);

    /* A caller key that is the entry's own (unfinished) value tuple. */
    u8(&b, '{');
    key(&b, "a.py", 1, "f");
    small_tuple(&b, 0x80, 5); /* slot 0 */
    int32_obj(&b, 1);
    int32_obj(&b, 1);
    float_obj(&b, 0);
    float_obj(&b, 0);
    u8(&b, '{');
    at = b.n;
    ref(&b, 0);
    expect_failure(&b, "reference to object 0, whose container is still being read", (int64_t)at);
    bytes_free(&b);
}

static void pstats_rejects_nesting_100000_deep_at_the_depth_cap(void **state)
{
    /* Deep nesting where the reader does not look at structure: the value
     * of 3.15's sampled marker, which is read whole and dropped. */
    bytes b = {0};
    u8(&b, '{');
    small_tuple(&b, 0, 1);
    short_str(&b, 'z', "__sampled__");
    size_t start = b.n;
    for (int k = 0; k < 100000; k++)
        small_tuple(&b, 0, 1);
    u8(&b, 'N');
    end_dict(&b);
    /* The dict is level 1, so the 2000th tuple is the deepest allowed. */
    expect_failure(&b, "objects nested deeper than 2000 levels",
                   (int64_t)(start + 2 * PV_MARSHAL_MAX_DEPTH));
    bytes_free(&b);
}

static void pstats_rejects_unknown_type_codes(void **state)
{
    bytes b = {0};
    u8(&b, '{');
    key(&b, "a.py", 1, "f");
    size_t at = b.n;
    u8(&b, 'W');
    expect_failure(&b, "unknown marshal type code 'W' (0x57)", (int64_t)at);
    bytes_free(&b);
    u8(&b, '{');
    key(&b, "a.py", 1, "f");
    small_tuple(&b, 0, 5);
    at = b.n;
    u8(&b, 0x02);
    pad(&b);
    expect_failure(&b, "unknown marshal type code 0x02", (int64_t)at);
    bytes_free(&b);
}

static void pstats_rejects_the_unknown_code_question_mark(void **state)
{
    bytes b = {0};
    u8(&b, '{');
    key(&b, "a.py", 1, "f");
    size_t at = b.n;
    u8(&b, '?');
    u8(&b, 0);
    expect_failure(&b, "marshal type UNKNOWN ('?') is always invalid", (int64_t)at);
    bytes_free(&b);
}

static void pstats_refuses_exponential_reference_expansion_quickly(void **state)
{
    /* Level k is a flagged tuple of 16 references to level k-1: 16^12
     * objects if replayed in full, in the value of the sampled marker. */
    bytes b = {0};
    u8(&b, '{');
    small_tuple(&b, 0, 1);
    short_str(&b, 'z', "__sampled__");
    size_t start = b.n;
    small_tuple(&b, 0, 13);
    small_tuple(&b, 0x80, 2); /* slot 0 */
    int32_obj(&b, 1);
    int32_obj(&b, 2);
    for (int level = 1; level <= 12; level++) {
        small_tuple(&b, 0x80, 16);
        for (int k = 0; k < 16; k++)
            ref(&b, level - 1);
    }
    end_dict(&b);
    pv_profile *p = NULL;
    pv_error err;
    clock_t t0 = clock();
    assert_int_equal(pv_pstats_parse(b.p, b.n, &p, &err), -1);
    assert_true((double)(clock() - t0) / CLOCKS_PER_SEC < 5);
    assert_non_null(
        strstr(err.message, "back-references expand to more objects than the file could hold"));
    /* Where the replay budget runs out depends on its size: somewhere in
     * the levels. */
    assert_true(err.offset > (int64_t)start && err.offset < (int64_t)b.n);
    bytes_free(&b);

    /* References to whole keys cost one lookup each, however many. */
    u8(&b, '{');
    small_tuple(&b, 0x80, 3); /* slot 0 */
    short_str(&b, 'z', "a.py");
    int32_obj(&b, 1);
    short_str(&b, 'z', "main");
    stats_begin(&b, 1, 1, 0, 0);
    end_dict(&b);
    for (int k = 0; k < 20000; k++) {
        key(&b, "b.py", k + 1, "f");
        stats_begin(&b, 1, 1, 0, 0);
        ref(&b, 0);
        caller_numbers(&b, 1, 1, 0, 0);
        end_dict(&b);
    }
    end_dict(&b);
    t0 = clock();
    p = parse_ok(&b);
    assert_true((double)(clock() - t0) / CLOCKS_PER_SEC < 5);
    assert_int_equal(p->nfunctions, 20001);
    assert_int_equal(p->functions[0].ncallees, 20000);
    pv_profile_free(p);
    bytes_free(&b);
}

static void refuse_every_prefix(const char *fixture)
{
    size_t len;
    unsigned char *data = read_fixture(fixture, &len);
    assert_true(len > 100);
    for (size_t n = 0; n < len; n++) {
        /* A copy of exactly n bytes, so that ASan sees any read past them. */
        unsigned char *prefix = malloc(n ? n : 1);
        assert_non_null(prefix);
        memcpy(prefix, data, n);
        pv_profile *p = NULL;
        pv_error err = {.offset = -2};
        int rc = pv_pstats_parse(prefix, n, &p, &err);
        if (rc != -1 || err.offset < 0 || err.offset > (int64_t)n)
            print_error("%s cut to %zu bytes: rc %d, \"%s\" at %lld\n", fixture, n, rc, err.message,
                        (long long)err.offset);
        assert_int_equal(rc, -1);
        assert_null(p);
        assert_true(err.offset >= 0 && err.offset <= (int64_t)n);
        assert_true(err.message[0] != '\0');
        free(prefix);
    }
    free(data);
}

static void pstats_refuses_every_truncation_of_real_files(void **state)
{
    refuse_every_prefix("tiny-cprofile-py313.prof");
    refuse_every_prefix("tiny-cprofile-py27.prof");
    refuse_every_prefix("tiny-profile-py313.prof"); /* code objects */
    refuse_every_prefix("tiny-profile-py27.prof");
    refuse_every_prefix("tiny-marshal-v0-py313.prof"); /* text floats */
}

static uint64_t xorshift(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* Parses data (a heap copy of exactly len bytes); either outcome is fine,
 * but a failure must name an offset inside the input. */
static void parse_anything(const unsigned char *data, size_t len)
{
    unsigned char *copy = malloc(len ? len : 1);
    assert_non_null(copy);
    memcpy(copy, data, len);
    pv_profile *p = NULL;
    pv_error err = {.offset = -2};
    if (pv_pstats_parse(copy, len, &p, &err) == 0) {
        assert_non_null(p);
        for (uint32_t id = 0; id < p->nfunctions; id++) {
            const pv_function *f = &p->functions[id];
            assert_true((uint64_t)f->first_caller + f->ncallers <= p->nedges);
            assert_true((uint64_t)f->first_callee + f->ncallees <= p->nedges);
        }
        pv_profile_free(p);
    } else {
        assert_null(p);
        assert_true(err.offset >= 0 && err.offset <= (int64_t)len);
    }
    free(copy);
}

static void pstats_survives_random_bytes_and_random_damage_to_real_files(void **state)
{
    uint64_t seed = 20240601;
    unsigned char buf[300];
    for (int iter = 0; iter < 20000; iter++) {
        size_t n = xorshift(&seed) % sizeof buf;
        for (size_t i = 0; i < n; i++)
            buf[i] = (unsigned char)(xorshift(&seed) >> 24);
        if (n && iter % 2) buf[0] = 0xfb; /* a flagged dict, so that parsing goes on */
        parse_anything(buf, n);
    }
    static const char *const fixtures[] = {"tiny-cprofile-py313.prof", "tiny-cprofile-py27.prof",
                                           "tiny-profile-py38.prof"};
    for (size_t k = 0; k < 3; k++) {
        size_t len;
        unsigned char *data = read_fixture(fixtures[k], &len);
        unsigned char *damaged = malloc(len);
        assert_non_null(damaged);
        for (int iter = 0; iter < 3000; iter++) {
            memcpy(damaged, data, len);
            int changes = 1 + (int)(xorshift(&seed) % 4);
            for (int c = 0; c < changes; c++)
                damaged[xorshift(&seed) % len] = (unsigned char)(xorshift(&seed) >> 24);
            parse_anything(damaged, len);
        }
        free(damaged);
        free(data);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(pstats_rejects_counts_and_lengths_beyond_the_end_of_the_file),
        cmocka_unit_test(pstats_rejects_negative_lengths),
        cmocka_unit_test(pstats_rejects_reference_forward_or_out_of_range),
        cmocka_unit_test(pstats_rejects_reference_into_unfinished_container),
        cmocka_unit_test(pstats_rejects_nesting_100000_deep_at_the_depth_cap),
        cmocka_unit_test(pstats_rejects_unknown_type_codes),
        cmocka_unit_test(pstats_rejects_the_unknown_code_question_mark),
        cmocka_unit_test(pstats_refuses_exponential_reference_expansion_quickly),
        cmocka_unit_test(pstats_refuses_every_truncation_of_real_files),
        cmocka_unit_test(pstats_survives_random_bytes_and_random_damage_to_real_files),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
