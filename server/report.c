/* report.c: `profviz report`, pstats' print_stats in C, and the whole model as
 * JSON, streamed through the JSON writer (json.h) a megabyte at a time, so
 * that a 300,000-function profile is never held as one text. */
#include "report.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "index.h"
#include "json.h"
#include "source.h"
#include "pstats.h"
#include "sort.h"

/* gcc defines __SANITIZE_ADDRESS__ under -fsanitize=address; clang 14 only
 * answers __has_feature(address_sanitizer). */
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define PV_HAS_ASAN 1
#endif
#endif
#ifndef PV_HAS_ASAN
#define PV_HAS_ASAN 0
#endif

typedef struct sort_context {
    const pv_function *functions;
    pv_sort_key key;
} sort_context;

static int compare_text(const pv_function *a, const pv_function *b)
{
    int c = strcmp(a->name, b->name);
    if (c == 0) c = strcmp(a->file, b->file);
    if (c == 0 && a->line != b->line) c = a->line < b->line ? -1 : 1;
    return c;
}

/* Numbers sort largest first, names and files alphabetically; ties fall back
 * to name, file and line so that the order never depends on the hash. */
static int compare_functions(const void *context, uint32_t x, uint32_t y)
{
    const sort_context *sc = context;
    const pv_function *a = &sc->functions[x], *b = &sc->functions[y];
    if (sc->key == PV_SORT_FILE) {
        int c = strcmp(a->file, b->file);
        if (c) return c;
        if (a->line != b->line) return a->line < b->line ? -1 : 1;
    } else if (!pv_index_sort_is_text(sc->key)) {
        double u = pv_index_sort_value(a, sc->key), v = pv_index_sort_value(b, sc->key);
        if (u != v) return u > v ? -1 : 1;
    }
    return compare_text(a, b);
}

/* pstats' func_std_string: C functions show as {name} without file. */
static void print_location(FILE *out, const pv_function *f)
{
    if (strcmp(f->file, "~") == 0 && f->line == 0) {
        size_t n = strlen(f->name);
        if (n >= 2 && f->name[0] == '<' && f->name[n - 1] == '>')
            fprintf(out, "{%.*s}\n", (int)(n - 2), f->name + 1);
        else
            fprintf(out, "%s\n", f->name);
        return;
    }
    fprintf(out, "%s:%lld(%s)\n", f->file, (long long)f->line, f->name);
}

/* The first `keep` ids of the sorted order, without sorting the rest: a heap
 * of the best `keep` so far, whose root is the worst of them. Returns the
 * number kept, sorted into order[0..kept). */
static size_t select_top(uint32_t *order, size_t n, size_t keep, const sort_context *sc)
{
    if (keep > n) keep = n;
    size_t heap = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t id = order[i];
        if (heap == keep) {
            if (keep == 0 || compare_functions(sc, id, order[0]) >= 0) continue;
            order[0] = id; /* replace the worst, then sift down */
        } else {
            /* Sift up: parents are worse than (or as bad as) their children. */
            size_t c = heap++;
            while (c > 0 && compare_functions(sc, order[(c - 1) / 2], id) < 0) {
                order[c] = order[(c - 1) / 2];
                c = (c - 1) / 2;
            }
            order[c] = id;
            continue;
        }
        size_t c = 0;
        for (;;) {
            size_t l = 2 * c + 1, worst = c;
            uint32_t w = id;
            if (l < heap && compare_functions(sc, order[l], w) > 0) worst = l, w = order[l];
            if (l + 1 < heap && compare_functions(sc, order[l + 1], w) > 0) worst = l + 1;
            if (worst == c) break;
            order[c] = order[worst];
            c = worst;
        }
        order[c] = id;
    }
    pv_sort_ids(order, heap, compare_functions, sc);
    return heap;
}

