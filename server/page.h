/* page.h: the web UI's page (index.html) with what it needs at start
 * embedded, so that its first data request can be the call tree.
 *
 * index.html holds an empty data block,
 *   <script type="application/json" id="profviz-boot">null</script>,
 * and the server serves it with the block filled: {"health": what
 * /api/health says, "profiles": what /api/profiles says (or null when that
 * list is longer than PV_PAGE_MAX_LIST bytes; the page then asks for it),
 * "tree": the start tree or null}. The start tree is what the page shows
 * first when it opens on a profile with nothing else asked (its URL names at
 * most the profile): {"profile": id, "path": [], "depth", "cutoff",
 * "max_nodes": the request, "body": what /api/profiles/ID/tree answers in
 * the compact form (api_tree.h: each function and file once, a third as
 * long as the nested form, so less for the browser to read)}. It
 * is asked PV_PAGE_TREE_DEPTH levels deep, more than most panes show, and
 * the page shows the levels that fit (a tree of fewer than max_nodes nodes
 * holds every node of a shallower one); a page that needs more, or another
 * view, asks the API. Null when there is none, when the profile is not
 * parsed (not yet, or evicted from the cache: parsing it would hold the
 * page back), or when it is longer than the caller's max_tree bytes. With it the first picture
 * needs no request: the page draws it as soon as its script has run. The JSON is escaped for HTML:
 * '<', '>', '&', U+2028 and U+2029 are written as \uXXXX escapes, so no profile name can end the
 * block or start markup, and the browser never runs a data block (the CSP allows only the server's
 * own script files).
 *
 * Every function returns a new malloc'd, NUL-terminated buffer that the
 * caller frees, or NULL when out of memory; none keeps state.
 */
#ifndef PV_PAGE_H
#define PV_PAGE_H

#include <stdbool.h>
#include <stddef.h>

#include "registry.h"

/* The data block as index.html holds it; the server replaces "null". */
#define PV_PAGE_BLOCK_OPEN "<script type=\"application/json\" id=\"profviz-boot\">"
#define PV_PAGE_BLOCK_EMPTY "null</script>"

/* A list of profiles longer than this is not embedded. */
#define PV_PAGE_MAX_LIST ((size_t)1 << 20)

/* The start tree's request (the page's defaults: web/js/urlstate.js
 * DEFAULT_CUTOFF, api.c's max_nodes), and the largest tree embedded. */
#define PV_PAGE_TREE_DEPTH "40"
#define PV_PAGE_TREE_CUTOFF "0.001"
#define PV_PAGE_TREE_NODES "5000"
#define PV_PAGE_TREE_FORM "compact"
#define PV_PAGE_MAX_TREE ((size_t)2 << 20)

/* What the page's URL asks at start: plain when it names nothing but
 * (optionally) profile; profile as given (NULL when absent); the largest
 * start tree to embed, in bytes (0: none). */
typedef struct pv_page_start {
    bool plain;
    const char *profile;
    size_t max_tree;
} pv_page_start;

/* Copies len bytes of JSON text with '<', '>', '&', U+2028 and U+2029 (in
 * strings, the only place JSON can hold them) written as \u003c, \u003e,
 * \u0026, \u2028 and \u2029; the result means the same JSON. Sets *out_len.
 * Returns the copy, or NULL when out of memory. */
char *pv_page_escape_json(const char *json, size_t len, size_t *out_len);

/* The page: tmpl (index.html, len bytes) with json (len bytes, already
 * escaped) in place of the "null" of its first data block. A template
 * without that block is copied as it is. Sets *out_len. Returns the page,
 * or NULL when out of memory. */
char *pv_page_render(const char *tmpl, size_t tmpl_len, const char *json, size_t json_len,
                     size_t *out_len);

/* The data for the block, escaped: {"health": ..., "profiles": ...,
 * "tree": ...} from reg as the API answers them (uploads and newest_first
 * as in pv_api_request). Profiles is null when listing fails or is longer
 * than max_list bytes; tree is null when start (may be NULL) asks for none.
 * Sets *out_len. Returns the text, or NULL when out of memory. */
char *pv_page_boot_json(pv_registry *reg, bool uploads, bool newest_first, size_t max_list,
                        const pv_page_start *start, size_t *out_len);

#endif
