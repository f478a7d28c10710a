/* compare_cache.h: the comparisons of profile pairs kept beside a registry,
 * with their table's sort orders (used by api_compare.c).
 *
 * Data model: a pv_compare_cache is the registry's companion (registry.h;
 * made on first use, freed with the registry): at most
 * PV_API_COMPARE_CACHE comparisons, least recently used dropped first,
 * keyed by the two content ids. Each holds its pv_compare and the sort
 * orders asked for so far (one per key, mode and direction; the text keys,
 * name and file, have one pair of orders for both modes). Everything held
 * is charged to the registry's cache limit (--cache-mb): unused
 * comparisons go first, then profiles.
 *
 * An order is computed once, by the first request that asks for it, with
 * the cache's lock released meanwhile: requests for other orders or other
 * pages go on, and a second request for the same order waits for the
 * first. pv_compare_cache_prepare starts making, on a thread of the
 * cache's, the default order, the search texts of both profiles (for a
 * filter) and then the four text orders (the slowest, some tens of
 * milliseconds on 300,000 rows, made below requests in priority: a request
 * that needs one meanwhile makes it itself instead of waiting), so that
 * they are there when a user filters or goes past the first pages. (Pages near the top of an order
 * not made yet need none: api_compare.c finds them with pv_compare_top.)
 * No function index is made: a comparison needs none.
 *
 * Ownership: a comparison from pv_compare_cache_acquire is held until
 * pv_compare_cache_release (a dropped one is freed then); the orders
 * returned belong to it. The background thread holds its comparison and
 * both profiles while it runs, and the cache waits for it when freed. Any
 * number of threads may call in.
 */
#ifndef PV_COMPARE_CACHE_H
#define PV_COMPARE_CACHE_H

#include <stdbool.h>
#include <stdint.h>

#include "compare.h"
#include "error.h"
#include "registry.h"
#include "search.h"

#define PV_API_COMPARE_CACHE 4

typedef struct pv_compare_cache pv_compare_cache;
typedef struct pv_compare_cached pv_compare_cached;

/* The cache of reg, made on first use. Returns NULL when out of memory. */
pv_compare_cache *pv_compare_cache_of(pv_registry *reg);

/* The comparison of the acquired entries base and new_e, built now when
 * the cache has none (under the cache's lock: a second request for the
 * same pair waits for this one), and held. Returns it, or NULL with err
 * filled. */
pv_compare_cached *pv_compare_cache_acquire(pv_compare_cache *k, pv_registry *reg,
                                            const pv_registry_entry *base,
                                            const pv_registry_entry *new_e, pv_error *err);

/* Gives back a comparison from pv_compare_cache_acquire. NULL is fine. */
void pv_compare_cache_release(pv_compare_cache *k, pv_registry *reg, pv_compare_cached *c);

/* The comparison itself. */
const pv_compare *pv_compare_cached_comparison(const pv_compare_cached *c);

/* The rows of c in the order of key, mode and direction (mode does not
 * matter for name and file), computed on first use. Returns it (owned by
 * c), or NULL with err filled. */
const uint32_t *pv_compare_cache_order(pv_compare_cache *k, pv_registry *reg, pv_compare_cached *c,
                                       const pv_registry_entry *base,
                                       const pv_registry_entry *new_e, pv_compare_key key,
                                       pv_compare_mode mode, bool descending, pv_error *err);

/* The order of key, mode and direction when it is made already, without
 * waiting; NULL when it is not (yet). */
const uint32_t *pv_compare_cache_ready(pv_compare_cache *k, pv_compare_cached *c,
                                       pv_compare_key key, pv_compare_mode mode, bool descending);

/* The search texts of c's two profiles (search.h), made on first use
 * (a second caller waits for the first) and kept with c: sets search[0]
 * (BASE's) and search[1] (NEW's), owned by c. Returns true, or false with
 * err filled when they could not be made. */
bool pv_compare_cache_search(pv_compare_cache *k, pv_registry *reg, pv_compare_cached *c,
                             const pv_registry_entry *base, const pv_registry_entry *new_e,
                             const pv_search **search, pv_error *err);

/* Starts making c's default order (change, absolute, descending), its
 * search texts and its text orders (name and file, both ways) on the
 * cache's background thread, unless they were started for c before or the
 * thread is busy with another comparison. base and new_e are c's entries,
 * held by the caller (the thread takes references of its own). Returns
 * true when it started. */
bool pv_compare_cache_prepare(pv_compare_cache *k, pv_registry *reg, pv_compare_cached *c,
                              const pv_registry_entry *base, const pv_registry_entry *new_e);

/* Waits until the background thread is idle (for tests). */
void pv_compare_cache_wait(pv_compare_cache *k);

#endif
