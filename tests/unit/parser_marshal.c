/* Tests of the marshal pull reader (parser/marshal.c): every type code
 * (singletons, ints, longs, floats, strings, containers), skipping and
 * reading whole objects, code objects of each layout (and a back-reference
 * to one), kind names. The reference table is tested in
 * parser_marshal_refs.c and hostile input in parser_marshal_errors.c.
 * Inputs are built byte by byte (marshal_bytes.h). */
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

#include "marshal.h"

#include "marshal_bytes.h"
#include "marshal_checks.h"

/* ---- every kind of object ---- */

static void marshal_reads_none_bools_stopiteration_and_ellipsis(void **state)
{
    bytes b = {0};
    put(&b, "NFTS.", 5);
    pv_marshal_reader *r = reader(&b);
    pv_mvalue v = next_ok(r, PV_M_NONE);
    assert_int_equal(v.offset, 0);
    assert_int_equal(v.slot, -1);
    assert_int_equal(next_ok(r, PV_M_BOOL).i, 0);
    assert_int_equal(next_ok(r, PV_M_BOOL).i, 1);
    next_ok(r, PV_M_NONE);
    v = next_ok(r, PV_M_NONE);
    assert_int_equal(v.offset, 4);
    assert_int_equal(pv_marshal_offset(r), 5);
    pv_marshal_free(r);
    bytes_free(&b);
}

static void marshal_reads_ints_of_32_and_64_bits(void **state)
{
    bytes b = {0};
    int32_obj(&b, -5);
    int32_obj(&b, INT32_MAX);
    u8(&b, 'I');
    i64(&b, (int64_t)1 << 40);
    u8(&b, 'I');
    i64(&b, INT64_MIN);
    pv_marshal_reader *r = reader(&b);
    assert_int_equal(next_ok(r, PV_M_INT).i, -5);
    assert_int_equal(next_ok(r, PV_M_INT).i, INT32_MAX);
    assert_int_equal(next_ok(r, PV_M_INT).i, (int64_t)1 << 40);
    assert_true(next_ok(r, PV_M_INT).i == INT64_MIN);
    pv_marshal_free(r);
    bytes_free(&b);
}

static void marshal_reads_longs_up_to_the_limits_of_int64(void **state)
{
    bytes b = {0};
    /* 1 + 2*2^15 + 3*2^30, negative */
    u8(&b, 'l');
    i32(&b, -3);
    put(&b, "\x01\x00\x02\x00\x03\x00", 6);
    /* INT64_MAX = 2^63-1: digits 0x7fff x4, then 7 */
    u8(&b, 'l');
    i32(&b, 5);
    put(&b, "\xff\x7f\xff\x7f\xff\x7f\xff\x7f\x07\x00", 10);
    /* zero has no digits */
    u8(&b, 'l');
    i32(&b, 0);
    pv_marshal_reader *r = reader(&b);
    assert_int_equal(next_ok(r, PV_M_INT).i, -(1 + 2 * 32768 + 3 * (int64_t)1073741824));
    assert_true(next_ok(r, PV_M_INT).i == INT64_MAX);
    assert_int_equal(next_ok(r, PV_M_INT).i, 0);
    assert_int_equal(pv_marshal_offset(r), b.n);
    pv_marshal_free(r);
    bytes_free(&b);
}

/* Found by this test: read_long refused the 5th digit 8 of -2**63 before its
 * own INT64_MAX + 1 check (fixed in e2c7ab9). marshal.dumps(-2**63): */
static void marshal_reads_long_equal_to_int64_min(void **state)
{
    bytes b = {0};
    hex(&b, "6cfbffffff00000000000000000800");
    pv_marshal_reader *r = reader(&b);
    assert_true(next_ok(r, PV_M_INT).i == INT64_MIN);
    pv_marshal_free(r);
    bytes_free(&b);
}

