/* Tests of the stats reader (parser/pstats.c): real fixtures, hand-made stats
 * dicts for each rule of the format (duplicates, missing callers, roots,
 * totals, the 3.15 marker, code-object names, surrogate escapes), sniffing of
 * files that are not profiles, and hostile input, each refusal checked for its
 * message and exact byte offset. Inputs are built byte by byte below. */
#include <dirent.h>
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

#include "marshal.h" /* PV_MARSHAL_MAX_DEPTH */
#include "pstats.h"

#include "marshal_bytes.h"

/* ---- reading ---- */
/* ---- stats dicts ---- */

/* A key (file, line, name), as a small tuple of short strings. */
static void key(bytes *b, const char *file, int32_t line, const char *name)
{
    small_tuple(b, 0, 3);
    short_str(b, 'z', file);
    int32_obj(b, line);
    short_str(b, 'z', name);
}

static void float_obj(bytes *b, double d)
{
    u8(b, 'g');
    f64(b, d);
}

/* The value of an entry up to its callers dict, which is left open: add
 * callers, then end_callers(). */
static void stats_begin(bytes *b, int32_t cc, int32_t nc, double tt, double ct)
{
    small_tuple(b, 0, 5);
    int32_obj(b, cc);
    int32_obj(b, nc);
    float_obj(b, tt);
    float_obj(b, ct);
    u8(b, '{');
}

static void end_dict(bytes *b)
{
    u8(b, '0');
}

/* Bytes after a hostile object, so that counts and lengths before it are
 * not refused as running past the end of the file first. */
static void pad(bytes *b)
{
    for (int k = 0; k < 16; k++)
        u8(b, 0);
}

/* A caller's value (nc, cc, tt, ct). */
static void caller_numbers(bytes *b, int32_t nc, int32_t cc, double tt, double ct)
{
    small_tuple(b, 0, 4);
    int32_obj(b, nc);
    int32_obj(b, cc);
    float_obj(b, tt);
    float_obj(b, ct);
}

/* An entry without callers. */
static void entry(bytes *b, const char *file, int32_t line, const char *name, int32_t nc, double tt)
{
    key(b, file, line, name);
    stats_begin(b, nc, nc, tt, tt);
    end_dict(b);
}

/* ---- parsing ---- */

static pv_profile *parse_ok(const bytes *b)
{
    pv_profile *p = NULL;
    pv_error err = {0};
    int rc = pv_pstats_parse(b->p, b->n, &p, &err);
    if (rc != 0) print_error("unexpected error at %lld: %s\n", (long long)err.offset, err.message);
    assert_int_equal(rc, 0);
    assert_non_null(p);
    return p;
}

static void expect_failure(const bytes *b, const char *message, int64_t offset)
{
    pv_profile *p = (pv_profile *)1;
    pv_error err = {0};
    assert_int_equal(pv_pstats_parse(b->p, b->n, &p, &err), -1);
    assert_null(p);
    if (!strstr(err.message, message) || err.offset != offset)
        print_error("got \"%s\" at %lld, want \"%s\" at %lld\n", err.message, (long long)err.offset,
                    message, (long long)offset);
    assert_non_null(strstr(err.message, message));
    assert_int_equal(err.offset, offset);
    assert_int_equal(err.kind, PV_ERR_INPUT);
}

static pv_profile *load(const char *name)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/tests/golden/%s", PROFVIZ_SOURCE_DIR, name);
    pv_profile *p = NULL;
    pv_error err = {0};
    int rc = pv_pstats_load_file(path, &p, &err);
    if (rc != 0) print_error("%s: %s at %lld\n", path, err.message, (long long)err.offset);
    assert_int_equal(rc, 0);
    return p;
}

/* ---- loading without edges ---- */

static void pstats_without_edges_keeps_every_function_and_total(void **state)
{
    (void)state;
    const char *names[] = {"cprofile-py313.prof", "profile-py27.prof", "merged-py313.prof",
                           "missing-caller-py313.prof"};
    for (size_t k = 0; k < sizeof names / sizeof names[0]; k++) {
        pv_profile *full = load(names[k]), *lean = NULL;
        char path[1024];
        snprintf(path, sizeof path, "%s/tests/golden/%s", PROFVIZ_SOURCE_DIR, names[k]);
        pv_error err = {0};
        assert_int_equal(pv_pstats_load_file_with(path, PV_LOAD_NO_EDGES, &lean, &err), 0);
        assert_true(full->has_edges);
        assert_false(lean->has_edges);
        assert_int_equal(lean->nedges, 0);
        assert_int_equal(lean->nroots, 0);
        assert_int_equal(lean->nfunctions, full->nfunctions);
        assert_int_equal(lean->total_calls, full->total_calls);
        assert_int_equal(lean->primitive_calls, full->primitive_calls);
        assert_true(lean->total_time == full->total_time);
        for (uint32_t id = 0; id < full->nfunctions; id++) {
            const pv_function *a = &full->functions[id], *b = &lean->functions[id];
            assert_string_equal(a->file, b->file);
            assert_string_equal(a->name, b->name);
            assert_int_equal(a->line, b->line);
            assert_int_equal(a->ncalls, b->ncalls);
            assert_int_equal(a->pcalls, b->pcalls);
            assert_true(a->tottime == b->tottime && a->cumtime == b->cumtime);
            assert_int_equal(a->listed, b->listed);
            assert_int_equal(b->ncallers + b->ncallees, 0);
        }
        pv_profile_free(full);
        pv_profile_free(lean);
    }
}

