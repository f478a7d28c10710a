/* Tests of the stats reader (parser/pstats.c) on files that are not
 * profiles: pv_pstats_sniff() names gzip, pprof, text reports, JSON, ELF and
 * other profilers' files, and parsing one refuses it at byte 0 with a message
 * that says what it looks like and how to make a .prof. */
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

/* ---- files that are not profiles ---- */

static void pstats_sniff_recognises_gzip_pprof_text_reports_json_and_elf(void **state)
{
    static const struct {
        const char *data;
        size_t len;
        const char *what;
    } cases[] = {
        {"\x1f\x8b\x08\x00\x00\x00\x00\x00", 8, "gzip"},
        {"\x0a\x1d\x0a\x06\x73\x61\x6d\x70\x6c\x65\x00\x01", 12, "pprof"},
        {"         17 function calls in 0.000 seconds\n\n   ncalls  tottime  percall\n", 73,
         "text report printed by pstats"},
        {"{\"functions\": []}\n", 18, "JSON"},
        {"\x7f"
         "ELF\x02\x01\x01\x00",
         8, "ELF"},
        {"PK\x03\x04\x14\x00", 6, "zip"},
        {"plain words\n", 12, "a text file"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        const char *what = pv_pstats_sniff((const unsigned char *)cases[k].data, cases[k].len);
        if (!what || !strstr(what, cases[k].what))
            print_error("case %zu: got %s, want %s\n", k, what ? what : "NULL", cases[k].what);
        assert_non_null(what);
        assert_non_null(strstr(what, cases[k].what));
    }
}

static void pstats_sniff_says_nothing_about_real_profiles_or_empty_input(void **state)
{
    assert_null(pv_pstats_sniff((const unsigned char *)"", 0));
    static const char *const fixtures[] = {"tiny-cprofile-py313.prof", "tiny-cprofile-py27.prof",
                                           "tiny-profile-py313.prof", "tiny-marshal-v0-py313.prof"};
    for (size_t k = 0; k < sizeof fixtures / sizeof fixtures[0]; k++) {
        size_t len;
        unsigned char *data = read_fixture(fixtures[k], &len);
        assert_null(pv_pstats_sniff(data, len));
        free(data);
    }
}

/* Parses len bytes and expects the whole message for a file that is not a
 * profile: "not a Python profile: this is WHAT; ADVICE", at byte 0. */
static void expect_named(const char *data, size_t len, const char *what, const char *advice)
{
    bytes b = {0};
    put(&b, data, len);
    char want[512];
    snprintf(want, sizeof want, "not a Python profile: this is %s; %s", what, advice);
    pv_profile *p = (pv_profile *)1;
    pv_error err = {0};
    assert_int_equal(pv_pstats_parse(b.p, b.n, &p, &err), -1);
    assert_null(p);
    if (strcmp(err.message, want) != 0) print_error("got  %s\nwant %s\n", err.message, want);
    assert_string_equal(err.message, want);
    assert_int_equal(err.offset, 0);
    assert_int_equal(err.kind, PV_ERR_INPUT);
    bytes_free(&b);
}

#define NAMED(lit, what, advice) expect_named(lit, sizeof lit - 1, what, advice)
#define HOW_TO "make one with: python -m cProfile -o out.prof script.py"
#define SAMPLED "sampled stacks hold no call counts: for profviz " HOW_TO

static void pstats_names_other_profilers_files_and_says_how_to_make_a_prof(void **state)
{
    /* Go's runtime/pprof, once inflated: time_nanos (field 9) first, then
     * duration, period type, period, sample types and a sample. */
    NAMED("\x48\x80\xb4\x89\xe4\x06\x50\x90\x4e\x5a\x04\x08\x01\x10\x02\x60\x80\xad"
          "\xe2\x04\x0a\x04\x08\x03\x10\x04\x12\x06\x0a\x01\x01\x12\x01\x05",
          "a pprof profile (protocol buffers, as Go's runtime/pprof writes)",
          "open it with go tool pprof -http=: FILE; for a Python program, " HOW_TO);
    /* Protocol buffers that are not pprof's fields. */
    NAMED("\xa2\x06\x03"
          "abc\xa8\x06\x01\xb5\x06\x00\x00\x80\x3f",
          "a protocol-buffer file", HOW_TO);
    NAMED("{\"$schema\":\"https://www.speedscope.app/file-format-schema.json\",\"profiles\":[]}",
          "a speedscope JSON profile", "open it at speedscope.app; for profviz, " HOW_TO);
    NAMED("{\"exporter\":\"py-spy@0.3.14\",\"$schema\":\"https://www.speedscope.app/"
          "file-format-schema.json\"}",
          "a speedscope JSON profile written by py-spy",
          "open it at speedscope.app; sampled stacks hold no call counts, so for profviz " HOW_TO);
    NAMED("{\"traceEvents\":[{\"name\":\"f\",\"ph\":\"X\",\"ts\":1,\"dur\":2}]}",
          "a Chrome trace (Trace Event JSON)",
          "open it at ui.perfetto.dev or chrome://tracing; for profviz, " HOW_TO);
    NAMED("[{\"name\":\"f\",\"ph\":\"B\",\"ts\":1},\n{\"name\":\"f\",\"ph\":\"E\",\"ts\":3}]",
          "a Chrome trace (Trace Event JSON)",
          "open it at ui.perfetto.dev or chrome://tracing; for profviz, " HOW_TO);
    NAMED("main;load;parse 12\nmain;render 3\r\nmain 1\n",
          "collapsed stacks (folded \"a;b;c 12\" lines)", SAMPLED);
    NAMED("process 4242:\"python x.py\";<module> (x.py:1);main (x.py:9);f (x.py:3) 7\n"
          "process 4242:\"python x.py\";<module> (x.py:1);main (x.py:9) 2\n",
          "py-spy's raw output (collapsed stacks)", SAMPLED);
    NAMED("# austin: 3.6.0\n# interval: 100\n# mode: wall\n\n"
          "P4242;T0:7f0;x.py:<module>:1;x.py:main:9 1200\n",
          "Austin's output (sampled stacks)", SAMPLED);
    NAMED("P4242;T0:7f0;x.py:<module>:1;x.py:main:9 1200\nP4242;T0:7f0;x.py:<module>:1 300\n",
          "Austin's output (sampled stacks)", SAMPLED);
    NAMED("PERFILE2h\x00\x00\x00\x00\x00\x00\x00", "a Linux perf.data file (from perf record)",
          "open it with perf report; for a Python program, " HOW_TO);
    NAMED(
        "\x80\x04\x95\x10\x00\x00\x00\x00\x00\x00\x00}\x94.", "a Python pickle",
        "pstats files are marshal dumps: save a Stats object with stats.dump_stats(\"out.prof\"), "
        "or " HOW_TO);
    NAMED("<?xml version=\"1.0\" standalone=\"no\"?>\n<!DOCTYPE svg PUBLIC \"-//W3C//DTD SVG "
          "1.1//EN\">\n<svg version=\"1.1\" width=\"1200\"><!--Flame graph stack visualization."
          "-->",
          "a flame graph image (SVG)", "an image keeps no call counts: " HOW_TO);
    NAMED("<svg xmlns=\"http://www.w3.org/2000/svg\"><title>py-spy</title><text>Flame Graph</text>",
          "a flame graph image (SVG) drawn by py-spy", "an image keeps no call counts: " HOW_TO);
    NAMED("<svg xmlns=\"http://www.w3.org/2000/svg\"><circle r=\"1\"/></svg>", "an SVG image",
          HOW_TO);
    NAMED("<!DOCTYPE html>\n<html><head><title>Flame Graph</title></head>",
          "an HTML flame graph page", "a page keeps no call counts: " HOW_TO);
    NAMED("<!doctype html><html><body>hello</body></html>", "an HTML page", HOW_TO);
    NAMED("         17 function calls in 0.000 seconds\n\n   ncalls  tottime  percall\n",
          "a text report printed by pstats or cProfile, not the binary .prof file it was printed "
          "from",
          HOW_TO);
    NAMED("\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03", "a gzip-compressed file",
          "gunzip it first, or " HOW_TO);
    NAMED("plain words\n", "a text file", HOW_TO);
    NAMED("caf\xc3\xa9 \xe2\x82\xac words\n", "a text file", HOW_TO);
    /* Bytes that are not UTF-8 are not called text: the marshal error stays. */
    assert_null(pv_pstats_sniff((const unsigned char *)"x\xff\xfe\xc3", 4));
    assert_null(pv_pstats_sniff((const unsigned char *)"abc\xff def 12\n", 13));
    /* The empty file has its own message. */
    bytes b = {0};
    put(&b, "", 0);
    expect_failure(&b, "empty file: not a Python profile; " HOW_TO, 0);
    bytes_free(&b);
}

static void pstats_refuses_non_profiles_saying_what_they_look_like(void **state)
{
    bytes b = {0};
    put(&b, "\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03", 10);
    expect_failure(&b, "not a Python profile: this is a gzip-compressed file", 0);
    bytes_free(&b);
    put(&b, "x", 0);
    expect_failure(&b, "empty file: not a Python profile", 0);
    bytes_free(&b);
    /* An empty stats dict "{0" is printable text, yet a real profile. */
    put(&b, "{0", 2);
    pv_profile *p = parse_ok(&b);
    assert_int_equal(p->nfunctions, 0);
    pv_profile_free(p);
    bytes_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(pstats_sniff_recognises_gzip_pprof_text_reports_json_and_elf),
        cmocka_unit_test(pstats_sniff_says_nothing_about_real_profiles_or_empty_input),
        cmocka_unit_test(pstats_names_other_profilers_files_and_says_how_to_make_a_prof),
        cmocka_unit_test(pstats_refuses_non_profiles_saying_what_they_look_like),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
