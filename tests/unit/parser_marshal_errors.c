/* Tests of the marshal pull reader (parser/marshal.c) on hostile input:
 * lengths and counts past the end of the file, negative lengths, nesting
 * past the depth cap, unknown type codes, misplaced NULLs and dict ends,
 * longs that overflow 64 bits, float text that is not a number, truncation
 * (each refusal checked for its message and exact byte offset) and random
 * bytes. Hostile references are in parser_marshal_refs.c. */
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
        cmocka_unit_test(marshal_rejects_string_longer_than_the_bytes_left),
        cmocka_unit_test(marshal_rejects_container_counts_beyond_the_end_of_the_file),
        cmocka_unit_test(marshal_rejects_long_digit_count_beyond_the_end_of_the_file),
        cmocka_unit_test(marshal_rejects_negative_lengths),
        cmocka_unit_test(marshal_rejects_nesting_100000_deep_at_the_depth_cap),
        cmocka_unit_test(marshal_rejects_unknown_type_code),
        cmocka_unit_test(marshal_rejects_the_unknown_code_question_mark),
        cmocka_unit_test(marshal_rejects_null_outside_a_dict_key_position),
        cmocka_unit_test(marshal_rejects_dict_ending_in_value_position),
        cmocka_unit_test(marshal_rejects_long_values_that_overflow_64_bits),
        cmocka_unit_test(marshal_rejects_float_text_that_is_not_a_number),
        cmocka_unit_test(marshal_reports_truncation_where_the_bytes_ran_out),
        cmocka_unit_test(marshal_survives_random_bytes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