static void pstats_without_edges_still_checks_every_caller(void **state)
{
    (void)state;
    /* A caller tuple of three numbers is refused whether or not edges are kept. */
    bytes b = {0};
    u8(&b, '{');
    small_tuple(&b, 0, 3);
    short_str(&b, 'z', "a.py");
    int32_obj(&b, 1);
    short_str(&b, 'z', "f");
    small_tuple(&b, 0, 5);
    int32_obj(&b, 1);
    int32_obj(&b, 1);
    int32_obj(&b, 0);
    int32_obj(&b, 0);
    u8(&b, '{');
    small_tuple(&b, 0, 3);
    short_str(&b, 'z', "a.py");
    int32_obj(&b, 2);
    short_str(&b, 'z', "g");
    size_t at = b.n;
    small_tuple(&b, 0, 3);
    int32_obj(&b, 1);
    int32_obj(&b, 1);
    int32_obj(&b, 0);
    u8(&b, '0');
    u8(&b, '0');
    pv_profile *p = NULL;
    pv_error err = {0};
    assert_int_equal(pv_pstats_parse_with(b.p, b.n, PV_LOAD_NO_EDGES, &p, &err), -1);
    assert_non_null(strstr(err.message, "not 4"));
    assert_int_equal(err.offset, (int64_t)at);
    bytes_free(&b);
}

/* An entry (file, 1, name) with 1 call and no callers; file and name are
 * given with their lengths, so they may hold NUL bytes. */
static void nul_entry(bytes *b, const char *file, size_t file_len, const char *name,
                      size_t name_len)
{
    small_tuple(b, 0, 3);
    u8(b, 'z');
    u8(b, (unsigned)file_len);
    put(b, file, file_len);
    int32_obj(b, 1);
    u8(b, 'z');
    u8(b, (unsigned)name_len);
    put(b, name, name_len);
    small_tuple(b, 0, 5);
    int32_obj(b, 1);
    int32_obj(b, 1);
    int32_obj(b, 0);
    int32_obj(b, 0);
    u8(b, '{');
    u8(b, '0');
}

static void pstats_keeps_names_that_differ_after_a_nul_byte_apart(void **state)
{
    (void)state;
    bytes b = {0};
    u8(&b, '{');
    nul_entry(&b, "m.py", 4, "f\0x", 3);
    nul_entry(&b, "m.py", 4, "f\0y", 3);
    nul_entry(&b, "m.py", 4, "f", 1);
    nul_entry(&b, "n\0a.py", 6, "f", 1);
    nul_entry(&b, "n\0b.py", 6, "f", 1);
    u8(&b, '0');
    pv_profile *p = parse_ok(&b);
    assert_int_equal(p->nfunctions, 5);
    assert_string_equal(p->functions[0].name, "f\xe2\x90\x80x"); /* f U+2400 x */
    assert_string_equal(p->functions[1].name, "f\xe2\x90\x80y");
    assert_string_equal(p->functions[2].name, "f");
    assert_string_equal(p->functions[3].file, "n\xe2\x90\x80\x61.py");
    assert_string_equal(p->functions[4].file, "n\xe2\x90\x80\x62.py");
    assert_int_equal(p->total_calls, 5);
    pv_profile_free(p);
    bytes_free(&b);
}

static unsigned char *read_fixture(const char *name, size_t *len)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/tests/golden/%s", PROFVIZ_SOURCE_DIR, name);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    unsigned char *data = malloc(1 << 20);
    assert_non_null(data);
    *len = fread(data, 1, 1 << 20, f);
    fclose(f);
    return data;
}

/* The id of the function with this key, or -1. */
static int64_t find(const pv_profile *p, const char *file, int64_t line, const char *name)
{
    for (uint32_t id = 0; id < p->nfunctions; id++) {
        const pv_function *f = &p->functions[id];
        if (strcmp(f->file, file) == 0 && f->line == line && strcmp(f->name, name) == 0) return id;
    }
    return -1;
}

/* The edge caller -> callee, or NULL. */
static const pv_edge *edge(const pv_profile *p, int64_t caller, int64_t callee)
{
    const pv_function *f = &p->functions[callee];
    for (uint32_t k = 0; k < f->ncallers; k++)
        if (p->edges[f->first_caller + k].caller == caller) return &p->edges[f->first_caller + k];
    return NULL;
}

/* ---- real files ---- */

