/* Tests of the stats reader (parser/pstats.c): each rule of the format on a
 * stats dict built byte by byte (duplicates, missing callers, roots, totals,
 * the 3.15 marker, code-object names, surrogate escapes, names with NUL
 * bytes, back-references, long and int64 counts). */
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

/* ---- the rules of the format, on hand-made dicts ---- */

static void pstats_reads_an_empty_stats_dict(void **state)
{
    bytes b = {0};
    u8(&b, '{' | 0x80);
    end_dict(&b);
    pv_profile *p = parse_ok(&b);
    assert_int_equal(p->nfunctions, 0);
    assert_int_equal(p->total_calls, 0);
    assert_int_equal(p->nroots, 0);
    pv_profile_free(p);
    bytes_free(&b);
}

static void pstats_skips_the_sampled_marker_of_python_3_15(void **state)
{
    bytes b = {0};
    u8(&b, '{');
    small_tuple(&b, 0, 1); /* ("__sampled__",): True */
    short_str(&b, 'Z', "__sampled__");
    u8(&b, 'T');
    entry(&b, "a.py", 1, "f", 3, 0.5);
    end_dict(&b);
    pv_profile *p = parse_ok(&b);
    assert_int_equal(p->nfunctions, 1);
    assert_string_equal(p->functions[0].name, "f");
    assert_int_equal(p->total_calls, 3);
    pv_profile_free(p);
    bytes_free(&b);
}

static void pstats_duplicate_top_level_key_last_wins_and_replaces_callers(void **state)
{
    bytes b = {0};
    u8(&b, '{');
    entry(&b, "a.py", 1, "main", 1, 1.0);
    entry(&b, "a.py", 5, "other", 1, 1.0);
    key(&b, "a.py", 9, "f");
    stats_begin(&b, 2, 2, 0.25, 0.5);
    key(&b, "a.py", 1, "main");
    caller_numbers(&b, 2, 2, 0.25, 0.5);
    end_dict(&b);
    key(&b, "a.py", 9, "f"); /* again: replaces the entry above */
    stats_begin(&b, 7, 8, 0.75, 1.5);
    key(&b, "a.py", 5, "other");
    caller_numbers(&b, 8, 7, 0.75, 1.5);
    end_dict(&b);
    end_dict(&b);
    pv_profile *p = parse_ok(&b);
    assert_int_equal(p->nfunctions, 3);
    int64_t f = find(p, "a.py", 9, "f");
    assert_int_equal(f, 2);
    assert_int_equal(p->functions[f].ncalls, 8);
    assert_int_equal(p->functions[f].pcalls, 7);
    assert_true(p->functions[f].tottime == 0.75);
    assert_int_equal(p->functions[f].ncallers, 1);
    assert_null(edge(p, 0, f));
    assert_non_null(edge(p, 1, f));
    assert_int_equal(p->functions[0].ncallees, 0);
    assert_int_equal(p->functions[1].ncallees, 1);
    assert_int_equal(p->nedges, 1);
    assert_int_equal(p->total_calls, 10);
    pv_profile_free(p);
    bytes_free(&b);
}

static void pstats_duplicate_caller_key_in_one_dict_last_wins(void **state)
{
    bytes b = {0};
    u8(&b, '{');
    entry(&b, "a.py", 1, "main", 1, 1.0);
    key(&b, "a.py", 9, "f");
    stats_begin(&b, 4, 4, 0.25, 0.5);
    key(&b, "a.py", 1, "main");
    caller_numbers(&b, 1, 1, 0.125, 0.125);
    key(&b, "a.py", 1, "main");
    caller_numbers(&b, 4, 4, 0.25, 0.5);
    end_dict(&b);
    end_dict(&b);
    pv_profile *p = parse_ok(&b);
    assert_int_equal(p->nedges, 1);
    const pv_edge *e = edge(p, 0, 1);
    assert_non_null(e);
    assert_int_equal(e->ncalls, 4);
    assert_true(e->cumtime == 0.5);
    assert_int_equal(p->functions[0].ncallees, 1);
    pv_profile_free(p);
    bytes_free(&b);
}

