/* api_tree.h: GET /api/profiles/{id}/tree?path=&depth=&cutoff=&max_nodes=&form=
 * (docs/api.md has the shapes).
 *
 * The tree comes from calltree.h. It is written in one of two forms:
 *   - "nested" (the default): {"path": [...], "root": node}, each node an
 *     object with its function's name, file, line and totals, and its
 *     children in "children";
 *   - "compact" (form=compact, what the web UI asks for and what the page
 *     embeds: page.h): the same numbers with each file and each function
 *     written once, {"path", "form": "compact", "files": [file, ...],
 *     "functions": [[id, name, file index, line, cumtime, tottime, ncalls,
 *     pcalls], ...], "whys": [null, "several-callers", ...], "nodes": [f,
 *     time, calls, flags, why, hidden time, hidden count, children, ...]}:
 *     eight numbers a node, breadth-first from the view root, so that a
 *     node's children are the next unclaimed nodes (f: an index into
 *     functions, -1 for the synthetic root; flags: 1 exact, 2 reentry,
 *     4 more; why: an index into whys). A tree of some 1,500 nodes is a
 *     third as long as the nested form; web/js/treeform.js reads it back
 *     into the nested form.
 * Both hold the same numbers, every double written to read back exactly
 * (json.h).
 *
 * pv_api_tree_reply answers like pv_api_handle (api.h): a status and a JSON
 * body the caller frees; errors are {"error": message} with 400 (a
 * parameter, named in the message), 404 (a path with a bad step) or 500.
 * entry stays the caller's (acquired for the call). No state: any number of
 * threads may call in.
 */
#ifndef PV_API_TREE_H
#define PV_API_TREE_H

#include "api.h"
#include "registry.h"

int pv_api_tree_reply(const pv_registry_entry *entry, const pv_api_request *req,
                      pv_api_reply *reply);

#endif
