/* compare_json.c: rows, summaries and totals of a comparison as cJSON trees
 * (see compare_json.h). Doubles go through pv_json_double, so each reads
 * back to the same bits; integers are printed as integers. */
#include "compare_json.h"

#include <stdbool.h>
#include <stdio.h>
#include <time.h>

#include "json.h"

static bool add(cJSON *o, const char *key, cJSON *item)
{
    if (!item) return false;
    if (!cJSON_AddItemToObject(o, key, item)) {
        cJSON_Delete(item);
        return false;
    }
    return true;
}

static cJSON *int_item(int64_t v)
{
    char buf[24];
    snprintf(buf, sizeof buf, "%lld", (long long)v);
    return cJSON_CreateRaw(buf);
}

static bool add_int(cJSON *o, const char *key, int64_t v)
{
    return add(o, key, int_item(v));
}

static bool add_num(cJSON *o, const char *key, double v)
{
    return add(o, key, pv_json_double(v));
}

static bool add_str(cJSON *o, const char *key, const char *s)
{
    return add(o, key, cJSON_CreateString(s));
}

static cJSON *side(const pv_profile *p, uint32_t id)
{
    if (id == PV_COMPARE_NONE) return cJSON_CreateNull();
    const pv_function *f = &p->functions[id];
    cJSON *o = cJSON_CreateObject();
    if (!o || !add_int(o, "id", id) || !add_str(o, "file", f->file) ||
        !add_int(o, "line", f->line) || !add_int(o, "ncalls", f->ncalls) ||
        !add_int(o, "pcalls", f->pcalls) || !add_num(o, "tottime", f->tottime) ||
        !add_num(o, "cumtime", f->cumtime)) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

cJSON *pv_compare_json_row(const pv_compare *cmp, const pv_profile *base, const pv_profile *new_p,
                           size_t r, pv_compare_mode mode)
{
    const pv_compare_row *row = &cmp->rows[r];
    const pv_function *f = pv_compare_display(cmp, base, new_p, r);
    pv_compare_values v;
    pv_compare_values_of(cmp, base, new_p, r, mode, &v);
    cJSON *o = cJSON_CreateObject();
    cJSON *change = cJSON_CreateObject(), *ratio = cJSON_CreateObject();
    bool ok =
        o && change && ratio && add_str(o, "name", f->name) && add_str(o, "file", f->file) &&
        add_int(o, "line", f->line) && add(o, "base", side(base, row->base)) &&
        add(o, "new", side(new_p, row->new_)) && add_str(o, "match", pv_match_name(row->match)) &&
        add_num(change, "tottime", v.tottime) && add_num(change, "cumtime", v.cumtime) &&
        (mode == PV_COMPARE_ABSOLUTE ? add_int(change, "ncalls", v.ncalls_int)
                                     : add_num(change, "ncalls", v.ncalls)) &&
        add_num(ratio, "tottime", v.ratio_tottime) && add_num(ratio, "cumtime", v.ratio_cumtime);
    if (ok) {
        ok = add(o, "change", change);
        change = NULL;
    }
    if (ok) {
        ok = add(o, "ratio", ratio);
        ratio = NULL;
    }
    if (!ok) {
        cJSON_Delete(o);
        cJSON_Delete(change);
        cJSON_Delete(ratio);
        return NULL;
    }
    return o;
}

cJSON *pv_compare_json_summary(const pv_registry_entry *entry)
{
    char modified[32];
    time_t tt = (time_t)entry->modified;
    struct tm tm;
    if (!gmtime_r(&tt, &tm) || !strftime(modified, sizeof modified, "%Y-%m-%dT%H:%M:%SZ", &tm))
        snprintf(modified, sizeof modified, "1970-01-01T00:00:00Z");
    cJSON *o = cJSON_CreateObject();
    if (!o || !add_str(o, "id", entry->id) || !add_str(o, "name", entry->name) ||
        !add_int(o, "functions", entry->functions) ||
        !add_int(o, "total_calls", entry->total_calls) ||
        !add_int(o, "primitive_calls", entry->primitive_calls) ||
        !add_num(o, "total_time", entry->total_time) ||
        !add_int(o, "size", (int64_t)entry->bytes) || !add_str(o, "modified", modified)) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

bool pv_compare_json_add_totals(cJSON *o, const pv_profile *base, const pv_profile *new_p)
{
    pv_compare_totals t;
    pv_compare_totals_of(base, new_p, &t);
    cJSON *change = cJSON_CreateObject(), *ratio = cJSON_CreateObject();
    bool ok = change && ratio && add_num(change, "total_time", t.change_time) &&
              add_int(change, "total_calls", t.change_calls) &&
              add_int(change, "primitive_calls", t.change_pcalls) &&
              add_num(ratio, "total_time", t.ratio_time);
    if (ok) {
        ok = add(o, "change", change);
        change = NULL;
    }
    if (ok) {
        ok = add(o, "ratio", ratio);
        ratio = NULL;
    }
    cJSON_Delete(change);
    cJSON_Delete(ratio);
    return ok;
}

cJSON *pv_compare_json_counts(const pv_compare *cmp)
{
    cJSON *o = cJSON_CreateObject();
    for (int m = 0; o && m < PV_MATCH_COUNT; m++) {
        if (!add_int(o, pv_match_name((pv_match)m), (int64_t)cmp->counts[m])) {
            cJSON_Delete(o);
            return NULL;
        }
    }
    return o;
}

const char *pv_compare_mode_name(pv_compare_mode mode)
{
    return mode == PV_COMPARE_NORMALISED ? "normalised" : "absolute";
}