static void pstats_caller_missing_from_the_top_level_gets_an_unlisted_function(void **state)
{
    bytes b = {0};
    u8(&b, '{');
    key(&b, "a.py", 9, "f");
    stats_begin(&b, 3, 3, 0.25, 0.5);
    key(&b, "gone.py", 7, "vanished");
    caller_numbers(&b, 3, 3, 0.25, 0.5);
    end_dict(&b);
    end_dict(&b);
    pv_profile *p = parse_ok(&b);
    assert_int_equal(p->nfunctions, 2);
    int64_t gone = find(p, "gone.py", 7, "vanished");
    assert_int_equal(gone, 1);
    const pv_function *g = &p->functions[gone];
    assert_false(g->listed);
    assert_int_equal(g->ncalls, 0);
    assert_int_equal(g->pcalls, 0);
    assert_true(g->tottime == 0 && g->cumtime == 0);
    assert_int_equal(g->ncallees, 1);
    assert_int_equal(p->total_calls, 3);
    pv_profile_free(p);
    bytes_free(&b);
}

static void pstats_finds_roots_without_callers_or_with_calls_from_outside(void **state)
{
    bytes b = {0};
    u8(&b, '{');
    entry(&b, "a.py", 1, "main", 1, 0.5); /* no callers: root */
    key(&b, "a.py", 2, "busy");           /* 5 calls, 3 from main: root */
    stats_begin(&b, 5, 5, 0.25, 3.0);
    key(&b, "a.py", 1, "main");
    caller_numbers(&b, 3, 3, 0.125, 2.0);
    end_dict(&b);
    key(&b, "a.py", 3, "inner"); /* 2 calls, both from busy: not a root */
    stats_begin(&b, 2, 2, 0.25, 0.25);
    key(&b, "a.py", 2, "busy");
    caller_numbers(&b, 2, 2, 0.25, 0.25);
    end_dict(&b);
    end_dict(&b);
    pv_profile *p = parse_ok(&b);
    assert_int_equal(p->nroots, 2);
    assert_int_equal(p->roots[0], 1); /* by descending cumtime */
    assert_int_equal(p->roots[1], 0);
    assert_true(p->functions[0].is_root);
    assert_int_equal(p->functions[0].external_calls, 1);
    assert_true(p->functions[1].is_root);
    assert_int_equal(p->functions[1].external_calls, 2);
    assert_false(p->functions[2].is_root);
    assert_int_equal(p->functions[2].external_calls, 0);
    pv_profile_free(p);
    bytes_free(&b);
}

static void pstats_totals_add_up_calls_primitive_calls_and_own_time(void **state)
{
    bytes b = {0};
    u8(&b, '{');
    key(&b, "a.py", 1, "f");
    stats_begin(&b, 2, 5, 0.5, 1.0);
    end_dict(&b);
    key(&b, "a.py", 2, "g");
    stats_begin(&b, 3, 3, 0.25, 0.25);
    key(&b, "x.py", 1, "unlisted");
    caller_numbers(&b, 3, 3, 0.25, 0.25);
    end_dict(&b);
    end_dict(&b);
    pv_profile *p = parse_ok(&b);
    assert_int_equal(p->total_calls, 8);
    assert_int_equal(p->primitive_calls, 5);
    assert_true(p->total_time == 0.75);
    pv_profile_free(p);
    bytes_free(&b);
}

static void pstats_reads_profile_module_int_callers_and_int_times(void **state)
{
    bytes b = {0};
    u8(&b, '{');
    entry(&b, "", 0, "exec", 1, 0);
    key(&b, "a.py", 1, "f");
    small_tuple(&b, 0, 5);
    int32_obj(&b, 4);
    int32_obj(&b, 4);
    int32_obj(&b, 0); /* whole-number times as ints */
    int32_obj(&b, 2);
    u8(&b, '{');
    key(&b, "", 0, "exec");
    int32_obj(&b, 4);
    end_dict(&b);
    end_dict(&b);
    pv_profile *p = parse_ok(&b);
    const pv_edge *e = edge(p, 0, 1);
    assert_non_null(e);
    assert_false(pv_edge_has_times(e));
    assert_int_equal(e->ncalls, 4);
    assert_int_equal(e->pcalls, 4);
    assert_true(p->functions[1].cumtime == 2.0);
    pv_profile_free(p);
    bytes_free(&b);
}

/* compile("x", "f.py", "eval") marshalled by Python 3.13 (flagged: slot 0
 * when it comes first). */
static const char code_313[] =
    "e30000000000000000000000000100000000000000f30600000095005c002400a9002901da017872"
    "02000000f300000000da04662e7079da083c6d6f64756c653e7206000000010000007308000000f0"
    "03010101d900017204000000";

