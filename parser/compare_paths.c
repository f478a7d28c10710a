/* compare_paths.c: where a file's relative path starts (see compare.c's
 * rule 1 and compare_paths.h). Each distinct file is looked at once. */
#include "compare_paths.h"

#include <stdlib.h>
#include <string.h>

bool pv_cmp_is_sep(char c)
{
    return c == '/' || c == '\\';
}

static char lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* True when the n bytes at s are word (ASCII, any case). */
static bool comp_is(const char *s, size_t n, const char *word)
{
    size_t i = 0;
    for (; i < n && word[i]; i++)
        if (lower(s[i]) != word[i]) return false;
    return i == n && !word[i];
}

/* True for "python" + digits, optionally "." + digits, and letters
 * ("python3.11", "Python311", "python3.13t"). */
static bool comp_is_python(const char *s, size_t n, bool dotted)
{
    if (n < 7 || !comp_is(s, 6, "python")) return false;
    size_t i = 6;
    if (s[i] < '0' || s[i] > '9') return false;
    while (i < n && s[i] >= '0' && s[i] <= '9')
        i++;
    if (dotted && i < n && s[i] == '.') {
        i++;
        if (i == n || s[i] < '0' || s[i] > '9') return false;
        while (i < n && s[i] >= '0' && s[i] <= '9')
            i++;
    }
    while (i < n && lower(s[i]) >= 'a' && lower(s[i]) <= 'z')
        i++;
    return i == n;
}

/* The offset after the last package marker folder of file, or -1. */
static long marker_end(const char *file)
{
    long mark = -1;
    const char *prev = NULL;
    size_t prev_n = 0;
    const char *c = file;
    while (*c) {
        const char *start = c;
        while (*c && !pv_cmp_is_sep(*c))
            c++;
        size_t n = (size_t)(c - start);
        if (!*c) break; /* the file name itself is never a marker */
        bool marker = comp_is(start, n, "site-packages") || comp_is(start, n, "dist-packages") ||
                      (prev && (comp_is(prev, prev_n, "lib") || comp_is(prev, prev_n, "lib64")) &&
                       comp_is_python(start, n, true)) ||
                      (prev && comp_is(start, n, "lib") && comp_is_python(prev, prev_n, false));
        c++;
        if (marker) mark = (long)(c - file);
        prev = start;
        prev_n = n;
    }
    return mark;
}

static bool is_special(const char *file)
{
    return file[0] == '<' || file[0] == '\0' || strcmp(file, "~") == 0;
}

static bool has_sep(const char *s)
{
    for (; *s; s++)
        if (pv_cmp_is_sep(*s)) return true;
    return false;
}

uint64_t pv_cmp_hash(uint64_t h, const char *s, size_t n, bool paths)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char b = (unsigned char)(paths && s[i] == '\\' ? '/' : s[i]);
        h = (h ^ b) * UINT64_C(0x100000001b3);
    }
    return h;
}

bool pv_cmp_same_path(const char *a, const char *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (a[i] != b[i] && !(pv_cmp_is_sep(a[i]) && pv_cmp_is_sep(b[i]))) return false;
    return true;
}

void pv_cmp_files_free(pv_cmp_files *f)
{
    free(f->file_of);
    free(f->name);
    free(f->rel);
    free(f->last);
    free(f->rel_hash);
    free(f->last_hash);
    memset(f, 0, sizeof *f);
}

static size_t ptr_slot(const char *p, size_t mask)
{
    uint64_t h = (uint64_t)(uintptr_t)p * UINT64_C(0x9e3779b97f4a7c15);
    return (size_t)(h >> 32) & mask;
}

/* Indexes the distinct files of p into f->file_of, f->name. */
static int index_files(const pv_profile *p, pv_cmp_files *f)
{
    size_t n = p->nfunctions ? p->nfunctions : 1;
    size_t cap = 1024, names_cap = 256;
    uint32_t *slots = malloc(cap * sizeof *slots);
    f->file_of = malloc(n * sizeof *f->file_of);
    f->name = malloc(names_cap * sizeof *f->name);
    if (!slots || !f->file_of || !f->name) goto oom;
    memset(slots, 0xff, cap * sizeof *slots);
    for (uint32_t id = 0; id < p->nfunctions; id++) {
        const char *file = p->functions[id].file;
        size_t at = ptr_slot(file, cap - 1);
        while (slots[at] != UINT32_MAX && f->name[slots[at]] != file)
            at = (at + 1) & (cap - 1);
        if (slots[at] == UINT32_MAX) {
            if (f->nfiles == names_cap) {
                const char **bigger = realloc(f->name, 2 * names_cap * sizeof *bigger);
                if (!bigger) goto oom;
                f->name = bigger;
                names_cap *= 2;
            }
            slots[at] = f->nfiles;
            f->name[f->nfiles++] = file;
            if (2 * (size_t)f->nfiles > cap) { /* grow and rehash */
                size_t ncap = cap * 2;
                uint32_t *ns = malloc(ncap * sizeof *ns);
                if (!ns) goto oom;
                memset(ns, 0xff, ncap * sizeof *ns);
                for (uint32_t k = 0; k < f->nfiles; k++) {
                    size_t a = ptr_slot(f->name[k], ncap - 1);
                    while (ns[a] != UINT32_MAX)
                        a = (a + 1) & (ncap - 1);
                    ns[a] = k;
                }
                free(slots);
                slots = ns;
                cap = ncap;
                at = ptr_slot(file, cap - 1);
                while (f->name[slots[at]] != file)
                    at = (at + 1) & (cap - 1);
            }
        }
        f->file_of[id] = slots[at];
    }
    free(slots);
    return 0;
oom:
    free(slots);
    return -1;
}

