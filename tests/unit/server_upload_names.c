/* Unit tests of pv_folder_safe_name (upload.c): the name an upload is
 * stored under. Path components, control bytes, leading dots, malformed
 * UTF-8 and profile extensions go; long names are cut at a character; a
 * name with nothing left becomes upload.prof. (server_upload.c tests the
 * rest of uploads.) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "folder.h"

/* ---- Safe names ------------------------------------------------------------ */

static void assert_safe_name(const char *name, int gzip, const char *id, const char *want)
{
    char out[160];
    pv_folder_safe_name(name, gzip, id, out, sizeof out);
    assert_string_equal(out, want);
}

static void safe_name_keeps_only_the_last_path_component(void **state)
{
    (void)state;
    assert_safe_name("a/b/c.prof", 0, NULL, "c.prof");
    assert_safe_name("../../etc/passwd", 0, NULL, "passwd.prof");
    assert_safe_name("..\\..\\win\\run.prof", 0, NULL, "run.prof");
    assert_safe_name("/abs/../x.pstats", 0, NULL, "x.prof");
    assert_safe_name("dir/", 0, NULL, "upload.prof");
    assert_safe_name("..", 0, NULL, "upload.prof");
    assert_safe_name("a/..", 0, NULL, "upload.prof");
    assert_safe_name("a..b.prof", 0, NULL, "a..b.prof");
}

static void safe_name_drops_control_bytes_and_leading_dots_dashes_and_spaces(void **state)
{
    (void)state;
    assert_safe_name("\x01z\tx\ny\x1fw\x7f.prof", 0, NULL, "zxyw.prof");
    assert_safe_name(".hidden.prof", 0, NULL, "hidden.prof");
    assert_safe_name("-rf.prof", 0, NULL, "rf.prof");
    assert_safe_name(" \x01.-. x y.prof", 0, NULL, "x y.prof");
    assert_safe_name("trail . .prof", 0, NULL, "trail.prof");
    /* A C string ends at its NUL: nothing after it reaches the name. */
    static const char with_nul[] = "ok\0/../evil";
    assert_safe_name(with_nul, 0, NULL, "ok.prof");
}

static void safe_name_gives_upload_for_names_with_nothing_left(void **state)
{
    (void)state;
    const char *empty[] = {NULL, "", "...", " . ", "\x01\x02", "/", "./", "\xff"};
    for (size_t i = 0; i < sizeof empty / sizeof empty[0]; i++) {
        assert_safe_name(empty[i], 0, NULL, "upload.prof");
        assert_safe_name(empty[i], 1, NULL, "upload.prof.gz");
    }
    assert_safe_name("", 0, "0123456789ab", "upload-0123456789ab.prof");
}

static void safe_name_keeps_utf8_and_drops_malformed_bytes(void **state)
{
    (void)state;
    assert_safe_name("h\xc3\xa9llo \xe2\x82\xac \xf0\x9f\x98\x80.prof", 0, NULL,
                     "h\xc3\xa9llo \xe2\x82\xac \xf0\x9f\x98\x80.prof");
    static const char *const malformed[][2] = {
        {"\xff\xfez", "z.prof"},           /* never UTF-8 */
        {"x\xc0\xafy", "xy.prof"},         /* overlong '/' */
        {"x\xe0\x80\xafy", "xy.prof"},     /* overlong, 3 bytes */
        {"x\xed\xa0\x80y", "xy.prof"},     /* surrogate */
        {"x\xf4\x90\x80\x80y", "xy.prof"}, /* past U+10FFFF */
        {"x\xf0\x8f\xbf\xbfy", "xy.prof"}, /* overlong, 4 bytes */
        {"x\xe2\x82y", "xy.prof"},         /* cut short */
        {"x\xe2\x82", "x.prof"},           /* cut at the end */
        {"\x80\xbfz", "z.prof"},           /* lone continuation bytes */
    };
    for (size_t i = 0; i < sizeof malformed / sizeof malformed[0]; i++)
        assert_safe_name(malformed[i][0], 0, NULL, malformed[i][1]);
}

static void safe_name_cuts_long_names_at_100_bytes_and_a_character(void **state)
{
    (void)state;
    char name[400], want[200];
    memset(name, 'a', 300);
    strcpy(name + 300, ".prof");
    memset(want, 'a', 100);
    strcpy(want + 100, "-0123456789ab-42.prof.gz");
    assert_safe_name(name, 1, "0123456789ab-42", want);
    /* 99 bytes, then a two-byte character that does not fit: left out whole. */
    memset(name, 'b', 99);
    strcpy(name + 99, "\xc3\xa9tail");
    memset(want, 'b', 99);
    strcpy(want + 99, ".prof");
    assert_safe_name(name, 0, NULL, want);
    /* The smallest buffer the header allows still gets a profile's name. */
    char small[64];
    memset(name, 'c', 300);
    name[300] = '\0';
    pv_folder_safe_name(name, 1, "0123456789ab-99", small, sizeof small);
    assert_true(strlen(small) < sizeof small);
    assert_int_equal(strncmp(small, "ccc", 3), 0);
    assert_string_equal(small + strlen(small) - strlen("-0123456789ab-99.prof.gz"),
                        "-0123456789ab-99.prof.gz");
    /* ... cut at a character, not inside one. */
    for (int i = 0; i < 100; i++)
        memcpy(name + 2 * i, "\xc3\xa9", 2);
    name[200] = '\0';
    pv_folder_safe_name(name, 0, "0123456789ab", small, sizeof small);
    size_t len = strlen(small) - strlen("-0123456789ab.prof");
    assert_string_equal(small + len, "-0123456789ab.prof");
    assert_int_equal(len % 2, 0);
    assert_true(len >= 40);
}

static void safe_name_replaces_a_profile_extension(void **state)
{
    (void)state;
    assert_safe_name("x.prof.gz", 1, NULL, "x.prof.gz");
    assert_safe_name("x.prof.gz", 0, NULL, "x.prof");
    assert_safe_name("x.pstats", 1, "0123456789ab", "x-0123456789ab.prof.gz");
    assert_safe_name("x.txt", 0, NULL, "x.txt.prof");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(safe_name_keeps_only_the_last_path_component),
        cmocka_unit_test(safe_name_drops_control_bytes_and_leading_dots_dashes_and_spaces),
        cmocka_unit_test(safe_name_gives_upload_for_names_with_nothing_left),
        cmocka_unit_test(safe_name_keeps_utf8_and_drops_malformed_bytes),
        cmocka_unit_test(safe_name_cuts_long_names_at_100_bytes_and_a_character),
        cmocka_unit_test(safe_name_replaces_a_profile_extension),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
