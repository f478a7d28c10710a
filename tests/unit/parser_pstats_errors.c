/* Tests of the stats reader (parser/pstats.c) on hostile stats dicts: a
 * top level, keys, statistics and callers of the wrong type or arity, dicts
 * that end early, negative or overflowing counts, times that are not finite
 * numbers. Each refusal is checked for its kind, its message and its exact
 * byte offset; inputs are built byte by byte. */
#include <stdbool.h>
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

/* ---- hostile input: message and offset ---- */

static void pstats_rejects_top_level_that_is_not_a_dict(void **state)
{
    bytes b = {0};
    small_tuple(&b, 0, 0);
    expect_failure(&b, "the file holds a tuple, not a dict of function statistics", 0);
    bytes_free(&b);
    u8(&b, '[');
    i32(&b, 0);
    expect_failure(&b, "the file holds a list, not a dict of function statistics", 0);
    bytes_free(&b);
    int32_obj(&b, 5);
    expect_failure(&b, "the file holds a int, not a dict of function statistics", 0);
    bytes_free(&b);
}

static void pstats_rejects_keys_that_are_not_file_line_name_triples(void **state)
{
    bytes b = {0};
    u8(&b, '{');
    int32_obj(&b, 1);
    expect_failure(&b, "a key is a int, not a (file, line, name) tuple", 1);
    bytes_free(&b);

    u8(&b, '{');
    small_tuple(&b, 0, 2);
    short_str(&b, 'z', "a.py");
    int32_obj(&b, 1);
    expect_failure(&b, "a key is a tuple of 2 items, not (file, line, name)", 1);
    bytes_free(&b);

    /* A one-item key other than 3.15's marker. */
    u8(&b, '{');
    small_tuple(&b, 0, 1);
    short_str(&b, 'z', "__sampled");
    u8(&b, 'T');
    expect_failure(&b, "a key is a tuple of 1 items, not (file, line, name)", 1);
    bytes_free(&b);

    u8(&b, '{');
    small_tuple(&b, 0, 3);
    int32_obj(&b, 1);
    expect_failure(&b, "a key's file name is a int, not a string", 3);
    bytes_free(&b);

    u8(&b, '{');
    small_tuple(&b, 0, 3);
    short_str(&b, 'z', "a.py");
    short_str(&b, 'z', "1");
    expect_failure(&b, "a key's line number is a str, not an int", 9);
    bytes_free(&b);

    u8(&b, '{');
    small_tuple(&b, 0, 3);
    short_str(&b, 'z', "a.py");
    int32_obj(&b, 1);
    u8(&b, 'N');
    expect_failure(&b, "a key's function name is a None, not a string", 14);
    bytes_free(&b);

    /* A key that is a caller's key is held to the same rules. */
    u8(&b, '{');
    key(&b, "a.py", 1, "f");
    stats_begin(&b, 1, 1, 0, 0);
    size_t at = b.n;
    float_obj(&b, 1.0);
    expect_failure(&b, "a key is a float, not a (file, line, name) tuple", (int64_t)at);
    bytes_free(&b);
}

static void pstats_rejects_statistics_of_the_wrong_arity(void **state)
{
    bytes b = {0};
    u8(&b, '{');
    key(&b, "a.py", 1, "f");
    size_t at = b.n;
    small_tuple(&b, 0, 4);
    put(&b, "NNNN", 4);
    expect_failure(&b,
                   "a function's statistics are a tuple of 4 items, not (cc, nc, tt, ct, callers)",
                   (int64_t)at);
    bytes_free(&b);

    u8(&b, '{');
    key(&b, "a.py", 1, "f");
    at = b.n;
    small_tuple(&b, 0, 6);
    pad(&b);
    expect_failure(&b, "a function's statistics are a tuple of 6 items", (int64_t)at);
    bytes_free(&b);

    u8(&b, '{');
    key(&b, "a.py", 1, "f");
    at = b.n;
    u8(&b, '[');
    i32(&b, 0);
    expect_failure(&b, "a function's statistics are a list, not a tuple", (int64_t)at);
    bytes_free(&b);

    u8(&b, '{');
    key(&b, "a.py", 1, "f");
    small_tuple(&b, 0, 5);
    int32_obj(&b, 1);
    int32_obj(&b, 1);
    float_obj(&b, 0);
    float_obj(&b, 0);
    at = b.n;
    small_tuple(&b, 0, 0);
    expect_failure(&b, "a function's callers are a tuple, not a dict", (int64_t)at);
    bytes_free(&b);
}