static void pstats_reads_the_tiny_fixtures_with_the_totals_pstats_prints(void **state)
{
    pv_profile *p = load("tiny-cprofile-py313.prof");
    assert_int_equal(p->nfunctions, 9);
    assert_int_equal(p->total_calls, 17);
    assert_int_equal(p->primitive_calls, 17);
    int64_t leaf = find(p, "tiny.py", 2, "leaf"), mid = find(p, "tiny.py", 6, "mid");
    assert_true(leaf >= 0 && mid >= 0);
    assert_int_equal(p->functions[leaf].ncalls, 5);
    assert_true(p->functions[leaf].listed);
    assert_non_null(edge(p, mid, leaf));
    pv_profile_free(p);

    p = load("tiny-cprofile-py27.prof");
    assert_int_equal(p->nfunctions, 9);
    assert_int_equal(p->total_calls, 18);
    assert_true(find(p, "~", 0, "<sorted>") >= 0);
    pv_profile_free(p);

    /* The profile module: int caller counts, and a code object named <module>. */
    p = load("tiny-profile-py313.prof");
    assert_int_equal(p->nfunctions, 11);
    assert_int_equal(p->total_calls, 18);
    int64_t module = find(p, "profile", 0, "<module>"), exec = find(p, "", 0, "exec");
    assert_true(module >= 0 && exec >= 0);
    const pv_edge *e = edge(p, module, exec);
    assert_non_null(e);
    assert_false(pv_edge_has_times(e));
    assert_int_equal(e->ncalls, 1);
    assert_int_equal(e->pcalls, 1);
    pv_profile_free(p);
}

static void pstats_reads_every_golden_fixture(void **state)
{
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/tests/golden", PROFVIZ_SOURCE_DIR);
    DIR *d = opendir(dir);
    assert_non_null(d);
    int count = 0;
    for (struct dirent *ent; (ent = readdir(d));) {
        size_t n = strlen(ent->d_name);
        if (n < 5 || strcmp(ent->d_name + n - 5, ".prof") != 0) continue;
        pv_profile *p = load(ent->d_name);
        assert_true(p->nroots <= p->nfunctions);
        pv_profile_free(p);
        count++;
    }
    closedir(d);
    assert_true(count >= 40);
}

static void pstats_ids_are_the_same_on_every_load(void **state)
{
    pv_profile *a = load("cprofile-py313.prof"), *b = load("cprofile-py313.prof");
    assert_int_equal(a->nfunctions, b->nfunctions);
    assert_int_equal(a->nedges, b->nedges);
    for (uint32_t id = 0; id < a->nfunctions; id++) {
        assert_string_equal(a->functions[id].file, b->functions[id].file);
        assert_string_equal(a->functions[id].name, b->functions[id].name);
        assert_int_equal(a->functions[id].line, b->functions[id].line);
        assert_int_equal(a->functions[id].ncalls, b->functions[id].ncalls);
    }
    for (uint32_t k = 0; k < a->nedges; k++) {
        assert_int_equal(a->edges[k].caller, b->edges[k].caller);
        assert_int_equal(a->edges[k].callee, b->edges[k].callee);
    }
    pv_profile_free(a);
    pv_profile_free(b);
}

/* ---- the rules of the format, on hand-made dicts ---- */

static void pstats_reads_an_empty_stats_dict(void **state)
{
    bytes b = {0};
    u8(&b, '{' | 0x80);
    end_dict(&b);
    pv_profile *p = parse_ok(&b);
    assert_int_equal(p->nfunctions, 0);
    assert_int_equal(p->total_calls, 0);
    assert_int_equal(p->nroots, 0);
    pv_profile_free(p);
    bytes_free(&b);
}

static void pstats_skips_the_sampled_marker_of_python_3_15(void **state)
{
    bytes b = {0};
    u8(&b, '{');
    small_tuple(&b, 0, 1); /* ("__sampled__",): True */
    short_str(&b, 'Z', "__sampled__");
    u8(&b, 'T');
    entry(&b, "a.py", 1, "f", 3, 0.5);
    end_dict(&b);
    pv_profile *p = parse_ok(&b);
    assert_int_equal(p->nfunctions, 1);
    assert_string_equal(p->functions[0].name, "f");
    assert_int_equal(p->total_calls, 3);
    pv_profile_free(p);
    bytes_free(&b);
}

static void pstats_duplicate_top_level_key_last_wins_and_replaces_callers(void **state)
{
    bytes b = {0};
    u8(&b, '{');
    entry(&b, "a.py", 1, "main", 1, 1.0);
    entry(&b, "a.py", 5, "other", 1, 1.0);
    key(&b, "a.py", 9, "f");
    stats_begin(&b, 2, 2, 0.25, 0.5);
    key(&b, "a.py", 1, "main");
    caller_numbers(&b, 2, 2, 0.25, 0.5);
    end_dict(&b);
    key(&b, "a.py", 9, "f"); /* again: replaces the entry above */
    stats_begin(&b, 7, 8, 0.75, 1.5);
    key(&b, "a.py", 5, "other");
    caller_numbers(&b, 8, 7, 0.75, 1.5);
    end_dict(&b);
    end_dict(&b);
    pv_profile *p = parse_ok(&b);
    assert_int_equal(p->nfunctions, 3);
    int64_t f = find(p, "a.py", 9, "f");
    assert_int_equal(f, 2);
    assert_int_equal(p->functions[f].ncalls, 8);
    assert_int_equal(p->functions[f].pcalls, 7);
    assert_true(p->functions[f].tottime == 0.75);
    assert_int_equal(p->functions[f].ncallers, 1);
    assert_null(edge(p, 0, f));
    assert_non_null(edge(p, 1, f));
    assert_int_equal(p->functions[0].ncallees, 0);
    assert_int_equal(p->functions[1].ncallees, 1);
    assert_int_equal(p->nedges, 1);
    assert_int_equal(p->total_calls, 10);
    pv_profile_free(p);
    bytes_free(&b);
}