static void marshal_reads_text_and_binary_floats_and_complexes(void **state)
{
    bytes b = {0};
    short_str(&b, 'f', "1.5");
    short_str(&b, 'f', "-inf");
    u8(&b, 'g');
    f64(&b, 0.1);
    u8(&b, 'x');
    put(&b,
        "\x03"
        "2.5"
        "\x01"
        "1",
        6);
    u8(&b, 'y');
    f64(&b, -4.0);
    f64(&b, 7.0);
    pv_marshal_reader *r = reader(&b);
    assert_true(next_ok(r, PV_M_FLOAT).f == 1.5);
    pv_mvalue v = next_ok(r, PV_M_FLOAT);
    assert_true(isinf(v.f) && v.f < 0);
    assert_true(next_ok(r, PV_M_FLOAT).f == 0.1);
    assert_true(next_ok(r, PV_M_COMPLEX).f == 2.5);
    assert_true(next_ok(r, PV_M_COMPLEX).f == -4.0);
    assert_int_equal(pv_marshal_offset(r), b.n);
    pv_marshal_free(r);
    bytes_free(&b);
}

static void marshal_reads_every_kind_of_string(void **state)
{
    static const struct {
        unsigned code;
        pv_mkind kind;
        bool unescape;
    } kinds[] = {
        {'s', PV_M_BYTES, false}, {'t', PV_M_TEXT, true},  {'u', PV_M_TEXT, true},
        {'a', PV_M_TEXT, false},  {'A', PV_M_TEXT, false}, {'z', PV_M_TEXT, false},
        {'Z', PV_M_TEXT, false},
    };
    bytes b = {0};
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        if (kinds[k].code == 'z' || kinds[k].code == 'Z')
            short_str(&b, kinds[k].code, "name");
        else
            str(&b, kinds[k].code, "name");
    }
    str(&b, 'u', ""); /* empty */
    pv_marshal_reader *r = reader(&b);
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        pv_mvalue v = next_ok(r, kinds[k].kind);
        assert_int_equal(v.len, 4);
        assert_memory_equal(v.bytes, "name", 4);
        assert_int_equal(v.unescape, kinds[k].unescape);
    }
    assert_int_equal(next_ok(r, PV_M_TEXT).len, 0);
    pv_marshal_free(r);
    bytes_free(&b);
}

static void marshal_resolves_python2_interned_string_references(void **state)
{
    bytes b = {0};
    str(&b, 't', "first");
    str(&b, 's', "not interned");
    str(&b, 't', "second");
    u8(&b, 'R');
    i32(&b, 1);
    u8(&b, 'R');
    i32(&b, 0);
    pv_marshal_reader *r = reader(&b);
    next_ok(r, PV_M_TEXT);
    next_ok(r, PV_M_BYTES);
    next_ok(r, PV_M_TEXT);
    pv_mvalue v = next_ok(r, PV_M_TEXT);
    assert_int_equal(v.len, 6);
    assert_memory_equal(v.bytes, "second", 6);
    v = next_ok(r, PV_M_TEXT);
    assert_int_equal(v.len, 5);
    assert_memory_equal(v.bytes, "first", 5);
    pv_marshal_free(r);
    bytes_free(&b);
}

static void marshal_reads_tuples_lists_sets_frozensets_dicts_and_slices(void **state)
{
    bytes b = {0};
    u8(&b, '(');
    i32(&b, 2);
    int32_obj(&b, 1);
    u8(&b, '[');
    i32(&b, 1);
    u8(&b, 'N');
    small_tuple(&b, 0, 0);
    u8(&b, '<');
    i32(&b, 1);
    int32_obj(&b, 2);
    u8(&b, '>');
    i32(&b, 0);
    u8(&b, '{');
    short_str(&b, 'z', "k");
    int32_obj(&b, 3);
    u8(&b, '0');
    u8(&b, ':');
    put(&b, "NNN", 3);

    pv_marshal_reader *r = reader(&b);
    assert_int_equal(next_ok(r, PV_M_TUPLE).count, 2);
    assert_int_equal(pv_marshal_depth(r), 1);
    assert_int_equal(next_ok(r, PV_M_INT).i, 1);
    assert_int_equal(next_ok(r, PV_M_LIST).count, 1);
    next_ok(r, PV_M_NONE);
    next_ok(r, PV_M_END);
    next_ok(r, PV_M_END);
    assert_int_equal(pv_marshal_depth(r), 0);
    assert_int_equal(next_ok(r, PV_M_TUPLE).count, 0);
    next_ok(r, PV_M_END);
    assert_int_equal(next_ok(r, PV_M_SET).count, 1);
    next_ok(r, PV_M_INT);
    next_ok(r, PV_M_END);
    assert_int_equal(next_ok(r, PV_M_SET).count, 0); /* frozenset */
    next_ok(r, PV_M_END);
    next_ok(r, PV_M_DICT);
    next_ok(r, PV_M_TEXT);
    assert_int_equal(next_ok(r, PV_M_INT).i, 3);
    pv_mvalue end = next_ok(r, PV_M_END);
    assert_int_equal(end.offset, b.n - 5); /* the '0' */
    assert_int_equal(next_ok(r, PV_M_SLICE).count, 3);
    for (int k = 0; k < 3; k++)
        next_ok(r, PV_M_NONE);
    next_ok(r, PV_M_END);
    assert_int_equal(pv_marshal_offset(r), b.n);
    pv_marshal_free(r);
    bytes_free(&b);
}

