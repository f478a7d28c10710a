/* bundle.h: the web UI's JavaScript modules joined into one script.
 *
 * web/js holds about thirty ES modules. Loaded one by one, a first visit
 * waits for them in waves (a browser opens six connections to a host), and
 * the first picture waits for the last of them. pv_bundle joins them into
 * one module instead: it follows the imports from an entry module and writes
 * every module once, dependencies first (the order in which a browser
 * evaluates them: depth first, in import order), each inside a function of
 * its own whose result is its exports:
 *
 *     const __pv_3 = (() => {
 *     const { el, clear } = __pv_1;      // was: import { el, clear } from './dom.js';
 *     function formatTime(s) { ... }     // was: export function formatTime(s) { ... }
 *     return { formatTime };
 *     })();
 *
 * Each line keeps its place, so a line of module N is still one line.
 * Only the forms web/js uses are accepted, each on one line starting at
 * column 0: `import { a, b as c } from './x.js';`, `import * as ns from
 * './x.js';`, `import name from './x.js';` (a default export), `export
 * function|async function|class|const NAME`, `export default EXPR` and
 * `export { a, b };`. Anything that would change meaning once wrapped is an
 * error naming the file and line: `export let`/`var` (a live binding), `export
 * ... from`, `import(`, `import.meta`, top-level `await`, an import cycle, a
 * path outside the folder, and the reserved prefix `__pv_` in a source.
 *
 * Memory: the reader hands over each file as a malloc'd buffer, which
 * pv_bundle frees; the output is malloc'd and the caller's to free.
 */
#ifndef PV_BUNDLE_H
#define PV_BUNDLE_H

#include <stddef.h>

#include "error.h"

/* Reads the file at path (relative to the web folder, e.g. "js/dom.js").
 * Returns 0 with *data (malloc'd, freed by pv_bundle) and *len set, or -1
 * with err filled (PV_ERR_NOT_FOUND for a missing file). */
typedef int (*pv_bundle_reader)(void *ctx, const char *path, char **data, size_t *len,
                                pv_error *err);

/* Bundles entry (e.g. "js/app.js") and every module it imports. Returns 0
 * with *out (malloc'd, NUL-terminated) and *out_len set, or -1 with err
 * filled: PV_ERR_INPUT for a form the bundler does not accept (the message
 * names file:line; offset is the byte offset in that file), the reader's
 * error, or PV_ERR_NOMEM. */
int pv_bundle(const char *entry, pv_bundle_reader read, void *ctx, char **out, size_t *out_len,
              pv_error *err);

#define PV_BUNDLE_MAX_FILE (4 << 20) /* bytes of one module, for the folder reader */

/* A reader of the files of a folder: ctx is the folder's path (a char *).
 * Refuses symbolic links, anything but a regular file, and files over
 * PV_BUNDLE_MAX_FILE. */
int pv_bundle_read_folder(void *folder, const char *path, char **data, size_t *len, pv_error *err);

#endif