static void pstats_duplicate_caller_key_in_one_dict_last_wins(void **state)
{
    bytes b = {0};
    u8(&b, '{');
    entry(&b, "a.py", 1, "main", 1, 1.0);
    key(&b, "a.py", 9, "f");
    stats_begin(&b, 4, 4, 0.25, 0.5);
    key(&b, "a.py", 1, "main");
    caller_numbers(&b, 1, 1, 0.125, 0.125);
    key(&b, "a.py", 1, "main");
    caller_numbers(&b, 4, 4, 0.25, 0.5);
    end_dict(&b);
    end_dict(&b);
    pv_profile *p = parse_ok(&b);
    assert_int_equal(p->nedges, 1);
    const pv_edge *e = edge(p, 0, 1);
    assert_non_null(e);
    assert_int_equal(e->ncalls, 4);
    assert_true(e->cumtime == 0.5);
    assert_int_equal(p->functions[0].ncallees, 1);
    pv_profile_free(p);
    bytes_free(&b);
}

static void pstats_caller_missing_from_the_top_level_gets_an_unlisted_function(void **state)
{
    bytes b = {0};
    u8(&b, '{');
    key(&b, "a.py", 9, "f");
    stats_begin(&b, 3, 3, 0.25, 0.5);
    key(&b, "gone.py", 7, "vanished");
    caller_numbers(&b, 3, 3, 0.25, 0.5);
    end_dict(&b);
    end_dict(&b);
    pv_profile *p = parse_ok(&b);
    assert_int_equal(p->nfunctions, 2);
    int64_t gone = find(p, "gone.py", 7, "vanished");
    assert_int_equal(gone, 1);
    const pv_function *g = &p->functions[gone];
    assert_false(g->listed);
    assert_int_equal(g->ncalls, 0);
    assert_int_equal(g->pcalls, 0);
    assert_true(g->tottime == 0 && g->cumtime == 0);
    assert_int_equal(g->ncallees, 1);
    assert_int_equal(p->total_calls, 3);
    pv_profile_free(p);
    bytes_free(&b);
}

static void pstats_finds_roots_without_callers_or_with_calls_from_outside(void **state)
{
    bytes b = {0};
    u8(&b, '{');
    entry(&b, "a.py", 1, "main", 1, 0.5); /* no callers: root */
    key(&b, "a.py", 2, "busy");           /* 5 calls, 3 from main: root */
    stats_begin(&b, 5, 5, 0.25, 3.0);
    key(&b, "a.py", 1, "main");
    caller_numbers(&b, 3, 3, 0.125, 2.0);
    end_dict(&b);
    key(&b, "a.py", 3, "inner"); /* 2 calls, both from busy: not a root */
    stats_begin(&b, 2, 2, 0.25, 0.25);
    key(&b, "a.py", 2, "busy");
    caller_numbers(&b, 2, 2, 0.25, 0.25);
    end_dict(&b);
    end_dict(&b);
    pv_profile *p = parse_ok(&b);
    assert_int_equal(p->nroots, 2);
    assert_int_equal(p->roots[0], 1); /* by descending cumtime */
    assert_int_equal(p->roots[1], 0);
    assert_true(p->functions[0].is_root);
    assert_int_equal(p->functions[0].external_calls, 1);
    assert_true(p->functions[1].is_root);
    assert_int_equal(p->functions[1].external_calls, 2);
    assert_false(p->functions[2].is_root);
    assert_int_equal(p->functions[2].external_calls, 0);
    pv_profile_free(p);
    bytes_free(&b);
}

static void pstats_totals_add_up_calls_primitive_calls_and_own_time(void **state)
{
    bytes b = {0};
    u8(&b, '{');
    key(&b, "a.py", 1, "f");
    stats_begin(&b, 2, 5, 0.5, 1.0);
    end_dict(&b);
    key(&b, "a.py", 2, "g");
    stats_begin(&b, 3, 3, 0.25, 0.25);
    key(&b, "x.py", 1, "unlisted");
    caller_numbers(&b, 3, 3, 0.25, 0.25);
    end_dict(&b);
    end_dict(&b);
    pv_profile *p = parse_ok(&b);
    assert_int_equal(p->total_calls, 8);
    assert_int_equal(p->primitive_calls, 5);
    assert_true(p->total_time == 0.75);
    pv_profile_free(p);
    bytes_free(&b);
}

