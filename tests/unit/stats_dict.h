/* stats_dict.h: stats dicts built by hand, and the checks on reading them,
 * for the tests of the stats reader (parser/pstats.c).
 *
 * The builders append one part of a stats dict to a bytes value the test
 * owns and frees with bytes_free() (marshal_bytes.h): a key, an entry's
 * numbers with its callers dict left open, a caller's numbers. parse_ok()
 * and load() return a profile the caller frees with pv_profile_free();
 * read_fixture() returns bytes the caller frees with free(); every failure
 * fails the running cmocka test. Included by the parser_pstats*.c files;
 * the helpers are static inline, so a file that uses a few of them builds
 * without warnings about the others. */
#ifndef PV_TEST_STATS_DICT_H
#define PV_TEST_STATS_DICT_H

#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pstats.h"

#include "marshal_bytes.h"

/* ---- stats dicts ---- */

/* A key (file, line, name), as a small tuple of short strings. */
static inline void key(bytes *b, const char *file, int32_t line, const char *name)
{
    small_tuple(b, 0, 3);
    short_str(b, 'z', file);
    int32_obj(b, line);
    short_str(b, 'z', name);
}

static inline void float_obj(bytes *b, double d)
{
    u8(b, 'g');
    f64(b, d);
}

/* The value of an entry up to its callers dict, which is left open: add
 * callers, then end_callers(). */
static inline void stats_begin(bytes *b, int32_t cc, int32_t nc, double tt, double ct)
{
    small_tuple(b, 0, 5);
    int32_obj(b, cc);
    int32_obj(b, nc);
    float_obj(b, tt);
    float_obj(b, ct);
    u8(b, '{');
}

static inline void end_dict(bytes *b)
{
    u8(b, '0');
}

/* Bytes after a hostile object, so that counts and lengths before it are
 * not refused as running past the end of the file first. */
static inline void pad(bytes *b)
{
    for (int k = 0; k < 16; k++)
        u8(b, 0);
}

/* A caller's value (nc, cc, tt, ct). */
static inline void caller_numbers(bytes *b, int32_t nc, int32_t cc, double tt, double ct)
{
    small_tuple(b, 0, 4);
    int32_obj(b, nc);
    int32_obj(b, cc);
    float_obj(b, tt);
    float_obj(b, ct);
}

/* An entry without callers. */
static inline void entry(bytes *b, const char *file, int32_t line, const char *name, int32_t nc,
                         double tt)
{
    key(b, file, line, name);
    stats_begin(b, nc, nc, tt, tt);
    end_dict(b);
}

/* ---- parsing ---- */

static inline pv_profile *parse_ok(const bytes *b)
{
    pv_profile *p = NULL;
    pv_error err = {0};
    int rc = pv_pstats_parse(b->p, b->n, &p, &err);
    if (rc != 0) print_error("unexpected error at %lld: %s\n", (long long)err.offset, err.message);
    assert_int_equal(rc, 0);
    assert_non_null(p);
    return p;
}

static inline void expect_failure(const bytes *b, const char *message, int64_t offset)
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

/* Reads the file at path and parses it with flags (the parser reads no
 * files: the server's source.c does). Returns what pv_pstats_parse_with
 * does, or -1 with err filled (PV_ERR_IO) when the file cannot be read. */
static inline int load_file_with(const char *path, unsigned flags, pv_profile **out, pv_error *err)
{
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (!f) return pv_fail(err, PV_ERR_IO, -1, "cannot open %s", path);
    unsigned char *data = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (len == cap) {
            cap = cap ? 2 * cap : 1 << 16;
            unsigned char *grown = realloc(data, cap);
            assert_non_null(grown);
            data = grown;
        }
        size_t got = fread(data + len, 1, cap - len, f);
        len += got;
        if (got == 0) break;
    }
    int failed = ferror(f);
    fclose(f);
    int rc = failed ? pv_fail(err, PV_ERR_IO, -1, "cannot read %s", path)
                    : pv_pstats_parse_with(data, len, flags, out, err);
    free(data);
    return rc;
}

static inline pv_profile *load(const char *name)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/tests/golden/%s", PROFVIZ_SOURCE_DIR, name);
    pv_profile *p = NULL;
    pv_error err = {0};
    int rc = load_file_with(path, 0, &p, &err);
    if (rc != 0) print_error("%s: %s at %lld\n", path, err.message, (long long)err.offset);
    assert_int_equal(rc, 0);
    return p;
}

/* ---- fixtures, functions and edges ---- */

/* Calls each(name, context) for every .prof file of tests/golden; returns
 * how many there were. */
static inline int for_each_golden(void (*each)(const char *name, void *context), void *context)
{
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/tests/golden", PROFVIZ_SOURCE_DIR);
    DIR *d = opendir(dir);
    assert_non_null(d);
    int count = 0;
    for (struct dirent *ent; (ent = readdir(d));) {
        size_t n = strlen(ent->d_name);
        if (n < 5 || strcmp(ent->d_name + n - 5, ".prof") != 0) continue;
        each(ent->d_name, context);
        count++;
    }
    closedir(d);
    return count;
}

static inline unsigned char *read_fixture(const char *name, size_t *len)
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
static inline int64_t find(const pv_profile *p, const char *file, int64_t line, const char *name)
{
    for (uint32_t id = 0; id < p->nfunctions; id++) {
        const pv_function *f = &p->functions[id];
        if (strcmp(f->file, file) == 0 && f->line == line && strcmp(f->name, name) == 0) return id;
    }
    return -1;
}

/* The edge caller -> callee, or NULL. */
static inline const pv_edge *edge(const pv_profile *p, int64_t caller, int64_t callee)
{
    const pv_function *f = &p->functions[callee];
    for (uint32_t k = 0; k < f->ncallers; k++)
        if (p->edges[f->first_caller + k].caller == caller) return &p->edges[f->first_caller + k];
    return NULL;
}

#endif