int pv_cmp_files_find(const pv_profile *p, pv_cmp_files *f, pv_error *err)
{
    memset(f, 0, sizeof *f);
    if (index_files(p, f) < 0) goto oom;
    size_t nf = f->nfiles ? f->nfiles : 1;
    f->rel = malloc(nf * sizeof *f->rel);
    f->last = malloc(nf * sizeof *f->last);
    f->rel_hash = malloc(nf * sizeof *f->rel_hash);
    f->last_hash = malloc(nf * sizeof *f->last_hash);
    long *mark = malloc(nf * sizeof *mark);
    if (!f->rel || !f->last || !f->rel_hash || !f->last_hash || !mark) {
        free(mark);
        goto oom;
    }
    /* The common prefix of the own files, as a length into the first one. */
    const char *first = NULL;
    size_t common = 0;
    for (uint32_t k = 0; k < f->nfiles; k++) {
        const char *file = f->name[k];
        mark[k] = is_special(file) ? -1 : marker_end(file);
        if (is_special(file) || !has_sep(file) || mark[k] >= 0) continue;
        if (!first) {
            first = file;
            common = strlen(file);
            continue;
        }
        size_t i = 0;
        while (i < common && file[i] &&
               (file[i] == first[i] || (pv_cmp_is_sep(file[i]) && pv_cmp_is_sep(first[i]))))
            i++;
        common = i;
    }
    while (common > 0 && !pv_cmp_is_sep(first[common - 1]))
        common--;
    for (uint32_t k = 0; k < f->nfiles; k++) {
        const char *file = f->name[k];
        if (mark[k] >= 0)
            f->rel[k] = (uint32_t)mark[k];
        else if (first && !is_special(file) && has_sep(file))
            f->rel[k] = (uint32_t)common;
        else
            f->rel[k] = 0;
        const char *rel = file + f->rel[k];
        size_t len = strlen(rel), last = len;
        while (last > 0 && !pv_cmp_is_sep(rel[last - 1]))
            last--;
        f->last[k] = f->rel[k] + (uint32_t)last;
        f->rel_hash[k] = pv_cmp_hash(PV_CMP_HASH_SEED, rel, len, true);
        f->last_hash[k] = pv_cmp_hash(PV_CMP_HASH_SEED, rel + last, len - last, true);
    }
    free(mark);
    return 0;
oom:
    pv_cmp_files_free(f);
    return pv_fail(err, PV_ERR_NOMEM, -1, "out of memory");
}

/* ---- Keys of C functions and suffixes (compare.c's rules 2 and 3) ------ */

bool pv_cmp_is_c_function(const pv_function *f)
{
    return f->line == 0 && (f->file[0] == '\0' || strcmp(f->file, "~") == 0);
}

void pv_cmp_builtin_name(const char *name, const char **out, size_t *len)
{
    size_t n = strlen(name);
    static const char *const wraps[] = {"<built-in method ", "<built-in function "};
    bool unwrapped = false;
    for (size_t w = 0; w < 2 && !unwrapped; w++) {
        size_t k = strlen(wraps[w]);
        if (n > k + 1 && strncmp(name, wraps[w], k) == 0 && name[n - 1] == '>') {
            name += k;
            n -= k + 1;
            unwrapped = true;
        }
    }
    if (!unwrapped && n > 2 && name[0] == '<' && name[n - 1] == '>' && !memchr(name, ' ', n)) {
        name++;
        n -= 2;
    }
    /* "<built-in method __new__ of type object at 0x7f...>": the address
     * changes from run to run. */
    size_t h = n;
    while (h > 0 && ((name[h - 1] >= '0' && name[h - 1] <= '9') ||
                     (lower(name[h - 1]) >= 'a' && lower(name[h - 1]) <= 'f')))
        h--;
    if (h < n && h >= 6 && memcmp(name + h - 6, " at 0x", 6) == 0) n = h - 6;
    static const char *const modules[] = {"builtins.", "__builtin__."};
    for (size_t m = 0; m < 2; m++) {
        size_t k = strlen(modules[m]);
        if (n > k && strncmp(name, modules[m], k) == 0) {
            name += k;
            n -= k;
            break;
        }
    }
    *out = name;
    *len = n;
}

bool pv_cmp_suffix_related(const char *a, size_t na, const char *b, size_t nb)
{
    if (na < nb) {
        const char *t = a;
        a = b;
        b = t;
        size_t tn = na;
        na = nb;
        nb = tn;
    }
    return pv_cmp_same_path(a + (na - nb), b, nb) && (na == nb || pv_cmp_is_sep(a[na - nb - 1]));
}
