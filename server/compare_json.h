/* compare_json.h: a comparison's rows and summaries as JSON, one shape for
 * the API (/api/compare) and `profviz report --compare --json`.
 *
 * A row is {"name", "file", "line", "base": SIDE|null, "new": SIDE|null,
 * "match", "change": {"tottime", "cumtime", "ncalls"}, "ratio": {"tottime",
 * "cumtime"}} with SIDE {"id", "file", "line", "ncalls", "pcalls", "tottime",
 * "cumtime"} as that profile has them; "name", "file" and "line" are NEW's,
 * or BASE's for a function only in BASE. Numbers that are not finite (a
 * ratio from zero, a share of an empty run) are null. Each function writes
 * into a streaming JSON writer (json.h) at the place of a value (or, for
 * the totals, of members); an allocation failure is recorded in the writer.
 */
#ifndef PV_COMPARE_JSON_H
#define PV_COMPARE_JSON_H

#include <stdbool.h>

#include "compare.h"
#include "json.h"
#include "registry.h"

/* Writes row r of cmp in mode. */
void pv_compare_json_row(pv_json *w, const pv_compare *cmp, const pv_profile *base,
                         const pv_profile *new_p, size_t r, pv_compare_mode mode);

/* Writes a profile's summary as /api/profiles lists it ({"id", "name",
 * "functions", "total_calls", "primitive_calls", "total_time", "size",
 * "modified"}). */
void pv_compare_json_summary(pv_json *w, const pv_registry_entry *entry);

/* Writes the whole-run changes, {"total_time", "total_calls",
 * "primitive_calls"} (NEW - BASE), and the time ratio as two members,
 * "change": {...} and "ratio": {...}, of the object being written. */
void pv_compare_json_totals(pv_json *w, const pv_profile *base, const pv_profile *new_p);

/* Writes the number of rows of each kind of match, {"same": N, ...}. */
void pv_compare_json_counts(pv_json *w, const pv_compare *cmp);

/* Not JSON, but shared the same way: fills order[0..cmp->nrows) with the rows
 * of the two acquired entries sorted by key (pv_compare_sort; no index is
 * needed, for text keys neither). Returns 0, or -1 with err filled. */
int pv_compare_order_entries(const pv_compare *cmp, const pv_registry_entry *base,
                             const pv_registry_entry *new_e, pv_compare_key key,
                             pv_compare_mode mode, bool descending, uint32_t *order, pv_error *err);

/* "absolute" or "normalised". */
const char *pv_compare_mode_name(pv_compare_mode mode);

#endif
