/* Unit tests of server/search.c: the functions whose name or file holds a
 * string, found in the search text, against the function index's query
 * (index.h, which filters with it: the two must agree on every id and the
 * total) and against a plain lower-cased strstr, on a profile of more
 * distinct files than the search's table of files starts with (so that it
 * grows), met in no order, names and files in both cases and with bytes above 0x7f, and
 * needles that start with a letter or not, are longer than every string, or
 * empty; and on a few hand-made cases. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "index.h"
#include "profile.h"
#include "search.h"

static unsigned next_random(unsigned *seed)
{
    *seed = *seed * 1103515245u + 12345u;
    return (*seed >> 16) & 0x7fff;
}

static const char *const pieces[] = {"Mod",      "mod", "ule", "_",  "/", "x",  "\xc3\xa9",
                                     "\xc3\x89", "a",   "A",   "py", ".", "Zz", "M"};

static void random_text(unsigned *seed, char *buf, size_t parts)
{
    size_t len = 0;
    for (size_t i = 0; i < parts; i++) {
        const char *p = pieces[next_random(seed) % (sizeof pieces / sizeof *pieces)];
        memcpy(buf + len, p, strlen(p));
        len += strlen(p);
    }
    buf[len] = '\0';
}

/* n functions over about n / 2 files (more than the search's cache). */
static pv_profile *random_profile(size_t n, unsigned seed)
{
    pv_error err;
    pv_builder *b = pv_builder_new();
    assert_non_null(b);
    size_t count = 0;
    while (count < n) {
        char file[128], name[128];
        random_text(&seed, file, 1 + next_random(&seed) % 6);
        random_text(&seed, name, next_random(&seed) % 5);
        if (!name[0]) strcpy(name, "q");
        int64_t line = (int64_t)(next_random(&seed) % 3);
        int64_t id = pv_builder_intern(b, file, strlen(file), line, name, strlen(name), &err);
        assert_true(id >= 0);
        if ((size_t)id == count) count++;
    }
    for (size_t i = 0; i < n; i++)
        assert_int_equal(pv_builder_begin_entry(b, (uint32_t)i, 1, 1, 0.5, 0.5, &err), 0);
    pv_profile *p = pv_builder_finish(b, &err);
    assert_non_null(p);
    return p;
}

static void lower(const char *s, char *out)
{
    for (; *s; s++)
        *out++ = *s >= 'A' && *s <= 'Z' ? (char)(*s - 'A' + 'a') : *s;
    *out = '\0';
}

static bool plain_holds(const char *s, const char *q)
{
    char ls[512], lq[512];
    lower(s, ls);
    lower(q, lq);
    return strstr(ls, lq) != NULL;
}

static void search_agrees_with_the_index_and_strstr(void **state)
{
    (void)state;
    static const char *const needles[] = {"",
                                          "m",
                                          "M",
                                          "mod",
                                          "MODULE",
                                          "ule_",
                                          "/",
                                          "a/A",
                                          "\xc3\xa9",
                                          "\xc3",
                                          "\xc3\x89",
                                          "zzz",
                                          "py.",
                                          "x_x",
                                          "mODuLe/",
                                          "q",
                                          "not-in-any-string-at-all"};
    pv_profile *p = random_profile(4000, 17);
    pv_index *ix = NULL;
    pv_search *sx = NULL;
    pv_error err;
    assert_int_equal(pv_index_build(p, &ix, &err), 0);
    assert_int_equal(pv_search_build(p, &sx, &err), 0);
    assert_true(pv_search_memory(sx) > p->nfunctions * 2 * sizeof(uint32_t));
    size_t n = p->nfunctions;
    unsigned char *hit = malloc(n), *want = malloc(n);
    assert_true(hit && want);
    for (size_t k = 0; k < sizeof needles / sizeof *needles; k++) {
        const char *q = needles[k];
        memset(hit, 0, n);
        assert_int_equal(pv_search_mark(sx, q, hit, &err), 0);
        /* The index's answer: every matching id, in some order. */
        pv_function_query fq = {.sort = PV_SORT_NAME, .q = q, .limit = n};
        uint32_t *ids = NULL;
        size_t nids = 0, total = 0;
        assert_int_equal(pv_index_query(ix, &fq, &ids, &nids, &total, &err), 0);
        memset(want, 0, n);
        for (size_t i = 0; i < nids; i++)
            want[ids[i]] = 1;
        free(ids);
        size_t found = 0;
        for (size_t id = 0; id < n; id++) {
            const pv_function *f = &p->functions[id];
            bool plain = plain_holds(f->name, q) || plain_holds(f->file, q);
            if (hit[id] != want[id] || hit[id] != plain)
                fail_msg("q \"%s\", function %zu (%s in %s): search %d, index %d, strstr %d", q, id,
                         f->name, f->file, hit[id], want[id], plain);
            found += hit[id];
        }
        assert_int_equal(found, total);
    }
    /* Marks are only ever set: what was marked stays marked. */
    memset(hit, 1, n);
    assert_int_equal(pv_search_mark(sx, "not-in-any-string-at-all", hit, &err), 0);
    for (size_t id = 0; id < n; id++)
        assert_int_equal(hit[id], 1);
    free(hit);
    free(want);
    pv_index_free(ix);
    pv_search_free(sx);
    pv_profile_free(p);
}

static void search_finds_name_or_file_in_either_case(void **state)
{
    (void)state;
    pv_error err;
    pv_builder *b = pv_builder_new();
    assert_non_null(b);
    static const char *const keys[][2] = {{"/app/Module.py", "run"},
                                          {"/app/util.py", "ModuleLoader"},
                                          {"/app/util.py", "mod"},
                                          {"~", "<built-in method builtins.len>"}};
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(pv_builder_intern(b, keys[i][0], strlen(keys[i][0]), (int64_t)i,
                                           keys[i][1], strlen(keys[i][1]), &err),
                         (int64_t)i);
        assert_int_equal(pv_builder_begin_entry(b, (uint32_t)i, 1, 1, 0.5, 0.5, &err), 0);
    }
    pv_profile *p = pv_builder_finish(b, &err);
    assert_non_null(p);
    pv_search *sx = NULL;
    assert_int_equal(pv_search_build(p, &sx, &err), 0);
    unsigned char hit[4] = {0};
    assert_int_equal(pv_search_mark(sx, "MODULE", hit, &err), 0);
    const unsigned char module[4] = {1, 1, 0, 0};
    assert_memory_equal(hit, module, 4);
    memset(hit, 0, 4);
    assert_int_equal(pv_search_mark(sx, "Len>", hit, &err), 0);
    const unsigned char len[4] = {0, 0, 0, 1};
    assert_memory_equal(hit, len, 4);
    memset(hit, 0, 4);
    assert_int_equal(pv_search_mark(sx, "util.pyx", hit, &err), 0); /* runs past the file's end */
    const unsigned char none[4] = {0, 0, 0, 0};
    assert_memory_equal(hit, none, 4);
    pv_search_free(sx);
    pv_profile_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(search_agrees_with_the_index_and_strstr),
        cmocka_unit_test(search_finds_name_or_file_in_either_case),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
