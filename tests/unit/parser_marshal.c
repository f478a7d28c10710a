/* Tests of the marshal pull reader (parser/marshal.c): every type code, the
 * reference table, code objects of each layout, and hostile input (each
 * refusal checked for its message and its exact byte offset). Inputs are
 * built byte by byte with the helpers below. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "marshal.h"

#include "marshal_bytes.h"

/* ---- reading ---- */

static pv_marshal_reader *reader(const bytes *b)
{
    pv_marshal_reader *r = pv_marshal_new(b->p, b->n);
    assert_non_null(r);
    return r;
}

/* Reads the next header, which must succeed and be of the given kind. */
static pv_mvalue next_ok(pv_marshal_reader *r, pv_mkind kind)
{
    pv_mvalue v = {0}; /* see marshal_next_fills_a_value_that_held_garbage */
    pv_error err = {0};
    int rc = pv_marshal_next(r, &v, &err);
    if (rc != 0) print_error("unexpected error at %lld: %s\n", (long long)err.offset, err.message);
    assert_int_equal(rc, 0);
    if (v.kind != kind)
        print_error("got a %s, want a %s\n", pv_marshal_kind_name(v.kind),
                    pv_marshal_kind_name(kind));
    assert_int_equal(v.kind, kind);
    return v;
}

static void assert_error(const pv_error *err, const char *message, int64_t offset)
{
    if (!strstr(err->message, message) || err->offset != offset)
        print_error("got \"%s\" at %lld, want \"%s\" at %lld\n", err->message,
                    (long long)err->offset, message, (long long)offset);
    assert_non_null(strstr(err->message, message));
    assert_int_equal(err->offset, offset);
}

/* Reads one whole top-level object, which must fail with message (a
 * substring) at offset. */
static void expect_failure(const bytes *b, const char *message, int64_t offset)
{
    pv_marshal_reader *r = reader(b);
    pv_error err = {0};
    pv_mvalue v;
    assert_int_equal(pv_marshal_read_whole(r, &v, &err), -1);
    assert_error(&err, message, offset);
    pv_marshal_free(r);
}

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

static void marshal_back_references_return_scalars_and_replay_containers(void **state)
{
    bytes b = {0};
    small_tuple(&b, 0, 4);
    small_tuple(&b, 0x80, 2); /* slot 0 */
    u8(&b, 'z' | 0x80);       /* slot 1 */
    u8(&b, 4);
    put(&b, "f.py", 4);
    u8(&b, 'i' | 0x80); /* slot 2 */
    i32(&b, 7);
    ref(&b, 0);
    ref(&b, 1);
    ref(&b, 2);
    pv_marshal_reader *r = reader(&b);
    next_ok(r, PV_M_TUPLE);
    pv_mvalue t = next_ok(r, PV_M_TUPLE);
    assert_int_equal(t.slot, 0);
    assert_false(t.is_ref);
    assert_int_equal(next_ok(r, PV_M_TEXT).slot, 1);
    assert_int_equal(next_ok(r, PV_M_INT).slot, 2);
    next_ok(r, PV_M_END);

    size_t ref_at = pv_marshal_offset(r);
    t = next_ok(r, PV_M_TUPLE); /* replayed */
    assert_true(t.is_ref);
    assert_int_equal(t.slot, 0);
    assert_int_equal(t.count, 2);
    assert_int_equal(t.offset, ref_at);
    pv_mvalue s = next_ok(r, PV_M_TEXT);
    assert_memory_equal(s.bytes, "f.py", 4);
    assert_int_equal(next_ok(r, PV_M_INT).i, 7);
    next_ok(r, PV_M_END);
    assert_int_equal(pv_marshal_offset(r), ref_at + 5); /* back after the 'r' */
    s = next_ok(r, PV_M_TEXT);
    assert_true(s.is_ref);
    assert_int_equal(s.slot, 1);
    assert_int_equal(s.len, 4);
    assert_memory_equal(s.bytes, "f.py", 4);
    pv_mvalue i = next_ok(r, PV_M_INT);
    assert_true(i.is_ref);
    assert_int_equal(i.i, 7);
    next_ok(r, PV_M_END);
    assert_int_equal(pv_marshal_offset(r), b.n);
    pv_marshal_free(r);
    bytes_free(&b);
}

