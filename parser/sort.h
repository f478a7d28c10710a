/* sort.h: sorting arrays of ids with a comparator that takes a context.
 *
 * C11 has no qsort_r, and a comparator that reads a global is not safe with
 * request threads, so ids are sorted here with an explicit context. The sort
 * is a stable merge sort (O(n log n) always, whatever the input). It
 * allocates a scratch buffer for the call and frees it before returning.
 */
#ifndef PV_SORT_H
#define PV_SORT_H

#include <stddef.h>
#include <stdint.h>

/* Returns <0, 0 or >0 as id a sorts before, with or after id b. */
typedef int (*pv_id_compare)(const void *context, uint32_t a, uint32_t b);

/* Sorts ids[0..n) stably by compare. Returns 0, or -1 when out of memory (ids
 * are then unchanged). */
int pv_sort_ids(uint32_t *ids, size_t n, pv_id_compare compare, const void *context);

#endif
