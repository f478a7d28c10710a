/* api_function.h: the function view's endpoints (docs/api.md has the shapes):
 *
 *   GET /api/profiles/{id}/functions/{fid}/callers-tree?depth=&cutoff=&max_nodes=
 *   GET /api/profiles/{id}/functions/{fid}/callees-tree?depth=&cutoff=&max_nodes=
 *   GET /api/profiles/{id}/functions/{fid}/sites?limit=&within=PATH
 *   GET /api/profiles/{id}/search?q=&limit=&within=PATH
 *
 * The trees come from butterfly.h, the sites from sites.h (a search's sites
 * are those of every function whose name or file holds q, as the function
 * table matches). pv_api_function_handle answers like pv_api_handle
 * (api.h): a status and a JSON body the caller frees; errors are
 * {"error": message} with 400 (a parameter, named in the message), 404 (an
 * unknown profile or function, or a within path with a bad step), 405 or
 * 500. No state: any number of threads may call in.
 */
#ifndef PV_API_FUNCTION_H
#define PV_API_FUNCTION_H

#include <stdbool.h>

#include "api.h"
#include "registry.h"

#define PV_API_SITES_DEFAULT_LIMIT 50
#define PV_API_SITES_MAX_LIMIT 1000
#define PV_API_SITES_NODES 20000 /* the budget of the tree the sites are found in */
#define PV_API_SITES_CUTOFF 0.00001
#define PV_API_BF_DEFAULT_NODES 2000

#define PV_API_WITHIN_NODES 20000 /* the budget of the subtree a table filter reads */

/* For GET .../functions?within=PATH: when req has a within parameter, sets
 * *mask to a new array of nfunctions flags (the caller frees it) marking the
 * functions of the subtree at that path (its call tree to depth 1000 and
 * PV_API_WITHIN_NODES nodes, largest first, no cutoff) and returns 1; returns
 * 0 with *mask NULL when there is none, or -1 with err filled (a malformed
 * path, a path that names no node, out of memory). */
int pv_api_within_mask(const pv_profile *profile, const pv_api_request *req, unsigned char **mask,
                       pv_error *err);

/* True when path is one of this file's endpoints. */
bool pv_api_function_route(const char *path);

/* Answers req (whose path pv_api_function_route accepted) from reg. Returns 0
 * with *reply filled, or -1 when not even an error body could be made. */
int pv_api_function_handle(pv_registry *reg, const pv_api_request *req, pv_api_reply *reply);

#endif