static void print_text(FILE *out, const pv_profile *p, const char *const *files, size_t nfiles,
                       pv_sort_key key, const uint32_t *order, size_t shown)
{
    /* pstats heads the report with each file's modification time and name. */
    for (size_t i = 0; i < nfiles; i++) {
        struct stat st;
        char when[64] = "";
        time_t mtime;
        if (stat(files[i], &st) == 0) {
            mtime = st.st_mtime;
            struct tm tm;
            if (localtime_r(&mtime, &tm)) strftime(when, sizeof when, "%a %b %e %H:%M:%S %Y", &tm);
        }
        fprintf(out, "%s    %s\n", when, files[i]);
    }
    if (nfiles) fputc('\n', out);
    fprintf(out, "         %lld function calls ", (long long)p->total_calls);
    if (p->total_calls != p->primitive_calls)
        fprintf(out, "(%lld primitive calls) ", (long long)p->primitive_calls);
    fprintf(out, "in %.3f seconds\n\n", p->total_time);
    fprintf(out, "   Ordered by: %s\n", pv_index_sort_key_title(key));
    if (shown < p->nfunctions)
        fprintf(out, "   List reduced from %u to %zu due to restriction <%zu>\n", p->nfunctions,
                shown, shown);
    fputc('\n', out);
    fputs("   ncalls  tottime  percall  cumtime  percall filename:lineno(function)\n", out);
    char calls[48];
    for (size_t i = 0; i < shown; i++) {
        const pv_function *f = &p->functions[order[i]];
        if (f->ncalls != f->pcalls)
            snprintf(calls, sizeof calls, "%lld/%lld", (long long)f->ncalls, (long long)f->pcalls);
        else
            snprintf(calls, sizeof calls, "%lld", (long long)f->ncalls);
        fprintf(out, "%9s %8.3f ", calls, f->tottime);
        if (f->ncalls == 0)
            fputs("         ", out);
        else
            fprintf(out, "%8.3f ", f->tottime / (double)f->ncalls);
        fprintf(out, "%8.3f ", f->cumtime);
        if (f->pcalls == 0)
            fputs("         ", out);
        else
            fprintf(out, "%8.3f ", f->cumtime / (double)f->pcalls);
        print_location(out, f);
    }
    fputs("\n\n", out);
}

static void put_edge(pv_json *w, const pv_edge *e, uint32_t other)
{
    pv_json_begin_object(w);
    pv_json_key_int(w, "id", other);
    pv_json_key_int(w, "ncalls", e->ncalls);
    pv_json_key_int(w, "pcalls", e->pcalls);
    pv_json_key_double(w, "tottime", e->tottime); /* null for a count-only edge */
    pv_json_key_double(w, "cumtime", e->cumtime);
    pv_json_end_object(w);
}

static void put_function(pv_json *w, const pv_profile *p, uint32_t id)
{
    const pv_function *f = &p->functions[id];
    pv_json_begin_object(w);
    pv_json_key_int(w, "id", id);
    pv_json_key_cstring(w, "file", f->file);
    pv_json_key_int(w, "line", f->line);
    pv_json_key_cstring(w, "name", f->name);
    pv_json_key_int(w, "ncalls", f->ncalls);
    pv_json_key_int(w, "pcalls", f->pcalls);
    pv_json_key_double(w, "tottime", f->tottime);
    pv_json_key_double(w, "cumtime", f->cumtime);
    pv_json_key(w, "callers");
    pv_json_begin_array(w);
    for (uint32_t k = 0; k < f->ncallers; k++) {
        const pv_edge *e = &p->edges[f->first_caller + k];
        put_edge(w, e, e->caller);
    }
    pv_json_end_array(w);
    pv_json_key(w, "callees");
    pv_json_begin_array(w);
    for (uint32_t k = 0; k < f->ncallees; k++) {
        const pv_edge *e = &p->edges[p->callee_edges[f->first_callee + k]];
        put_edge(w, e, e->callee);
    }
    pv_json_end_array(w);
    pv_json_end_object(w);
}

/* Writes the whole model as JSON to out, a megabyte at a time. Returns 0, or
 * -1 when out of memory or when writing fails (with the cause on stderr). */
static int print_json(FILE *out, const pv_profile *p)
{
    pv_json w = {0};
    pv_json_begin_object(&w);
    pv_json_key_int(&w, "total_calls", p->total_calls);
    pv_json_key_int(&w, "primitive_calls", p->primitive_calls);
    pv_json_key_double(&w, "total_time", p->total_time);
    pv_json_key(&w, "functions");
    pv_json_begin_array(&w);
    int rc = 0;
    for (uint32_t id = 0; id < p->nfunctions && rc == 0 && !pv_json_failed(&w); id++) {
        /* Ask for the next function's edges while this one is written:
         * edges are grouped by callee in file order and callees lie
         * anywhere, so without this nearly every edge read waits for memory.
         * (Written here, not in a helper: gcc takes a function of nothing
         * but prefetches for one without effects and drops its calls.) */
        if (id + 1 < p->nfunctions) {
            const pv_function *next = &p->functions[id + 1];
            if (next->ncallers) __builtin_prefetch(&p->edges[next->first_caller]);
            for (uint32_t k = 0; k < next->ncallees && k < 16; k++)
                __builtin_prefetch(&p->edges[p->callee_edges[next->first_callee + k]]);
        }
        put_function(&w, p, id);
        if (w.len >= (1u << 20)) rc = pv_json_flush(&w, out);
    }
    pv_json_end_array(&w);
    pv_json_end_object(&w);
    bool nomem = pv_json_failed(&w) && rc == 0;
    if (rc == 0) rc = pv_json_flush(&w, out);
    if (rc == 0 && fputc('\n', out) == EOF) rc = -1;
    pv_json_free(&w);
    if (rc < 0)
        fprintf(stderr, "profviz: %s\n",
                nomem ? "out of memory while writing JSON" : "cannot write the JSON output");
    return rc;
}