static void pstats_rejects_caller_numbers_of_the_wrong_arity(void **state)
{
    bytes b = {0};
    u8(&b, '{');
    key(&b, "a.py", 1, "f");
    stats_begin(&b, 1, 1, 0, 0);
    key(&b, "a.py", 2, "g");
    size_t at = b.n;
    small_tuple(&b, 0, 3);
    put(&b, "NNN", 3);
    expect_failure(&b, "a caller's numbers are a tuple of 3 items, not 4", (int64_t)at);
    bytes_free(&b);

    u8(&b, '{');
    key(&b, "a.py", 1, "f");
    stats_begin(&b, 1, 1, 0, 0);
    key(&b, "a.py", 2, "g");
    at = b.n;
    small_tuple(&b, 0, 5);
    put(&b, "NNNNN", 5);
    expect_failure(&b, "a caller's numbers are a tuple of 5 items, not 4", (int64_t)at);
    bytes_free(&b);

    u8(&b, '{');
    key(&b, "a.py", 1, "f");
    stats_begin(&b, 1, 1, 0, 0);
    key(&b, "a.py", 2, "g");
    at = b.n;
    float_obj(&b, 1);
    expect_failure(&b, "a caller's numbers are a float, not a tuple or an int", (int64_t)at);
    bytes_free(&b);
}

static void pstats_rejects_dict_ending_in_value_position(void **state)
{
    bytes b = {0};
    u8(&b, '{');
    key(&b, "a.py", 1, "f");
    size_t at = b.n;
    end_dict(&b);
    expect_failure(&b, "dict ends where a value was expected", (int64_t)at);
    bytes_free(&b);

    /* In a callers dict. */
    u8(&b, '{');
    key(&b, "a.py", 1, "f");
    stats_begin(&b, 1, 1, 0, 0);
    key(&b, "a.py", 2, "g");
    at = b.n;
    end_dict(&b);
    end_dict(&b);
    expect_failure(&b, "dict ends where a value was expected", (int64_t)at);
    bytes_free(&b);
}

/* The rest of a stats tuple after its four numbers, and the end of the file:
 * an empty callers dict, then the end of the stats dict. */
static void finish_entry(bytes *b)
{
    u8(b, '{');
    end_dict(b);
    end_dict(b);
}

/* The end of a caller tuple's entry: its callers dict, then the stats dict. */
static void finish_caller(bytes *b)
{
    end_dict(b);
    end_dict(b);
}

/* Every input below is a whole, well-formed file but for the one object
 * whose offset is noted in at. */
static void pstats_rejects_negative_call_counts(void **state)
{
    bytes b = {0};
    u8(&b, '{');
    key(&b, "a.py", 1, "f");
    small_tuple(&b, 0, 5);
    size_t at = b.n;
    int32_obj(&b, -1);
    int32_obj(&b, 1);
    float_obj(&b, 0);
    float_obj(&b, 0);
    finish_entry(&b);
    expect_failure(&b, "a primitive call count is negative (-1)", (int64_t)at);
    bytes_free(&b);

    u8(&b, '{');
    key(&b, "a.py", 1, "f");
    small_tuple(&b, 0, 5);
    int32_obj(&b, 1);
    at = b.n;
    u8(&b, 'I');
    i64(&b, INT64_MIN + 1);
    float_obj(&b, 0);
    float_obj(&b, 0);
    finish_entry(&b);
    expect_failure(&b, "a call count is negative (-9223372036854775807)", (int64_t)at);
    bytes_free(&b);

    u8(&b, '{');
    key(&b, "a.py", 1, "f");
    stats_begin(&b, 1, 1, 0, 0);
    key(&b, "a.py", 2, "g");
    at = b.n + 2;
    caller_numbers(&b, -3, 1, 0, 0);
    finish_caller(&b);
    expect_failure(&b, "a caller's call count is negative (-3)", (int64_t)at);
    bytes_free(&b);

    u8(&b, '{');
    key(&b, "a.py", 1, "f");
    stats_begin(&b, 1, 1, 0, 0);
    key(&b, "a.py", 2, "g");
    at = b.n + 2 + 5;
    caller_numbers(&b, 3, -3, 0, 0);
    finish_caller(&b);
    expect_failure(&b, "a caller's primitive call count is negative (-3)", (int64_t)at);
    bytes_free(&b);

    /* The profile module's bare count. */
    u8(&b, '{');
    key(&b, "a.py", 1, "f");
    stats_begin(&b, 1, 1, 0, 0);
    key(&b, "a.py", 2, "g");
    at = b.n;
    int32_obj(&b, -2);
    finish_caller(&b);
    expect_failure(&b, "a caller's call count is negative", (int64_t)at);
    bytes_free(&b);
}

