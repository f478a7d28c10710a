/* compare_json.c: rows, summaries and totals of a comparison as JSON (see
 * compare_json.h), written with the streaming writer: doubles read back to
 * the same bits, integers are printed as integers. */
#include "compare_json.h"

#include <stdbool.h>
#include <stdlib.h>

#include "api_params.h"

static void side(pv_json *w, const pv_profile *p, uint32_t id)
{
    if (id == PV_COMPARE_NONE) {
        pv_json_null(w);
        return;
    }
    const pv_function *f = &p->functions[id];
    pv_json_begin_object(w);
    pv_json_key_int(w, "id", id);
    pv_json_key_cstring(w, "file", f->file);
    pv_json_key_int(w, "line", f->line);
    pv_json_key_int(w, "ncalls", f->ncalls);
    pv_json_key_int(w, "pcalls", f->pcalls);
    pv_json_key_double(w, "tottime", f->tottime);
    pv_json_key_double(w, "cumtime", f->cumtime);
    pv_json_end_object(w);
}

void pv_compare_json_row(pv_json *w, const pv_compare *cmp, const pv_profile *base,
                         const pv_profile *new_p, size_t r, pv_compare_mode mode)
{
    const pv_compare_row *row = &cmp->rows[r];
    const pv_function *f = pv_compare_display(cmp, base, new_p, r);
    pv_compare_values v;
    pv_compare_values_of(cmp, base, new_p, r, mode, &v);
    pv_json_begin_object(w);
    pv_json_key_cstring(w, "name", f->name);
    pv_json_key_cstring(w, "file", f->file);
    pv_json_key_int(w, "line", f->line);
    pv_json_key(w, "base");
    side(w, base, row->base);
    pv_json_key(w, "new");
    side(w, new_p, row->new_);
    pv_json_key_cstring(w, "match", pv_match_name(row->match));
    pv_json_key(w, "change");
    pv_json_begin_object(w);
    pv_json_key_double(w, "tottime", v.tottime);
    pv_json_key_double(w, "cumtime", v.cumtime);
    if (mode == PV_COMPARE_ABSOLUTE)
        pv_json_key_int(w, "ncalls", v.ncalls_int);
    else
        pv_json_key_double(w, "ncalls", v.ncalls);
    pv_json_end_object(w);
    pv_json_key(w, "ratio");
    pv_json_begin_object(w);
    pv_json_key_double(w, "tottime", v.ratio_tottime);
    pv_json_key_double(w, "cumtime", v.ratio_cumtime);
    pv_json_end_object(w);
    pv_json_end_object(w);
}

void pv_compare_json_summary(pv_json *w, const pv_registry_entry *entry)
{
    pv_json_begin_object(w);
    pv_api_put_summary_members(w, entry);
    pv_json_end_object(w);
}

void pv_compare_json_totals(pv_json *w, const pv_profile *base, const pv_profile *new_p)
{
    pv_compare_totals t;
    pv_compare_totals_of(base, new_p, &t);
    pv_json_key(w, "change");
    pv_json_begin_object(w);
    pv_json_key_double(w, "total_time", t.change_time);
    pv_json_key_int(w, "total_calls", t.change_calls);
    pv_json_key_int(w, "primitive_calls", t.change_pcalls);
    pv_json_end_object(w);
    pv_json_key(w, "ratio");
    pv_json_begin_object(w);
    pv_json_key_double(w, "total_time", t.ratio_time);
    pv_json_end_object(w);
}

void pv_compare_json_counts(pv_json *w, const pv_compare *cmp)
{
    pv_json_begin_object(w);
    for (int m = 0; m < PV_MATCH_COUNT; m++)
        pv_json_key_int(w, pv_match_name((pv_match)m), (int64_t)cmp->counts[m]);
    pv_json_end_object(w);
}

const char *pv_compare_mode_name(pv_compare_mode mode)
{
    return mode == PV_COMPARE_NORMALISED ? "normalised" : "absolute";
}

int pv_compare_order_entries(const pv_compare *cmp, const pv_registry_entry *base,
                             const pv_registry_entry *new_e, pv_compare_key key,
                             pv_compare_mode mode, bool descending, uint32_t *order, pv_error *err)
{
    /* Text keys too are sorted from the rows themselves: no index needed. */
    return pv_compare_sort(cmp, base->profile, new_e->profile, key, mode, descending, order, err);
}