static void pstats_names_a_key_with_a_code_object_by_its_co_name(void **state)
{
    bytes b = {0};
    u8(&b, '{');
    small_tuple(&b, 0, 3);
    short_str(&b, 'z', "profile");
    int32_obj(&b, 0);
    hex(&b, code_313);
    stats_begin(&b, 1, 1, 0, 0);
    end_dict(&b);
    end_dict(&b);
    pv_profile *p = parse_ok(&b);
    assert_int_equal(p->nfunctions, 1);
    assert_string_equal(p->functions[0].file, "profile");
    assert_string_equal(p->functions[0].name, "<module>");
    pv_profile_free(p);
    bytes_free(&b);
}

static void pstats_maps_surrogate_escapes_back_and_replaces_invalid_bytes(void **state)
{
    bytes b = {0};
    u8(&b, '{');
    small_tuple(&b, 0, 3);
    str(&b, 'u', "x\xed\xb3\x83\xed\xb2\xa9y.py"); /* x\udcc3\udca9y: the bytes of é */
    int32_obj(&b, 1);
    str(&b, 'u', "caf\xed\xb3\xa9"); /* caf\udce9: Latin-1 é, not UTF-8 */
    stats_begin(&b, 1, 1, 0, 0);
    end_dict(&b);
    small_tuple(&b, 0, 3);
    str(&b, 's', "caf\xe9.py"); /* Python 2 bytes */
    int32_obj(&b, 1);
    str(&b, 's', "f");
    stats_begin(&b, 1, 1, 0, 0);
    end_dict(&b);
    end_dict(&b);
    pv_profile *p = parse_ok(&b);
    assert_string_equal(p->functions[0].file, "x\xc3\xa9y.py");
    assert_string_equal(p->functions[0].name, "caf\xef\xbf\xbd");
    assert_string_equal(p->functions[1].file, "caf\xef\xbf\xbd.py");
    pv_profile_free(p);
    bytes_free(&b);
}

static void pstats_back_referenced_keys_and_strings_name_the_same_function(void **state)
{
    bytes b = {0};
    u8(&b, '{' | 0x80);       /* slot 0 */
    small_tuple(&b, 0x80, 3); /* slot 1: main's key */
    u8(&b, 'z' | 0x80);       /* slot 2: the file name */
    u8(&b, 4);
    put(&b, "a.py", 4);
    int32_obj(&b, 1);
    short_str(&b, 'z', "main");
    stats_begin(&b, 1, 1, 0.5, 1.0);
    end_dict(&b);
    small_tuple(&b, 0, 3);
    ref(&b, 2);
    int32_obj(&b, 2);
    short_str(&b, 'z', "f");
    stats_begin(&b, 1, 1, 0.5, 0.5);
    ref(&b, 1); /* caller: main */
    caller_numbers(&b, 1, 1, 0.5, 0.5);
    end_dict(&b);
    end_dict(&b);
    pv_profile *p = parse_ok(&b);
    assert_int_equal(p->nfunctions, 2);
    assert_string_equal(p->functions[1].file, "a.py");
    assert_ptr_equal(p->functions[0].file, p->functions[1].file);
    assert_non_null(edge(p, 0, 1));
    pv_profile_free(p);
    bytes_free(&b);
}

static void pstats_reads_python2_string_references_in_keys(void **state)
{
    bytes b = {0};
    u8(&b, '{');
    small_tuple(&b, 0, 3);
    str(&b, 't', "a.py");
    int32_obj(&b, 1);
    str(&b, 't', "main");
    stats_begin(&b, 1, 1, 0, 0);
    end_dict(&b);
    small_tuple(&b, 0, 3);
    u8(&b, 'R');
    i32(&b, 0);
    int32_obj(&b, 2);
    str(&b, 's', "f");
    stats_begin(&b, 1, 1, 0, 0);
    small_tuple(&b, 0, 3);
    u8(&b, 'R');
    i32(&b, 0);
    int32_obj(&b, 1);
    u8(&b, 'R');
    i32(&b, 1);
    caller_numbers(&b, 1, 1, 0, 0);
    end_dict(&b);
    end_dict(&b);
    pv_profile *p = parse_ok(&b);
    assert_int_equal(p->nfunctions, 2);
    assert_string_equal(p->functions[1].file, "a.py");
    assert_non_null(edge(p, 0, 1));
    pv_profile_free(p);
    bytes_free(&b);
}

