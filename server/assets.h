/* assets.h: the web UI's files: the copies embedded in the binary (see
 * embed.h), or the files of a --web-root folder while working on them.
 *
 * pv_assets holds one record per embedded file, prepared at start: its
 * content type, an ETag (the content hash) and a gzip copy when that is
 * smaller. A lookup hands out a pv_asset view: of an embedded record (lives
 * as long as the pv_assets), or of a file read from the web root (its bytes
 * in *owned, which the caller frees).
 *
 * The page loads one script, PV_ASSETS_BUNDLE: web/js's modules joined at
 * build time (bundle.h), embedded in place of the modules themselves. A web
 * root without that file gets its own modules joined on each request.
 */
#ifndef PV_ASSETS_H
#define PV_ASSETS_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

#define PV_ASSETS_BUNDLE "js/bundle.js"
#define PV_ASSETS_BUNDLE_ENTRY "js/app.js" /* the module the bundle starts from */

typedef struct pv_assets pv_assets;

typedef struct pv_asset {
    const unsigned char *data;
    size_t size;
    const unsigned char *gz; /* compressed copy, or NULL */
    size_t gz_size;
    const char *content_type;
    const char *etag; /* NULL for files from the web root */
} pv_asset;

/* Prepares the embedded files, or checks web_root (when not NULL) is a
 * folder. Returns 0 and sets *out, or -1 with err filled. */
int pv_assets_new(const char *web_root, pv_assets **out, pv_error *err);

/* Frees the table. NULL is fine. */
void pv_assets_free(pv_assets *assets);

/* Maps a decoded URL path to a file path relative to the web root, or
 * returns false when it can't name a file: only segments of [A-Za-z0-9._-]
 * that don't start with '.', so "..", encoded dots, backslashes and empty
 * segments are all refused. "/" means index.html. */
bool pv_assets_path(const char *url, char *out, size_t size);

/* The Content-Type for a file name. */
const char *pv_assets_content_type(const char *path);

/* True for content types worth compressing (text, JavaScript, JSON, SVG). */
bool pv_assets_compressible(const char *content_type);

/* Finds the file rel (checked by pv_assets_path). Returns 1 with *out set
 * (*owned set to a buffer to free, or NULL), 0 when there is no such file,
 * or -1 with err filled when it could not be read. */
int pv_assets_find(const pv_assets *assets, const char *rel, pv_asset *out, unsigned char **owned,
                   pv_error *err);

#endif
