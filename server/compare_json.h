/* compare_json.h: a comparison's rows and summaries as JSON, one shape for
 * the API (/api/compare) and `profviz report --compare --json`.
 *
 * A row is {"name", "file", "line", "base": SIDE|null, "new": SIDE|null,
 * "match", "change": {"tottime", "cumtime", "ncalls"}, "ratio": {"tottime",
 * "cumtime"}} with SIDE {"id", "file", "line", "ncalls", "pcalls", "tottime",
 * "cumtime"} as that profile has them; "name", "file" and "line" are NEW's,
 * or BASE's for a function only in BASE. Numbers that are not finite (a
 * ratio from zero, a share of an empty run) are null. Items returned are
 * cJSON trees the caller frees with cJSON_Delete (strings are copied, so the
 * profiles may go before the item is printed).
 */
#ifndef PV_COMPARE_JSON_H
#define PV_COMPARE_JSON_H

#include <cjson/cJSON.h>
#include <stdbool.h>

#include "compare.h"
#include "registry.h"

/* Row r of cmp in mode, or NULL when out of memory. */
cJSON *pv_compare_json_row(const pv_compare *cmp, const pv_profile *base, const pv_profile *new_p,
                           size_t r, pv_compare_mode mode);

/* A profile's summary as /api/profiles lists it ({"id", "name",
 * "functions", "total_calls", "primitive_calls", "total_time", "size",
 * "modified"}), or NULL when out of memory. */
cJSON *pv_compare_json_summary(const pv_registry_entry *entry);

/* The whole-run changes: {"total_time", "total_calls", "primitive_calls"}
 * (NEW - BASE) and the time ratio, as {"change": {...}, "ratio": {...}}
 * members added to o. Returns false when out of memory. */
bool pv_compare_json_add_totals(cJSON *o, const pv_profile *base, const pv_profile *new_p);

/* The number of rows of each kind of match, {"same": N, ...}, or NULL. */
cJSON *pv_compare_json_counts(const pv_compare *cmp);

/* "absolute" or "normalised". */
const char *pv_compare_mode_name(pv_compare_mode mode);

#endif
