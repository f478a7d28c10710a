/* search.h: the search text of one profile: which functions have a name or
 * file that holds a string, without the function index (index.h), which
 * takes much longer to make, so that a filtered comparison page need not
 * wait for one (compare_cache.h keeps one per profile of a comparison).
 * Pure: no I/O, no locks, no state outside the pv_search.
 *
 * Data model: every name lower-cased (ASCII), packed with a NUL after
 * each, and the files the same way, one copy per file pointer (the
 * profile's functions share their file's string; two equal strings at two
 * addresses would be two copies, which changes no answer); per function,
 * its file's copy. A query is one
 * memmem() scan of the names and one of the files. The match is the
 * index's: ASCII case-insensitive substring of the name or of the file; an
 * empty string is in every name.
 *
 * Ownership: a pv_search borrows nothing after it is built (it holds its
 * own copies) and is freed with pv_search_free. A built one is read-only:
 * any number of threads query it.
 */
#ifndef PV_SEARCH_H
#define PV_SEARCH_H

#include <stddef.h>

#include "error.h"
#include "profile.h"

typedef struct pv_search pv_search;

/* Builds the search text of profile. Returns 0 and sets *out, or -1 with
 * err filled (PV_ERR_NOMEM; PV_ERR_INPUT when the names or the files pass
 * 4 GB). */
int pv_search_build(const pv_profile *profile, pv_search **out, pv_error *err);

/* Frees it. NULL is fine. */
void pv_search_free(pv_search *s);

/* The bytes it holds. */
size_t pv_search_memory(const pv_search *s);

/* Sets hit[id] to 1 for every function id whose name or file holds q, and
 * leaves the others as they are (hit has one byte per function). Returns
 * 0, or -1 with err filled when out of memory (hit then partly set). */
int pv_search_mark(const pv_search *s, const char *q, unsigned char *hit, pv_error *err);

#endif
