/* report_compare.c: `profviz report --compare BASE NEW`, two runs side by
 * side in the terminal (or as JSON), biggest changes first, for CI logs.
 *
 * Both files are loaded through a registry, so the ids and summaries printed
 * are the ones the server gives the same files. */
#include "report.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compare.h"
#include "compare_json.h"
#include "registry.h"

static const char compare_usage[] =
    "usage: profviz report --compare BASE NEW [--sort KEY] [--order asc|desc] [--limit N]\n"
    "                      [--normalised] [--json]\n"
    "KEY: change (|change of tottime|, the default), cumchange, tottime_change,\n"
    "     cumtime_change, ncalls_change, ratio, cumratio, base_tottime, new_tottime,\n"
    "     base_cumtime, new_cumtime, base_ncalls, new_ncalls, name, file\n";

static int usage_error(const char *problem, const char *detail)
{
    fprintf(stderr, "profviz report: %s%s%s%s\n", problem, detail ? " '" : "", detail ? detail : "",
            detail ? "'" : "");
    fputs(compare_usage, stderr);
    return 2;
}

typedef struct compare_options {
    const char *files[2];
    size_t nfiles;
    pv_compare_key key;
    bool descending, order_given, json;
    pv_compare_mode mode;
    long long limit; /* -1: all */
} compare_options;

/* Returns 0, 1 for --help (printed), or 2 after printing a usage error. */
static int parse(int argc, char **argv, compare_options *o)
{
    o->key = PV_CKEY_CHANGE;
    o->descending = true;
    o->limit = -1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = NULL;
        if (strcmp(a, "--compare") == 0) continue;
        if (strcmp(a, "--json") == 0) {
            o->json = true;
        } else if (strcmp(a, "--normalised") == 0 || strcmp(a, "--normalized") == 0) {
            o->mode = PV_COMPARE_NORMALISED;
        } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            fputs(compare_usage, stdout);
            return 1;
        } else if (strcmp(a, "--sort") == 0 || strncmp(a, "--sort=", 7) == 0) {
            v = a[6] == '=' ? a + 7 : (i + 1 < argc ? argv[++i] : NULL);
            if (!v) return usage_error("--sort needs a value", NULL);
            int k = pv_compare_key_from_name(v);
            if (k < 0) return usage_error("unknown sort key", v);
            o->key = (pv_compare_key)k;
        } else if (strcmp(a, "--order") == 0 || strncmp(a, "--order=", 8) == 0) {
            v = a[7] == '=' ? a + 8 : (i + 1 < argc ? argv[++i] : NULL);
            if (!v || (strcmp(v, "asc") && strcmp(v, "desc")))
                return usage_error("--order needs asc or desc, not", v ? v : "");
            o->descending = strcmp(v, "desc") == 0;
            o->order_given = true;
        } else if (strcmp(a, "--limit") == 0 || strncmp(a, "--limit=", 8) == 0) {
            v = a[7] == '=' ? a + 8 : (i + 1 < argc ? argv[++i] : NULL);
            char *end = NULL;
            errno = 0;
            o->limit = v ? strtoll(v, &end, 10) : -1;
            if (!v || !*v || *end || errno || o->limit < 0)
                return usage_error("--limit needs a whole number >= 0, not", v ? v : "");
        } else if (a[0] == '-' && a[1] != '\0') {
            return usage_error("unknown option", a);
        } else {
            if (o->nfiles == 2) return usage_error("--compare takes two profiles; extra", a);
            o->files[o->nfiles++] = a;
        }
    }
    if (o->nfiles != 2) return usage_error("--compare needs two profiles, BASE and NEW", NULL);
    if (!o->order_given) o->descending = o->key != PV_CKEY_NAME && o->key != PV_CKEY_FILE;
    return 0;
}

/* Writes the comparison as JSON, draining the writer into out as it grows.
 * Returns false when out of memory or when writing fails. */
static bool print_json(FILE *out, const pv_registry_entry *e[2], const pv_compare *cmp,
                       const compare_options *o, const uint32_t *order, size_t shown)
{
    pv_json w = {0};
    pv_json_begin_object(&w);
    pv_json_key(&w, "base");
    pv_compare_json_summary(&w, e[0]);
    pv_json_key(&w, "new");
    pv_compare_json_summary(&w, e[1]);
    pv_json_key_cstring(&w, "mode", pv_compare_mode_name(o->mode));
    pv_json_key(&w, "functions");
    pv_json_begin_array(&w);
    for (size_t i = 0; i < shown; i++) {
        pv_compare_json_row(&w, cmp, e[0]->profile, e[1]->profile, order[i], o->mode);
        if (w.len >= (1u << 20) && pv_json_flush(&w, out) < 0) break;
    }
    pv_json_end_array(&w);
    pv_json_end_object(&w);
    bool ok = pv_json_flush(&w, out) == 0 && fputc('\n', out) != EOF;
    pv_json_free(&w);
    return ok;
}

/* "+1.234567" or "-", for a number that may be NAN. */
static void fmt_signed(char *buf, size_t size, double v, const char *unit)
{
    if (v != v)
        snprintf(buf, size, "-");
    else
        snprintf(buf, size, "%+.6f%s", v, unit);
}

static void fmt_ratio(char *buf, size_t size, double r, bool base_present)
{
    if (r != r)
        snprintf(buf, size, "-");
    else if (isinf(r))
        snprintf(buf, size, base_present ? "from 0" : "new");
    else
        snprintf(buf, size, "x%.3f", r);
}

static void print_location(FILE *out, const pv_function *f)
{
    if (strcmp(f->file, "~") == 0 && f->line == 0)
        fprintf(out, "%s\n", f->name);
    else
        fprintf(out, "%s:%lld(%s)\n", f->file, (long long)f->line, f->name);
}