static void marshal_skip_and_read_whole_pass_over_nested_containers(void **state)
{
    bytes b = {0};
    small_tuple(&b, 0, 3);
    int32_obj(&b, 1);
    small_tuple(&b, 0, 1);
    u8(&b, '{');
    int32_obj(&b, 1);
    small_tuple(&b, 0, 0);
    u8(&b, '0');
    int32_obj(&b, 9);
    u8(&b, 'T');
    pv_marshal_reader *r = reader(&b);
    pv_error err;
    next_ok(r, PV_M_TUPLE);
    next_ok(r, PV_M_INT);
    assert_int_equal(pv_marshal_skip(r, &err), 0);
    assert_int_equal(pv_marshal_depth(r), 0);
    next_ok(r, PV_M_BOOL);
    pv_marshal_free(r);

    r = reader(&b);
    pv_mvalue v;
    assert_int_equal(pv_marshal_read_whole(r, &v, &err), 0);
    assert_int_equal(v.kind, PV_M_TUPLE);
    assert_int_equal(pv_marshal_offset(r), b.n - 1);
    pv_marshal_free(r);
    bytes_free(&b);
}

/* Code objects compiled from compile("x", "f.py", "eval") and dumped with
 * marshal.dumps by each Python (version 2 for 2.7, 4 for the others). */
static const struct {
    const char *python, *hex;
} code_objects[] = {
    {"2.7", "6300000000000000000100000040000000730400000065000053280000000028010000007401000000"
            "782800000000280000000028000000007304000000662e707974080000003c6d6f64756c653e0100"
            "00007400000000"},
    {"3.6", "e30000000000000000000000000100000040000000730400000065005300a9002901da0178720100"
            "000072010000007201000000fa04662e7079da083c6d6f64756c653e010000007300000000"},
    {"3.8", "e3000000000000000000000000000000000100000040000000730400000065005300a9002901da01"
            "78720100000072010000007201000000fa04662e7079da083c6d6f64756c653e01000000f3000000"
            "00"},
    {"3.13", "e30000000000000000000000000100000000000000f30600000095005c002400a9002901da017872"
             "02000000f300000000da04662e7079da083c6d6f64756c653e7206000000010000007308000000f0"
             "03010101d900017204000000"},
};

static void marshal_reads_code_objects_of_every_layout(void **state)
{
    for (size_t k = 0; k < sizeof code_objects / sizeof code_objects[0]; k++) {
        bytes b = {0};
        small_tuple(&b, 0, 2); /* the code object must count as one child */
        hex(&b, code_objects[k].hex);
        int32_obj(&b, 42);
        pv_marshal_reader *r = reader(&b);
        next_ok(r, PV_M_TUPLE);
        pv_mvalue v = next_ok(r, PV_M_CODE);
        if (v.len != 8) print_error("Python %s\n", code_objects[k].python);
        assert_int_equal(v.offset, 2);
        assert_int_equal(v.len, 8);
        assert_memory_equal(v.bytes, "<module>", 8);
        assert_int_equal(pv_marshal_depth(r), 1);
        assert_int_equal(next_ok(r, PV_M_INT).i, 42);
        next_ok(r, PV_M_END);
        assert_int_equal(pv_marshal_offset(r), b.n);
        pv_marshal_free(r);
        bytes_free(&b);
    }
}

