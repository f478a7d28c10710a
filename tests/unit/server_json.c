/* Tests of server/json.c, the streaming JSON writer: commas and nesting,
 * string escaping and UTF-8 repair, integers, doubles, flushing, failure. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "json.h"
#include "text.h"

/* Takes the text of w, compares it with want and frees it. */
static void expect(pv_json *w, const char *want)
{
    size_t len = 0;
    char *text = pv_json_take(w, &len);
    assert_non_null(text);
    assert_int_equal(len, strlen(want));
    if (strcmp(text, want) != 0) print_error("got  %s\nwant %s\n", text, want);
    assert_string_equal(text, want);
    free(text);
}

static void json_places_commas_and_colons(void **state)
{
    (void)state;
    pv_json w;
    pv_json_init(&w);
    pv_json_begin_object(&w);
    pv_json_key_int(&w, "a", 1);
    pv_json_key(&w, "b");
    pv_json_begin_array(&w);
    pv_json_int(&w, 2);
    pv_json_begin_object(&w);
    pv_json_end_object(&w);
    pv_json_begin_array(&w);
    pv_json_end_array(&w);
    pv_json_null(&w);
    pv_json_bool(&w, true);
    pv_json_bool(&w, false);
    pv_json_cstring(&w, "s");
    pv_json_end_array(&w);
    pv_json_key_bool(&w, "c", false);
    pv_json_key(&w, "d");
    pv_json_begin_object(&w);
    pv_json_key_cstring(&w, "e", "f");
    pv_json_end_object(&w);
    pv_json_end_object(&w);
    expect(&w, "{\"a\":1,\"b\":[2,{},[],null,true,false,\"s\"],\"c\":false,\"d\":{\"e\":\"f\"}}");
    /* The writer is empty and usable again after pv_json_take. */
    pv_json_begin_array(&w);
    pv_json_end_array(&w);
    expect(&w, "[]");
}

static void json_integers_are_exact(void **state)
{
    (void)state;
    pv_json w = {0};
    pv_json_begin_array(&w);
    pv_json_int(&w, 0);
    pv_json_int(&w, 7);
    pv_json_int(&w, -7);
    pv_json_int(&w, 10);
    pv_json_int(&w, 99);
    pv_json_int(&w, 100);
    pv_json_int(&w, 9007199254740993); /* 2^53 + 1: a double would lose it */
    pv_json_int(&w, INT64_MAX);
    pv_json_int(&w, INT64_MIN);
    pv_json_end_array(&w);
    expect(&w, "[0,7,-7,10,99,100,9007199254740993,9223372036854775807,-9223372036854775808]");
}

static void json_doubles_are_shortest_and_non_finite_ones_null(void **state)
{
    (void)state;
    pv_json w = {0};
    pv_json_begin_array(&w);
    pv_json_double(&w, 0.1);
    pv_json_double(&w, 0.0007456870000000001);
    pv_json_double(&w, 1e-7);
    pv_json_double(&w, -0.0);
    pv_json_double(&w, 3.0);
    pv_json_double(&w, NAN);
    pv_json_double(&w, INFINITY);
    pv_json_double(&w, -INFINITY);
    pv_json_end_array(&w);
    expect(&w, "[0.1,0.0007456870000000001,1e-7,-0.0,3,null,null,null]");
}

static void json_strings_escape_quotes_backslashes_and_controls(void **state)
{
    (void)state;
    pv_json w = {0};
    pv_json_begin_array(&w);
    pv_json_cstring(&w, "a\"b\\c/d");
    pv_json_cstring(&w, "\n\t\r\b\f\x01\x1f\x7f");
    pv_json_string(&w, "f\0x", 3);
    pv_json_cstring(&w, "<module> & 'q'");
    pv_json_cstring(&w, "");
    pv_json_end_array(&w);
    expect(&w, "[\"a\\\"b\\\\c/d\",\"\\n\\t\\r\\b\\f\\u0001\\u001f\x7f\",\"f\\u0000x\","
               "\"<module> & 'q'\",\"\"]");
}

static void json_strings_are_always_valid_utf8(void **state)
{
    (void)state;
    pv_json w = {0};
    pv_json_begin_array(&w);
    pv_json_cstring(&w, "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"); /* valid: kept */
    pv_json_cstring(&w, "\xff");                                      /* invalid byte */
    pv_json_cstring(&w, "depth=\xff\xfe");
    pv_json_cstring(&w, "cut \xe2\x82");     /* a character cut short */
    pv_json_cstring(&w, "\xed\xa0\x80");     /* a surrogate */
    pv_json_cstring(&w, "\xc0\xaf");         /* overlong */
    pv_json_cstring(&w, "\xf4\x90\x80\x80"); /* beyond U+10FFFF */
    pv_json_end_array(&w);
    expect(&w, "[\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\",\"\xef\xbf\xbd\","
               "\"depth=\xef\xbf\xbd\xef\xbf\xbd\",\"cut \xef\xbf\xbd\","
               "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\",\"\xef\xbf\xbd\xef\xbf\xbd\","
               "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"]");

    /* Every byte value, alone and in a random soup: the output is clean. */
    unsigned char soup[4096];
    uint32_t x = 12345;
    for (size_t i = 0; i < sizeof soup; i++) {
        x = x * 1103515245 + 12345;
        soup[i] = (unsigned char)(i < 256 ? i : x >> 16);
    }
    pv_json_string(&w, (const char *)soup, sizeof soup);
    size_t len;
    char *text = pv_json_take(&w, &len);
    assert_non_null(text);
    assert_true(pv_text_is_clean_utf8((const unsigned char *)text, len));
    free(text);
}

