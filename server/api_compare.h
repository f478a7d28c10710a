/* api_compare.h: the comparison endpoints, /api/compare and
 * /api/compare/tree (docs/api.md has the shapes).
 *
 * pv_api_compare_handle answers like pv_api_handle (api.h): a status and a
 * JSON body the caller frees; errors are {"error": message} with 400 (a
 * parameter, named in the message), 404 (an unknown profile or tree path),
 * 405 or 500. Comparisons are kept in a small cache beside the registry
 * (its companion, registry.h; freed with it): the last PV_API_COMPARE_CACHE
 * pairs, with the sort orders asked for, keyed by the two content ids (a
 * pair of ids always names the same two files, so an entry stays right
 * whether or not the profiles were evicted and parsed again meanwhile). Its
 * memory counts against the registry's cache limit (--cache-mb): unused
 * comparisons go first, then profiles. The cache is guarded by a mutex; any
 * number of threads may call in.
 */
#ifndef PV_API_COMPARE_H
#define PV_API_COMPARE_H

#include "api.h"
#include "registry.h"

#define PV_API_COMPARE_CACHE 4

/* True when path is one of this file's endpoints. */
bool pv_api_compare_route(const char *path);

/* Answers req (whose path pv_api_compare_route accepted) from reg. Returns
 * 0 with *reply filled, or -1 when not even an error body could be made. */
int pv_api_compare_handle(pv_registry *reg, const pv_api_request *req, pv_api_reply *reply);

#endif