static void print_text(FILE *out, const pv_registry_entry *e[2], const pv_compare *cmp,
                       const compare_options *o, const uint32_t *order, size_t shown)
{
    const pv_profile *b = e[0]->profile, *n = e[1]->profile;
    pv_compare_totals t;
    pv_compare_totals_of(b, n, &t);
    char change[48], ratio[32];
    fprintf(out, "base: %s  (%s, %u functions)\n", o->files[0], e[0]->id, b->nfunctions);
    fprintf(out, "new:  %s  (%s, %u functions)\n\n", o->files[1], e[1]->id, n->nfunctions);
    fmt_signed(change, sizeof change, t.change_time, " s");
    fmt_ratio(ratio, sizeof ratio, t.ratio_time, true);
    fprintf(out, "   total time   %.6f s -> %.6f s   %s   %s\n", t.base_time, t.new_time, change,
            ratio);
    fprintf(out, "   calls        %lld -> %lld   %+lld\n", (long long)t.base_calls,
            (long long)t.new_calls, (long long)t.change_calls);
    fputs("   functions   ", out);
    for (int m = 0; m < PV_MATCH_COUNT; m++)
        fprintf(out, " %s %zu%s", pv_match_name((pv_match)m), cmp->counts[m],
                m + 1 < PV_MATCH_COUNT ? "," : "\n");
    fprintf(out, "\n   Ordered by: %s (%s)%s\n", pv_compare_key_name(o->key),
            o->descending ? "descending" : "ascending",
            o->mode == PV_COMPARE_NORMALISED ? "; times as percent of each run's total" : "");
    if (shown < cmp->nrows)
        fprintf(out, "   List reduced from %zu to %zu due to restriction <%zu>\n", cmp->nrows,
                shown, shown);
    const char *unit = o->mode == PV_COMPARE_NORMALISED ? "%" : "";
    fprintf(out, "\n%15s %10s %12s %12s %9s %9s %-9s %s\n", "change", "ratio", "base tottime",
            "new tottime", "base ncalls", "new ncalls", "match", "function");
    for (size_t i = 0; i < shown; i++) {
        size_t r = order[i];
        const pv_compare_row *row = &cmp->rows[r];
        pv_compare_values v;
        pv_compare_values_of(cmp, b, n, r, o->mode, &v);
        fmt_signed(change, sizeof change, v.tottime, unit);
        fmt_ratio(ratio, sizeof ratio, v.ratio_tottime, row->base != PV_COMPARE_NONE);
        char bt[32] = "-", nt[32] = "-", bc[24] = "-", nc[24] = "-";
        if (row->base != PV_COMPARE_NONE) {
            snprintf(bt, sizeof bt, "%.6f", b->functions[row->base].tottime);
            snprintf(bc, sizeof bc, "%lld", (long long)b->functions[row->base].ncalls);
        }
        if (row->new_ != PV_COMPARE_NONE) {
            snprintf(nt, sizeof nt, "%.6f", n->functions[row->new_].tottime);
            snprintf(nc, sizeof nc, "%lld", (long long)n->functions[row->new_].ncalls);
        }
        fprintf(out, "%15s %10s %12s %12s %9s %9s %-9s ", change, ratio, bt, nt, bc, nc,
                pv_match_name(row->match));
        print_location(out, pv_compare_display(cmp, b, n, r));
    }
    fputc('\n', out);
}

int pv_report_compare_main(int argc, char **argv)
{
    compare_options o;
    memset(&o, 0, sizeof o);
    int status = parse(argc, argv, &o);
    if (status) return status == 1 ? 0 : status;
    status = 2;
    pv_error err;
    pv_registry *reg = pv_registry_new(&err);
    const pv_registry_entry *e[2] = {NULL, NULL};
    pv_compare *cmp = NULL;
    uint32_t *order = NULL;
    char ids[2][PV_REGISTRY_ID_LEN + 1];
    if (!reg) goto oom;
    pv_registry_set_index_on_demand(reg, true); /* a comparison needs none */
    size_t failed = 0;                          /* both files parsed at once */
    if (pv_registry_load_files(reg, o.files, 2, ids, &failed, &err) < 0) {
        char message[PV_ERROR_MESSAGE_MAX + 32];
        pv_error_format(&err, message, sizeof message);
        fprintf(stderr, "profviz: %s\n", message);
        goto done;
    }
    for (int s = 0; s < 2; s++) {
        e[s] = pv_registry_acquire(reg, ids[s]);
        if (!e[s]) goto oom;
    }
    if (pv_compare_build(e[0]->profile, e[1]->profile, &cmp, &err) < 0) goto oom;
    order = malloc((cmp->nrows ? cmp->nrows : 1) * sizeof *order);
    if (!order ||
        pv_compare_order_entries(cmp, e[0], e[1], o.key, o.mode, o.descending, order, &err) < 0)
        goto oom;
    size_t shown =
        o.limit >= 0 && (unsigned long long)o.limit < cmp->nrows ? (size_t)o.limit : cmp->nrows;
    if (o.json) {
        if (!print_json(stdout, e, cmp, &o, order, shown)) goto oom;
    } else {
        print_text(stdout, e, cmp, &o, order, shown);
    }
    status = fflush(stdout) == 0 ? 0 : 2;
    goto done;
oom:
    fputs("profviz: out of memory\n", stderr);
done:
    free(order);
    pv_compare_free(cmp);
    for (int s = 0; s < 2; s++)
        pv_registry_release(reg, e[s]);
    pv_registry_free(reg);
    return status;
}
