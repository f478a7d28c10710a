/* Tests of the marshal pull reader (parser/marshal.c): the reference table.
 * Back-references to scalars and containers (replayed, or jumped over by
 * skip), which objects take a slot, and references that are refused
 * (forward, out of range, into an unfinished container, expanding
 * exponentially), each refusal checked for its message and exact byte
 * offset. Inputs are built byte by byte (marshal_bytes.h). */
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
#include "marshal_checks.h"

/* ---- the reference table ---- */

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

/* ---- hostile references: message and offset ---- */

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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(marshal_back_references_return_scalars_and_replay_containers),
        cmocka_unit_test(marshal_skip_jumps_over_a_replayed_container),
        cmocka_unit_test(marshal_flag_ref_takes_no_slot_for_singletons_null_or_references),
        cmocka_unit_test(marshal_rejects_reference_forward),
        cmocka_unit_test(marshal_rejects_reference_out_of_range),
        cmocka_unit_test(marshal_rejects_reference_into_unfinished_tuple),
        cmocka_unit_test(marshal_rejects_reference_into_unfinished_dict),
        cmocka_unit_test(marshal_refuses_exponential_reference_expansion_quickly),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