static void pstats_reads_counts_written_as_long_and_int64(void **state)
{
    bytes b = {0};
    u8(&b, '{');
    key(&b, "a.py", 1, "f");
    small_tuple(&b, 0, 5);
    u8(&b, 'l'); /* 3 * 2^30 */
    i32(&b, 3);
    put(&b, "\x00\x00\x00\x00\x03\x00", 6);
    u8(&b, 'I');
    i64(&b, (int64_t)1 << 40);
    short_str(&b, 'f', "0.5"); /* a text float, as marshal versions 0 and 1 write */
    short_str(&b, 'f', "1.5");
    u8(&b, '{');
    end_dict(&b);
    end_dict(&b);
    pv_profile *p = parse_ok(&b);
    assert_int_equal(p->functions[0].pcalls, 3 * ((int64_t)1 << 30));
    assert_int_equal(p->functions[0].ncalls, (int64_t)1 << 40);
    assert_true(p->functions[0].tottime == 0.5 && p->functions[0].cumtime == 1.5);
    pv_profile_free(p);
    bytes_free(&b);
}

/* An entry (file, 1, name) with 1 call and no callers; file and name are
 * given with their lengths, so they may hold NUL bytes. */
static void nul_entry(bytes *b, const char *file, size_t file_len, const char *name,
                      size_t name_len)
{
    small_tuple(b, 0, 3);
    u8(b, 'z');
    u8(b, (unsigned)file_len);
    put(b, file, file_len);
    int32_obj(b, 1);
    u8(b, 'z');
    u8(b, (unsigned)name_len);
    put(b, name, name_len);
    small_tuple(b, 0, 5);
    int32_obj(b, 1);
    int32_obj(b, 1);
    int32_obj(b, 0);
    int32_obj(b, 0);
    u8(b, '{');
    u8(b, '0');
}

static void pstats_keeps_names_that_differ_after_a_nul_byte_apart(void **state)
{
    (void)state;
    bytes b = {0};
    u8(&b, '{');
    nul_entry(&b, "m.py", 4, "f\0x", 3);
    nul_entry(&b, "m.py", 4, "f\0y", 3);
    nul_entry(&b, "m.py", 4, "f", 1);
    nul_entry(&b, "n\0a.py", 6, "f", 1);
    nul_entry(&b, "n\0b.py", 6, "f", 1);
    u8(&b, '0');
    pv_profile *p = parse_ok(&b);
    assert_int_equal(p->nfunctions, 5);
    assert_string_equal(p->functions[0].name, "f\xe2\x90\x80x"); /* f U+2400 x */
    assert_string_equal(p->functions[1].name, "f\xe2\x90\x80y");
    assert_string_equal(p->functions[2].name, "f");
    assert_string_equal(p->functions[3].file, "n\xe2\x90\x80\x61.py");
    assert_string_equal(p->functions[4].file, "n\xe2\x90\x80\x62.py");
    assert_int_equal(p->total_calls, 5);
    pv_profile_free(p);
    bytes_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(pstats_keeps_names_that_differ_after_a_nul_byte_apart),
        cmocka_unit_test(pstats_reads_an_empty_stats_dict),
        cmocka_unit_test(pstats_skips_the_sampled_marker_of_python_3_15),
        cmocka_unit_test(pstats_duplicate_top_level_key_last_wins_and_replaces_callers),
        cmocka_unit_test(pstats_duplicate_caller_key_in_one_dict_last_wins),
        cmocka_unit_test(pstats_caller_missing_from_the_top_level_gets_an_unlisted_function),
        cmocka_unit_test(pstats_finds_roots_without_callers_or_with_calls_from_outside),
        cmocka_unit_test(pstats_totals_add_up_calls_primitive_calls_and_own_time),
        cmocka_unit_test(pstats_reads_profile_module_int_callers_and_int_times),
        cmocka_unit_test(pstats_names_a_key_with_a_code_object_by_its_co_name),
        cmocka_unit_test(pstats_maps_surrogate_escapes_back_and_replaces_invalid_bytes),
        cmocka_unit_test(pstats_back_referenced_keys_and_strings_name_the_same_function),
        cmocka_unit_test(pstats_reads_python2_string_references_in_keys),
        cmocka_unit_test(pstats_reads_counts_written_as_long_and_int64),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
