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

/* Preparing the assets beside other work: the gzip copies of the embedded
 * files take a few milliseconds at level 9, which a server that parses a
 * large profile before it listens can spend on another core. */
typedef struct pv_assets_job pv_assets_job;

/* Starts pv_assets_new(web_root) on a thread of its own (web_root is
 * copied), or runs it now when no thread can be started. Returns 0 and sets
 * *out (finish it with pv_assets_finish, in every case), or -1 with err
 * filled when out of memory. */
int pv_assets_start(const char *web_root, pv_assets_job **out, pv_error *err);

/* Waits for job and frees it. Returns what pv_assets_new returned: 0 with
 * *out set, or -1 with err filled (a --web-root that is no folder). */
int pv_assets_finish(pv_assets_job *job, pv_assets **out, pv_error *err);

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