static void json_keys_from_data_are_escaped_like_strings(void **state)
{
    (void)state;
    pv_json w = {0};
    pv_json_begin_object(&w);
    pv_json_key_n(&w, "a\"b", 3);
    pv_json_int(&w, 1);
    pv_json_key_n(&w, "n\0m", 3);
    pv_json_null(&w);
    pv_json_end_object(&w);
    expect(&w, "{\"a\\\"b\":1,\"n\\u0000m\":null}");
}

/* Literal keys take the inline path: across buffer growth too. */
static void json_literal_keys_place_commas_across_growth(void **state)
{
    (void)state;
    pv_json w = {0};
    pv_json_begin_array(&w);
    for (int i = 0; i < 3000; i++) {
        pv_json_begin_object(&w);
        pv_json_key_int(&w, "id", i);
        pv_json_key_cstring(&w, "name", "f");
        pv_json_end_object(&w);
    }
    pv_json_end_array(&w);
    size_t len;
    char *text = pv_json_take(&w, &len);
    assert_non_null(text);
    assert_memory_equal(text, "[{\"id\":0,\"name\":\"f\"},{\"id\":1,", 26);
    assert_memory_equal(text + len - 25, "},{\"id\":2999,\"name\":\"f\"}]", 25);
    free(text);
}

static void json_grows_through_many_reallocations(void **state)
{
    (void)state;
    pv_json w = {0};
    pv_json_begin_array(&w);
    for (int i = 0; i < 200000; i++)
        pv_json_int(&w, i);
    pv_json_end_array(&w);
    size_t len;
    char *text = pv_json_take(&w, &len);
    assert_non_null(text);
    assert_true(len > 1000000);
    assert_memory_equal(text, "[0,1,2,", 7);
    assert_memory_equal(text + len - 8, ",199999]", 8);
    free(text);
}

static void json_flush_drains_the_buffer_and_keeps_the_place(void **state)
{
    (void)state;
    FILE *f = tmpfile();
    assert_non_null(f);
    pv_json w = {0};
    pv_json_begin_array(&w);
    pv_json_int(&w, 1);
    assert_int_equal(pv_json_flush(&w, f), 0);
    assert_int_equal(w.len, 0);
    pv_json_int(&w, 2); /* still needs its comma */
    pv_json_end_array(&w);
    assert_int_equal(pv_json_flush(&w, f), 0);
    pv_json_free(&w);
    rewind(f);
    char buf[16] = {0};
    assert_int_equal(fread(buf, 1, sizeof buf - 1, f), 5);
    assert_string_equal(buf, "[1,2]");
    fclose(f);
}

static void json_failure_is_sticky_and_take_gives_null(void **state)
{
    (void)state;
    pv_json w = {0};
    pv_json_begin_array(&w);
    /* A length no buffer can hold fails the writer instead of wrapping. */
    pv_json_string(&w, "x", SIZE_MAX / 2);
    assert_true(pv_json_failed(&w));
    pv_json_int(&w, 1);
    pv_json_end_array(&w);
    assert_true(pv_json_failed(&w));
    FILE *f = tmpfile();
    assert_int_equal(pv_json_flush(&w, f), -1);
    fclose(f);
    assert_null(pv_json_take(&w, NULL));
    assert_false(pv_json_failed(&w)); /* take leaves an empty writer */
    pv_json_free(&w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(json_places_commas_and_colons),
        cmocka_unit_test(json_integers_are_exact),
        cmocka_unit_test(json_doubles_are_shortest_and_non_finite_ones_null),
        cmocka_unit_test(json_strings_escape_quotes_backslashes_and_controls),
        cmocka_unit_test(json_strings_are_always_valid_utf8),
        cmocka_unit_test(json_keys_from_data_are_escaped_like_strings),
        cmocka_unit_test(json_grows_through_many_reallocations),
        cmocka_unit_test(json_literal_keys_place_commas_across_growth),
        cmocka_unit_test(json_flush_drains_the_buffer_and_keeps_the_place),
        cmocka_unit_test(json_failure_is_sticky_and_take_gives_null),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