static const char report_usage[] =
    "usage: profviz report [--sort KEY] [--limit N] [--json] FILE...\n"
    "KEY: tottime (the default), cumtime, ncalls, pcalls, name, file,\n"
    "     tottime_percall, cumtime_percall\n";

/* Prints "profviz report: <problem>" and the usage; returns exit status 2. */
static int usage_error(const char *problem, const char *detail)
{
    fprintf(stderr, "profviz report: %s%s%s%s\n", problem, detail ? " '" : "", detail ? detail : "",
            detail ? "'" : "");
    fputs(report_usage, stderr);
    fputs("Try 'profviz --help' for more.\n", stderr);
    return 2;
}

int pv_report_main(int argc, char **argv)
{
    for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
        if (strcmp(argv[i], "--compare") == 0) return pv_report_compare_main(argc, argv);
    pv_sort_key key = PV_SORT_REPORT_DEFAULT;
    long long limit = -1;
    bool json = false;
    const char **files = calloc((size_t)argc, sizeof *files);
    size_t nfiles = 0;
    if (!files) {
        fputs("profviz: out of memory\n", stderr);
        return 2;
    }
    int status = 2;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--json") == 0) {
            json = true;
        } else if (strcmp(a, "--sort") == 0 || strncmp(a, "--sort=", 7) == 0) {
            const char *v = a[6] == '=' ? a + 7 : (i + 1 < argc ? argv[++i] : NULL);
            if (!v) {
                status = usage_error("--sort needs a value", NULL);
                goto done;
            }
            int k = pv_index_sort_key_from_name(v);
            if (k < 0) {
                status = usage_error("unknown sort key", v);
                goto done;
            }
            key = (pv_sort_key)k;
        } else if (strcmp(a, "--limit") == 0 || strncmp(a, "--limit=", 8) == 0) {
            const char *v = a[7] == '=' ? a + 8 : (i + 1 < argc ? argv[++i] : NULL);
            char *end;
            errno = 0;
            limit = v ? strtoll(v, &end, 10) : -1;
            if (!v || *v == '\0' || *end != '\0' || errno || limit < 0) {
                status = usage_error("--limit needs a whole number >= 0, not", v ? v : "");
                goto done;
            }
        } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            fputs(report_usage, stdout);
            status = 0;
            goto done;
        } else if (strcmp(a, "--") == 0) {
            while (++i < argc)
                files[nfiles++] = argv[i];
        } else if (a[0] == '-' && a[1] != '\0') {
            status = usage_error("unknown option", a);
            goto done;
        } else {
            files[nfiles++] = a;
        }
    }
    if (nfiles == 0) {
        status = usage_error("no profile given", NULL);
        goto done;
    }

    pv_profile *profile;
    pv_error err;
    size_t failed;
    /* The table shows no callers, so it loads none (they are still read and
     * checked); --json shows everything. */
    pv_source_limits limits = {.no_id = true};
    if (pv_source_load(files, nfiles, json ? 0 : PV_LOAD_NO_EDGES, &limits, &profile, NULL, NULL,
                       NULL, &failed, &err)) {
        char message[PV_ERROR_MESSAGE_MAX + 32];
        pv_error_format(&err, message, sizeof message); /* "FILE: ..." for a file's problem */
        fprintf(stderr, "profviz: %s%s\n", failed < nfiles ? "" : "merging: ", message);
        goto done;
    }
    if (json) {
        status = print_json(stdout, profile) == 0 ? 0 : 2;
    } else {
        uint32_t *order = malloc((profile->nfunctions ? profile->nfunctions : 1) * sizeof *order);
        for (uint32_t id = 0; order && id < profile->nfunctions; id++)
            order[id] = id;
        sort_context sc = {profile->functions, key};
        size_t n = profile->nfunctions;
        size_t shown = limit >= 0 && (unsigned long long)limit < n ? (size_t)limit : n;
        if (!order || (shown < n / 8 ? pv_sort_ids(order, select_top(order, n, shown, &sc),
                                                   compare_functions, &sc)
                                     : pv_sort_ids(order, n, compare_functions, &sc))) {
            fputs("profviz: out of memory\n", stderr);
        } else {
            print_text(stdout, profile, files, nfiles, key, order, shown);
            status = 0;
        }
        free(order);
    }
    if (fflush(stdout) != 0) status = 2;
        /* The process ends right after this; giving a large model back page by
         * page would only slow that down. Sanitizer builds free it, so that leak
         * checking still sees every allocation returned. */
#if defined(__SANITIZE_ADDRESS__) || PV_HAS_ASAN || defined(PROFVIZ_FREE_AT_EXIT)
    pv_profile_free(profile);
#else
    (void)profile;
#endif
done:
    free(files);
    return status;
}