static void marshal_skip_jumps_over_a_replayed_container(void **state)
{
    bytes b = {0};
    small_tuple(&b, 0x80, 1); /* slot 0 */
    int32_obj(&b, 5);
    ref(&b, 0);
    int32_obj(&b, 6);
    pv_marshal_reader *r = reader(&b);
    pv_error err;
    assert_int_equal(pv_marshal_read_whole(r, NULL, &err), 0);
    next_ok(r, PV_M_TUPLE);
    assert_int_equal(pv_marshal_skip(r, &err), 0);
    assert_int_equal(pv_marshal_depth(r), 0);
    assert_int_equal(next_ok(r, PV_M_INT).i, 6);
    pv_marshal_free(r);
    bytes_free(&b);
}

/* CPython ignores FLAG_REF on N F T S . 0 and r: if any of them took a slot,
 * every later index would be off by one, and here the references would
 * name the wrong objects or fail. */
static void marshal_flag_ref_takes_no_slot_for_singletons_null_or_references(void **state)
{
    bytes b = {0};
    put(&b, "\xce\xc6\xd4\xd3\xae", 5); /* N F T S . all flagged */
    u8(&b, 'i' | 0x80);                 /* slot 0 */
    i32(&b, 100);
    u8(&b, 'r' | 0x80); /* a flagged reference to slot 0 */
    i32(&b, 0);
    u8(&b, '{'); /* unflagged dict, ended by a flagged NULL */
    u8(&b, '0' | 0x80);
    u8(&b, 'i' | 0x80); /* slot 1 */
    i32(&b, 200);
    ref(&b, 1);
    ref(&b, 0);
    size_t bad = b.n;
    ref(&b, 2); /* there are only two slots */

    pv_marshal_reader *r = reader(&b);
    next_ok(r, PV_M_NONE);
    next_ok(r, PV_M_BOOL);
    next_ok(r, PV_M_BOOL);
    next_ok(r, PV_M_NONE);
    next_ok(r, PV_M_NONE);
    assert_int_equal(next_ok(r, PV_M_INT).slot, 0);
    pv_mvalue v = next_ok(r, PV_M_INT);
    assert_true(v.is_ref);
    assert_int_equal(v.i, 100);
    next_ok(r, PV_M_DICT);
    next_ok(r, PV_M_END);
    assert_int_equal(next_ok(r, PV_M_INT).slot, 1);
    assert_int_equal(next_ok(r, PV_M_INT).i, 200);
    assert_int_equal(next_ok(r, PV_M_INT).i, 100);
    pv_error err;
    assert_int_equal(pv_marshal_next(r, &v, &err), -1);
    assert_error(&err, "reference to object 2, but only 2 objects were stored before it", bad);
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

/* ---- hostile input: message and offset ---- */

static void marshal_rejects_string_longer_than_the_bytes_left(void **state)
{
    bytes b = {0};
    small_tuple(&b, 0, 1);
    u8(&b, 'u');
    i32(&b, 100);
    put(&b, "abc", 3);
    expect_failure(&b, "string claims 100 bytes but only 3 bytes are left", 2);
    bytes_free(&b);

    /* The same for a u8 length. */
    short_str(&b, 'z', "abcdef");
    b.n -= 2;
    expect_failure(&b, "string claims 6 bytes but only 4 bytes are left", 0);
    bytes_free(&b);
}

static void marshal_rejects_container_counts_beyond_the_end_of_the_file(void **state)
{
    static const struct {
        unsigned code;
        const char *message;
    } cases[] = {
        {'(', "tuple claims 1000000 items but only 1 bytes are left"},
        {'[', "list claims 1000000 items but only 1 bytes are left"},
        {'<', "set claims 1000000 items but only 1 bytes are left"},
        {'>', "set claims 1000000 items but only 1 bytes are left"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        bytes b = {0};
        small_tuple(&b, 0, 1);
        u8(&b, cases[k].code);
        i32(&b, 1000000);
        u8(&b, 'N');
        expect_failure(&b, cases[k].message, 2);
        bytes_free(&b);
    }
    /* A small tuple claiming more items than there are bytes. */
    bytes b = {0};
    small_tuple(&b, 0, 200);
    u8(&b, 'N');
    expect_failure(&b, "tuple claims 200 items but only 1 bytes are left", 0);
    bytes_free(&b);
}

static void marshal_rejects_long_digit_count_beyond_the_end_of_the_file(void **state)
{
    bytes b = {0};
    int32_obj(&b, 0);
    u8(&b, 'l');
    i32(&b, -1000);
    put(&b, "\x01\x00", 2);
    pv_marshal_reader *r = reader(&b);
    pv_error err;
    assert_int_equal(pv_marshal_read_whole(r, NULL, &err), 0);
    assert_int_equal(pv_marshal_read_whole(r, NULL, &err), -1);
    assert_error(&err, "long claims 1000 digits but only 2 bytes are left", 5);
    pv_marshal_free(r);
    bytes_free(&b);
}

static void marshal_rejects_negative_lengths(void **state)
{
    static const unsigned codes[] = {'s', 't', 'u', 'a', 'A', '(', '[', '<', '>'};
    for (size_t k = 0; k < sizeof codes / sizeof codes[0]; k++) {
        bytes b = {0};
        small_tuple(&b, 0, 1);
        u8(&b, codes[k]);
        i32(&b, -1);
        put(&b, "NNNN", 4);
        expect_failure(&b, "has negative length -1", 2);
        bytes_free(&b);
    }
    bytes b = {0};
    u8(&b, '(');
    i32(&b, INT32_MIN);
    expect_failure(&b, "tuple has negative length -2147483648", 0);
    bytes_free(&b);
}

static void marshal_rejects_reference_forward(void **state)
{
    bytes b = {0};
    small_tuple(&b, 0, 2);
    u8(&b, 'i' | 0x80); /* slot 0 */
    i32(&b, 1);
    ref(&b, 1); /* slot 1 does not exist yet */
    expect_failure(&b, "reference to object 1, but only 1 objects were stored before it", 7);
    bytes_free(&b);
}

static void marshal_rejects_reference_out_of_range(void **state)
{
    bytes b = {0};
    small_tuple(&b, 0, 1);
    ref(&b, -1);
    expect_failure(&b, "reference to object -1, but only 0 objects were stored before it", 2);
    bytes_free(&b);
    small_tuple(&b, 0, 1);
    ref(&b, INT32_MAX);
    expect_failure(&b, "reference to object 2147483647", 2);
    bytes_free(&b);
    /* A Python 2 string reference past the interned list. */
    small_tuple(&b, 0, 2);
    str(&b, 't', "a");
    u8(&b, 'R');
    i32(&b, 1);
    expect_failure(&b, "string reference 1, but only 1 strings were interned before it", 8);
    bytes_free(&b);
}

static void marshal_rejects_reference_into_unfinished_tuple(void **state)
{
    bytes b = {0};
    small_tuple(&b, 0x80, 2); /* slot 0, still open when referred to */
    int32_obj(&b, 1);
    ref(&b, 0);
    expect_failure(&b, "reference to object 0, whose container is still being read", 7);
    bytes_free(&b);
}

static void marshal_rejects_reference_into_unfinished_dict(void **state)
{
    bytes b = {0};
    u8(&b, '{' | 0x80); /* slot 0 */
    short_str(&b, 'z', "k");
    small_tuple(&b, 0x80, 1); /* slot 1 */
    ref(&b, 0);
    expect_failure(&b, "reference to object 0, whose container is still being read", 6);
    bytes_free(&b);
}

static void marshal_rejects_nesting_100000_deep_at_the_depth_cap(void **state)
{
    bytes b = {0};
    for (int k = 0; k < 100000; k++)
        small_tuple(&b, 0, 1);
    u8(&b, 'N');
    /* Containers 0..PV_MARSHAL_MAX_DEPTH open; the next one, 2 bytes each, is
     * refused at its own type byte. */
    expect_failure(&b, "objects nested deeper than 2000 levels", 2 * (PV_MARSHAL_MAX_DEPTH + 1));
    bytes_free(&b);
    /* Lists and dicts count the same. */
    for (int k = 0; k < 100000; k++) {
        u8(&b, '[');
        i32(&b, 1);
        u8(&b, '{');
        u8(&b, 'N');
    }
    expect_failure(&b, "objects nested deeper than 2000 levels",
                   7 * (PV_MARSHAL_MAX_DEPTH / 2) + 5);
    bytes_free(&b);
}

static void marshal_rejects_unknown_type_code(void **state)
{
    bytes b = {0};
    small_tuple(&b, 0, 1);
    u8(&b, 'W');
    expect_failure(&b, "unknown marshal type code 'W' (0x57)", 2);
    bytes_free(&b);
    small_tuple(&b, 0, 1);
    u8(&b, 'W' | 0x80);
    expect_failure(&b, "unknown marshal type code 'W' (0xd7)", 2);
    bytes_free(&b);
    small_tuple(&b, 0, 1);
    u8(&b, 0x01);
    expect_failure(&b, "unknown marshal type code 0x01", 2);
    bytes_free(&b);
}

static void marshal_rejects_the_unknown_code_question_mark(void **state)
{
    bytes b = {0};
    small_tuple(&b, 0, 2);
    u8(&b, 'N');
    u8(&b, '?');
    expect_failure(&b, "marshal type UNKNOWN ('?') is always invalid", 3);
    bytes_free(&b);
}

static void marshal_rejects_null_outside_a_dict_key_position(void **state)
{
    bytes b = {0};
    small_tuple(&b, 0, 1);
    u8(&b, '0');
    expect_failure(&b, "unexpected NULL object outside a dict key position", 2);
    bytes_free(&b);
}

static void marshal_rejects_dict_ending_in_value_position(void **state)
{
    bytes b = {0};
    u8(&b, '{');
    int32_obj(&b, 1);
    u8(&b, '0');
    expect_failure(&b, "dict ends where a value was expected", 6);
    bytes_free(&b);
}

static void marshal_rejects_long_values_that_overflow_64_bits(void **state)
{
    bytes b = {0};
    small_tuple(&b, 0, 1);
    u8(&b, 'l'); /* 2^63: one past INT64_MAX */
    i32(&b, 5);
    put(&b, "\x00\x00\x00\x00\x00\x00\x00\x00\x08\x00", 10);
    expect_failure(&b, "integer does not fit in 64 bits", 2);
    bytes_free(&b);

    small_tuple(&b, 0, 1);
    u8(&b, 'l'); /* -2^63 - 1 */
    i32(&b, -5);
    put(&b, "\x01\x00\x00\x00\x00\x00\x00\x00\x08\x00", 10);
    expect_failure(&b, "integer does not fit in 64 bits", 2);
    bytes_free(&b);

    small_tuple(&b, 0, 1);
    u8(&b, 'l'); /* 2^75 */
    i32(&b, 6);
    put(&b, "\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01\x00", 12);
    expect_failure(&b, "integer does not fit in 64 bits", 2);
    bytes_free(&b);

    small_tuple(&b, 0, 1);
    u8(&b, 'l');
    i32(&b, INT32_MIN);
    expect_failure(&b, "long has an impossible digit count", 2);
    bytes_free(&b);

    small_tuple(&b, 0, 1);
    u8(&b, 'l');
    i32(&b, 1);
    put(&b, "\x00\x80", 2);
    expect_failure(&b, "long digit 32768 out of range", 2);
    bytes_free(&b);
}

static void marshal_rejects_float_text_that_is_not_a_number(void **state)
{
    bytes b = {0};
    small_tuple(&b, 0, 1);
    short_str(&b, 'f', "1.5x");
    expect_failure(&b, "float text \"1.5x\" is not a number", 2);
    bytes_free(&b);
    small_tuple(&b, 0, 1);
    short_str(&b, 'f', "");
    expect_failure(&b, "is not a number", 2);
    bytes_free(&b);
}

static void marshal_reports_truncation_where_the_bytes_ran_out(void **state)
{
    bytes b = {0};
    small_tuple(&b, 0, 2);
    int32_obj(&b, 1);
    u8(&b, 'g');
    put(&b, "\x00\x00\x00", 3);
    expect_failure(&b, "truncated file: float needs 8 bytes, 3 left", 8);
    bytes_free(&b);
    small_tuple(&b, 0, 2);
    int32_obj(&b, 1);
    expect_failure(&b, "truncated file: type code needs 1 bytes, 0 left", 7);
    bytes_free(&b);
    u8(&b, '{');
    expect_failure(&b, "truncated file: type code needs 1 bytes, 0 left", 1);
    bytes_free(&b);
}

/* Each level is a flagged tuple of 16 references to the level below, so the
 * top level stands for 16^levels objects in a few hundred bytes. */
static void build_expanding_references(bytes *b, int levels)
{
    small_tuple(b, 0, (unsigned)levels + 1);
    small_tuple(b, 0x80, 2); /* slot 0 */
    int32_obj(b, 1);
    int32_obj(b, 2);
    for (int level = 1; level <= levels; level++) {
        small_tuple(b, 0x80, 16); /* slot level */
        for (int k = 0; k < 16; k++)
            ref(b, level - 1);
    }
}

static void marshal_refuses_exponential_reference_expansion_quickly(void **state)
{
    bytes b = {0};
    build_expanding_references(&b, 12); /* 16^12 objects if fully replayed */
    size_t first_level = 2 + 2 + 10;
    pv_marshal_reader *r = reader(&b);
    pv_error err;
    clock_t start = clock();
    assert_int_equal(pv_marshal_read_whole(r, NULL, &err), -1);
    double seconds = (double)(clock() - start) / CLOCKS_PER_SEC;
    assert_true(seconds < 5);
    assert_non_null(
        strstr(err.message, "back-references expand to more objects than the file could hold"));
    /* The budget runs out while some replayed level is being re-read, at a
     * place that depends on the size of the budget: inside the levels. */
    assert_true(err.offset >= (int64_t)first_level && err.offset < (int64_t)b.n);
    pv_marshal_free(r);
    bytes_free(&b);
}

static void marshal_survives_random_bytes(void **state)
{
    uint64_t seed = 0x9e3779b97f4a7c15ull;
    unsigned char data[512];
    for (int iter = 0; iter < 20000; iter++) {
        size_t n = 0;
        seed ^= seed << 13, seed ^= seed >> 7, seed ^= seed << 17;
        n = (size_t)(seed % sizeof data);
        for (size_t i = 0; i < n; i++) {
            seed ^= seed << 13, seed ^= seed >> 7, seed ^= seed << 17;
            /* Bias towards real type codes so that the reader gets deep. */
            static const char codes[] = "NFTS.0iIlfgxystuaAzZR()[]{}<>:cr?";
            data[i] = (seed >> 32) % 3 ? (unsigned char)(seed >> 8)
                                       : (unsigned char)(codes[(seed >> 16) % (sizeof codes - 1)] |
                                                         ((seed >> 40) & 0x80));
        }
        pv_marshal_reader *r = pv_marshal_new(data, n);
        assert_non_null(r);
        pv_error err;
        pv_mvalue v;
        while (pv_marshal_offset(r) < n) {
            if (pv_marshal_read_whole(r, &v, &err) != 0) {
                assert_true(err.offset >= 0 && err.offset <= (int64_t)n);
                assert_true(err.message[0] != '\0');
                break;
            }
        }
        pv_marshal_free(r);
    }
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
        cmocka_unit_test(marshal_back_references_return_scalars_and_replay_containers),
        cmocka_unit_test(marshal_skip_jumps_over_a_replayed_container),
        cmocka_unit_test(marshal_flag_ref_takes_no_slot_for_singletons_null_or_references),
        cmocka_unit_test(marshal_next_fills_a_value_that_held_garbage),
        cmocka_unit_test(marshal_kind_names_read_as_words),
        cmocka_unit_test(marshal_rejects_string_longer_than_the_bytes_left),
        cmocka_unit_test(marshal_rejects_container_counts_beyond_the_end_of_the_file),
        cmocka_unit_test(marshal_rejects_long_digit_count_beyond_the_end_of_the_file),
        cmocka_unit_test(marshal_rejects_negative_lengths),
        cmocka_unit_test(marshal_rejects_reference_forward),
        cmocka_unit_test(marshal_rejects_reference_out_of_range),
        cmocka_unit_test(marshal_rejects_reference_into_unfinished_tuple),
        cmocka_unit_test(marshal_rejects_reference_into_unfinished_dict),
        cmocka_unit_test(marshal_rejects_nesting_100000_deep_at_the_depth_cap),
        cmocka_unit_test(marshal_rejects_unknown_type_code),
        cmocka_unit_test(marshal_rejects_the_unknown_code_question_mark),
        cmocka_unit_test(marshal_rejects_null_outside_a_dict_key_position),
        cmocka_unit_test(marshal_rejects_dict_ending_in_value_position),
        cmocka_unit_test(marshal_rejects_long_values_that_overflow_64_bits),
        cmocka_unit_test(marshal_rejects_float_text_that_is_not_a_number),
        cmocka_unit_test(marshal_reports_truncation_where_the_bytes_ran_out),
        cmocka_unit_test(marshal_refuses_exponential_reference_expansion_quickly),
        cmocka_unit_test(marshal_survives_random_bytes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