static void pstats_rejects_long_counts_that_overflow_64_bits(void **state)
{
    bytes b = {0};
    u8(&b, '{');
    key(&b, "a.py", 1, "f");
    small_tuple(&b, 0, 5);
    size_t at = b.n;
    u8(&b, 'l'); /* 2^64 */
    i32(&b, 5);
    put(&b, "\x00\x00\x00\x00\x00\x00\x00\x00\x10\x00", 10);
    int32_obj(&b, 1);
    float_obj(&b, 0);
    float_obj(&b, 0);
    finish_entry(&b);
    expect_failure(&b, "integer does not fit in 64 bits", (int64_t)at);
    bytes_free(&b);

    /* In a key's line number too. */
    u8(&b, '{');
    small_tuple(&b, 0, 3);
    short_str(&b, 'z', "a.py");
    at = b.n;
    u8(&b, 'l');
    i32(&b, 7);
    put(&b, "\x01\x00\x01\x00\x01\x00\x01\x00\x01\x00\x01\x00\x01\x00", 14);
    short_str(&b, 'z', "f");
    stats_begin(&b, 1, 1, 0, 0);
    finish_caller(&b);
    expect_failure(&b, "integer does not fit in 64 bits", (int64_t)at);
    bytes_free(&b);
}

/* Appends a whole file with one entry whose total time (or, with in_caller,
 * whose one caller's cumulative time) is the object written by put_time;
 * returns the offset of that object. */
static size_t entry_with_time(bytes *b, bool in_caller, void (*put_time)(bytes *, const char *),
                              const char *text)
{
    size_t at;
    u8(b, '{');
    key(b, "a.py", 1, "f");
    small_tuple(b, 0, 5);
    int32_obj(b, 1);
    int32_obj(b, 1);
    if (in_caller) {
        float_obj(b, 0);
        float_obj(b, 0);
        u8(b, '{');
        key(b, "a.py", 2, "g");
        small_tuple(b, 0, 4);
        int32_obj(b, 1);
        int32_obj(b, 1);
        float_obj(b, 0);
        at = b->n;
        put_time(b, text);
        finish_caller(b);
    } else {
        at = b->n;
        put_time(b, text);
        float_obj(b, 0);
        finish_entry(b);
    }
    return at;
}

static void put_binary_float(bytes *b, const char *text)
{
    float_obj(b, strtod(text, NULL));
}

static void put_text_float(bytes *b, const char *text)
{
    short_str(b, 'f', text);
}

static void put_str(bytes *b, const char *text)
{
    short_str(b, 'z', text);
}

static void pstats_rejects_nan_and_infinite_times_as_binary_floats(void **state)
{
    static const char *const values[] = {"nan", "inf", "-inf"};
    for (size_t k = 0; k < 3; k++) {
        bytes b = {0};
        size_t at = entry_with_time(&b, false, put_binary_float, values[k]);
        expect_failure(&b, "a total time is not a finite number", (int64_t)at);
        bytes_free(&b);
        at = entry_with_time(&b, true, put_binary_float, values[k]);
        expect_failure(&b, "a caller's cumulative time is not a finite number", (int64_t)at);
        bytes_free(&b);
    }
}

static void pstats_rejects_nan_and_infinite_times_as_text_floats(void **state)
{
    static const char *const values[] = {"nan", "inf", "-inf", "1e999"};
    for (size_t k = 0; k < 4; k++) {
        bytes b = {0};
        size_t at = entry_with_time(&b, false, put_text_float, values[k]);
        expect_failure(&b, "a total time is not a finite number", (int64_t)at);
        bytes_free(&b);
        at = entry_with_time(&b, true, put_text_float, values[k]);
        expect_failure(&b, "a caller's cumulative time is not a finite number", (int64_t)at);
        bytes_free(&b);
    }
}

static void pstats_rejects_times_that_are_not_numbers(void **state)
{
    bytes b = {0};
    size_t at = entry_with_time(&b, false, put_str, "0.5");
    expect_failure(&b, "a total time is a str, not a number", (int64_t)at);
    bytes_free(&b);
    at = entry_with_time(&b, true, put_str, "0.5");
    expect_failure(&b, "a caller's cumulative time is a str, not a number", (int64_t)at);
    bytes_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(pstats_rejects_top_level_that_is_not_a_dict),
        cmocka_unit_test(pstats_rejects_keys_that_are_not_file_line_name_triples),
        cmocka_unit_test(pstats_rejects_statistics_of_the_wrong_arity),
        cmocka_unit_test(pstats_rejects_caller_numbers_of_the_wrong_arity),
        cmocka_unit_test(pstats_rejects_dict_ending_in_value_position),
        cmocka_unit_test(pstats_rejects_negative_call_counts),
        cmocka_unit_test(pstats_rejects_long_counts_that_overflow_64_bits),
        cmocka_unit_test(pstats_rejects_nan_and_infinite_times_as_binary_floats),
        cmocka_unit_test(pstats_rejects_nan_and_infinite_times_as_text_floats),
        cmocka_unit_test(pstats_rejects_times_that_are_not_numbers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
