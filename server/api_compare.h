/* api_compare.h: the comparison endpoints, /api/compare and
 * /api/compare/tree (docs/api.md has the shapes).
 *
 * pv_api_compare_handle answers like pv_api_handle (api.h): a status and a
 * JSON body the caller frees; errors are {"error": message} with 400 (a
 * parameter, named in the message), 404 (an unknown profile or tree path),
 * 405 or 500. Comparisons are kept in a small cache beside the registry
 * (compare_cache.h): the last PV_API_COMPARE_CACHE pairs, with the sort
 * orders asked for, keyed by the two content ids (a pair of ids always
 * names the same two files, so an entry stays right whether or not the
 * profiles were evicted and parsed again meanwhile). Once a comparison is
 * answered, its search texts, default order and text orders are made in the
 * background. A table page within the first PV_API_COMPARE_TOP_ROWS rows
 * of an order not made yet is found without it (pv_compare_top: one pass
 * over the rows), and a filter (q=) reads the profiles' names and files
 * (search.h): neither waits for a sort or an index. Any number of threads
 * may call in.
 */
#ifndef PV_API_COMPARE_H
#define PV_API_COMPARE_H

#include "api.h"
#include "compare.h"
#include "registry.h"

/* A page that ends within this many rows of an order's top is found
 * without making the whole order (offset + limit at most this). */
#define PV_API_COMPARE_TOP_ROWS 3000

/* GET /api/compare/function?base=&new=&fid=&side=&limit= (api_compare_fn.c),
 * answered for api_compare.c once the pair and its comparison are held:
 * function fid of the shown side (NEW's, or BASE's when side=base) as a
 * comparison row, and its callers and callees, each line one function with
 * its edge on each side (null where that run has none) and the change,
 * largest cumulative time first, at most limit of each. Returns 0 with
 * *reply filled (400 for a parameter, 404 for an unknown fid), or -1 when
 * not even an error body could be made. */
int pv_api_compare_function(const pv_compare *cmp, const pv_registry_entry *base,
                            const pv_registry_entry *new_e, const pv_api_request *req,
                            pv_api_reply *reply);

/* True when path is one of this file's endpoints. */
bool pv_api_compare_route(const char *path);

/* Answers req (whose path pv_api_compare_route accepted) from reg. Returns
 * 0 with *reply filled, or -1 when not even an error body could be made. */
int pv_api_compare_handle(pv_registry *reg, const pv_api_request *req, pv_api_reply *reply);

#endif