static void pstats_reads_profile_module_int_callers_and_int_times(void **state)
{
    bytes b = {0};
    u8(&b, '{');
    entry(&b, "", 0, "exec", 1, 0);
    key(&b, "a.py", 1, "f");
    small_tuple(&b, 0, 5);
    int32_obj(&b, 4);
    int32_obj(&b, 4);
    int32_obj(&b, 0); /* whole-number times as ints */
    int32_obj(&b, 2);
    u8(&b, '{');
    key(&b, "", 0, "exec");
    int32_obj(&b, 4);
    end_dict(&b);
    end_dict(&b);
    pv_profile *p = parse_ok(&b);
    const pv_edge *e = edge(p, 0, 1);
    assert_non_null(e);
    assert_false(pv_edge_has_times(e));
    assert_int_equal(e->ncalls, 4);
    assert_int_equal(e->pcalls, 4);
    assert_true(p->functions[1].cumtime == 2.0);
    pv_profile_free(p);
    bytes_free(&b);
}

/* compile("x", "f.py", "eval") marshalled by Python 3.13 (flagged: slot 0
 * when it comes first). */
static const char code_313[] =
    "e30000000000000000000000000100000000000000f30600000095005c002400a9002901da017872"
    "02000000f300000000da04662e7079da083c6d6f64756c653e7206000000010000007308000000f0"
    "03010101d900017204000000";

static void pstats_names_a_key_with_a_code_object_by_its_co_name(void **state)
{
    bytes b = {0};
    u8(&b, '{');
    small_tuple(&b, 0, 3);
    short_str(&b, 'z', "profile");
    int32_obj(&b, 0);
    hex(&b, code_313);
    stats_begin(&b, 1, 1, 0, 0);
    end_dict(&b);
    end_dict(&b);
    pv_profile *p = parse_ok(&b);
    assert_int_equal(p->nfunctions, 1);
    assert_string_equal(p->functions[0].file, "profile");
    assert_string_equal(p->functions[0].name, "<module>");
    pv_profile_free(p);
    bytes_free(&b);
}

static void pstats_maps_surrogate_escapes_back_and_replaces_invalid_bytes(void **state)
{
    bytes b = {0};
    u8(&b, '{');
    small_tuple(&b, 0, 3);
    str(&b, 'u', "x\xed\xb3\x83\xed\xb2\xa9y.py"); /* x\udcc3\udca9y: the bytes of é */
    int32_obj(&b, 1);
    str(&b, 'u', "caf\xed\xb3\xa9"); /* caf\udce9: Latin-1 é, not UTF-8 */
    stats_begin(&b, 1, 1, 0, 0);
    end_dict(&b);
    small_tuple(&b, 0, 3);
    str(&b, 's', "caf\xe9.py"); /* Python 2 bytes */
    int32_obj(&b, 1);
    str(&b, 's', "f");
    stats_begin(&b, 1, 1, 0, 0);
    end_dict(&b);
    end_dict(&b);
    pv_profile *p = parse_ok(&b);
    assert_string_equal(p->functions[0].file, "x\xc3\xa9y.py");
    assert_string_equal(p->functions[0].name, "caf\xef\xbf\xbd");
    assert_string_equal(p->functions[1].file, "caf\xef\xbf\xbd.py");
    pv_profile_free(p);
    bytes_free(&b);
}

static void pstats_back_referenced_keys_and_strings_name_the_same_function(void **state)
{
    bytes b = {0};
    u8(&b, '{' | 0x80);       /* slot 0 */
    small_tuple(&b, 0x80, 3); /* slot 1: main's key */
    u8(&b, 'z' | 0x80);       /* slot 2: the file name */
    u8(&b, 4);
    put(&b, "a.py", 4);
    int32_obj(&b, 1);
    short_str(&b, 'z', "main");
    stats_begin(&b, 1, 1, 0.5, 1.0);
    end_dict(&b);
    small_tuple(&b, 0, 3);
    ref(&b, 2);
    int32_obj(&b, 2);
    short_str(&b, 'z', "f");
    stats_begin(&b, 1, 1, 0.5, 0.5);
    ref(&b, 1); /* caller: main */
    caller_numbers(&b, 1, 1, 0.5, 0.5);
    end_dict(&b);
    end_dict(&b);
    pv_profile *p = parse_ok(&b);
    assert_int_equal(p->nfunctions, 2);
    assert_string_equal(p->functions[1].file, "a.py");
    assert_ptr_equal(p->functions[0].file, p->functions[1].file);
    assert_non_null(edge(p, 0, 1));
    pv_profile_free(p);
    bytes_free(&b);
}

static void pstats_reads_python2_string_references_in_keys(void **state)
{
    bytes b = {0};
    u8(&b, '{');
    small_tuple(&b, 0, 3);
    str(&b, 't', "a.py");
    int32_obj(&b, 1);
    str(&b, 't', "main");
    stats_begin(&b, 1, 1, 0, 0);
    end_dict(&b);
    small_tuple(&b, 0, 3);
    u8(&b, 'R');
    i32(&b, 0);
    int32_obj(&b, 2);
    str(&b, 's', "f");
    stats_begin(&b, 1, 1, 0, 0);
    small_tuple(&b, 0, 3);
    u8(&b, 'R');
    i32(&b, 0);
    int32_obj(&b, 1);
    u8(&b, 'R');
    i32(&b, 1);
    caller_numbers(&b, 1, 1, 0, 0);
    end_dict(&b);
    end_dict(&b);
    pv_profile *p = parse_ok(&b);
    assert_int_equal(p->nfunctions, 2);
    assert_string_equal(p->functions[1].file, "a.py");
    assert_non_null(edge(p, 0, 1));
    pv_profile_free(p);
    bytes_free(&b);
}

