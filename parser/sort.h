/* sort.h: sorting arrays of ids with a comparator that takes a context,
 * sorting ids by a numeric key, and sorting ids by strings.
 *
 * C11 has no qsort_r, and a comparator that reads a global is not safe with
 * request threads, so ids are sorted here with an explicit context. The sort
 * is a stable merge sort (O(n log n) always, whatever the input). Numeric
 * keys are sorted without comparisons: a stable LSD radix sort of uint64
 * keys (pv_sort_key_of_double maps a double to one). Strings go through
 * that radix sort 8 bytes at a time (pv_sort_ids_by_text). All allocate
 * their scratch for the call and free it before returning.
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

/* An id and the key it sorts by. */
typedef struct pv_key_item {
    uint64_t key;
    uint32_t id;
} pv_key_item;

/* Sorts items[0..n) stably by key, in unsigned order: filled in id order,
 * ties come out by ascending id. Returns 0, or -1 when out of memory (items
 * are then unchanged). */
int pv_sort_key_items(pv_key_item *items, size_t n);

/* Sorts ids[0..n) by text[0..n) (text[i] is the string of ids[i]) in
 * strcmp order; ids with equal strings by tie (NULL: none), and those tie
 * calls equal in the order given. Most of the work is the radix sort above
 * of 8-byte slices of the strings, taken deeper only where they agree, so a
 * large table costs few string comparisons and no recursion. Returns 0, or
 * -1 when out of memory (ids are then unchanged). */
int pv_sort_ids_by_text(uint32_t *ids, const char *const *text, size_t n, pv_id_compare tie,
                        const void *context);

/* A key whose unsigned order is d's numeric order; NAN and -0.0 get 0.0's
 * key (a caller that wants NAN elsewhere checks for it first). */
uint64_t pv_sort_key_of_double(double d);

#endif
