/* index.h: the function index of one profile: the table's sort orders and
 * its substring search, computed once so that every page is cheap. Pure: no
 * I/O, no locks, no state outside the pv_index.
 *
 * Data model: for every sort key, the function ids in ascending and in
 * descending order (ties broken by ascending id, both ways); the distinct
 * files, for the file order; and the profile's search text (search.h: ASCII
 * case-insensitive substring search, a filtered page is one memmem() scan
 * over the names plus one over the files, then a walk of the sorted ids that
 * stops once the page is full).
 *
 * Ownership: a pv_index borrows its profile (which must outlive it, and
 * whose strings it points into) and owns its arrays; pv_index_free frees
 * them. A built index is read-only, so any number of threads query it.
 */
#ifndef PV_INDEX_H
#define PV_INDEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "profile.h"

/* The sort keys of the function table and of `profviz report`. The one list
 * of their names and titles is index.c's; PV_SORT_DEFAULT (descending) is
 * the table's default order, PV_SORT_REPORT_DEFAULT report's (pstats'
 * habit of reading a profile by internal time). Numbers sort largest
 * first, text (name, file) alphabetically. */
typedef enum pv_sort_key {
    PV_SORT_TOTTIME,
    PV_SORT_CUMTIME,
    PV_SORT_NCALLS,
    PV_SORT_PCALLS,
    PV_SORT_NAME,            /* name, then file, then line */
    PV_SORT_FILE,            /* file, then line, then name */
    PV_SORT_TOTTIME_PERCALL, /* tottime / ncalls; 0 without calls */
    PV_SORT_CUMTIME_PERCALL, /* cumtime / pcalls; 0 without primitive calls */
    PV_SORT_COUNT
} pv_sort_key;

#define PV_SORT_DEFAULT PV_SORT_CUMTIME
#define PV_SORT_REPORT_DEFAULT PV_SORT_TOTTIME

typedef struct pv_index pv_index;

/* A page of the function table. */
typedef struct pv_function_query {
    pv_sort_key sort;
    bool descending;
    const char *q; /* substring of name or file, ASCII case-insensitive; NULL or "" for all */
    const unsigned char *only; /* per function id: nonzero keeps it (a subtree); NULL for all */
    size_t offset;             /* matching rows to skip */
    size_t limit;              /* rows to return at most */
} pv_function_query;

/* Builds the index of profile. Returns 0 and sets *out, or -1 with err
 * filled (PV_ERR_NOMEM; PV_ERR_INPUT when names and files pass 4 GB). */
int pv_index_build(const pv_profile *profile, pv_index **out, pv_error *err);

/* Frees the index. NULL is fine. */
void pv_index_free(pv_index *index);

/* The bytes the index holds (an estimate within a few per cent). */
size_t pv_index_memory(const pv_index *index);

/* Finds the rows of a page. Sets *ids to a new array of the ids of the
 * page's rows in order (the caller frees it; NULL when *nids is 0), *nids to
 * their number and *total to the number of matching functions in the whole
 * table. Returns 0, or -1 with err filled (PV_ERR_NOMEM). */
int pv_index_query(const pv_index *index, const pv_function_query *query, uint32_t **ids,
                   size_t *nids, size_t *total, pv_error *err);

/* The sort key called name ("tottime", "cumtime", "ncalls", "pcalls",
 * "name", "file", "tottime_percall", "cumtime_percall"), or -1. */
int pv_index_sort_key_from_name(const char *name);

/* The name of key. */
const char *pv_index_sort_key_name(pv_sort_key key);

/* What key orders by, as pstats heads a report ("internal time", ...). */
const char *pv_index_sort_key_title(pv_sort_key key);

/* The value a numeric key sorts f by (0 for text keys). */
double pv_index_sort_value(const pv_function *f, pv_sort_key key);

/* True when key sorts text (name, file): its natural order is ascending. */
bool pv_index_sort_is_text(pv_sort_key key);

#endif