static void pstats_reads_counts_written_as_long_and_int64(void **state)
{
    bytes b = {0};
    u8(&b, '{');
    key(&b, "a.py", 1, "f");
    small_tuple(&b, 0, 5);
    u8(&b, 'l'); /* 3 * 2^30 */
    i32(&b, 3);
    put(&b, "\x00\x00\x00\x00\x03\x00", 6);
    u8(&b, 'I');
    i64(&b, (int64_t)1 << 40);
    short_str(&b, 'f', "0.5"); /* a text float, as marshal versions 0 and 1 write */
    short_str(&b, 'f', "1.5");
    u8(&b, '{');
    end_dict(&b);
    end_dict(&b);
    pv_profile *p = parse_ok(&b);
    assert_int_equal(p->functions[0].pcalls, 3 * ((int64_t)1 << 30));
    assert_int_equal(p->functions[0].ncalls, (int64_t)1 << 40);
    assert_true(p->functions[0].tottime == 0.5 && p->functions[0].cumtime == 1.5);
    pv_profile_free(p);
    bytes_free(&b);
}

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

static void pstats_rejects_counts_and_lengths_beyond_the_end_of_the_file(void **state)
{
    bytes b = {0};
    u8(&b, '{');
    small_tuple(&b, 0, 3);
    size_t at = b.n;
    u8(&b, 'u');
    i32(&b, 1000);
    put(&b, "a.py", 4);
    expect_failure(&b, "string claims 1000 bytes but only 4 bytes are left", (int64_t)at);
    bytes_free(&b);

    u8(&b, '{');
    key(&b, "a.py", 1, "f");
    at = b.n;
    u8(&b, '(');
    i32(&b, 0x7fffffff);
    put(&b, "\xe9\xe9", 2);
    expect_failure(&b, "tuple claims 2147483647 items but only 2 bytes are left", (int64_t)at);
    bytes_free(&b);
}

static void pstats_rejects_negative_lengths(void **state)
{
    bytes b = {0};
    u8(&b, '{');
    small_tuple(&b, 0, 3);
    size_t at = b.n;
    u8(&b, 'a');
    i32(&b, -5);
    put(&b, "a.py\xe9", 5);
    expect_failure(&b, "string has negative length -5", (int64_t)at);
    bytes_free(&b);

    u8(&b, '{');
    key(&b, "a.py", 1, "f");
    at = b.n;
    u8(&b, '(');
    i32(&b, -1);
    expect_failure(&b, "tuple has negative length -1", (int64_t)at);
    bytes_free(&b);
}

static void pstats_rejects_reference_forward_or_out_of_range(void **state)
{
    bytes b = {0};
    u8(&b, '{' | 0x80); /* slot 0 */
    small_tuple(&b, 0, 3);
    size_t at = b.n;
    ref(&b, 1);
    expect_failure(&b, "reference to object 1, but only 1 objects were stored before it",
                   (int64_t)at);
    bytes_free(&b);

    u8(&b, '{');
    small_tuple(&b, 0, 3);
    at = b.n;
    ref(&b, -7);
    expect_failure(&b, "reference to object -7, but only 0 objects were stored before it",
                   (int64_t)at);
    bytes_free(&b);
}

static void pstats_rejects_reference_into_unfinished_container(void **state)
{
    /* The key's name refers to the stats dict that holds it. */
    bytes b = {0};
    u8(&b, '{' | 0x80); /* slot 0 */
    small_tuple(&b, 0, 3);
    short_str(&b, 'z', "a.py");
    int32_obj(&b, 1);
    size_t at = b.n;
    ref(&b, 0);
    expect_failure(&b, "reference to object 0, whose container is still being read", (int64_t)at);
    bytes_free(&b);

    /* A caller key that is the entry's own (unfinished) value tuple. */
    u8(&b, '{');
    key(&b, "a.py", 1, "f");
    small_tuple(&b, 0x80, 5); /* slot 0 */
    int32_obj(&b, 1);
    int32_obj(&b, 1);
    float_obj(&b, 0);
    float_obj(&b, 0);
    u8(&b, '{');
    at = b.n;
    ref(&b, 0);
    expect_failure(&b, "reference to object 0, whose container is still being read", (int64_t)at);
    bytes_free(&b);
}

static void pstats_rejects_nesting_100000_deep_at_the_depth_cap(void **state)
{
    /* Deep nesting where the reader does not look at structure: the value
     * of 3.15's sampled marker, which is read whole and dropped. */
    bytes b = {0};
    u8(&b, '{');
    small_tuple(&b, 0, 1);
    short_str(&b, 'z', "__sampled__");
    size_t start = b.n;
    for (int k = 0; k < 100000; k++)
        small_tuple(&b, 0, 1);
    u8(&b, 'N');
    end_dict(&b);
    /* The dict is level 1, so the 2000th tuple is the deepest allowed. */
    expect_failure(&b, "objects nested deeper than 2000 levels",
                   (int64_t)(start + 2 * PV_MARSHAL_MAX_DEPTH));
    bytes_free(&b);
}

