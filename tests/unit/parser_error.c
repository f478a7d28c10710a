/* Unit tests of parser/error.c: kinds, the formatter, prefixes, and messages
 * cut at character boundaries. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "error.h"
#include "text.h"

static void fail_fills_kind_offset_and_message_and_returns_minus_one(void **state)
{
    (void)state;
    pv_error err = {0};
    assert_int_equal(pv_fail(&err, PV_ERR_INPUT, 42, "bad %s %d", "thing", 7), -1);
    assert_int_equal(err.kind, PV_ERR_INPUT);
    assert_int_equal(err.offset, 42);
    assert_string_equal(err.message, "bad thing 7");
    assert_int_equal(pv_fail(&err, PV_ERR_NOMEM, -1, "out of memory"), -1);
    assert_int_equal(err.kind, PV_ERR_NOMEM);
    assert_int_equal(err.offset, -1);
    assert_int_equal(pv_fail(NULL, PV_ERR_IO, -1, "ignored"), -1);
}

static void format_adds_the_byte_offset_only_when_there_is_one(void **state)
{
    (void)state;
    pv_error err;
    char buf[300];
    pv_fail(&err, PV_ERR_INPUT, 12, "truncated file");
    assert_int_equal(pv_error_format(&err, buf, sizeof buf), strlen("truncated file (at byte 12)"));
    assert_string_equal(buf, "truncated file (at byte 12)");
    pv_fail(&err, PV_ERR_IO, -1, "cannot open: No such file or directory");
    pv_error_format(&err, buf, sizeof buf);
    assert_string_equal(buf, "cannot open: No such file or directory");
    pv_fail(&err, PV_ERR_INPUT, 0, "empty");
    pv_error_format(&err, buf, 8);
    assert_string_equal(buf, "empty (");
}

static void prefix_keeps_kind_and_offset(void **state)
{
    (void)state;
    pv_error err;
    pv_fail(&err, PV_ERR_INPUT, 5, "unknown marshal type code");
    assert_int_equal(pv_error_prefix(&err, "in %s: ", "x.prof.gz"), -1);
    assert_string_equal(err.message, "in x.prof.gz: unknown marshal type code");
    assert_int_equal(err.kind, PV_ERR_INPUT);
    assert_int_equal(err.offset, 5);
    assert_int_equal(pv_error_prefix(NULL, "x"), -1);
}

static void kinds_have_names(void **state)
{
    (void)state;
    assert_string_equal(pv_error_kind_name(PV_ERR_INPUT), "input");
    assert_string_equal(pv_error_kind_name(PV_ERR_ARGUMENT), "argument");
    assert_string_equal(pv_error_kind_name(PV_ERR_NOT_FOUND), "not found");
    assert_string_equal(pv_error_kind_name(PV_ERR_NOMEM), "out of memory");
    assert_string_equal(pv_error_kind_name(PV_ERR_IO), "I/O");
    assert_string_equal(pv_error_kind_name(PV_ERR_NONE), "none");
}

/* A long message of 3-byte characters is cut before a character, never in
 * one, whatever the alignment. */
static void long_messages_are_cut_at_a_character_boundary(void **state)
{
    (void)state;
    char text[PV_ERROR_MESSAGE_MAX * 2];
    for (size_t lead = 0; lead < 4; lead++) {
        size_t n = 0;
        for (size_t i = 0; i < lead; i++)
            text[n++] = 'a';
        while (n + 3 < sizeof text) {
            memcpy(text + n, "\xe2\x82\xac", 3); /* U+20AC */
            n += 3;
        }
        text[n] = '\0';
        pv_error err;
        pv_fail(&err, PV_ERR_INPUT, -1, "%s", text);
        size_t len = strlen(err.message);
        assert_true(len < PV_ERROR_MESSAGE_MAX && len + 3 >= PV_ERROR_MESSAGE_MAX - 1);
        assert_true(pv_text_is_clean_utf8((const unsigned char *)err.message, len));
        char buf[20];
        pv_fail(&err, PV_ERR_INPUT, 3, "%s", text);
        pv_error_format(&err, buf, sizeof buf);
        assert_true(pv_text_is_clean_utf8((const unsigned char *)buf, strlen(buf)));
        pv_error_prefix(&err, "%s", text);
        assert_true(pv_text_is_clean_utf8((const unsigned char *)err.message, strlen(err.message)));
    }
}

static void utf8_prefix_drops_only_a_cut_sequence(void **state)
{
    (void)state;
    const char *s = "a\xc3\xa9"
                    "b\xf0\x9f\x98\x80";
    assert_int_equal(pv_utf8_prefix_len(s, 0), 0);
    assert_int_equal(pv_utf8_prefix_len(s, 1), 1);
    assert_int_equal(pv_utf8_prefix_len(s, 2), 1); /* half of é */
    assert_int_equal(pv_utf8_prefix_len(s, 3), 3);
    assert_int_equal(pv_utf8_prefix_len(s, 4), 4);
    assert_int_equal(pv_utf8_prefix_len(s, 5), 4);
    assert_int_equal(pv_utf8_prefix_len(s, 7), 4);
    assert_int_equal(pv_utf8_prefix_len(s, 8), 8);
    /* Bytes that were invalid to begin with are left alone. */
    assert_int_equal(pv_utf8_prefix_len("\x80\x80\x80\x80", 4), 4);
    assert_int_equal(pv_utf8_prefix_len("x\xff", 2), 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fail_fills_kind_offset_and_message_and_returns_minus_one),
        cmocka_unit_test(format_adds_the_byte_offset_only_when_there_is_one),
        cmocka_unit_test(prefix_keeps_kind_and_offset),
        cmocka_unit_test(kinds_have_names),
        cmocka_unit_test(long_messages_are_cut_at_a_character_boundary),
        cmocka_unit_test(utf8_prefix_drops_only_a_cut_sequence),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
