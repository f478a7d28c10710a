/* Tests of text normalisation (parser/text.c): surrogate escapes mapped back
 * to bytes, invalid UTF-8 replaced exactly as Python's "replace" handler
 * does. Expected outputs were computed with CPython 3:
 *   python3 -c "print(bytes.fromhex(H).decode('utf-8','replace').encode().hex())" */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "text.h"

/* Decodes hex digits (spaces allowed) into out; returns the byte count. */
static size_t from_hex(const char *hex, unsigned char *out)
{
    size_t n = 0;
    while (*hex) {
        if (*hex == ' ') {
            hex++;
            continue;
        }
        unsigned v;
        assert_int_equal(sscanf(hex, "%2x", &v), 1);
        out[n++] = (unsigned char)v;
        hex += 2;
    }
    return n;
}

static void to_hex(const unsigned char *s, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++)
        sprintf(out + 2 * i, "%02x", s[i]);
    out[2 * n] = '\0';
}

/* Converts the bytes given in hex and compares the result, in hex. */
static void check(const char *in_hex, bool unescape, const char *want_hex)
{
    unsigned char in[256];
    char out[PV_TEXT_MAX_OUT(256)], got[2 * PV_TEXT_MAX_OUT(256) + 1];
    size_t n = from_hex(in_hex, in);
    size_t w = pv_text_to_utf8(in, n, unescape, out);
    assert_true(w <= PV_TEXT_MAX_OUT(n));
    to_hex((const unsigned char *)out, w, got);
    if (strcmp(got, want_hex) != 0)
        print_error("input %s: got %s, want %s\n", in_hex, got, want_hex);
    assert_string_equal(got, want_hex);
    assert_true(pv_text_is_clean_utf8((const unsigned char *)out, w));
}

static void text_leaves_clean_utf8_unchanged(void **state)
{
    static const char *const clean[] = {
        "",
        "61 62 63",                      /* ASCII */
        "63 61 66 c3 a9",                /* café */
        "e2 82 ac",                      /* € */
        "f0 9f 98 80",                   /* U+1F600 */
        "ef bf bd",                      /* U+FFFD itself */
        "ed 9f bf",                      /* U+D7FF, just below the surrogates */
        "ee 80 80",                      /* U+E000, just above them */
        "f4 8f bf bf",                   /* U+10FFFF */
        "3c 69 6d 67 3e 26 22 27 5c 09", /* markup, quotes, a backslash, a tab */
    };
    for (size_t k = 0; k < sizeof clean / sizeof clean[0]; k++) {
        unsigned char in[64];
        char want[256];
        size_t n = from_hex(clean[k], in);
        to_hex(in, n, want);
        assert_true(pv_text_is_clean_utf8(in, n));
        check(clean[k], false, want);
        check(clean[k], true, want);
    }
}

static void text_is_clean_utf8_refuses_surrogates_overlongs_and_truncations(void **state)
{
    static const char *const dirty[] = {
        "c3",          /* truncated */
        "e2 82",       /* truncated */
        "c0 af",       /* overlong '/' */
        "e0 80 af",    /* overlong */
        "ed a0 80",    /* U+D800 */
        "ed b3 a9",    /* U+DCE9, a surrogate escape */
        "f4 90 80 80", /* beyond U+10FFFF */
        "80",          /* lone continuation byte */
        "ff",
        "00",                         /* NUL: valid UTF-8, but not in a C string */
        "61 62 63 64 65 66 67 00 68", /* ... also past the eight-byte fast path */
    };
    for (size_t k = 0; k < sizeof dirty / sizeof dirty[0]; k++) {
        unsigned char in[16];
        size_t n = from_hex(dirty[k], in);
        assert_false(pv_text_is_clean_utf8(in, n));
    }
}

