/* embed.h: the web UI files compiled into the binary.
 *
 * At build time server/embed.cmake turns every file under web/ (hidden files
 * excepted) into a C array in the build tree and lists them in
 * pv_embed_files, sorted by path. The table and the bytes are constant static
 * storage: nothing owns them, nothing frees them, any thread may read them.
 */
#ifndef PV_EMBED_H
#define PV_EMBED_H

#include <stddef.h>

typedef struct pv_embed_file {
    const char *path;          /* relative to web/, with '/' separators: "js/app.js" */
    const unsigned char *data; /* size bytes (followed by a NUL not counted in size) */
    size_t size;
} pv_embed_file;

extern const pv_embed_file pv_embed_files[];
extern const size_t pv_embed_count;

#endif