static void marshal_back_reference_to_a_code_object_gives_its_name(void **state)
{
    /* 3.13's code object is flagged: it takes slot 0 before its fields. */
    bytes b = {0};
    hex(&b, code_objects[3].hex);
    ref(&b, 0);
    pv_marshal_reader *r = reader(&b);
    pv_mvalue first = next_ok(r, PV_M_CODE);
    assert_int_equal(first.slot, 0);
    pv_mvalue again = next_ok(r, PV_M_CODE);
    assert_true(again.is_ref);
    assert_int_equal(again.slot, 0);
    assert_int_equal(again.len, 8);
    assert_memory_equal(again.bytes, "<module>", 8);
    pv_marshal_free(r);
    bytes_free(&b);
}

/* Found by this test under UBSan (parser/marshal.c from
 * c1a0651 "inline fast path"): read_header no longer clears *v, and
 * set_scalar_slot copies v->unescape into the slot for every flagged scalar,
 * so reading a flagged int (bytes e9 2a 00 00 00) into a pv_mvalue that held
 * garbage loads an invalid _Bool: "marshal.c:143: runtime error: load of
 * value 90, which is not a valid value for type '_Bool'". pstats.c's own
 * pv_mvalue locals hit it on real fixtures, so the ASan+UBSan unit and golden
 * tests aborted. Passes in a plain build. Fixed in df1a486 (only text
 * kinds copy the flag). */
static void marshal_next_fills_a_value_that_held_garbage(void **state)
{
    bytes b = {0};
    u8(&b, 'i' | 0x80);
    i32(&b, 42);
    ref(&b, 0);
    pv_marshal_reader *r = reader(&b);
    pv_mvalue v;
    pv_error err;
    memset(&v, 0x5a, sizeof v);
    assert_int_equal(pv_marshal_next(r, &v, &err), 0);
    assert_int_equal(v.kind, PV_M_INT);
    assert_int_equal(v.i, 42);
    assert_int_equal(v.slot, 0);
    assert_false(v.is_ref);
    memset(&v, 0x5a, sizeof v);
    assert_int_equal(pv_marshal_next(r, &v, &err), 0);
    assert_int_equal(v.i, 42);
    assert_true(v.is_ref);
    pv_marshal_free(r);
    bytes_free(&b);
}

static void marshal_kind_names_read_as_words(void **state)
{
    assert_string_equal(pv_marshal_kind_name(PV_M_DICT), "dict");
    assert_string_equal(pv_marshal_kind_name(PV_M_TUPLE), "tuple");
    assert_string_equal(pv_marshal_kind_name(PV_M_TEXT), "str");
    assert_string_equal(pv_marshal_kind_name((pv_mkind)99), "object");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(marshal_reads_none_bools_stopiteration_and_ellipsis),
        cmocka_unit_test(marshal_reads_ints_of_32_and_64_bits),
        cmocka_unit_test(marshal_reads_longs_up_to_the_limits_of_int64),
        cmocka_unit_test(marshal_reads_long_equal_to_int64_min),
        cmocka_unit_test(marshal_reads_text_and_binary_floats_and_complexes),
        cmocka_unit_test(marshal_reads_every_kind_of_string),
        cmocka_unit_test(marshal_resolves_python2_interned_string_references),
        cmocka_unit_test(marshal_reads_tuples_lists_sets_frozensets_dicts_and_slices),
        cmocka_unit_test(marshal_skip_and_read_whole_pass_over_nested_containers),
        cmocka_unit_test(marshal_reads_code_objects_of_every_layout),
        cmocka_unit_test(marshal_back_reference_to_a_code_object_gives_its_name),
        cmocka_unit_test(marshal_next_fills_a_value_that_held_garbage),
        cmocka_unit_test(marshal_kind_names_read_as_words),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