static void pstats_rejects_unknown_type_codes(void **state)
{
    bytes b = {0};
    u8(&b, '{');
    key(&b, "a.py", 1, "f");
    size_t at = b.n;
    u8(&b, 'W');
    expect_failure(&b, "unknown marshal type code 'W' (0x57)", (int64_t)at);
    bytes_free(&b);
    u8(&b, '{');
    key(&b, "a.py", 1, "f");
    small_tuple(&b, 0, 5);
    at = b.n;
    u8(&b, 0x02);
    pad(&b);
    expect_failure(&b, "unknown marshal type code 0x02", (int64_t)at);
    bytes_free(&b);
}

static void pstats_rejects_the_unknown_code_question_mark(void **state)
{
    bytes b = {0};
    u8(&b, '{');
    key(&b, "a.py", 1, "f");
    size_t at = b.n;
    u8(&b, '?');
    u8(&b, 0);
    expect_failure(&b, "marshal type UNKNOWN ('?') is always invalid", (int64_t)at);
    bytes_free(&b);
}

static void pstats_refuses_exponential_reference_expansion_quickly(void **state)
{
    /* Level k is a flagged tuple of 16 references to level k-1: 16^12
     * objects if replayed in full, in the value of the sampled marker. */
    bytes b = {0};
    u8(&b, '{');
    small_tuple(&b, 0, 1);
    short_str(&b, 'z', "__sampled__");
    size_t start = b.n;
    small_tuple(&b, 0, 13);
    small_tuple(&b, 0x80, 2); /* slot 0 */
    int32_obj(&b, 1);
    int32_obj(&b, 2);
    for (int level = 1; level <= 12; level++) {
        small_tuple(&b, 0x80, 16);
        for (int k = 0; k < 16; k++)
            ref(&b, level - 1);
    }
    end_dict(&b);
    pv_profile *p = NULL;
    pv_error err;
    clock_t t0 = clock();
    assert_int_equal(pv_pstats_parse(b.p, b.n, &p, &err), -1);
    assert_true((double)(clock() - t0) / CLOCKS_PER_SEC < 5);
    assert_non_null(
        strstr(err.message, "back-references expand to more objects than the file could hold"));
    /* Where the replay budget runs out depends on its size: somewhere in
     * the levels. */
    assert_true(err.offset > (int64_t)start && err.offset < (int64_t)b.n);
    bytes_free(&b);

    /* References to whole keys cost one lookup each, however many. */
    u8(&b, '{');
    small_tuple(&b, 0x80, 3); /* slot 0 */
    short_str(&b, 'z', "a.py");
    int32_obj(&b, 1);
    short_str(&b, 'z', "main");
    stats_begin(&b, 1, 1, 0, 0);
    end_dict(&b);
    for (int k = 0; k < 20000; k++) {
        key(&b, "b.py", k + 1, "f");
        stats_begin(&b, 1, 1, 0, 0);
        ref(&b, 0);
        caller_numbers(&b, 1, 1, 0, 0);
        end_dict(&b);
    }
    end_dict(&b);
    t0 = clock();
    p = parse_ok(&b);
    assert_true((double)(clock() - t0) / CLOCKS_PER_SEC < 5);
    assert_int_equal(p->nfunctions, 20001);
    assert_int_equal(p->functions[0].ncallees, 20000);
    pv_profile_free(p);
    bytes_free(&b);
}

static void refuse_every_prefix(const char *fixture)
{
    size_t len;
    unsigned char *data = read_fixture(fixture, &len);
    assert_true(len > 100);
    for (size_t n = 0; n < len; n++) {
        /* A copy of exactly n bytes, so that ASan sees any read past them. */
        unsigned char *prefix = malloc(n ? n : 1);
        assert_non_null(prefix);
        memcpy(prefix, data, n);
        pv_profile *p = NULL;
        pv_error err = {.offset = -2};
        int rc = pv_pstats_parse(prefix, n, &p, &err);
        if (rc != -1 || err.offset < 0 || err.offset > (int64_t)n)
            print_error("%s cut to %zu bytes: rc %d, \"%s\" at %lld\n", fixture, n, rc, err.message,
                        (long long)err.offset);
        assert_int_equal(rc, -1);
        assert_null(p);
        assert_true(err.offset >= 0 && err.offset <= (int64_t)n);
        assert_true(err.message[0] != '\0');
        free(prefix);
    }
    free(data);
}

static void pstats_refuses_every_truncation_of_real_files(void **state)
{
    refuse_every_prefix("tiny-cprofile-py313.prof");
    refuse_every_prefix("tiny-cprofile-py27.prof");
    refuse_every_prefix("tiny-profile-py313.prof"); /* code objects */
    refuse_every_prefix("tiny-profile-py27.prof");
    refuse_every_prefix("tiny-marshal-v0-py313.prof"); /* text floats */
}