static void text_replaces_invalid_sequences_exactly_as_python_replace_does(void **state)
{
    /* {input, CPython's bytes.decode('utf-8', 'replace').encode()} */
    static const char *const cases[][2] = {
        {"c3", "efbfbd"},
        {"e282", "efbfbd"},
        {"f09f98", "efbfbd"},
        {"e0809f", "efbfbdefbfbdefbfbd"},
        {"eda080", "efbfbdefbfbdefbfbd"},
        {"f4908080", "efbfbdefbfbdefbfbdefbfbd"},
        {"c0af", "efbfbdefbfbd"},
        {"fffe", "efbfbdefbfbd"},
        {"f888808080", "efbfbdefbfbdefbfbdefbfbdefbfbd"},
        {"e18041", "efbfbd41"},
        {"f18080e180c2", "efbfbdefbfbdefbfbd"},
        {"618062bf", "61efbfbd62efbfbd"},
        {"f09f9880e282", "f09f9880efbfbd"},
        /* seeded random mixes of lead, continuation and ASCII bytes */
        {"edbff09f4180ff80eda041ffc24180f0",
         "efbfbdefbfbdefbfbd41efbfbdefbfbdefbfbdefbfbdefbfbd41efbfbdefbfbd41efbfbdefbfbd"},
        {"f080c280fff041a080c29f9fa041a0a0",
         "efbfbdefbfbdc280efbfbdefbfbd41efbfbdefbfbdc29fefbfbdefbfbd41efbfbdefbfbd"},
        {"f041c241ffbfe0f0bfff80a0e0ff9fbf",
         "efbfbd41efbfbd41efbfbdefbfbdefbfbdefbfbdefbfbdefbfbdefbfbdefbfbdefbfbdefbfbdefbfbd"},
        {"80a0a09fc2ed80ff9080a041a0c2f49f",
         "efbfbdefbfbdefbfbdefbfbdefbfbdefbfbdefbfbdefbfbdefbfbdefbfbd41efbfbdefbfbdefbfbdefbfbd"},
        {"fff08fedf4a0f4ede0c28fbf908fc280",
         "efbfbdefbfbdefbfbdefbfbdefbfbdefbfbdefbfbdefbfbdefbfbdc28fefbfbdefbfbdefbfbdc280"},
        {"a0e0fff4ed90f4e0a08080fff0bf8fed",
         "efbfbdefbfbdefbfbdefbfbdefbfbdefbfbde0a080efbfbdefbfbdefbfbdefbfbd"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++)
        check(cases[k][0], false, cases[k][1]);
}

static void text_maps_surrogate_escapes_back_to_their_bytes(void **state)
{
    /* "x\udcc3\udca9y" (surrogatepass) stands for the bytes x C3 A9 y: é. */
    check("78 ed b3 83 ed b2 a9 79", true, "78c3a979");
    /* b"caf\xc3\xa9 \xe9 \xff.py" as Python 3 writes it (surrogateescape, then
     * surrogatepass): mapped back, then 0xE9 and 0xFF replaced as Python's
     * b"...".decode('utf-8', 'replace') does. */
    check("636166c3a920edb3a920edb3bf2e7079", true, "636166c3a920efbfbd20efbfbd2e7079");
}

static void text_replaces_surrogates_when_not_unescaping(void **state)
{
    /* Without unescaping (Python 2 bytes) a surrogate is three invalid bytes. */
    check("ed b3 a9", false, "efbfbdefbfbdefbfbd");
    /* U+DC7F and U+DD00 lie outside the escape range even when unescaping. */
    check("ed b1 bf", true, "efbfbdefbfbdefbfbd");
    check("ed b4 80", true, "efbfbdefbfbdefbfbd");
    /* A truncated escape is not one. */
    check("61 ed b3", true, "61efbfbdefbfbd");
}

static void text_shows_nul_bytes_as_a_symbol_so_names_stay_distinct(void **state)
{
    check("66 00 78", false, "66e2908078"); /* f\0x -> f U+2400 x */
    check("66 00 79", true, "66e2908079");
    check("00", false, "e29080");
    check("00 00 ff", false, "e29080e29080efbfbd");
    check("61 62 63 64 65 66 67 68 69 00", false, "616263646566676869e29080");
    /* A surrogate escape never unescapes to NUL (escapes are 0x80..0xff). */
    check("00 ed b2 80", true, "e29080efbfbd");
}

static void text_worst_case_output_fits_the_documented_bound(void **state)
{
    unsigned char in[200];
    memset(in, 0xff, sizeof in);
    char *out = malloc(PV_TEXT_MAX_OUT(sizeof in));
    assert_non_null(out);
    assert_int_equal(pv_text_to_utf8(in, sizeof in, true, out), PV_TEXT_MAX_OUT(sizeof in));
    for (size_t i = 0; i < sizeof in; i++)
        assert_memory_equal(out + 3 * i, "\xef\xbf\xbd", 3);
    /* Escapes that unescape to invalid bytes: 3 bytes in, 3 bytes out each. */
    for (size_t i = 0; i + 3 <= sizeof in; i += 3)
        memcpy(in + i, "\xed\xb3\xbf", 3);
    size_t n = sizeof in / 3 * 3;
    assert_int_equal(pv_text_to_utf8(in, n, true, out), n);
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(text_leaves_clean_utf8_unchanged),
        cmocka_unit_test(text_is_clean_utf8_refuses_surrogates_overlongs_and_truncations),
        cmocka_unit_test(text_replaces_invalid_sequences_exactly_as_python_replace_does),
        cmocka_unit_test(text_maps_surrogate_escapes_back_to_their_bytes),
        cmocka_unit_test(text_replaces_surrogates_when_not_unescaping),
        cmocka_unit_test(text_worst_case_output_fits_the_documented_bound),
        cmocka_unit_test(text_shows_nul_bytes_as_a_symbol_so_names_stay_distinct),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