static uint64_t xorshift(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* Parses data (a heap copy of exactly len bytes); either outcome is fine,
 * but a failure must name an offset inside the input. */
static void parse_anything(const unsigned char *data, size_t len)
{
    unsigned char *copy = malloc(len ? len : 1);
    assert_non_null(copy);
    memcpy(copy, data, len);
    pv_profile *p = NULL;
    pv_error err = {.offset = -2};
    if (pv_pstats_parse(copy, len, &p, &err) == 0) {
        assert_non_null(p);
        for (uint32_t id = 0; id < p->nfunctions; id++) {
            const pv_function *f = &p->functions[id];
            assert_true((uint64_t)f->first_caller + f->ncallers <= p->nedges);
            assert_true((uint64_t)f->first_callee + f->ncallees <= p->nedges);
        }
        pv_profile_free(p);
    } else {
        assert_null(p);
        assert_true(err.offset >= 0 && err.offset <= (int64_t)len);
    }
    free(copy);
}

static void pstats_survives_random_bytes_and_random_damage_to_real_files(void **state)
{
    uint64_t seed = 20240601;
    unsigned char buf[300];
    for (int iter = 0; iter < 20000; iter++) {
        size_t n = xorshift(&seed) % sizeof buf;
        for (size_t i = 0; i < n; i++)
            buf[i] = (unsigned char)(xorshift(&seed) >> 24);
        if (n && iter % 2) buf[0] = 0xfb; /* a flagged dict, so that parsing goes on */
        parse_anything(buf, n);
    }
    static const char *const fixtures[] = {"tiny-cprofile-py313.prof", "tiny-cprofile-py27.prof",
                                           "tiny-profile-py38.prof"};
    for (size_t k = 0; k < 3; k++) {
        size_t len;
        unsigned char *data = read_fixture(fixtures[k], &len);
        unsigned char *damaged = malloc(len);
        assert_non_null(damaged);
        for (int iter = 0; iter < 3000; iter++) {
            memcpy(damaged, data, len);
            int changes = 1 + (int)(xorshift(&seed) % 4);
            for (int c = 0; c < changes; c++)
                damaged[xorshift(&seed) % len] = (unsigned char)(xorshift(&seed) >> 24);
            parse_anything(damaged, len);
        }
        free(damaged);
        free(data);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(pstats_reads_the_tiny_fixtures_with_the_totals_pstats_prints),
        cmocka_unit_test(pstats_reads_every_golden_fixture),
        cmocka_unit_test(pstats_ids_are_the_same_on_every_load),
        cmocka_unit_test(pstats_without_edges_keeps_every_function_and_total),
        cmocka_unit_test(pstats_without_edges_still_checks_every_caller),
        cmocka_unit_test(pstats_keeps_names_that_differ_after_a_nul_byte_apart),
        cmocka_unit_test(pstats_reads_an_empty_stats_dict),
        cmocka_unit_test(pstats_skips_the_sampled_marker_of_python_3_15),
        cmocka_unit_test(pstats_duplicate_top_level_key_last_wins_and_replaces_callers),
        cmocka_unit_test(pstats_duplicate_caller_key_in_one_dict_last_wins),
        cmocka_unit_test(pstats_caller_missing_from_the_top_level_gets_an_unlisted_function),
        cmocka_unit_test(pstats_finds_roots_without_callers_or_with_calls_from_outside),
        cmocka_unit_test(pstats_totals_add_up_calls_primitive_calls_and_own_time),
        cmocka_unit_test(pstats_reads_profile_module_int_callers_and_int_times),
        cmocka_unit_test(pstats_names_a_key_with_a_code_object_by_its_co_name),
        cmocka_unit_test(pstats_maps_surrogate_escapes_back_and_replaces_invalid_bytes),
        cmocka_unit_test(pstats_back_referenced_keys_and_strings_name_the_same_function),
        cmocka_unit_test(pstats_reads_python2_string_references_in_keys),
        cmocka_unit_test(pstats_reads_counts_written_as_long_and_int64),
        cmocka_unit_test(pstats_sniff_recognises_gzip_pprof_text_reports_json_and_elf),
        cmocka_unit_test(pstats_sniff_says_nothing_about_real_profiles_or_empty_input),
        cmocka_unit_test(pstats_names_other_profilers_files_and_says_how_to_make_a_prof),
        cmocka_unit_test(pstats_refuses_non_profiles_saying_what_they_look_like),
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
        cmocka_unit_test(pstats_rejects_counts_and_lengths_beyond_the_end_of_the_file),
        cmocka_unit_test(pstats_rejects_negative_lengths),
        cmocka_unit_test(pstats_rejects_reference_forward_or_out_of_range),
        cmocka_unit_test(pstats_rejects_reference_into_unfinished_container),
        cmocka_unit_test(pstats_rejects_nesting_100000_deep_at_the_depth_cap),
        cmocka_unit_test(pstats_rejects_unknown_type_codes),
        cmocka_unit_test(pstats_rejects_the_unknown_code_question_mark),
        cmocka_unit_test(pstats_refuses_exponential_reference_expansion_quickly),
        cmocka_unit_test(pstats_refuses_every_truncation_of_real_files),
        cmocka_unit_test(pstats_survives_random_bytes_and_random_damage_to_real_files),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
